//! a `skip_paths` list that drops KrakenD CE's defaults (`/__health` …)
//!
//! ## What it does
//! Reports a non-empty `skip_paths` in `telemetry/opentelemetry` that does
//! not list `/__health`.
//!
//! ## Why is this bad?
//! Without `skip_paths`, KrakenD CE skips `/__health`, `/__debug/`,
//! `/__echo/` and `/__stats/`. Any non-empty list replaces those
//! defaults (krakend-components §8.1): written to skip one more path, it
//! starts measuring and tracing every health check, which a load balancer
//! sends every few seconds. gwc does as CE.
//!
//! ## Example
//! ```json
//! { "telemetry/opentelemetry": { "skip_paths": ["/private"] } }
//! ```
//!
//! ## How to fix it
//! List the defaults too: `["/__health", "/__debug/", "/__echo/", "/__stats/", "/private"]`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW863";

/// Reports a list that drops `/__health`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(list) = cx
        .config
        .extra
        .otel
        .as_ref()
        .and_then(|o| o.skip_paths.as_ref())
    else {
        return;
    };
    if list.value.is_empty() || list.value.iter().any(|p| p.value == "/__health") {
        return;
    }
    out.push(
        cx.diag(
            CODE,
            list.key_span,
            "`skip_paths` replaces KrakenD CE's defaults: `/__health` is measured and traced",
        )
        .with_label("any non-empty list replaces `/__health`, `/__debug/`, `/__echo/`, `/__stats/`")
        .with_help("add the defaults you want to keep: `\"/__health\", \"/__debug/\", \"/__echo/\", \"/__stats/\"`"),
    );
}
