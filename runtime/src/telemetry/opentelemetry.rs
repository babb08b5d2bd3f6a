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
//! - `http_server_duration` (s) and `http_server_response_size` (bytes,
//!   the size the response announces): `http_request_method`,
//!   `url_scheme`, `http_route` (gin's `/foo/:id`),
//!   `http_response_status_code`;
//! - `krakend_proxy_duration` (s): `http_request_method`, `http_route`
//!   (the endpoint's), `error`, `canceled`, `complete` (the handler's
//!   proxy stage, r.);
//! - `krakend_backend_duration` (s): `http_request_method`, `http_route`
//!   (the `url_pattern`), `krakend_endpoint_route`, `krakend_endpoint_method`,
//!   `error`, `canceled`, `complete`;
//! - CE's transport series, one round trip (an attempt: request sent,
//!   response head received) at a time ([`RoundTrip`]):
//!   `http_client_request_{started,failed,canceled,timedout}_count_total`,
//!   `http_client_request_size_total` (the request's `Content-Length`),
//!   `http_client_duration` (s), `http_client_response_size` (bytes, only
//!   with a `Content-Length`), `http_client_response_no_content_length_total`:
//!   the backend labels plus `clientname`, `server_address`, `server_port`
//!   and `http_response_status_code` (0 without an answer).
//!
//! Every series keeps at most [`STATUS_SLOTS`] statuses per endpoint (per
//! host for the transport series), so neither clients nor backends can
//! grow the label set.

#[cfg(feature = "otlp")]
pub mod otlp;
#[cfg(feature = "otlp")]
pub mod trace;

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::metrics::MetricType;

use crate::exposition::{Family, Value};

use crate::state::Gw;
use crate::worker::Counters;

/// The instrumentation scope CE's meter names (`otel_scope_name`).
pub const SCOPE_NAME: &str = "io.krakend.krakend-otel";

/// CE's time buckets, in seconds (`config/histogram_buckets.go`).
pub const TIME_BUCKETS: [f64; 20] = [
    0.010, 0.020, 0.050, 0.075, 0.100, 0.125, 0.150, 0.175, 0.200, 0.250, 0.300, 0.350, 0.500,
    0.750, 1.000, 1.500, 2.000, 3.500, 5.000, 10.000,
];

/// CE's size buckets, in bytes (`config/histogram_buckets.go`).
pub const SIZE_BUCKETS: [f64; 15] = [
    128.0, 256.0, 512.0, 1024.0, 4096.0, 8192.0, 16384.0, 32768.0, 65536.0, 262144.0, 524288.0,
    1048576.0, 4194304.0, 16777216.0, 67108864.0,
];

/// Slots of a [`Buckets`]: one per bound (the longest list), `+Inf`
/// (right after a list's last bound), the sum and the count.
const SLOTS: usize = TIME_BUCKETS.len() + 3;
const SUM: usize = SLOTS - 2;
const COUNT: usize = SLOTS - 1;

/// A histogram's per-worker counts over a bucket list given by its user.
#[derive(Debug, Default)]
struct Buckets(Counters<SLOTS>);

impl Buckets {
    /// Records `x` (in the bounds' unit), adding `sum` to the sum.
    fn observe(&self, bounds: &[f64], x: f64, sum: u64) {
        let i = bounds.iter().position(|b| x <= *b).unwrap_or(bounds.len());
        self.0.add(i, 1);
        self.0.add(SUM, sum);
        self.0.add(COUNT, 1);
    }

    /// The histogram as an exposition value: the sum divided by `scale`,
    /// `+Inf` last.
    fn value(&self, bounds: &[f64], scale: f64) -> Value {
        let mut buckets: Vec<(f64, u64)> = bounds
            .iter()
            .enumerate()
            .map(|(i, b)| (*b, self.0.get(i)))
            .collect();
        buckets.push((f64::INFINITY, self.0.get(bounds.len())));
        Value::Histogram {
            sum: self.0.get(SUM) as f64 / scale,
            count: self.0.get(COUNT),
            buckets,
        }
    }
}

/// A latency histogram over [`TIME_BUCKETS`], kept per worker.
#[derive(Debug, Default)]
pub struct TimeHistogram(Buckets);

