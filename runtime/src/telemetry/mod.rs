//! The telemetry components, one module a namespace: what the gateway tells
//! its operators (logs, metrics).

#[cfg(feature = "gelf")]
pub mod gelf;
pub mod logging;
pub mod logstash;
#[cfg(feature = "stats")]
pub mod metrics;
#[cfg(feature = "otel")]
pub mod opentelemetry;

/// lura's route form: `{x}` → `:x` (gin's pattern, what CE's metrics
/// name an endpoint by).
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

/// The slot of `status` among `codes` (0 marks a free slot, claimed here
/// once); `None` when every slot holds another status. How the metrics
/// keep a bounded set of statuses per endpoint without a lock.
pub fn status_slot(codes: &[std::sync::atomic::AtomicU16], status: u16) -> Option<usize> {
    use std::sync::atomic::Ordering::Relaxed;
    codes.iter().position(|code| {
        let c = code.load(Relaxed);
        c == status
            || (c == 0
                && match code.compare_exchange(0, status, Relaxed, Relaxed) {
                    Ok(_) => true,
                    Err(now) => now == status,
                })
    })
}
