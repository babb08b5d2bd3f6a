//! a `telemetry/metrics` `collection_time` of zero or less
//!
//! ## What it does
//! Reports a `collection_time` that parses to zero or a negative duration
//! (`"0s"`, `"-1m"`).
//!
//! ## Why is this bad?
//! krakend-metrics starts its collector with `time.NewTicker`, which
//! panics on a non-positive interval: KrakenD CE stops at start-up.
//!
//! ## Example
//! ```json
//! { "telemetry/metrics": { "collection_time": "0s" } }
//! ```
//!
//! ## How to fix it
//! Give a positive duration, such as `"60s"`, or leave the key out (one
//! minute).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::duration::parse_go_duration;

/// The rule's code.
pub const CODE: &str = "GW857";

/// Reports a non-positive `collection_time`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(m) = &cx.config.extra.metrics else { return };
    let Some(ct) = &m.collection_time else { return };
    let Ok(ns) = parse_go_duration(&ct.value) else { return };
    if ns > 0 {
        return;
    }
    out.push(
        cx.diag(CODE, ct.span, format!("`collection_time` `{}` is not positive: KrakenD CE panics at start-up", ct.value))
            .with_label("`time.NewTicker` panics on a zero or negative interval")
            .with_help("give a positive duration such as `\"60s\"`, or remove the key (one minute)"),
    );
}
