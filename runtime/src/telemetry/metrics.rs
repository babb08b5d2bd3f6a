//! `telemetry/metrics` (krakend-components §5): KrakenD's `/__stats` JSON,
//! the go-metrics registry dump of `krakend-metrics` v2.2.0 that its
//! expvar handler writes, with CE's metric names.
//!
//! The request path adds to per-worker atomics ([`crate::worker::Counters`]):
//! no lock, no allocation. A collector task ticks every `collection_time`
//! as CE's does (`metrics.go` `processMetrics`): it moves the router's
//! `connected`/`disconnected` counters into their `-gauge` and `-total`
//! values and closes the histograms' window (CE clears them then). The
//! `/__stats` answer sums the counters when it is asked for, as CE's
//! handler reads the live registry.
//!
//! Names (CE's; `<ep>` is the endpoint in gin's form, `/users/:id`;
//! `<url>` the `url_pattern` as lura rewrites it, `/users/{{.Id}}`):
//! - `krakend.router.connected`, `.disconnected` (this window),
//!   `.connected-total`, `.disconnected-total` (at the last tick),
//!   `.connected-gauge`, `.disconnected-gauge` (the last window);
//! - `krakend.router.response.<ep>.status` (registered, never counted, as
//!   in CE), `.status.<code>.count`, and the `.size` (bytes) and `.time`
//!   (ns) histograms;
//! - `krakend.proxy.requests.layer.pipe.name.<ep>.complete.<b>.error.<b>`
//!   and `krakend.proxy.latency.…` (ns), likewise `layer.backend.name.<url>`;
//! - `krakend.service.runtime.NumThread` (the process's threads, read at
//!   each tick) and `cmdline`; Go's other runtime figures have no
//!   equivalent in a compiled gateway and are absent.
//!
//! A histogram prints `count`, `min`, `max`, `mean`, `std-dev` and the
//! `50`/`75`/`95`/`99`/`999-percentile`s, each as expvar does (integers,
//! and Go's shortest `%g` floats). CE samples 1028 values; gwc counts
//! every value in log buckets (4 a power of two, so a percentile and the
//! standard deviation are within 12.5 % of the exact figure; count, min,
//! max and mean are exact).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU16, AtomicU64, Ordering};
use std::time::Duration;

use super::gin_route;
use crate::spec::Stats;
use crate::worker::Counters;

/// Values at or above `2^TOP` share the last bucket (ns: 4.9 hours;
/// bytes: 17 TB).
const TOP: u32 = 44;
/// Buckets: 0–3 exact, then 4 a power of two.
const BUCKETS: usize = 4 + (TOP as usize - 2) * 4;
const COUNT: usize = BUCKETS;
const SUM: usize = BUCKETS + 1;
const SLOTS: usize = BUCKETS + 2;

/// The bucket of `v`.
fn bucket(v: u64) -> usize {
    if v < 4 {
        return v as usize;
    }
    let b = 63 - v.leading_zeros();
    if b >= TOP {
        return BUCKETS - 1;
    }
    4 + (b as usize - 2) * 4 + ((v >> (b - 2)) & 3) as usize
}

/// Bucket `i`'s values: `[lo, hi)`.
fn bounds(i: usize) -> (u64, u64) {
    if i < 4 {
        return (i as u64, i as u64 + 1);
    }
    let b = (i - 4) / 4 + 2;
    let sub = ((i - 4) % 4) as u64;
    ((4 + sub) << (b - 2), (5 + sub) << (b - 2))
}

/// A go-metrics histogram: cumulative bucket counts per worker, and the
/// counts at the last tick, so that the window (what CE's histogram holds
/// since its last `Clear`) is their difference; min and max of the window.
#[derive(Debug)]
pub struct Histogram {
    cells: Counters<SLOTS>,
    base: [AtomicU64; SLOTS],
    min: AtomicU64,
    max: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            cells: Counters::new(),
            base: std::array::from_fn(|_| AtomicU64::new(0)),
            min: AtomicU64::new(u64::MAX),
            max: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    /// Records one value.
    pub fn observe(&self, v: u64) {
        self.cells.add(bucket(v), 1);
        self.cells.add(COUNT, 1);
        self.cells.add(SUM, v);
        // Written only when the value moves them: after warm-up these are
        // reads of a shared line.
        if v > self.max.load(Ordering::Relaxed) {
            self.max.fetch_max(v, Ordering::Relaxed);
        }
        if v < self.min.load(Ordering::Relaxed) {
            self.min.fetch_min(v, Ordering::Relaxed);
        }
    }

