//! failover attempts that cannot all fit in the endpoint's `timeout`
//!
//! ## What it does
//! Reports a `gwc/failover` whose `per_try_timeout` × `max_attempts`, plus
//! the longest backoff between attempts, is longer than the endpoint's
//! `timeout` (its own, else the root's, else KrakenD's 2s).
//!
//! ## Why is this bad?
//! All attempts share the endpoint's deadline, which is never extended.
//! When the attempts use their full `per_try_timeout`, the last ones get
//! only what is left, or are not made at all, so `max_attempts` promises
//! more than happens.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "timeout": "1s",
//!   "backend": [{ "url_pattern": "/users", "host": ["http://a", "http://b", "http://c"],
//!     "extra_config": { "gwc/failover": { "max_attempts": 3, "per_try_timeout": "500ms" } } }] }
//! ```
//!
//! ## How to fix it
//! Lower `per_try_timeout` or `max_attempts`, or raise the endpoint
//! `timeout`, so that the attempts fit.

use crate::check::Context;
use crate::check::gwc::{self, nanos, show};
use crate::diag::Diagnostic;
use crate::model::lb::{TimeoutSource, endpoint_timeout};

/// The rule's code.
pub const CODE: &str = "GW530";

/// Reports each failover whose attempts overrun the deadline.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(failover) = &b.gwc().failover else { continue };
        let (Some(per_try), Some(n)) = (&failover.per_try_timeout, nanos(&failover.per_try_timeout)) else { continue };
        let attempts = failover.max_attempts_or_default();
        let (timeout, source) = endpoint_timeout(cx.config, b.endpoint);
        // A non-positive per-try timeout, or one that reaches the deadline, is GW528's.
        if n <= 0 || attempts < 2 || n >= timeout {
            continue;
        }
        let backoff = failover.worst_case_backoff_nanos();
        let needed = n.saturating_mul(attempts).saturating_add(backoff);
        if needed <= timeout {
            continue;
        }
        let with_backoff = if backoff > 0 { format!(" and up to {} of backoff", show(backoff)) } else { String::new() };
        let fit = (timeout - backoff) / n;
        let mut d = cx
            .diag(CODE, per_try.span, format!("{attempts} attempts of {} on {} need up to {}, more than the endpoint's {} `timeout`", show(n), b.name(), show(needed), show(timeout)))
            .with_label(format!("× {attempts} attempts{with_backoff}"));
        d = match source {
            TimeoutSource::Endpoint(span) => d.with_secondary(span, "the deadline of all attempts"),
            TimeoutSource::Root(span) => d.with_secondary(span, "the deadline of all attempts (the root `timeout`)"),
            TimeoutSource::Default => d.with_note("the endpoint has no `timeout`: KrakenD's default of 2s is the deadline of all attempts"),
        };
        let help = if fit >= 2 {
            format!("lower `max_attempts` to {fit}, lower `per_try_timeout` to `\"{}\"`, or raise the endpoint `timeout` to `\"{}\"`", show((timeout - backoff) / attempts / 1_000_000 * 1_000_000), show(needed))
        } else {
            format!("lower `per_try_timeout` to `\"{}\"`, or raise the endpoint `timeout` to `\"{}\"`", show((timeout - backoff).max(0) / attempts / 1_000_000 * 1_000_000), show(needed))
        };
        out.push(d.with_help(help).with_note("later attempts get only the time left, or are not made"));
    }
}
