//! Metrics (Prometheus text, hand-rolled over atomics) and the access log.
//!
//! - `gw_requests_total{endpoint,method,status}`
//! - `gw_request_duration_seconds{endpoint,method}` (histogram)
//! - `gw_upstream_requests_total{endpoint,backend,host,result}`
//!
//! Endpoint counters are a fixed array of atomics per endpoint (one slot
//! per status 100–599), so the request path never takes a lock; requests
//! that matched no endpoint (404, 405, redirects, health) go to a small
//! locked map, as they are rare or cheap anyway.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::state::Gw;

/// Histogram bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A latency histogram.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    sum_us: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        // Cumulative buckets are summed at render time; store each
        // observation once, in its own bucket.
        if let Some(i) = BUCKETS.iter().position(|b| s <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cum = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cum += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{b}\"}} {cum}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

/// One endpoint's counters.
#[derive(Debug)]
pub struct EndpointMetrics {
    statuses: Box<[AtomicU64]>,
    latency: Histogram,
}

impl Default for EndpointMetrics {
    fn default() -> Self {
        EndpointMetrics {
            statuses: (100..600).map(|_| AtomicU64::new(0)).collect(),
            latency: Histogram::default(),
        }
    }
}

impl EndpointMetrics {
    /// Records one request.
    pub fn record(&self, status: u16, d: Duration) {
        if let Some(c) = usize::from(status)
            .checked_sub(100)
            .and_then(|i| self.statuses.get(i))
        {
            c.fetch_add(1, Ordering::Relaxed);
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
        for (i, c) in ep.metrics.statuses.iter().enumerate() {
            let n = c.load(Ordering::Relaxed);
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
                let s = &h.stats;
                for (result, c) in [
                    ("ok", &s.ok),
                    ("bad_status", &s.bad_status),
                    ("error", &s.error),
                    ("timeout", &s.timeout),
                ] {
                    let _ = writeln!(
                        out,
                        "gw_upstream_requests_total{{endpoint=\"{}\",backend=\"{}\",host=\"{}\",result=\"{result}\"}} {}",
                        esc(ep.spec.path),
                        esc(&b.label),
                        esc(h.url),
                        c.load(Ordering::Relaxed)
                    );
                }
            }
        }
    }
    out
}

/// The `/upstreams` body: every backend host with its state and counters.
pub fn upstreams_json(gw: &Gw) -> String {
    let mut list = Vec::new();
    for ep in gw.endpoints.iter() {
        for b in ep.backends.iter() {
            for h in b.upstream.hosts.iter() {
                let s = &h.stats;
                list.push(serde_json::json!({
                    "endpoint": ep.spec.path,
                    "method": crate::proxy::http_method(ep.spec.method).as_str(),
                    "backend": b.label,
                    "host": h.url,
                    "state": h.state().as_str(),
                    "ok": s.ok.load(Ordering::Relaxed),
                    "bad_status": s.bad_status.load(Ordering::Relaxed),
                    "error": s.error.load(Ordering::Relaxed),
                    "timeout": s.timeout.load(Ordering::Relaxed),
                }));
            }
        }
    }
    serde_json::json!({ "upstreams": list }).to_string()
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
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

/// One access-log line (logfmt) to stderr.
pub fn access_log(method: &str, path: &str, status: u16, d: Duration, completed: Option<bool>) {
    let mut line = String::with_capacity(128);
    let _ = write!(
        line,
        "time={} level=info msg=request method={method} path={:?} status={status} duration_ms={:.3}",
        rfc3339(SystemTime::now()),
        path,
        d.as_secs_f64() * 1000.0
    );
    if let Some(c) = completed {
        let _ = write!(line, " completed={c}");
    }
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
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
