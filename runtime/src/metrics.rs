//! gwc's own metrics (admin `/metrics`: per-worker atomics, summed at
//! scrape time and written by [`crate::exposition`]) and the access log.
//!
//! - `gw_requests_total{endpoint,method,status}`
//! - `gw_request_duration_seconds{endpoint,method}` (histogram)
//! - `gw_upstream_requests_total{endpoint,backend,host,result}`
//! - `gw_connections{worker}` (gauge: client connections being served)
//! - the `gwc_*` load-balancing metrics of research/lb-failover-health.md
//!   §7.5.6, for backends with a `gwc` pool policy (labels add `endpoint`,
//!   since one backend pattern may serve several endpoints; `host` is the
//!   host's `name`).
//!
//! Endpoint and host counters are fixed arrays of atomics (one slot per
//! status 100–599), one array per worker thread ([`Counters`]), so the
//! request path never takes a lock nor writes a line another core writes;
//! requests
//! that matched no endpoint (404, 405, redirects, health) go to a small
//! locked map, as they are rare or cheap anyway.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::state::Gw;
use crate::upstream::AttemptResult;
use crate::worker::Counters;

/// Histogram bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Where a histogram keeps its sum (microseconds) and count, after the
/// buckets.
const SUM: usize = BUCKETS.len();
const COUNT: usize = BUCKETS.len() + 1;

/// A latency histogram: one counter per bucket, then the sum and the count
/// (kept per worker).
#[derive(Debug, Default)]
pub struct Histogram(Counters<{ BUCKETS.len() + 2 }>);

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        // Cumulative buckets are summed at render time; store each
        // observation once, in its own bucket.
        if let Some(i) = BUCKETS.iter().position(|b| s <= *b) {
            self.0.add(i, 1);
        }
        self.0
            .add(SUM, u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        self.0.add(COUNT, 1);
    }

    /// The histogram as an exposition value (sum in seconds).
    pub fn value(&self) -> crate::exposition::Value {
        let mut buckets: Vec<(f64, u64)> = BUCKETS
            .iter()
            .enumerate()
            .map(|(i, b)| (*b, self.0.get(i)))
            .collect();
        let count = self.0.get(COUNT);
        let below: u64 = buckets.iter().map(|(_, n)| n).sum();
        buckets.push((f64::INFINITY, count.saturating_sub(below)));
        crate::exposition::Value::Histogram {
            sum: self.0.get(SUM) as f64 / 1e6,
            count,
            buckets,
        }
    }
}

/// One endpoint's counters.
#[derive(Debug, Default)]
pub struct EndpointMetrics {
    /// Requests by status, 100–599 (kept per worker).
    statuses: Counters<500>,
    latency: Histogram,
}

impl EndpointMetrics {
    /// Records one request.
    pub fn record(&self, status: u16, d: Duration) {
        if let Some(i) = usize::from(status).checked_sub(100) {
            self.statuses.add(i, 1);
        }
        self.latency.observe(d);
    }
}

