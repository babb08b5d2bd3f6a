//! an active health check whose `jitter` is not shorter than its `interval`
//!
//! ## What it does
//! Reports a `gwc/healthcheck.active.jitter` as long as the probe
//! `interval` (default `10s`, or the seconds of `schedule`) or longer.
//!
//! ## Why is this bad?
//! Jitter spreads probes out: each wait is `interval` plus a random part up
//! to `jitter`. A jitter as long as the interval can double the time
//! between probes and so the time it takes to notice a failing host, which
//! defeats the interval you chose.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "active": { "path": "/health", "interval": "1s", "jitter": "1s" } } }
//! ```
//!
//! ## How to fix it
//! Use a jitter of a fraction of the interval (10% to 25% is usual).

use crate::check::Context;
use crate::check::gwc::{self, nanos, show};
use crate::diag::Diagnostic;
use crate::model::lb::defaults::MIN_INTERVAL_NANOS;

/// The rule's code.
pub const CODE: &str = "GW522";

/// Reports each jitter that reaches the interval.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.active.as_ref()) else { continue };
        let (Some(jitter), Some(j)) = (&active.jitter, nanos(&active.jitter)) else { continue };
        let interval = active.interval_nanos();
        if j < interval || interval < MIN_INTERVAL_NANOS {
            continue;
        }
        let mut d = cx
            .diag(CODE, jitter.span, format!("probe `jitter` {} of {} is not shorter than the `interval`", show(j), b.name()))
            .with_label(format!("adds up to {} to every wait", show(j)));
        d = match gwc::interval_span(active) {
            Some(span) => d.with_secondary(span, format!("probes start every {}", show(interval))),
            None => d.with_note("the default `interval` is 10s"),
        };
        out.push(d.with_help(format!("use a fraction of the interval, e.g. `\"{}\"`", show(interval / 10))));
    }
}
