//! a `qos/ratelimit/proxy` and a `qos/circuit-breaker` on one backend: refusals open the circuit
//!
//! ## What it does
//! Reports a backend that has both a `qos/ratelimit/proxy` with a rate and
//! a `qos/circuit-breaker`.
//!
//! ## Why is this bad?
//! KrakenD CE wraps the rate limiter inside the circuit breaker
//! (`backend_factory.go`), so every call the limiter refuses (`rate limit
//! exceded`) counts as a backend failure. A burst over the limit can
//! open the circuit, and the backend is then cut off for the breaker's
//! whole `timeout`, although it never failed. gwc runs them in the same
//! order.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/proxy": { "max_rate": 10, "capacity": 10 },
//!   "qos/circuit-breaker": { "interval": 60, "timeout": 10, "max_errors": 5 } }
//! ```
//!
//! ## How to fix it
//! Keep both only if a sustained overload should open the circuit, and
//! set `max_errors` well above the bursts you expect; otherwise limit the
//! endpoint instead (`qos/ratelimit/router`, a 503 that the breaker does
//! not see) or drop the breaker.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW714";

/// Reports each backend with both.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, b, r) in cx.config.proxy_rate_limits() {
        if !r.has_rate() || b.extra.circuit_breaker.is_none() {
            continue;
        }
        let mut d = cx
            .diag(CODE, r.key_span, "calls this rate limit refuses count as circuit-breaker failures")
            .with_label("a burst over this limit counts as backend errors");
        if let Some((span, _)) = b
            .extra
            .get("qos/circuit-breaker")
            .or_else(|| b.extra.get(crate::model::extra::CIRCUIT_BREAKER_LEGACY_KEY))
        {
            d = d.with_secondary(span, "this breaker can open on them and cut the backend off for its `timeout`");
        }
        out.push(d.with_help("set the breaker's `max_errors` above the bursts you expect, or limit the endpoint with `qos/ratelimit/router` instead"));
    }
}
