//! `telemetry/opentelemetry` (krakend-components §8): the Prometheus
//! exporter, with CE's series names, labels, `otel_scope_name` and fixed
//! bucket lists (§8.2), so a dashboard built for KrakenD reads a gwc
//! gateway unchanged.
//!
//! The request path adds to per-worker atomics ([`crate::worker::Counters`]):
//! no lock, no allocation. [`render`] sums them when Prometheus scrapes
//! and writes them with [`crate::exposition`] (`prometheus-client`, the
//! same encoder as gwc's own admin `/metrics`; the
//! OpenTelemetry SDK's instruments lock on every record, so gwc does not
//! use them on the request path).
//!
//! Series (CE v0.14.4 names; labels besides `otel_scope_name` and
//! `otel_scope_version`):
//! - `http_server_duration` (s): `http_request_method`, `url_scheme`,
//!   `http_route` (gin's `/foo/:id`), `http_response_status_code`;
//! - `krakend_backend_duration` (s): `http_request_method`, `http_route`
//!   (the `url_pattern`), `krakend_endpoint_route`, `krakend_endpoint_method`,
//!   `error`, `canceled`, `complete`;
//! - `http_client_request_started_count_total`, `…_failed_count_total`,
//!   `…_timedout_count_total`: the backend labels plus `clientname`,
//!   `server_address`, `server_port`; read from the host's attempt
//!   counters, so an attempt is counted when it ends.

#[cfg(feature = "otlp")]
pub mod otlp;
#[cfg(feature = "otlp")]
pub mod trace;

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::metrics::MetricType;

use crate::exposition::{Family, Value};

use crate::state::Gw;
use crate::upstream::AttemptResult;
use crate::worker::Counters;

/// The instrumentation scope CE's meter names (`otel_scope_name`).
pub const SCOPE_NAME: &str = "io.krakend.krakend-otel";

/// CE's time buckets, in seconds (`config/histogram_buckets.go`).
pub const TIME_BUCKETS: [f64; 20] = [
    0.010, 0.020, 0.050, 0.075, 0.100, 0.125, 0.150, 0.175, 0.200, 0.250, 0.300, 0.350, 0.500,
    0.750, 1.000, 1.500, 2.000, 3.500, 5.000, 10.000,
];

/// Slots of a [`TimeHistogram`]: one per bound, `+Inf`, the sum (ns) and
/// the count.
const SLOTS: usize = TIME_BUCKETS.len() + 3;
const INF: usize = TIME_BUCKETS.len();
const SUM: usize = TIME_BUCKETS.len() + 1;
const COUNT: usize = TIME_BUCKETS.len() + 2;

/// A latency histogram over [`TIME_BUCKETS`], kept per worker.
#[derive(Debug, Default)]
pub struct TimeHistogram(Counters<SLOTS>);

impl TimeHistogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        let i = TIME_BUCKETS.iter().position(|b| s <= *b).unwrap_or(INF);
        self.0.add(i, 1);
        self.0
            .add(SUM, u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        self.0.add(COUNT, 1);
    }

    /// The count.
    pub fn count(&self) -> u64 {
        self.0.get(COUNT)
    }

    /// The histogram as an exposition value (sum in seconds, `+Inf` last).
    fn value(&self) -> Value {
        let mut buckets: Vec<(f64, u64)> = TIME_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, b)| (*b, self.0.get(i)))
            .collect();
        buckets.push((f64::INFINITY, self.0.get(INF)));
        Value::Histogram {
            sum: self.0.get(SUM) as f64 / 1e9,
            count: self.0.get(COUNT),
            buckets,
        }
    }
}

/// How many distinct statuses one endpoint keeps a histogram for; a
/// further status is counted in [`ServerMetrics::dropped`] (an endpoint
/// rarely answers with more than a handful).
pub const STATUS_SLOTS: usize = 8;