    /// Every value ever recorded (a counter of CE's that never resets).
    pub fn total(&self) -> u64 {
        self.cells.get(COUNT)
    }

    /// Closes the window (CE's `Clear` at each tick).
    fn tick(&self) {
        for (i, b) in self.base.iter().enumerate() {
            b.store(self.cells.get(i), Ordering::Relaxed);
        }
        self.min.store(u64::MAX, Ordering::Relaxed);
        self.max.store(0, Ordering::Relaxed);
    }

    /// The current window.
    fn window(&self) -> Window {
        let now = |i: usize| {
            self.cells
                .get(i)
                .wrapping_sub(self.base[i].load(Ordering::Relaxed))
        };
        let count = now(COUNT);
        let (min, max) = if count == 0 {
            (0, 0)
        } else {
            (
                self.min.load(Ordering::Relaxed),
                self.max.load(Ordering::Relaxed),
            )
        };
        Window {
            buckets: (0..BUCKETS).map(now).collect(),
            count,
            sum: now(SUM),
            min: min.min(max),
            max,
        }
    }
}

/// One histogram's window, as `/__stats` prints it.
#[derive(Debug, Clone, PartialEq)]
struct Window {
    buckets: Vec<u64>,
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
}

impl Window {
    /// Two metrics of one name are one metric in CE's registry.
    fn merge(&mut self, o: &Window) {
        if o.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = o.clone();
            return;
        }
        for (a, b) in self.buckets.iter_mut().zip(&o.buckets) {
            *a += b;
        }
        self.count += o.count;
        self.sum = self.sum.wrapping_add(o.sum);
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }

    fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// A bucket's representative value: its middle, within the window's
    /// min and max.
    fn value(&self, i: usize) -> f64 {
        let (lo, hi) = bounds(i);
        ((lo as f64 + hi as f64 - 1.0) / 2.0).clamp(self.min as f64, self.max as f64)
    }

    /// go-metrics' population standard deviation.
    fn std_dev(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let mean = self.mean();
        let var: f64 = self
            .buckets
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| {
                let d = self.value(i) - mean;
                d * d * *n as f64
            })
            .sum::<f64>()
            / self.count as f64;
        var.sqrt()
    }

    /// go-metrics' `SamplePercentiles` on the bucketed values: position
    /// `p × (n + 1)`, the minimum below 1, the maximum from `n`.
    fn percentile(&self, p: f64) -> f64 {
        let n = self.count;
        if n == 0 {
            return 0.0;
        }
        let pos = p * (n as f64 + 1.0);
        if pos < 1.0 {
            return self.min as f64;
        }
        if pos >= n as f64 {
            return self.max as f64;
        }
        let rank = pos.floor() as u64;
        let mut seen = 0;
        for (i, c) in self.buckets.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return self.value(i);
            }
        }
        self.max as f64
    }
}

/// How many distinct statuses one endpoint counts; a further status is
/// not listed (an endpoint rarely answers with more than a handful, and
/// a backend must not grow the document without bound).
pub const STATUS_SLOTS: usize = 8;

/// The router layer of one endpoint (CE's `ginResponseWriter`).
#[derive(Debug, Default)]
pub struct RouterStats {
    /// The status each slot holds (0: free), claimed once.
    codes: [AtomicU16; STATUS_SLOTS],
    counts: Counters<STATUS_SLOTS>,
    size: Histogram,
    time: Histogram,
}

