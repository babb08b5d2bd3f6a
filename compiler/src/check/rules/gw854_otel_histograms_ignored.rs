//! a `histograms` block in `telemetry/opentelemetry`, which KrakenD CE ignores
//!
//! ## What it does
//! Reports the `histograms` block.
//!
//! ## Why is this bad?
//! krakend-otel v0.14.4 has no such field: CE's histograms keep their fixed
//! buckets (time 0.01 s … 10 s, size 128 B … 64 MiB), whatever the block
//! says (krakend-components §8.1). gwc does as CE.
//!
//! ## Example
//! ```json
//! { "telemetry/opentelemetry": { "histograms": { "time_buckets": [0.1, 1] } } }
//! ```
//!
//! ## How to fix it
//! Remove `histograms`; aggregate the fixed buckets in Prometheus instead.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW854";

/// Reports the block.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(span) = cx.config.extra.otel.as_ref().and_then(|o| o.histograms) else {
        return;
    };
    out.push(
        cx.diag(CODE, span, "`histograms` is ignored by KrakenD CE")
            .with_label("not read: the buckets stay CE's fixed lists")
            .with_help("remove `histograms` (CE and gwc use fixed buckets: time 0.01 s to 10 s, size 128 B to 64 MiB)"),
    );
}