/// One endpoint's `http_server_duration`, by status.
#[derive(Debug, Default)]
pub struct ServerMetrics {
    /// The status each slot holds (0: free), claimed once.
    codes: [AtomicU16; STATUS_SLOTS],
    hists: [TimeHistogram; STATUS_SLOTS],
    /// Observations with no free slot left.
    pub dropped: AtomicU64,
}

impl ServerMetrics {
    /// Records one request answered with `status` after `d`.
    pub fn record(&self, status: u16, d: Duration) {
        match super::status_slot(&self.codes, status) {
            Some(i) => self.hists[i].observe(d),
            None => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// (status, histogram) for every claimed slot.
    fn slots(&self) -> impl Iterator<Item = (u16, &TimeHistogram)> {
        self.codes
            .iter()
            .zip(&self.hists)
            .map(|(c, h)| (c.load(Ordering::Relaxed), h))
            .filter(|(c, _)| *c != 0)
    }
}

/// One backend's `krakend_backend_duration`, by (error, canceled, complete).
#[derive(Debug, Default)]
pub struct BackendMetrics {
    hists: [TimeHistogram; 8],
}

impl BackendMetrics {
    /// Records one backend call.
    pub fn record(&self, error: bool, canceled: bool, complete: bool, d: Duration) {
        let i = usize::from(error) << 2 | usize::from(canceled) << 1 | usize::from(complete);
        self.hists[i].observe(d);
    }
}

/// Times a backend call; dropped before [`BackendTimer::finish`], the call
/// was canceled (CE's `canceled="true"`).
#[derive(Debug)]
pub struct BackendTimer<'a> {
    metrics: &'a BackendMetrics,
    start: std::time::Instant,
    done: bool,
}

impl<'a> BackendTimer<'a> {
    /// Starts timing.
    pub fn start(metrics: &'a BackendMetrics) -> Self {
        BackendTimer {
            metrics,
            start: std::time::Instant::now(),
            done: false,
        }
    }

    /// Records the call's end.
    pub fn finish(mut self, error: bool, complete: bool) {
        self.done = true;
        self.metrics
            .record(error, false, complete, self.start.elapsed());
    }
}

impl Drop for BackendTimer<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.metrics.record(true, true, false, self.start.elapsed());
        }
    }
}

pub use super::gin_route;

type Labels = crate::exposition::Labels;

/// `labels` plus CE's scope labels, sorted by name as Go's exporter writes
/// them.
fn scope(mut l: Labels) -> Labels {
    l.push(("otel_scope_name", SCOPE_NAME.to_owned()));
    l.push(("otel_scope_version", String::new()));
    l.sort_by(|a, b| a.0.cmp(b.0));
    l
}