impl TimeHistogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.0.observe(&TIME_BUCKETS, d.as_secs_f64(), nanos);
    }

    /// The count.
    pub fn count(&self) -> u64 {
        self.0.0.get(COUNT)
    }

    /// The histogram as an exposition value (sum in seconds, `+Inf` last).
    fn value(&self) -> Value {
        self.0.value(&TIME_BUCKETS, 1e9)
    }
}

/// A size histogram over [`SIZE_BUCKETS`], kept per worker.
#[derive(Debug, Default)]
pub struct SizeHistogram(Buckets);

impl SizeHistogram {
    /// Records one size, in bytes.
    pub fn observe(&self, bytes: u64) {
        self.0.observe(&SIZE_BUCKETS, bytes as f64, bytes);
    }

    /// The count.
    pub fn count(&self) -> u64 {
        self.0.0.get(COUNT)
    }

    /// The histogram as an exposition value (sum in bytes, `+Inf` last).
    fn value(&self) -> Value {
        self.0.value(&SIZE_BUCKETS, 1.0)
    }
}

/// How many distinct statuses one endpoint keeps a histogram for; a
/// further status is counted in [`ServerMetrics::dropped`] (an endpoint
/// rarely answers with more than a handful).
pub const STATUS_SLOTS: usize = 8;

/// One endpoint's `http_server_duration` and `http_server_response_size`,
/// by status.
#[derive(Debug, Default)]
pub struct ServerMetrics {
    /// The status each slot holds (0: free), claimed once.
    codes: [AtomicU16; STATUS_SLOTS],
    hists: [(TimeHistogram, SizeHistogram); STATUS_SLOTS],
    /// Observations with no free slot left.
    pub dropped: AtomicU64,
}

impl ServerMetrics {
    /// Records one request answered with `status` and a body of `size`
    /// bytes (as the response announces it) after `d`.
    pub fn record(&self, status: u16, size: u64, d: Duration) {
        match super::status_slot(&self.codes, status) {
            Some(i) => {
                self.hists[i].0.observe(d);
                self.hists[i].1.observe(size);
            }
            None => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// (status, durations, sizes) for every claimed slot.
    fn slots(&self) -> impl Iterator<Item = (u16, &TimeHistogram, &SizeHistogram)> {
        self.codes
            .iter()
            .zip(&self.hists)
            .map(|(c, (t, s))| (c.load(Ordering::Relaxed), t, s))
            .filter(|(c, _, _)| *c != 0)
    }
}

/// One stage's duration, by (error, canceled, complete): a backend's
/// `krakend_backend_duration` or an endpoint's `krakend_proxy_duration`
/// (CE's one `middlewareMeter` for both).
#[derive(Debug, Default)]
pub struct StageMetrics {
    hists: [TimeHistogram; 8],
}

impl StageMetrics {
    /// Records one run of the stage.
    pub fn record(&self, error: bool, canceled: bool, complete: bool, d: Duration) {
        let i = usize::from(error) << 2 | usize::from(canceled) << 1 | usize::from(complete);
        self.hists[i].observe(d);
    }
}

/// Times a stage; dropped before [`StageTimer::finish`], the run was
/// canceled (CE's `canceled="true"`).
#[derive(Debug)]
pub struct StageTimer<'a> {
    metrics: &'a StageMetrics,
    start: std::time::Instant,
    done: bool,
}

impl<'a> StageTimer<'a> {
    /// Starts timing.
    pub fn start(metrics: &'a StageMetrics) -> Self {
        StageTimer {
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

impl Drop for StageTimer<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.metrics.record(true, true, false, self.start.elapsed());
        }
    }
}

/// The slot key of a round trip that got no answer (CE's status 0; a
/// slot holding 0 is free).
const NO_STATUS: u16 = u16::MAX;

/// Counters of one [`ClientSlot`].
const STARTED: usize = 0;
const FAILED: usize = 1;
const CANCELED: usize = 2;
const TIMEDOUT: usize = 3;
const REQUEST_BYTES: usize = 4;
const NO_CONTENT_LENGTH: usize = 5;

/// One status's round trips (CE's transport metrics).
#[derive(Debug, Default)]
struct ClientSlot {
    /// [`STARTED`] … [`NO_CONTENT_LENGTH`].
    counts: Counters<6>,
    /// `http_client_duration`.
    duration: TimeHistogram,
    /// `http_client_response_size`.
    response_size: SizeHistogram,
}

/// One host's round trips for one backend (`layers.backend.metrics.
/// round_trip`), by status: CE's `http_client_*` series. Kept on the
/// host ([`crate::upstream::HostRt`]), where attempts are made.
#[derive(Debug, Default)]
pub struct ClientMetrics {
    /// The status each slot holds (0: free; [`NO_STATUS`]: no answer).
    codes: [AtomicU16; STATUS_SLOTS],
    slots: [ClientSlot; STATUS_SLOTS],
    /// Round trips with no free slot left.
    pub dropped: AtomicU64,
}

impl ClientMetrics {
    fn slot(&self, status: Option<u16>) -> Option<&ClientSlot> {
        let key = status.filter(|s| *s != 0).unwrap_or(NO_STATUS);
        let slot = super::status_slot(&self.codes, key).and_then(|i| self.slots.get(i));
        if slot.is_none() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        slot
    }