impl RouterStats {
    fn record(&self, status: u16, size: u64, d: Duration) {
        if let Some(i) = super::status_slot(&self.codes, status) {
            self.counts.add(i, 1);
        }
        self.size.observe(size);
        self.time
            .observe(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }
}

/// A proxy layer (`pipe` or `backend`): one histogram per (complete,
/// error), whose total is the `requests` counter.
#[derive(Debug, Default)]
pub struct Layer {
    hists: [Histogram; 4],
}

impl Layer {
    /// Records one call of the layer.
    pub fn record(&self, complete: bool, error: bool, d: Duration) {
        let i = usize::from(complete) << 1 | usize::from(error);
        self.hists[i].observe(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }
}

/// One endpoint's metrics; a disabled layer is `None`.
#[derive(Debug)]
pub struct EndpointStats {
    /// The endpoint as CE names it (gin's form).
    name: String,
    /// Router layer.
    pub router: Option<RouterStats>,
    /// `pipe` layer.
    pub pipe: Option<Layer>,
    /// `backend` layer, per backend: its name (lura's `url_pattern`) and
    /// counters.
    pub backends: Box<[(String, Layer)]>,
    /// The collector's started/finished counters (shared by every endpoint).
    flow: Arc<Flow>,
}

impl EndpointStats {
    /// A request reached the router layer (CE's `Connection`); `None`
    /// with `router_disabled`.
    pub fn started(&self) -> Option<InFlight<'_>> {
        let router = self.router.as_ref()?;
        self.flow.counts.add(0, 1);
        Some(InFlight {
            router,
            flow: &self.flow,
        })
    }

    /// Backend `i`'s layer, when the backend layer is on.
    pub fn backend(&self, i: usize) -> Option<&Layer> {
        self.backends.get(i).map(|(_, l)| l)
    }
}

/// A request between the router layer's start and its answer. Dropped
/// unanswered (the client went away and the request with it, where Go's
/// handler would have run to its end), it still counts as disconnected,
/// so `connected` and `disconnected` stay paired.
#[derive(Debug)]
pub struct InFlight<'a> {
    router: &'a RouterStats,
    flow: &'a Flow,
}

impl InFlight<'_> {
    /// The router layer's answer (CE's `end` and `Disconnection`).
    pub fn finished(self, status: u16, size: u64, d: Duration) {
        self.router.record(status, size, d);
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.flow.counts.add(1, 1);
    }
}

/// `connected`/`disconnected`: cumulative counters, and their values at
/// the last tick and over the last window.
#[derive(Debug, Default)]
struct Flow {
    counts: Counters<2>,
    at_tick: [AtomicU64; 2],
    last_window: [AtomicI64; 2],
}

/// The collector: every endpoint's metrics and the tick state.
#[derive(Debug)]
pub struct Collector {
    /// The configuration.
    pub spec: &'static Stats,
    endpoints: Vec<Arc<EndpointStats>>,
    flow: Arc<Flow>,
    threads: AtomicI64,
}

impl Collector {
    /// The collector, with nothing counted.
    pub fn new(spec: &'static Stats) -> Self {
        Collector {
            spec,
            endpoints: Vec::new(),
            flow: Arc::new(Flow::default()),
            threads: AtomicI64::new(0),
        }
    }

    /// Metrics for one more endpoint: `path` as written, `backends` their
    /// names (lura's `url_pattern`s).
    pub fn endpoint(&mut self, path: &str, backends: Vec<String>) -> Arc<EndpointStats> {
        let s = self.spec;
        let e = Arc::new(EndpointStats {
            name: gin_route(path),
            router: (!s.router_disabled).then(RouterStats::default),
            pipe: (!s.proxy_disabled).then(Layer::default),
            backends: if s.backend_disabled {
                Box::new([])
            } else {
                backends
                    .into_iter()
                    .map(|n| (n, Layer::default()))
                    .collect()
            },
            flow: Arc::clone(&self.flow),
        });
        self.endpoints.push(Arc::clone(&e));
        e
    }