fn bool_label(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

fn method(m: crate::spec::Method) -> String {
    crate::proxy::http_method(m).as_str().to_owned()
}

/// CE's series, summed from the counters now (the Prometheus exporter
/// and the OTLP exporters both read them).
pub(crate) fn families(gw: &Gw) -> Vec<Family> {
    let mut server = Family::new(
        "http_server_duration",
        MetricType::Histogram,
        "Duration of the requests the gateway served, in seconds.",
    );
    let mut backend = Family::new(
        "krakend_backend_duration",
        MetricType::Histogram,
        "Duration of the backend layer, in seconds.",
    );
    let mut started = Family::new(
        "http_client_request_started_count",
        MetricType::Counter,
        "Requests sent to backends.",
    );
    let mut failed = Family::new(
        "http_client_request_failed_count",
        MetricType::Counter,
        "Requests to backends that failed (timeouts included).",
    );
    let mut timedout = Family::new(
        "http_client_request_timedout_count",
        MetricType::Counter,
        "Requests to backends that timed out.",
    );
    let global_attrs = gw.spec.otel.map_or(&[][..], |o| o.global.metric_attrs);
    let statics = |l: &mut Labels, attrs: &[crate::spec::OtelAttr]| {
        for a in attrs {
            l.push((a.label, a.value.to_owned()));
        }
    };
    for ep in gw.endpoints.iter() {
        let Some(otel) = &ep.otel else { continue };
        let ep_method = method(ep.spec.method);
        let ep_route = gin_route(ep.spec.path);
        for (status, h) in otel.server.slots() {
            let mut labels = vec![
                ("http_request_method", ep_method.clone()),
                ("url_scheme", "http".to_owned()),
                ("http_route", ep_route.clone()),
                ("http_response_status_code", status.to_string()),
            ];
            statics(&mut labels, global_attrs);
            server.push(scope(labels), h.value());
        }
        for (i, (b, bm)) in ep.backends.iter().zip(otel.backends.iter()).enumerate() {
            let Some(layer) = otel.backend_layer(i) else {
                continue;
            };
            let b_method = method(b.spec.method);
            let route = gin_route(&b.label);
            let mut base = vec![
                ("http_request_method", b_method),
                ("http_route", route.clone()),
                ("krakend_endpoint_route", ep_route.clone()),
                ("krakend_endpoint_method", ep_method.clone()),
            ];
            statics(&mut base, layer.metric_attrs);
            for (i, h) in bm.hists.iter().enumerate() {
                if h.count() == 0 {
                    continue;
                }
                let mut l = base.clone();
                l.push(("error", bool_label(i & 4 != 0)));
                l.push(("canceled", bool_label(i & 2 != 0)));
                l.push(("complete", bool_label(i & 1 != 0)));
                backend.push(scope(l), h.value());
            }
            for h in b.upstream.hosts.iter().filter(|_| layer.round_trip_metrics) {
                let https = h.scheme == hyper::http::uri::Scheme::HTTPS;
                let port = h
                    .authority
                    .port_u16()
                    .unwrap_or(if https { 443 } else { 80 });
                let mut l = base.clone();
                l.push(("clientname", route.clone()));
                l.push(("server_address", h.authority.host().to_owned()));
                l.push(("server_port", port.to_string()));
                let l = scope(l);
                let n =
                    |rs: &[AttemptResult]| Value::Counter(rs.iter().map(|r| h.stats.get(*r)).sum());
                started.push(l.clone(), n(&AttemptResult::ALL));
                failed.push(
                    l.clone(),
                    n(&[AttemptResult::Error, AttemptResult::Timeout]),
                );
                timedout.push(l, n(&[AttemptResult::Timeout]));
            }
        }
    }
    if let Some(u) = &gw.otel_unmatched {
        for (m, sm) in METHODS.iter().zip(&u.by_method) {
            for (status, h) in sm.slots() {
                let reason = hyper::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("");
                let mut labels = vec![
                    ("http_request_method", (*m).to_owned()),
                    ("url_scheme", "http".to_owned()),
                    ("http_route", format!("{status} {reason}")),
                    ("http_response_status_code", status.to_string()),
                ];
                statics(&mut labels, global_attrs);
                server.push(scope(labels), h.value());
            }
        }
    }
    vec![server, backend, started, failed, timedout]
}

/// Whether the global layer measures a request no endpoint served:
/// `layers.global` measures and the raw path is not in `skip_paths` (CE's
/// exact comparison); with CE's default list, `/__health`, `/__debug/…`
/// and `/__echo/…` are all left out.
pub fn measures_unmatched(otel: &crate::spec::Otel, path: &str, label: &str) -> bool {
    let defaults = otel.skip_paths == crate::spec::Otel::DEFAULT.skip_paths;
    otel.global.metrics
        && !otel.skip_paths.contains(&path)
        && !(defaults && matches!(label, "health" | "debug" | "echo"))
}

/// The methods CE labels as themselves; any other is `_OTHER`.
const METHODS: [&str; 10] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE", "_OTHER",
];

/// `http_server_duration` of the requests no endpoint served (404, 405,
/// redirects): CE labels them `http_route="<status> <reason>"`, by method.
#[derive(Debug, Default)]
pub struct Unmatched {
    by_method: [ServerMetrics; METHODS.len()],
}

impl Unmatched {
    /// Records one request.
    pub fn record(&self, method: &str, status: u16, d: Duration) {
        let i = METHODS
            .iter()
            .position(|m| *m == method)
            .unwrap_or(METHODS.len() - 1);
        self.by_method[i].record(status, d);
    }
}