    /// (CE's status label, slot) for every claimed slot.
    fn claimed(&self) -> impl Iterator<Item = (u16, &ClientSlot)> {
        self.codes
            .iter()
            .zip(&self.slots)
            .map(|(c, s)| (c.load(Ordering::Relaxed), s))
            .filter(|(c, _)| *c != 0)
            .map(|(c, s)| (if c == NO_STATUS { 0 } else { c }, s))
    }
}

/// How a round trip ended without an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoAnswer {
    /// A transport error (failed).
    Failed,
    /// Its time ran out (failed and timed out).
    TimedOut,
    /// Dropped before its deadline: the client went away (CE: the
    /// context was canceled, not a failure).
    Canceled,
}

/// One round trip (request sent, response head received) being measured;
/// dropped unfinished, it was canceled, or timed out when its deadline
/// has passed (the endpoint's timer drops a plain backend's attempt).
#[derive(Debug)]
pub struct RoundTrip<'a> {
    metrics: &'a ClientMetrics,
    start: std::time::Instant,
    deadline: tokio::time::Instant,
    /// The request's `Content-Length`, when known.
    request_size: Option<u64>,
    /// A `HEAD` request: CE reads no response size.
    head: bool,
    done: bool,
}

impl<'a> RoundTrip<'a> {
    /// Starts measuring a request of `request_size` bytes (when known).
    pub fn start(
        metrics: &'a ClientMetrics,
        deadline: tokio::time::Instant,
        request_size: Option<u64>,
        head: bool,
    ) -> Self {
        RoundTrip {
            metrics,
            start: std::time::Instant::now(),
            deadline,
            request_size,
            head,
            done: false,
        }
    }

    /// The response head came: its status and `Content-Length`.
    pub fn answered(mut self, status: u16, response_size: Option<u64>) {
        self.done = true;
        self.record(Some(status), response_size, None);
    }

    /// No response.
    pub fn failed(mut self, how: NoAnswer) {
        self.done = true;
        self.record(None, None, Some(how));
    }

    fn record(&self, status: Option<u16>, response_size: Option<u64>, err: Option<NoAnswer>) {
        let Some(s) = self.metrics.slot(status) else {
            return;
        };
        s.counts.add(STARTED, 1);
        if let Some(n) = self.request_size {
            s.counts.add(REQUEST_BYTES, n);
        }
        match err {
            None => {}
            Some(NoAnswer::Failed) => s.counts.add(FAILED, 1),
            Some(NoAnswer::TimedOut) => {
                s.counts.add(FAILED, 1);
                s.counts.add(TIMEDOUT, 1);
            }
            Some(NoAnswer::Canceled) => s.counts.add(CANCELED, 1),
        }
        s.duration.observe(self.start.elapsed());
        if status.is_some() && !self.head {
            match response_size {
                Some(n) => s.response_size.observe(n),
                None => s.counts.add(NO_CONTENT_LENGTH, 1),
            }
        }
    }
}

