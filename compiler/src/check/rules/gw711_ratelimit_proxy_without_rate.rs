//! a `qos/ratelimit/proxy` without a positive `max_rate`, which limits nothing
//!
//! ## What it does
//! Reports a backend's `qos/ratelimit/proxy` whose `max_rate` is absent,
//! not a JSON number, or not above 0.
//!
//! ## Why is this bad?
//! KrakenD CE adds the backend limiter only for a `max_rate` above 0
//! (`krakend-ratelimit`'s `proxy/proxy.go`); a rate written as a string
//! (`"10"`) is not read at all. The namespace is then accepted and the
//! backend is called as often as clients ask: `capacity` and `every` do
//! nothing.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/proxy": { "capacity": 10, "every": "1s" } }
//! ```
//!
//! ## How to fix it
//! Add the rate as a number: `"max_rate": 10` (calls to this backend per
//! `every`, one second by default).

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW711";

/// Reports each proxy rate limit without a rate.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, r) in cx.config.proxy_rate_limits() {
        if r.has_rate() {
            continue;
        }
        let (span, label) = match &r.max_rate {
            Some(m) => (m.span, "not above 0: the limiter is off"),
            None => (r.key_span, "no `max_rate` (as a number)"),
        };
        out.push(
            cx.diag(CODE, span, "backend rate limit without a rate: this backend is not limited")
                .with_label(label)
                .with_help("add `\"max_rate\": N`: the calls this backend gets per `every` (one second by default)"),
        );
    }
}