/// Per endpoint: its server histogram and one [`BackendMetrics`] per backend.
#[derive(Debug)]
pub struct EndpointOtel {
    /// `http_server_duration`.
    pub server: ServerMetrics,
    /// `krakend_backend_duration`, in backend order.
    pub backends: Box<[BackendMetrics]>,
    /// `http_server_duration` is recorded: `layers.global` measures and
    /// the endpoint's path is not in `skip_paths` (CE compares the raw
    /// request path; a literal endpoint's path is it).
    pub server_on: bool,
    /// The endpoint's gin route is in `skip_paths`: no backend metrics,
    /// no client spans (CE's proxy and backend layers compare the route).
    pub backend_skipped: bool,
    /// Each backend's layer (a backend's own override, else the service's).
    pub layers: Box<[crate::spec::OtelBackend]>,
}

impl EndpointOtel {
    /// Zeroed, for `ep`'s backends.
    pub fn new(otel: &crate::spec::Otel, ep: &crate::spec::Endpoint) -> Self {
        let route = gin_route(ep.path);
        let method = crate::proxy::http_method(ep.method);
        EndpointOtel {
            server: ServerMetrics::default(),
            backends: (0..ep.backends.len())
                .map(|_| BackendMetrics::default())
                .collect(),
            server_on: otel.global.metrics && !otel.skip_paths.contains(&ep.path),
            backend_skipped: otel.skip_paths.contains(&route.as_str()),
            layers: (0..ep.backends.len())
                .map(|i| {
                    otel.backend_overrides
                        .iter()
                        .find(|(p, m, bi, _)| *p == ep.path && *m == method.as_str() && *bi == i)
                        .map_or(otel.backend, |o| o.3)
                })
                .collect(),
        }
    }

    /// Backend `i`'s layer when the backend layers measure this endpoint.
    pub fn backend_layer(&self, i: usize) -> Option<&crate::spec::OtelBackend> {
        if self.backend_skipped {
            return None;
        }
        self.layers.get(i)
    }
}

/// The exporter's `/metrics` body (OpenMetrics text, [`crate::exposition`]).
pub fn render(gw: &Gw) -> String {
    crate::exposition::encode(families(gw))
}

/// The content type of [`render`]'s body.
pub const CONTENT_TYPE: &str = crate::exposition::CONTENT_TYPE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gin_routes() {
        for (input, want) in [
            ("/a", "/a"),
            ("/users/{id}", "/users/:id"),
            ("/a/{x}/b/{y}", "/a/:x/b/:y"),
            ("/open/{x", "/open/{x"),
        ] {
            assert_eq!(gin_route(input), want, "{input}");
        }
    }

    #[test]
    fn statuses_claim_slots_once() {
        let m = ServerMetrics::default();
        for s in [200, 404, 200, 500] {
            m.record(s, Duration::from_millis(30));
        }
        let got: Vec<(u16, u64)> = m.slots().map(|(c, h)| (c, h.count())).collect();
        assert_eq!(got, [(200, 2), (404, 1), (500, 1)]);
        for s in 1..=20 {
            m.record(s, Duration::ZERO);
        }
        assert_eq!(m.dropped.load(Ordering::Relaxed), 15);
    }

    #[test]
    fn buckets_are_ces() {
        let h = TimeHistogram::default();
        h.observe(Duration::from_millis(10));
        h.observe(Duration::from_millis(11));
        h.observe(Duration::from_secs(11));
        let Value::Histogram {
            sum,
            count,
            buckets: b,
        } = h.value()
        else {
            panic!("a histogram")
        };
        assert_eq!(count, 3);
        assert!((sum - 11.021).abs() < 1e-9, "{sum}");
        assert_eq!(b[0], (0.01, 1));
        assert_eq!(b[1], (0.02, 1));
        assert_eq!(b[20], (f64::INFINITY, 1));
    }
}
