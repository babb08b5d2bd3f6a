//! a `per_try_timeout` that is not positive, or that leaves no time for a retry
//!
//! ## What it does
//! Reports a `gwc/failover.per_try_timeout` of zero or less, and one as
//! long as the endpoint's `timeout` or longer while `max_attempts` is more
//! than one. The endpoint timeout is the endpoint's own `timeout`, else the
//! root `timeout`, else KrakenD's 2s.
//!
//! ## Why is this bad?
//! Every attempt and every wait between attempts fit in the endpoint's
//! `timeout`, which is never extended. An attempt allowed to use all of it
//! leaves no time for a second one, so a request that times out is never
//! retried, which is usually the failure failover was meant for. A zero
//! per-try timeout would fail every attempt at once.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "timeout": "1s",
//!   "backend": [{ "url_pattern": "/users", "host": ["http://a", "http://b"],
//!     "extra_config": { "gwc/failover": { "max_attempts": 2, "per_try_timeout": "1s" } } }] }
//! ```
//!
//! ## How to fix it
//! Give each attempt a share of the endpoint timeout
//! (`"per_try_timeout": "400ms"` for 2 attempts in 1s), or raise the
//! endpoint `timeout`.

use crate::check::Context;
use crate::check::gwc::{self, nanos, show};
use crate::diag::Diagnostic;
use crate::model::lb::{TimeoutSource, endpoint_timeout};

/// The rule's code.
pub const CODE: &str = "GW528";

/// Reports each unusable per-try timeout.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(failover) = &b.gwc().failover else { continue };
        let (Some(per_try), Some(n)) = (&failover.per_try_timeout, nanos(&failover.per_try_timeout)) else { continue };
        if n <= 0 {
            out.push(
                cx.diag(CODE, per_try.span, format!("`per_try_timeout` of {} is {}", b.name(), show(n)))
                    .with_label("an attempt with no time always fails")
                    .with_help("use a positive duration, a share of the endpoint's `timeout`, or remove `per_try_timeout`"),
            );
            continue;
        }
        let attempts = failover.max_attempts_or_default();
        let (timeout, source) = endpoint_timeout(cx.config, b.endpoint);
        if attempts < 2 || n < timeout {
            continue;
        }
        let share = show((timeout / attempts).max(1_000_000) / 1_000_000 * 1_000_000);
        let mut d = cx
            .diag(CODE, per_try.span, format!("`per_try_timeout` {} of {} leaves no time for a retry", show(n), b.name()))
            .with_label(format!("not shorter than the endpoint's {} deadline", show(timeout)));
        d = match source {
            TimeoutSource::Endpoint(span) => d.with_secondary(span, "the endpoint's `timeout` covers every attempt"),
            TimeoutSource::Root(span) => d.with_secondary(span, "the root `timeout`, which the endpoint inherits, covers every attempt"),
            TimeoutSource::Default => d.with_note("the endpoint has no `timeout`: KrakenD's default of 2s covers every attempt"),
        };
        out.push(
            d.with_help(format!("give each of the {attempts} attempts a share, e.g. `\"per_try_timeout\": \"{share}\"`, or raise the endpoint `timeout`"))
                .with_note("an attempt that times out uses the whole deadline, so it is never retried"),
        );
    }
}