    /// One tick (CE's `processMetrics` loop body).
    pub fn tick(&self) {
        if let Some(n) = threads() {
            self.threads.store(n, Ordering::Relaxed);
        }
        // `RouterMetrics.Aggregate`.
        let f = &self.flow;
        for i in 0..2 {
            let now = f.counts.get(i);
            let before = f.at_tick[i].swap(now, Ordering::Relaxed);
            f.last_window[i].store(
                i64::try_from(now.wrapping_sub(before)).unwrap_or(i64::MAX),
                Ordering::Relaxed,
            );
        }
        // `TakeSnapshot` clears every histogram.
        for e in &self.endpoints {
            if let Some(r) = &e.router {
                r.size.tick();
                r.time.tick();
            }
            for l in e.pipe.iter().chain(e.backends.iter().map(|(_, l)| l)) {
                for h in &l.hists {
                    h.tick();
                }
            }
        }
    }

    /// Ticks every `collection_time` until dropped.
    pub async fn tick_forever(self: Arc<Self>) {
        let period = Duration::from_millis(self.spec.collection_ms.max(1));
        let mut t = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            t.tick().await;
            self.tick();
        }
    }

    /// The `/__stats` body: one JSON object, keys sorted, as Go's expvar
    /// handler writes it.
    pub fn render(&self) -> String {
        let mut m: BTreeMap<String, Entry> = BTreeMap::new();
        let int = |m: &mut BTreeMap<String, Entry>, k: String, v: i64| {
            if let Entry::Int(n) = m.entry(k).or_insert(Entry::Int(0)) {
                *n = n.saturating_add(v);
            }
        };
        let hist = |m: &mut BTreeMap<String, Entry>, k: String, w: Window| match m.get_mut(&k) {
            Some(Entry::Hist(h)) => h.merge(&w),
            _ => {
                m.insert(k, Entry::Hist(w));
            }
        };
        let count = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let f = &self.flow;
        for (i, name) in ["connected", "disconnected"].iter().enumerate() {
            let now = f.counts.get(i);
            let at = f.at_tick[i].load(Ordering::Relaxed);
            int(
                &mut m,
                format!("krakend.router.{name}"),
                count(now.wrapping_sub(at)),
            );
            int(&mut m, format!("krakend.router.{name}-total"), count(at));
            int(
                &mut m,
                format!("krakend.router.{name}-gauge"),
                f.last_window[i].load(Ordering::Relaxed),
            );
        }
        int(
            &mut m,
            "krakend.service.runtime.NumThread".to_owned(),
            self.threads.load(Ordering::Relaxed),
        );
        let layer = |m: &mut BTreeMap<String, Entry>, kind: &str, name: &str, l: &Layer| {
            for (i, h) in l.hists.iter().enumerate() {
                let labels = format!(
                    "layer.{kind}.name.{name}.complete.{}.error.{}",
                    i & 2 != 0,
                    i & 1 != 0
                );
                int(
                    m,
                    format!("krakend.proxy.requests.{labels}"),
                    count(h.total()),
                );
                hist(m, format!("krakend.proxy.latency.{labels}"), h.window());
            }
        };
        for e in &self.endpoints {
            if let Some(r) = &e.router {
                let base = format!("krakend.router.response.{}", e.name);
                int(&mut m, format!("{base}.status"), 0);
                for (i, code) in r.codes.iter().enumerate() {
                    let c = code.load(Ordering::Relaxed);
                    if c != 0 {
                        int(
                            &mut m,
                            format!("{base}.status.{c}.count"),
                            count(r.counts.get(i)),
                        );
                    }
                }
                hist(&mut m, format!("{base}.size"), r.size.window());
                hist(&mut m, format!("{base}.time"), r.time.window());
            }
            if let Some(l) = &e.pipe {
                layer(&mut m, "pipe", &e.name, l);
            }
            for (name, l) in e.backends.iter() {
                layer(&mut m, "backend", name, l);
            }
        }
        // expvar's own `cmdline` (`memstats` is Go's heap: absent).
        let args: Vec<String> = std::env::args().collect();
        m.insert(
            "cmdline".to_owned(),
            Entry::Raw(serde_json::Value::from(args).to_string()),
        );
        let mut vars: Vec<(String, String)> = Vec::with_capacity(m.len() * 4);
        for (k, v) in m {
            match v {
                Entry::Int(n) => vars.push((k, n.to_string())),
                Entry::Raw(s) => vars.push((k, s)),
                Entry::Hist(w) => {
                    // expvar's own names, sorted as it sorts them.
                    let ps = [0.5, 0.75, 0.95, 0.99, 0.999].map(|p| go_float(w.percentile(p)));
                    let [p50, p75, p95, p99, p999] = ps;
                    vars.push((format!("{k}.50-percentile"), p50));
                    vars.push((format!("{k}.75-percentile"), p75));
                    vars.push((format!("{k}.95-percentile"), p95));
                    vars.push((format!("{k}.99-percentile"), p99));
                    vars.push((format!("{k}.999-percentile"), p999));
                    vars.push((format!("{k}.count"), w.count.to_string()));
                    vars.push((format!("{k}.max"), go_float(w.max as f64)));
                    vars.push((format!("{k}.mean"), go_float(w.mean())));
                    vars.push((format!("{k}.min"), go_float(w.min as f64)));
                    vars.push((format!("{k}.std-dev"), go_float(w.std_dev())));
                }
            }
        }
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::with_capacity(vars.len() * 64 + 8);
        out.push_str("{\n");
        for (i, (k, v)) in vars.iter().enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            let _ = write!(out, "{}: {v}", serde_json::Value::from(k.as_str()));
        }
        out.push_str("\n}\n");
        out
    }
}

