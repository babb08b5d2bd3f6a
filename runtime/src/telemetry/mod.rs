//! The telemetry components, one module a namespace: what the gateway tells
//! its operators (logs, metrics).

pub mod logging;
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
