//! an active health check `schedule` that is not `*/N * * * * *`, or one next to `interval`
//!
//! ## What it does
//! Reports a `gwc/healthcheck.active.schedule` (accepted for Gravitee
//! import) that is not a 6-field cron of the form `*/N * * * * *` (every N
//! seconds, N ≥ 1), and a `schedule` written together with `interval`.
//!
//! ## Why is this bad?
//! gwc probes at a fixed rate; `schedule` exists only so that a Gravitee
//! health check can be pasted as is, and only "every N seconds" maps onto a
//! rate. With both keys, it would be unclear which one wins.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "active": { "path": "/health", "schedule": "0 */5 * * * *" } } }
//! ```
//!
//! ## How to fix it
//! Write the rate as `interval` (`"interval": "5s"`) and remove `schedule`,
//! or use the form `*/5 * * * * *`.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::parse_cron_seconds;

/// The rule's code.
pub const CODE: &str = "GW519";

/// Reports each unusable `schedule`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.active.as_ref()) else { continue };
        let Some(schedule) = &active.schedule else { continue };
        if let Some(interval) = &active.interval {
            out.push(
                cx.diag(CODE, schedule.key_span, format!("the active health check of {} has both `schedule` and `interval`", b.name()))
                    .with_label("`schedule` sets the rate too")
                    .with_secondary(interval.key_span, "and so does `interval`")
                    .with_help("keep `interval` and remove `schedule` (it is only there for Gravitee import)"),
            );
            continue;
        }
        if parse_cron_seconds(&schedule.value).is_some() {
            continue;
        }
        out.push(
            cx.diag(CODE, schedule.span, format!("unsupported `schedule` `{}` in {}", schedule.value, b.name()))
                .with_label("not of the form `*/N * * * * *`")
                .with_help("write the probe rate as `interval` (e.g. `\"interval\": \"5s\"`), or use `*/N * * * * *` for every N seconds")
                .with_note("gwc probes at a fixed rate, so only Gravitee's \"every N seconds\" cron can be read"),
        );
    }
}
