//! an active health check whose `timeout` is not shorter than its `interval`
//!
//! ## What it does
//! Compares the probe `timeout` (default `2s`) with the `interval` (default
//! `10s`, or the seconds of `schedule`) of `gwc/healthcheck.active`, and
//! reports a timeout that is as long as the interval or longer.
//!
//! ## Why is this bad?
//! Probes start at a fixed rate. A timeout that reaches the next start lets
//! probes of one host overlap, so a slow host is probed by several requests
//! at once, and the results could arrive out of order.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "active": { "path": "/health", "interval": "1s", "timeout": "2s" } } }
//! ```
//!
//! ## How to fix it
//! Shorten `timeout` (a fraction of `interval`, e.g. `interval` `5s` and
//! `timeout` `1s`), or lengthen `interval`.

use crate::check::Context;
use crate::check::gwc::{self, nanos, show};
use crate::diag::Diagnostic;
use crate::model::lb::defaults::MIN_INTERVAL_NANOS;

/// The rule's code.
pub const CODE: &str = "GW517";

/// Reports each probe timeout that reaches the next probe.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.active.as_ref()) else { continue };
        let (interval, timeout) = (active.interval_nanos(), active.timeout_nanos());
        // Out-of-range values are GW516's.
        if interval < MIN_INTERVAL_NANOS || timeout <= 0 || nanos(&active.interval).is_some_and(|n| n < MIN_INTERVAL_NANOS) || timeout < interval {
            continue;
        }
        let interval_place = gwc::interval_span(active).map(|span| (span, format!("probes start every {}", show(interval))));
        let mut d = match (&active.timeout, &interval_place) {
            (Some(t), _) => cx.diag(CODE, t.span, format!("probe `timeout` {} of {} is not shorter than the `interval`", show(timeout), b.name())).with_label(format!("a probe may last {}", show(timeout))),
            (None, Some((span, _))) => cx.diag(CODE, *span, format!("the default probe `timeout` of 2s is not shorter than the `interval` of {}", b.name())).with_label(format!("only {} between probes", show(interval))),
            (None, None) => continue,
        };
        match (&active.timeout, interval_place) {
            (Some(_), Some((span, label))) => d = d.with_secondary(span, label),
            (Some(_), None) => d = d.with_note("the default `interval` is 10s"),
            _ => {}
        }
        let suggestion = show((interval / 5).max(MIN_INTERVAL_NANOS / 2));
        out.push(
            d.with_help(format!("use a `timeout` shorter than the interval, e.g. `\"{suggestion}\"`, or a longer `interval`"))
                .with_note("probes start at a fixed rate; a timeout as long as the interval would let probes of one host overlap"),
        );
    }
}
