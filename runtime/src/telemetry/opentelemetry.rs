//! `telemetry/opentelemetry` (krakend-components §8): the Prometheus
//! exporter, with CE's series names, labels, `otel_scope_name` and fixed
//! bucket lists (§8.2), so a dashboard built for KrakenD reads a gwc
//! gateway unchanged.
//!
//! The request path adds to per-worker atomics ([`crate::worker::Counters`]):
//! no lock, no allocation. A [`Collector`] sums them when Prometheus
//! scrapes and hands the sums to `prometheus-client`'s text encoder (the
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

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

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

    /// (sum in seconds, count, per-bucket counts with `+Inf` last).
    fn snapshot(&self) -> (f64, u64, Vec<(f64, u64)>) {
        let mut buckets: Vec<(f64, u64)> = TIME_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, b)| (*b, self.0.get(i)))
            .collect();
        buckets.push((f64::INFINITY, self.0.get(INF)));
        (self.0.get(SUM) as f64 / 1e9, self.0.get(COUNT), buckets)
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
        for (code, hist) in self.codes.iter().zip(&self.hists) {
            let c = code.load(Ordering::Relaxed);
            if c == status
                || (c == 0
                    && match code.compare_exchange(0, status, Ordering::Relaxed, Ordering::Relaxed)
                    {
                        Ok(_) => true,
                        Err(now) => now == status,
                    })
            {
                hist.observe(d);
                return;
            }
        }
        self.dropped.fetch_add(1, Ordering::Relaxed);
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

/// lura's route form: `{x}` → `:x` (gin's pattern, what CE labels with).
pub fn gin_route(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push(':');
        out.push_str(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The scrape-time collector over a gateway's counters.
struct Sums(std::sync::Arc<Gw>);

impl std::fmt::Debug for Sums {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sums")
    }
}

type Labels<'a> = Vec<(&'a str, String)>;