#[derive(Debug)]
enum Entry {
    Int(i64),
    Hist(Window),
    Raw(String),
}

/// The content type of [`Collector::render`]'s body.
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The process's threads (Linux: `/proc/self/status`), CE's `NumThread`.
fn threads() -> Option<i64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` (what expvar's `Float`
/// prints): the shortest digits, exponent form below 1e-4 and from 1e6
/// (`1.234567e+06`).
pub fn go_float(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return "0".to_owned();
    }
    let e = format!("{f:e}");
    let Some((mant, exp)) = e.split_once('e') else {
        return e;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", exp.unsigned_abs())
}

/// The `/__stats` listener's answer (CE's gin engine: `GET /__stats`
/// only, 405 for another method, a redirect from `/__stats/`, 404 else).
pub fn respond(c: &Collector, method: &hyper::Method, path: &str) -> (u16, &'static str, String) {
    match path {
        "/__stats" if method == hyper::Method::GET => (200, CONTENT_TYPE, c.render()),
        "/__stats" => (405, "text/plain", "405 method not allowed".to_owned()),
        "/__stats/" => (
            if method == hyper::Method::GET {
                301
            } else {
                307
            },
            "text/html; charset=utf-8",
            String::new(),
        ),
        _ => (404, "text/plain", "404 page not found".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_floats() {
        for (f, want) in [
            (0.0, "0"),
            (1.5, "1.5"),
            (123_456.0, "123456"),
            (1e6, "1e+06"),
            (2_345_678.0, "2.345678e+06"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (1e100, "1e+100"),
        ] {
            assert_eq!(go_float(f), want, "{f}");
        }
    }

    #[test]
    fn buckets_cover_every_value_once() {
        let mut last = 0;
        for i in 0..BUCKETS - 1 {
            let (lo, hi) = bounds(i);
            assert_eq!(lo, last, "bucket {i}");
            assert_eq!(bucket(lo), i);
            assert_eq!(bucket(hi - 1), i);
            last = hi;
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
        assert_eq!(bucket(1 << TOP), BUCKETS - 1);
    }

    #[test]
    fn histogram_window_and_statistics() {
        let h = Histogram::default();
        for v in [1_000_000u64, 2_000_000, 3_000_000, 4_000_000] {
            h.observe(v);
        }
        let w = h.window();
        assert_eq!((w.count, w.min, w.max), (4, 1_000_000, 4_000_000));
        assert!((w.mean() - 2_500_000.0).abs() < 1e-6);
        // Exact: 1118033.99; the buckets are within 12.5 %.
        let sd = w.std_dev();
        assert!((sd - 1_118_034.0).abs() / 1_118_034.0 < 0.125, "{sd}");
        // go-metrics: p50 at position 2.5 → between the 2nd and 3rd
        // value; gwc's bucket of the 2nd.
        let p50 = w.percentile(0.5);
        assert!((p50 - 2_000_000.0).abs() / 2_000_000.0 < 0.125, "{p50}");
        assert_eq!(w.percentile(0.999), 4_000_000.0);
        assert_eq!(h.total(), 4);
        h.tick();
        let w = h.window();
        assert_eq!((w.count, w.min, w.max, w.sum), (0, 0, 0, 0));
        h.observe(7);
        assert_eq!((h.window().count, h.window().min, h.total()), (1, 7, 5));
    }

    #[test]
    fn statuses_claim_slots_and_stop_at_the_cap() {
        let r = RouterStats::default();
        for s in [200, 404, 200] {
            r.record(s, 10, Duration::from_millis(1));
        }
        for s in 1..=20 {
            r.record(s, 0, Duration::ZERO);
        }
        let got: Vec<(u16, u64)> = r
            .codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.load(Ordering::Relaxed), r.counts.get(i)))
            .collect();
        assert_eq!(got.len(), STATUS_SLOTS);
        assert_eq!(&got[..3], &[(200, 2), (404, 1), (1, 1)]);
        assert_eq!(r.time.total(), 23);
    }

    #[test]
    fn document_names_and_shape() {
        static SPEC: Stats = Stats {
            listen: "127.0.0.1:0",
            collection_ms: 60_000,
            router_disabled: false,
            proxy_disabled: false,
            backend_disabled: true,
            endpoint_disabled: false,
        };
        let mut c = Collector::new(&SPEC);
        let e = c.endpoint("/users/{id}", vec!["/u/{{.Id}}".into()]);
        if let Some(f) = e.started() {
            f.finished(200, 12, Duration::from_millis(2));
        }
        // A request dropped unanswered: disconnected all the same.
        drop(e.started());
        if let Some(p) = &e.pipe {
            p.record(true, false, Duration::from_millis(1));
        }
        assert!(e.backend(0).is_none(), "backend_disabled");
        let doc: serde_json::Value = serde_json::from_str(&c.render()).unwrap_or_default();
        let n = |k: &str| doc.get(k).and_then(serde_json::Value::as_i64);
        assert_eq!(n("krakend.router.connected"), Some(2));
        assert_eq!(n("krakend.router.disconnected"), Some(2));
        assert_eq!(n("krakend.router.connected-total"), Some(0));
        assert_eq!(n("krakend.router.response./users/:id.status"), Some(0));
        assert_eq!(
            n("krakend.router.response./users/:id.status.200.count"),
            Some(1)
        );
        assert_eq!(n("krakend.router.response./users/:id.size.count"), Some(1));
        assert_eq!(
            doc.get("krakend.router.response./users/:id.size.max"),
            Some(&serde_json::json!(12))
        );
        assert_eq!(
            n("krakend.proxy.requests.layer.pipe.name./users/:id.complete.true.error.false"),
            Some(1)
        );
        assert_eq!(
            n("krakend.proxy.requests.layer.pipe.name./users/:id.complete.false.error.true"),
            Some(0)
        );
        assert!(doc.get("cmdline").is_some_and(serde_json::Value::is_array));
        c.tick();
        let doc: serde_json::Value = serde_json::from_str(&c.render()).unwrap_or_default();
        let n = |k: &str| doc.get(k).and_then(serde_json::Value::as_i64);
        assert_eq!(n("krakend.router.connected"), Some(0));
        assert_eq!(n("krakend.router.connected-total"), Some(2));
        assert_eq!(n("krakend.router.connected-gauge"), Some(2));
        assert_eq!(n("krakend.router.response./users/:id.time.count"), Some(0));
        assert_eq!(
            n("krakend.router.response./users/:id.status.200.count"),
            Some(1)
        );
    }
}