/// Requests that matched no endpoint: (route label, method, status) → count.
#[derive(Debug, Default)]
pub struct OtherMetrics {
    counts: Mutex<BTreeMap<(&'static str, String, u16), u64>>,
}

impl OtherMetrics {
    /// Records one request.
    pub fn record(&self, route: &'static str, method: &str, status: u16) {
        if let Ok(mut m) = self.counts.lock() {
            *m.entry((route, method.to_owned(), status)).or_insert(0) += 1;
        }
    }
}

/// The `/metrics` body (OpenMetrics text, [`crate::exposition`]).
pub fn render(gw: &Gw) -> String {
    use crate::exposition::{Family, Value};
    use prometheus_client::metrics::MetricType::{Counter, Gauge, Histogram as Hist};
    let mut requests = Family::new(
        "gw_requests",
        Counter,
        "Requests served, by endpoint, method and status.",
    );
    for ep in gw.endpoints.iter() {
        let method = crate::proxy::http_method(ep.spec.method);
        for i in 0..500 {
            let n = ep.metrics.statuses.get(i);
            if n > 0 {
                requests.push(
                    vec![
                        ("endpoint", ep.spec.path.to_owned()),
                        ("method", method.to_string()),
                        ("status", (i + 100).to_string()),
                    ],
                    Value::Counter(n),
                );
            }
        }
    }
    if let Ok(m) = gw.other.counts.lock() {
        for ((route, method, status), n) in m.iter() {
            requests.push(
                vec![
                    ("endpoint", (*route).to_owned()),
                    ("method", method.clone()),
                    ("status", status.to_string()),
                ],
                Value::Counter(*n),
            );
        }
    }
    let mut durations = Family::new(
        "gw_request_duration_seconds",
        Hist,
        "Time from request to response head, by endpoint.",
    );
    for ep in gw.endpoints.iter() {
        durations.push(
            vec![
                ("endpoint", ep.spec.path.to_owned()),
                (
                    "method",
                    crate::proxy::http_method(ep.spec.method).to_string(),
                ),
            ],
            ep.metrics.latency.value(),
        );
    }
    let mut upstream = Family::new(
        "gw_upstream_requests",
        Counter,
        "Backend attempts, by endpoint, backend, host and result.",
    );
    for ep in gw.endpoints.iter() {
        for b in ep.backends.iter() {
            for h in b.upstream.hosts.iter() {
                for r in AttemptResult::ALL {
                    upstream.push(
                        vec![
                            ("endpoint", ep.spec.path.to_owned()),
                            ("backend", b.label.clone()),
                            ("host", h.url.to_owned()),
                            ("result", r.label().to_owned()),
                        ],
                        Value::Counter(h.stats.get(r)),
                    );
                }
            }
        }
    }
    let mut connections = Family::new(
        "gw_connections",
        Gauge,
        "Client connections being served, by worker thread.",
    );
    for (i, n) in gw.connections.iter().enumerate() {
        connections.push(
            vec![("worker", i.to_string())],
            Value::Gauge(i64::try_from(n.load(Ordering::Relaxed)).unwrap_or(i64::MAX)),
        );
    }
    let mut log_dropped = Family::new(
        "gwc_log_lines_dropped",
        Counter,
        "Log lines dropped because the log writer was behind (telemetry/logging).",
    );
    log_dropped.push(vec![], Value::Counter(crate::telemetry::logging::dropped()));
    let mut stream_failures = Family::new(
        "gwc_stream_failures",
        Counter,
        "Streamed (no-op) responses cut after their head was sent: the upstream failed mid-body or the endpoint timeout passed.",
    );
    stream_failures.push(vec![], Value::Counter(crate::body::stream_failures()));
    let mut families = vec![
        requests,
        durations,
        upstream,
        connections,
        log_dropped,
        stream_failures,
    ];
    // `telemetry/opentelemetry`: spans the OTLP export queue could not take.
    #[cfg(feature = "otlp")]
    if let Some(t) = gw.otlp.as_ref().and_then(|o| o.tracer.as_ref()) {
        let mut f = Family::new(
            "gwc_otel_spans_dropped",
            Counter,
            "Spans dropped because the OTLP export queue was full (telemetry/opentelemetry).",
        );
        f.push(
            vec![],
            Value::Counter(t.dropped.load(std::sync::atomic::Ordering::Relaxed)),
        );
        families.push(f);
    }
    render_lb(gw, &mut families);
    render_own_pools(gw, &mut families);
    crate::exposition::encode(families)
}

/// The own HTTP/1.1 client's pools ([`crate::http1::pool`]), once each
/// (backends calling one host with the same options share its pool), with
/// the host's URL.
pub fn own_pools(gw: &Gw) -> Vec<(&'static str, &crate::http1::pool::Pool)> {
    let mut out: Vec<(&'static str, &crate::http1::pool::Pool)> = Vec::new();
    for ep in gw.endpoints.iter() {
        for b in ep.backends.iter() {
            for h in b.upstream.hosts.iter() {
                if let Some(p) = h.client.own_pool()
                    && !out.iter().any(|(_, q)| q.same(p))
                {
                    out.push((h.url, p));
                }
            }
        }
    }
    out
}

/// The own HTTP/1.1 client's counters: connection events (dials, reuse,
/// stale retries, …) and protocol rejects by reason.
fn render_own_pools(gw: &Gw, families: &mut Vec<crate::exposition::Family>) {
    use crate::exposition::{Family, Value};
    use crate::http1::Reason;
    use crate::http1::pool::Event;
    use prometheus_client::metrics::MetricType::Counter;
    let pools = own_pools(gw);
    if pools.is_empty() {
        return;
    }
    let mut events = Family::new(
        "gwc_upstream_connection_events",
        Counter,
        "The own HTTP/1.1 client's connection events by host: dials, failed dials, reuse, pooled connections found closed or holding stray bytes, retries on a fresh connection, expiries.",
    );
    let mut rejects = Family::new(
        "gwc_upstream_protocol_rejects",
        Counter,
        "Upstream responses the own HTTP/1.1 client refused (a 502, the connection closed), by host and reason; reasons never seen are not listed.",
    );
    for (url, p) in pools {
        let stats = p.stats();
        for e in Event::ALL {
            events.push(
                vec![("host", url.to_owned()), ("event", e.as_str().to_owned())],
                Value::Counter(stats.get(e)),
            );
        }
        for r in Reason::ALL {
            let n = stats.rejected(r);
            if n > 0 {
                rejects.push(
                    vec![("host", url.to_owned()), ("reason", r.as_str().to_owned())],
                    Value::Counter(n),
                );
            }
        }
    }
    families.extend([events, rejects]);
}

/// The `gwc_*` metrics (§7.5.6).
fn render_lb(gw: &Gw, families: &mut Vec<crate::exposition::Family>) {
    use crate::exposition::{Family, Labels, Value};
    use crate::lb::failover::{Outcome, Skip};
    use crate::lb::health::Health;
    use prometheus_client::metrics::MetricType::{Counter, Gauge};
    let pools = || {
        gw.endpoints.iter().flat_map(|ep| {
            ep.backends
                .iter()
                .filter(|b| b.upstream.policy.is_some())
                .map(move |b| (ep, b))
        })
    };
    let labels = |ep: &crate::state::EndpointRt, b: &crate::state::BackendRt| -> Labels {
        vec![
            ("endpoint", ep.spec.path.to_owned()),
            ("backend", b.label.clone()),
        ]
    };
    let with = |mut l: Labels, more: &[(&'static str, &str)]| -> Labels {
        l.extend(more.iter().map(|(k, v)| (*k, (*v).to_owned())));
        l
    };
    let mut state = Family::new(
        "gwc_upstream_state",
        Gauge,
        "Active health state (0 healthy, 1 suspect, 2 unhealthy, 3 recovering).",
    );
    let mut transitions = Family::new(
        "gwc_upstream_transitions",
        Counter,
        "Active health transitions.",
    );
    let mut attempts = Family::new(
        "gwc_upstream_attempts",
        Counter,
        "Upstream attempts by outcome class.",
    );
    let mut retries = Family::new(
        "gwc_failover_retries",
        Counter,
        "Retries made, by the class of the failed attempt.",
    );
    let mut skipped = Family::new(
        "gwc_retry_skipped",
        Counter,
        "Retries retry_on wanted but not made, by reason.",
    );
    let mut no_healthy = Family::new(
        "gwc_no_healthy_upstream",
        Counter,
        "Requests failed because no host was eligible (fail_closed).",
    );
    let mut ejections = Family::new("gwc_passive_ejections", Counter, "Passive ejections.");
    let mut ejected = Family::new(
        "gwc_upstream_ejected",
        Gauge,
        "1 while the host is passively ejected.",
    );
    for (ep, b) in pools() {
        for (i, h) in b.upstream.hosts.iter().enumerate() {
            let host = with(labels(ep, b), &[("host", h.name)]);
            if let Some(c) = &h.health {
                state.push(host.clone(), Value::Gauge(c.state() as i64));
                for from in Health::ALL {
                    for to in Health::ALL {
                        let n = c.transitions(from, to);
                        if n > 0 {
                            transitions.push(
                                with(
                                    host.clone(),
                                    &[("from", from.as_str()), ("to", to.as_str())],
                                ),
                                Value::Counter(n),
                            );
                        }
                    }
                }
            }
            for (k, class) in Outcome::LABELS.iter().enumerate() {
                attempts.push(
                    with(host.clone(), &[("class", class)]),
                    Value::Counter(h.classes.get(k)),
                );
            }
            if let Some(p) = &b.upstream.passive {
                let total = p
                    .hosts
                    .get(i)
                    .map_or(0, |ph| ph.ejections_total.load(Ordering::Relaxed));
                ejections.push(host.clone(), Value::Counter(total));
                ejected.push(
                    host,
                    Value::Gauge(i64::from(b.upstream.ejected_until(i).is_some())),
                );
            }
        }
        for (k, reason) in Outcome::LABELS.iter().enumerate() {
            retries.push(
                with(labels(ep, b), &[("reason", reason)]),
                Value::Counter(b.upstream.stats.retries[k].load(Ordering::Relaxed)),
            );
        }
        for (k, reason) in Skip::ALL.iter().enumerate() {
            skipped.push(
                with(labels(ep, b), &[("reason", reason.label())]),
                Value::Counter(b.upstream.stats.skipped[k].load(Ordering::Relaxed)),
            );
        }
        no_healthy.push(
            labels(ep, b),
            Value::Counter(b.upstream.stats.no_healthy.load(Ordering::Relaxed)),
        );
    }
    families.extend([
        state,
        transitions,
        attempts,
        retries,
        skipped,
        no_healthy,
        ejections,
        ejected,
    ]);
}

/// The `/upstreams` body: every backend host with its state and counters
/// (and, for `gwc` pools, the pool's failover counters).
pub fn upstreams_json(gw: &Gw) -> String {
    use crate::lb::failover::{Outcome, Skip};
    let now = crate::lb::now_ms();
    let mut list = Vec::new();
    let mut pools = Vec::new();
    for ep in gw.endpoints.iter() {
        for b in ep.backends.iter() {
            let up = &b.upstream;
            for (i, h) in up.hosts.iter().enumerate() {
                let s = &h.stats;
                let mut v = serde_json::json!({
                    "endpoint": ep.spec.path,
                    "method": crate::proxy::http_method(ep.spec.method).as_str(),
                    "backend": b.label,
                    "host": h.url,
                    "name": h.name,
                    "state": h.state_label(),
                    "ok": s.get(AttemptResult::Ok),
                    "bad_status": s.get(AttemptResult::BadStatus),
                    "error": s.get(AttemptResult::Error),
                    "timeout": s.get(AttemptResult::Timeout),
                    "client": h.client.implementation(),
                });
                if let Some(p) = h.client.own_pool()
                    && let Some(obj) = v.as_object_mut()
                {
                    obj.insert("connections".into(), own_pool_json(p));
                }
                if up.policy.is_some()
                    && let Some(obj) = v.as_object_mut()
                {
                    let attempts: serde_json::Map<String, serde_json::Value> = Outcome::LABELS
                        .iter()
                        .enumerate()
                        .map(|(k, l)| ((*l).to_owned(), h.classes.get(k).into()))
                        .collect();
                    obj.insert("attempts".into(), attempts.into());
                    obj.insert("eligible".into(), up.eligible(i, now).into());
                    obj.insert("backup".into(), up.selector.is_backup(i).into());
                    if let Some(p) = &up.passive
                        && let Some(ph) = p.hosts.get(i)
                    {
                        obj.insert(
                            "ejections".into(),
                            ph.ejections_total.load(Ordering::Relaxed).into(),
                        );
                        obj.insert(
                            "ejected_for_ms".into(),
                            up.ejected_until(i).map(|u| u.saturating_sub(now)).into(),
                        );
                    }
                    if let Some(c) = &h.health {
                        obj.insert(
                            "probes_ok".into(),
                            c.probes_ok.load(Ordering::Relaxed).into(),
                        );
                        obj.insert(
                            "probes_failed".into(),
                            c.probes_failed.load(Ordering::Relaxed).into(),
                        );
                        let last = c.last_error.lock().ok().and_then(|e| e.clone());
                        obj.insert("last_probe_error".into(), last.into());
                    }
                }
                list.push(v);
            }
            if up.policy.is_some() || up.breaker.is_some() {
                let skipped: serde_json::Map<String, serde_json::Value> = Skip::ALL
                    .iter()
                    .enumerate()
                    .map(|(k, r)| {
                        (
                            r.label().to_owned(),
                            up.stats.skipped[k].load(Ordering::Relaxed).into(),
                        )
                    })
                    .collect();
                let retries: serde_json::Map<String, serde_json::Value> = Outcome::LABELS
                    .iter()
                    .enumerate()
                    .map(|(k, l)| {
                        (
                            (*l).to_owned(),
                            up.stats.retries[k].load(Ordering::Relaxed).into(),
                        )
                    })
                    .collect();
                pools.push(serde_json::json!({
                    "endpoint": ep.spec.path,
                    "backend": b.label,
                    "retries": retries,
                    "retry_skipped": skipped,
                    "no_healthy_upstream": up.stats.no_healthy.load(Ordering::Relaxed),
                    "requests_in_flight": up.budget.requests(),
                    "retries_in_flight": up.budget.retries(),
                    "circuit_breaker": up.breaker.as_ref().map(|b| b.state_label()),
                }));
            }
        }
    }
    serde_json::json!({ "upstreams": list, "pools": pools }).to_string()
}

/// The own client's counters of one host for `/upstreams`: every event,
/// and the protocol rejects seen, by reason.
fn own_pool_json(p: &crate::http1::pool::Pool) -> serde_json::Value {
    use crate::http1::Reason;
    use crate::http1::pool::Event;
    let stats = p.stats();
    let mut m: serde_json::Map<String, serde_json::Value> = Event::ALL
        .iter()
        .map(|e| (e.as_str().to_owned(), stats.get(*e).into()))
        .collect();
    let rejects: serde_json::Map<String, serde_json::Value> = Reason::ALL
        .iter()
        .filter_map(|r| {
            let n = stats.rejected(*r);
            (n > 0).then(|| (r.as_str().to_owned(), n.into()))
        })
        .collect();
    m.insert("protocol_rejects".into(), rejects.into());
    m.into()
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for logs.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (y, mo, da) = civil(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{da:02}T{:02}:{:02}:{:02}.{:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        d.subsec_millis()
    )
}

/// Go's `time.Now().String()` shape, used by `/__health`'s `now`:
/// `2006-01-02 15:04:05.999999999 +0000 UTC`.
pub fn go_time(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (y, mo, da) = civil(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{da:02} {:02}:{:02}:{:02}.{:09} +0000 UTC",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        d.subsec_nanos()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let table: &[(u64, &str)] = &[
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400, "2000-02-29T00:00:00.000Z"),
            (1_767_225_599, "2025-12-31T23:59:59.000Z"),
        ];
        for (s, want) in table {
            assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(*s)), *want);
        }
        assert_eq!(
            go_time(UNIX_EPOCH + Duration::from_nanos(1_500_000_000)),
            "1970-01-01 00:00:01.500000000 +0000 UTC"
        );
    }

    #[test]
    fn histogram_is_cumulative() {
        let h = Histogram::default();
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_millis(30));
        h.observe(Duration::from_secs(60));
        let mut f = crate::exposition::Family::new(
            "x",
            prometheus_client::metrics::MetricType::Histogram,
            "h",
        );
        f.push(vec![("a", "b".to_owned())], h.value());
        let out = crate::exposition::encode(vec![f]);
        assert!(out.contains("x_bucket{le=\"0.005\",a=\"b\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"0.05\",a=\"b\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"10.0\",a=\"b\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\",a=\"b\"} 3\n"), "{out}");
        assert!(out.contains("x_count{a=\"b\"} 3\n"), "{out}");
    }
}
