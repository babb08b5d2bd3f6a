//! a `trace_sample_rate` of 0 or less, which KrakenD CE reads as "sample every trace"
//!
//! ## What it does
//! Reports `trace_sample_rate` ≤ 0 in `telemetry/opentelemetry`.
//!
//! ## Why is this bad?
//! krakend-otel uses a ratio sampler only for a rate strictly between 0
//! and 1; any other value samples every trace (`state/state.go`). A rate
//! of 0, written to turn tracing off, traces every request instead. gwc
//! does as CE.
//!
//! ## Example
//! ```json
//! { "telemetry/opentelemetry": { "trace_sample_rate": 0, "exporters": { "otlp": [{ "name": "c", "host": "collector" }] } } }
//! ```
//!
//! ## How to fix it
//! To send no traces, set `disable_traces: true` on the OTLP exporters (or
//! `layers.global.disable_traces`); to sample a few, use a small positive
//! rate such as 0.05.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW861";

/// Reports a rate of 0 or less.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(rate) = cx
        .config
        .extra
        .otel
        .as_ref()
        .and_then(|o| o.trace_sample_rate.as_ref())
    else {
        return;
    };
    if rate.value > 0.0 {
        return;
    }
    out.push(
        cx.diag(
            CODE,
            rate.span,
            "`trace_sample_rate` 0 or less samples every trace",
        )
        .with_label("KrakenD CE samples every trace unless the rate is between 0 and 1")
        .with_help(
            "to send no traces set `disable_traces: true` on the OTLP exporters; to sample a few use a small rate such as 0.05",
        ),
    );
}
