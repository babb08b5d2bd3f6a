//! Metrics (Prometheus text, hand-rolled over atomics) and the access log.
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
use std::fmt::Write as _;
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

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cum = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cum += self.0.get(i);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{b}\"}} {cum}");
        }
        let count = self.0.get(COUNT);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let sum = self.0.get(SUM) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
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

/// Escapes a label value.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The `/metrics` body.
pub fn render(gw: &Gw) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("# HELP gw_requests_total Requests served, by endpoint, method and status.\n");
    out.push_str("# TYPE gw_requests_total counter\n");
    for ep in gw.endpoints.iter() {
        let method = crate::proxy::http_method(ep.spec.method);
        for i in 0..500 {
            let n = ep.metrics.statuses.get(i);
            if n > 0 {
                let _ = writeln!(
                    out,
                    "gw_requests_total{{endpoint=\"{}\",method=\"{method}\",status=\"{}\"}} {n}",
                    esc(ep.spec.path),
                    i + 100
                );
            }
        }
    }
    if let Ok(m) = gw.other.counts.lock() {
        for ((route, method, status), n) in m.iter() {
            let _ = writeln!(
                out,
                "gw_requests_total{{endpoint=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                esc(route),
                esc(method)
            );
        }
    }
    out.push_str(
        "# HELP gw_request_duration_seconds Time from request to response head, by endpoint.\n",
    );
    out.push_str("# TYPE gw_request_duration_seconds histogram\n");
    for ep in gw.endpoints.iter() {
        let labels = format!(
            "endpoint=\"{}\",method=\"{}\"",
            esc(ep.spec.path),
            crate::proxy::http_method(ep.spec.method)
        );
        ep.metrics
            .latency
            .render(&mut out, "gw_request_duration_seconds", &labels);
    }
    out.push_str("# HELP gw_upstream_requests_total Backend attempts, by endpoint, backend, host and result.\n");
    out.push_str("# TYPE gw_upstream_requests_total counter\n");
    for ep in gw.endpoints.iter() {
        for b in ep.backends.iter() {
            for h in b.upstream.hosts.iter() {
                for r in AttemptResult::ALL {
                    let _ = writeln!(
                        out,
                        "gw_upstream_requests_total{{endpoint=\"{}\",backend=\"{}\",host=\"{}\",result=\"{}\"}} {}",
                        esc(ep.spec.path),
                        esc(&b.label),
                        esc(h.url),
                        r.label(),
                        h.stats.get(r)
                    );
                }
            }
        }
    }
    out.push_str("# HELP gw_connections Client connections being served, by worker thread.\n");
    out.push_str("# TYPE gw_connections gauge\n");
    for (i, n) in gw.connections.iter().enumerate() {
        let _ = writeln!(
            out,
            "gw_connections{{worker=\"{i}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
    render_lb(gw, &mut out);
    out.push_str("# HELP gwc_log_lines_dropped_total Log lines dropped because the log writer was behind (telemetry/logging).\n# TYPE gwc_log_lines_dropped_total counter\n");
    let _ = writeln!(
        out,
        "gwc_log_lines_dropped_total {}",
        crate::telemetry::logging::dropped()
    );
    out
}

/// The `gwc_*` metrics (§7.5.6).
fn render_lb(gw: &Gw, out: &mut String) {
    use crate::lb::failover::{Outcome, Skip};
    use crate::lb::health::Health;
    let pools = || {
        gw.endpoints.iter().flat_map(|ep| {
            ep.backends
                .iter()
                .filter(|b| b.upstream.policy.is_some())
                .map(move |b| (ep, b))
        })
    };
    let head = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };
    let labels = |ep: &crate::state::EndpointRt, b: &crate::state::BackendRt| {
        format!(
            "endpoint=\"{}\",backend=\"{}\"",
            esc(ep.spec.path),
            esc(&b.label)
        )
    };
    head(
        out,
        "gwc_upstream_state",
        "gauge",
        "Active health state (0 healthy, 1 suspect, 2 unhealthy, 3 recovering).",
    );
    for (ep, b) in pools() {
        for h in b.upstream.hosts.iter() {
            if let Some(c) = &h.health {
                let _ = writeln!(
                    out,
                    "gwc_upstream_state{{{},host=\"{}\"}} {}",
                    labels(ep, b),
                    esc(h.name),
                    c.state() as u8
                );
            }
        }
    }
    head(
        out,
        "gwc_upstream_transitions_total",
        "counter",
        "Active health transitions.",
    );
    for (ep, b) in pools() {
        for h in b.upstream.hosts.iter() {
            let Some(c) = &h.health else { continue };
            for from in Health::ALL {
                for to in Health::ALL {
                    let n = c.transitions(from, to);
                    if n > 0 {
                        let _ = writeln!(
                            out,
                            "gwc_upstream_transitions_total{{{},host=\"{}\",from=\"{}\",to=\"{}\"}} {n}",
                            labels(ep, b),
                            esc(h.name),
                            from.as_str(),
                            to.as_str()
                        );
                    }
                }
            }
        }
    }
    head(
        out,
        "gwc_upstream_attempts_total",
        "counter",
        "Upstream attempts by outcome class.",
    );
    for (ep, b) in pools() {
        for h in b.upstream.hosts.iter() {
            for (i, class) in Outcome::LABELS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "gwc_upstream_attempts_total{{{},host=\"{}\",class=\"{class}\"}} {}",
                    labels(ep, b),
                    esc(h.name),
                    h.classes.get(i)
                );
            }
        }
    }
    head(
        out,
        "gwc_failover_retries_total",
        "counter",
        "Retries made, by the class of the failed attempt.",
    );
    for (ep, b) in pools() {
        for (i, reason) in Outcome::LABELS.iter().enumerate() {
            let _ = writeln!(
                out,
                "gwc_failover_retries_total{{{},reason=\"{reason}\"}} {}",
                labels(ep, b),
                b.upstream.stats.retries[i].load(Ordering::Relaxed)
            );
        }
    }
    head(
        out,
        "gwc_retry_skipped_total",
        "counter",
        "Retries retry_on wanted but not made, by reason.",
    );
    for (ep, b) in pools() {
        for (i, reason) in Skip::ALL.iter().enumerate() {
            let _ = writeln!(
                out,
                "gwc_retry_skipped_total{{{},reason=\"{}\"}} {}",
                labels(ep, b),
                reason.label(),
                b.upstream.stats.skipped[i].load(Ordering::Relaxed)
            );
        }
    }
    head(
        out,
        "gwc_no_healthy_upstream_total",
        "counter",
        "Requests failed because no host was eligible (fail_closed).",
    );
    for (ep, b) in pools() {
        let _ = writeln!(
            out,
            "gwc_no_healthy_upstream_total{{{}}} {}",
            labels(ep, b),
            b.upstream.stats.no_healthy.load(Ordering::Relaxed)
        );
    }
    head(
        out,
        "gwc_passive_ejections_total",
        "counter",
        "Passive ejections.",
    );
    head(
        out,
        "gwc_upstream_ejected",
        "gauge",
        "1 while the host is passively ejected.",
    );
    for (ep, b) in pools() {
        let Some(p) = &b.upstream.passive else {
            continue;
        };
        for (i, h) in b.upstream.hosts.iter().enumerate() {
            let total = p
                .hosts
                .get(i)
                .map_or(0, |ph| ph.ejections_total.load(Ordering::Relaxed));
            let ejected = u8::from(b.upstream.ejected_until(i).is_some());
            let l = format!("{},host=\"{}\"", labels(ep, b), esc(h.name));
            let _ = writeln!(out, "gwc_passive_ejections_total{{{l}}} {total}");
            let _ = writeln!(out, "gwc_upstream_ejected{{{l}}} {ejected}");
        }
    }
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
                });
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
        let mut out = String::new();
        h.render(&mut out, "x", "a=\"b\"");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.05\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"10\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count{a=\"b\"} 3\n"), "{out}");
    }
}