fn scope(mut l: Labels<'_>) -> Labels<'_> {
    l.push(("otel_scope_name", SCOPE_NAME.to_owned()));
    l.push(("otel_scope_version", String::new()));
    l.sort_by(|a, b| a.0.cmp(b.0));
    l
}

fn bool_label(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

impl Collector for Sums {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let gw = &self.0;
        let hist = |m: &mut prometheus_client::encoding::MetricEncoder<'_>,
                    labels: &Labels<'_>,
                    h: &TimeHistogram|
         -> Result<(), std::fmt::Error> {
            let (sum, count, buckets) = h.snapshot();
            m.encode_family(labels)?
                .encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
        };
        {
            let mut m = enc.encode_descriptor(
                "http_server_duration",
                "Duration of the requests the gateway served, in seconds.",
                None,
                MetricType::Histogram,
            )?;
            for ep in gw.endpoints.iter() {
                let Some(otel) = &ep.otel else { continue };
                let method = crate::proxy::http_method(ep.spec.method)
                    .as_str()
                    .to_owned();
                let route = gin_route(ep.spec.path);
                for (status, h) in otel.server.slots() {
                    let labels = scope(vec![
                        ("http_request_method", method.clone()),
                        ("url_scheme", "http".to_owned()),
                        ("http_route", route.clone()),
                        ("http_response_status_code", status.to_string()),
                    ]);
                    hist(&mut m, &labels, h)?;
                }
            }
        }
        {
            let mut m = enc.encode_descriptor(
                "krakend_backend_duration",
                "Duration of the backend layer, in seconds.",
                None,
                MetricType::Histogram,
            )?;
            for ep in gw.endpoints.iter() {
                let Some(otel) = &ep.otel else { continue };
                let ep_method = crate::proxy::http_method(ep.spec.method)
                    .as_str()
                    .to_owned();
                let ep_route = gin_route(ep.spec.path);
                for (b, bm) in ep.backends.iter().zip(otel.backends.iter()) {
                    let method = crate::proxy::http_method(b.spec.method).as_str().to_owned();
                    let route = gin_route(&b.label);
                    for (i, h) in bm.hists.iter().enumerate() {
                        if h.count() == 0 {
                            continue;
                        }
                        let labels = scope(vec![
                            ("http_request_method", method.clone()),
                            ("http_route", route.clone()),
                            ("krakend_endpoint_route", ep_route.clone()),
                            ("krakend_endpoint_method", ep_method.clone()),
                            ("error", bool_label(i & 4 != 0)),
                            ("canceled", bool_label(i & 2 != 0)),
                            ("complete", bool_label(i & 1 != 0)),
                        ]);
                        hist(&mut m, &labels, h)?;
                    }
                }
            }
        }
        let client =
            |name: &str, help: &str, results: &[AttemptResult], enc: &mut DescriptorEncoder| {
                let mut m = enc.encode_descriptor(name, help, None, MetricType::Counter)?;
                for ep in gw.endpoints.iter() {
                    if ep.otel.is_none() {
                        continue;
                    }
                    let ep_method = crate::proxy::http_method(ep.spec.method)
                        .as_str()
                        .to_owned();
                    let ep_route = gin_route(ep.spec.path);
                    for b in ep.backends.iter() {
                        let method = crate::proxy::http_method(b.spec.method).as_str().to_owned();
                        let route = gin_route(&b.label);
                        for h in b.upstream.hosts.iter() {
                            let n: u64 = results.iter().map(|r| h.stats.get(*r)).sum();
                            let https = h.scheme == hyper::http::uri::Scheme::HTTPS;
                            let port =
                                h.authority
                                    .port_u16()
                                    .unwrap_or(if https { 443 } else { 80 });
                            let labels = scope(vec![
                                ("http_request_method", method.clone()),
                                ("http_route", route.clone()),
                                ("krakend_endpoint_route", ep_route.clone()),
                                ("krakend_endpoint_method", ep_method.clone()),
                                ("clientname", route.clone()),
                                ("server_address", h.authority.host().to_owned()),
                                ("server_port", port.to_string()),
                            ]);
                            m.encode_family(&labels)?
                                .encode_counter::<NoLabelSet, u64, f64>(&n, None)?;
                        }
                    }
                }
                Ok::<(), std::fmt::Error>(())
            };
        client(
            "http_client_request_started_count",
            "Requests sent to backends.",
            &AttemptResult::ALL,
            &mut enc,
        )?;
        client(
            "http_client_request_failed_count",
            "Requests to backends that failed (timeouts included).",
            &[AttemptResult::Error, AttemptResult::Timeout],
            &mut enc,
        )?;
        client(
            "http_client_request_timedout_count",
            "Requests to backends that timed out.",
            &[AttemptResult::Timeout],
            &mut enc,
        )?;
        Ok(())
    }
}

/// Per endpoint: its server histogram and one [`BackendMetrics`] per backend.
#[derive(Debug)]
pub struct EndpointOtel {
    /// `http_server_duration`.
    pub server: ServerMetrics,
    /// `krakend_backend_duration`, in backend order.
    pub backends: Box<[BackendMetrics]>,
}

impl EndpointOtel {
    /// Zeroed, for `backends` backends.
    pub fn new(backends: usize) -> Self {
        EndpointOtel {
            server: ServerMetrics::default(),
            backends: (0..backends).map(|_| BackendMetrics::default()).collect(),
        }
    }
}

/// The exporter's `/metrics` body (OpenMetrics text).
pub fn render(gw: &std::sync::Arc<Gw>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Sums(std::sync::Arc::clone(gw))));
    let mut out = String::with_capacity(8192);
    // Writing to a String cannot fail; an encoder error leaves what was
    // written.
    let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
    out
}

/// The content type of [`render`]'s body.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

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
        let (sum, count, b) = h.snapshot();
        assert_eq!(count, 3);
        assert!((sum - 11.021).abs() < 1e-9, "{sum}");
        assert_eq!(b[0], (0.01, 1));
        assert_eq!(b[1], (0.02, 1));
        assert_eq!(b[20], (f64::INFINITY, 1));
    }
}