impl Drop for RoundTrip<'_> {
    fn drop(&mut self) {
        if !self.done {
            let how = if tokio::time::Instant::now() >= self.deadline {
                NoAnswer::TimedOut
            } else {
                NoAnswer::Canceled
            };
            self.record(None, None, Some(how));
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

/// A stage's histograms (those with observations) into `family`, each
/// with `base` and its `error`, `canceled` and `complete` labels.
fn push_stage(family: &mut Family, base: &Labels, m: &StageMetrics) {
    for (i, h) in m.hists.iter().enumerate() {
        if h.count() == 0 {
            continue;
        }
        let mut l = base.clone();
        l.push(("error", bool_label(i & 4 != 0)));
        l.push(("canceled", bool_label(i & 2 != 0)));
        l.push(("complete", bool_label(i & 1 != 0)));
        family.push(scope(l), h.value());
    }
}

/// CE's series, summed from the counters now (the Prometheus exporter
/// and the OTLP exporters both read them). A family without samples is
/// left out, as Go's SDK leaves out an instrument nothing was recorded on.
pub(crate) fn families(gw: &Gw) -> Vec<Family> {
    let mut server = Family::new(
        "http_server_duration",
        MetricType::Histogram,
        "Duration of the requests the gateway served, in seconds.",
    );
    let mut server_size = Family::new(
        "http_server_response_size",
        MetricType::Histogram,
        "Size of the responses the gateway served, in bytes.",
    );
    let mut proxy = Family::new(
        "krakend_proxy_duration",
        MetricType::Histogram,
        "Duration of the proxy layer, in seconds.",
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
    let mut canceled = Family::new(
        "http_client_request_canceled_count",
        MetricType::Counter,
        "Requests to backends canceled before an answer (not failures).",
    );
    let mut timedout = Family::new(
        "http_client_request_timedout_count",
        MetricType::Counter,
        "Requests to backends that timed out.",
    );
    let mut request_size = Family::new(
        "http_client_request_size",
        MetricType::Counter,
        "Bytes of request bodies sent to backends, from their Content-Length.",
    );
    let mut client_duration = Family::new(
        "http_client_duration",
        MetricType::Histogram,
        "Duration of the round trips to backends (until the response head), in seconds.",
    );
    let mut response_size = Family::new(
        "http_client_response_size",
        MetricType::Histogram,
        "Content-Length of the backends' responses, in bytes.",
    );
    let mut no_content_length = Family::new(
        "http_client_response_no_content_length",
        MetricType::Counter,
        "Backend responses without a Content-Length.",
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
        for (status, t, s) in otel.server.slots() {
            let mut labels = vec![
                ("http_request_method", ep_method.clone()),
                ("url_scheme", "http".to_owned()),
                ("http_route", ep_route.clone()),
                ("http_response_status_code", status.to_string()),
            ];
            statics(&mut labels, global_attrs);
            let labels = scope(labels);
            server.push(labels.clone(), t.value());
            server_size.push(labels, s.value());
        }
        if let Some(pm) = &otel.proxy {
            let mut base = vec![
                ("http_request_method", ep_method.clone()),
                ("http_route", ep_route.clone()),
            ];
            statics(&mut base, otel.proxy_attrs);
            push_stage(&mut proxy, &base, pm);
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
            push_stage(&mut backend, &base, bm);
            for h in b.upstream.hosts.iter().filter(|_| layer.round_trip_metrics) {
                let Some(cm) = h.otel.as_deref() else {
                    continue;
                };
                let https = h.scheme == hyper::http::uri::Scheme::HTTPS;
                let port = h
                    .authority
                    .port_u16()
                    .unwrap_or(if https { 443 } else { 80 });
                for (status, s) in cm.claimed() {
                    let mut l = base.clone();
                    l.push(("clientname", route.clone()));
                    l.push(("server_address", h.authority.host().to_owned()));
                    l.push(("server_port", port.to_string()));
                    l.push(("http_response_status_code", status.to_string()));
                    let l = scope(l);
                    // CE adds to a counter only when it happens (a request
                    // size of 0 included), so a series appears with its
                    // first event.
                    let n = |i| s.counts.get(i);
                    started.push(l.clone(), Value::Counter(n(STARTED)));
                    request_size.push(l.clone(), Value::Counter(n(REQUEST_BYTES)));
                    for (family, i) in [
                        (&mut failed, FAILED),
                        (&mut canceled, CANCELED),
                        (&mut timedout, TIMEDOUT),
                        (&mut no_content_length, NO_CONTENT_LENGTH),
                    ] {
                        if n(i) > 0 {
                            family.push(l.clone(), Value::Counter(n(i)));
                        }
                    }
                    if s.response_size.count() > 0 {
                        response_size.push(l.clone(), s.response_size.value());
                    }
                    client_duration.push(l, s.duration.value());
                }
            }
        }
    }
    if let Some(u) = &gw.otel_unmatched {
        for (m, sm) in METHODS.iter().zip(&u.by_method) {
            for (status, t, s) in sm.slots() {
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
                let labels = scope(labels);
                server.push(labels.clone(), t.value());
                server_size.push(labels, s.value());
            }
        }
    }
    let mut all = vec![
        server,
        server_size,
        proxy,
        backend,
        started,
        failed,
        canceled,
        timedout,
        request_size,
        client_duration,
        response_size,
        no_content_length,
    ];
    all.retain(|f| !f.samples.is_empty());
    all
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
    pub fn record(&self, method: &str, status: u16, size: u64, d: Duration) {
        let i = METHODS
            .iter()
            .position(|m| *m == method)
            .unwrap_or(METHODS.len() - 1);
        self.by_method[i].record(status, size, d);
    }
}

/// Per endpoint: its server histogram and one [`StageMetrics`] per backend.
#[derive(Debug)]
pub struct EndpointOtel {
    /// `http_server_duration`.
    pub server: ServerMetrics,
    /// `krakend_backend_duration`, in backend order.
    pub backends: Box<[StageMetrics]>,
    /// `http_server_duration` is recorded: `layers.global` measures and
    /// the endpoint's path is not in `skip_paths` (CE compares the raw
    /// request path; a literal endpoint's path is it).
    pub server_on: bool,
    /// The endpoint's gin route is in `skip_paths`: no backend metrics,
    /// no client spans (CE's proxy and backend layers compare the route).
    pub backend_skipped: bool,
    /// Each backend's layer (a backend's own override, else the service's).
    pub layers: Box<[crate::spec::OtelBackend]>,
    /// `krakend_proxy_duration`, when the endpoint's proxy layer (its own
    /// override, else `layers.proxy`) measures and its route is not in
    /// `skip_paths`.
    pub proxy: Option<StageMetrics>,
    /// The proxy layer's static attributes.
    pub proxy_attrs: &'static [crate::spec::OtelAttr],
}

impl EndpointOtel {
    /// Zeroed, for `ep`'s backends.
    pub fn new(otel: &crate::spec::Otel, ep: &crate::spec::Endpoint) -> Self {
        let route = gin_route(ep.path);
        let method = crate::proxy::http_method(ep.method);
        let skipped = otel.skip_paths.contains(&route.as_str());
        let proxy = otel
            .proxy_overrides
            .iter()
            .find(|(p, m, _)| *p == ep.path && *m == method.as_str())
            .map_or(otel.proxy, |o| o.2);
        EndpointOtel {
            server: ServerMetrics::default(),
            backends: (0..ep.backends.len())
                .map(|_| StageMetrics::default())
                .collect(),
            server_on: otel.global.metrics && !otel.skip_paths.contains(&ep.path),
            backend_skipped: skipped,
            layers: (0..ep.backends.len())
                .map(|i| {
                    otel.backend_overrides
                        .iter()
                        .find(|(p, m, bi, _)| *p == ep.path && *m == method.as_str() && *bi == i)
                        .map_or(otel.backend, |o| o.3)
                })
                .collect(),
            proxy: (proxy.metrics && !skipped).then(StageMetrics::default),
            proxy_attrs: proxy.metric_attrs,
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
            m.record(s, 100, Duration::from_millis(30));
        }
        let got: Vec<(u16, u64, u64)> = m
            .slots()
            .map(|(c, t, s)| (c, t.count(), s.count()))
            .collect();
        assert_eq!(got, [(200, 2, 2), (404, 1, 1), (500, 1, 1)]);
        for s in 1..=20 {
            m.record(s, 0, Duration::ZERO);
        }
        assert_eq!(m.dropped.load(Ordering::Relaxed), 15);
        // Both series keep the cap: no slot's sizes without its durations.
        assert_eq!(m.slots().count(), STATUS_SLOTS);
        assert!(m.slots().all(|(_, t, s)| t.count() == s.count()));
    }

    #[test]
    fn round_trips_count_as_ces_transport() {
        let m = ClientMetrics::default();
        let later = tokio::time::Instant::now() + Duration::from_secs(60);
        RoundTrip::start(&m, later, Some(10), false).answered(200, Some(300));
        RoundTrip::start(&m, later, Some(0), false).answered(200, None);
        RoundTrip::start(&m, later, Some(5), true).answered(200, None);
        RoundTrip::start(&m, later, None, false).failed(NoAnswer::Failed);
        RoundTrip::start(&m, later, None, false).failed(NoAnswer::TimedOut);
        // Dropped before its deadline: canceled; after it: timed out.
        drop(RoundTrip::start(&m, later, None, false));
        drop(RoundTrip::start(
            &m,
            tokio::time::Instant::now(),
            None,
            false,
        ));
        let got: Vec<(u16, [u64; 6], u64, u64)> = m
            .claimed()
            .map(|(c, s)| {
                (
                    c,
                    std::array::from_fn(|i| s.counts.get(i)),
                    s.duration.count(),
                    s.response_size.count(),
                )
            })
            .collect();
        // [started, failed, canceled, timedout, request bytes, no length]
        assert_eq!(
            got,
            [
                (200, [3, 0, 0, 0, 15, 1], 3, 1),
                (0, [4, 3, 1, 2, 0, 0], 4, 0)
            ]
        );
    }

    /// The client series keep [`STATUS_SLOTS`] statuses per host, as the
    /// server series do per endpoint (a backend cannot grow the label set).
    #[test]
    fn round_trips_keep_the_status_cap() {
        let m = ClientMetrics::default();
        let later = tokio::time::Instant::now() + Duration::from_secs(60);
        RoundTrip::start(&m, later, None, false).failed(NoAnswer::Failed);
        for s in 200..220 {
            RoundTrip::start(&m, later, None, false).answered(s, Some(1));
        }
        let codes: Vec<u16> = m.claimed().map(|(c, _)| c).collect();
        assert_eq!(codes, [0, 200, 201, 202, 203, 204, 205, 206]);
        assert_eq!(m.dropped.load(Ordering::Relaxed), 13);
    }

    /// A histogram value's (sum, count, buckets).
    fn histogram(v: Value) -> (f64, u64, Vec<(f64, u64)>) {
        match v {
            Value::Histogram {
                sum,
                count,
                buckets,
            } => (sum, count, buckets),
            other => panic!("a histogram, not {other:?}"),
        }
    }

    #[test]
    fn buckets_are_ces() {
        let h = TimeHistogram::default();
        h.observe(Duration::from_millis(10));
        h.observe(Duration::from_millis(11));
        h.observe(Duration::from_secs(11));
        let (sum, count, b) = histogram(h.value());
        assert_eq!(count, 3);
        assert!((sum - 11.021).abs() < 1e-9, "{sum}");
        assert_eq!(b[0], (0.01, 1));
        assert_eq!(b[1], (0.02, 1));
        assert_eq!(b[20], (f64::INFINITY, 1));
        let h = SizeHistogram::default();
        for n in [0, 128, 129, 70_000_000] {
            h.observe(n);
        }
        let (sum, count, b) = histogram(h.value());
        assert_eq!((sum, count, b.len()), (70_000_257.0, 4, 16));
        assert_eq!(b[0], (128.0, 2));
        assert_eq!(b[1], (256.0, 1));
        assert_eq!(b[14], (67108864.0, 0));
        assert_eq!(b[15], (f64::INFINITY, 1));
    }
}
