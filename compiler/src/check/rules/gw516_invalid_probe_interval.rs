//! an active health check `interval` below 10ms, or a probe `timeout` that is not positive
//!
//! ## What it does
//! Reports a `gwc/healthcheck.active.interval` shorter than 10ms (zero and
//! negative included) and an `active.timeout` of zero or less.
//!
//! ## Why is this bad?
//! A zero interval would probe in a busy loop, and anything under 10ms is
//! load on the service rather than a health check. A probe with no time to
//! answer always fails, so every host would be marked down.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "active": { "path": "/health", "interval": "0s", "timeout": "-1s" } } }
//! ```
//!
//! ## How to fix it
//! Use an interval of a few seconds (the default is `10s`) and a timeout
//! below it (the default is `2s`).

use crate::check::Context;
use crate::check::gwc::{self, nanos, show};
use crate::diag::Diagnostic;
use crate::model::lb::defaults::MIN_INTERVAL_NANOS;

/// The rule's code.
pub const CODE: &str = "GW516";

/// Reports each interval below 10ms and each non-positive probe timeout.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.active.as_ref()) else { continue };
        if let (Some(interval), Some(n)) = (&active.interval, nanos(&active.interval))
            && n < MIN_INTERVAL_NANOS
        {
            out.push(
                cx.diag(CODE, interval.span, format!("active health check `interval` of {} is {}", b.name(), show(n)))
                    .with_label("shorter than 10ms")
                    .with_help("probe every few seconds: the default is `\"10s\"`, HAProxy's `\"2s\"`")
                    .with_note("the interval is the time between the starts of two probes of a host"),
            );
        }
        if let (Some(timeout), Some(n)) = (&active.timeout, nanos(&active.timeout))
            && n <= 0
        {
            out.push(
                cx.diag(CODE, timeout.span, format!("active health check `timeout` of {} is {}", b.name(), show(n)))
                    .with_label("a probe with no time to answer always fails")
                    .with_help("use a positive timeout shorter than `interval`: the default is `\"2s\"`"),
            );
        }
    }
}
