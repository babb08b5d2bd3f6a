//! an active health check threshold outside 1 to 100
//!
//! ## What it does
//! Reports a `gwc/healthcheck.active.unhealthy_threshold` or
//! `healthy_threshold` below 1 or above 100.
//!
//! ## Why is this bad?
//! The thresholds count consecutive probe results: a host goes down after
//! `unhealthy_threshold` failures in a row and comes back after
//! `healthy_threshold` passes in a row. Zero would flip the state without
//! any probe, and more than 100 consecutive probes means the state
//! effectively never changes.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "active": { "path": "/health", "unhealthy_threshold": 0 } } }
//! ```
//!
//! ## How to fix it
//! Use a small count: the defaults are 3 failures and 2 passes (HAProxy's
//! `fall` and `rise`).

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::defaults::{HEALTHY_THRESHOLD, MAX_THRESHOLD, UNHEALTHY_THRESHOLD};

/// The rule's code.
pub const CODE: &str = "GW518";

/// Reports each threshold outside 1..=100.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.active.as_ref()) else { continue };
        for (name, value, default, meaning) in [
            ("unhealthy_threshold", &active.unhealthy_threshold, UNHEALTHY_THRESHOLD, "failed probes in a row that take a host out"),
            ("healthy_threshold", &active.healthy_threshold, HEALTHY_THRESHOLD, "passed probes in a row that bring a host back"),
        ] {
            let Some(v) = value else { continue };
            if (1..=MAX_THRESHOLD).contains(&v.value) {
                continue;
            }
            let label = if v.value < 1 { "at least one probe must decide" } else { "more than 100 probes in a row" };
            out.push(
                cx.diag(CODE, v.span, format!("`{name}` {} of {} is outside 1 to 100", v.value, b.name()))
                    .with_label(label)
                    .with_help(format!("use a count from 1 to 100; the default is {default}"))
                    .with_note(format!("`{name}`: the number of {meaning}")),
            );
        }
    }
}
