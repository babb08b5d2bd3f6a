//! a `qos/ratelimit/router` with neither `max_rate` nor `client_max_rate`, which limits nothing
//!
//! ## What it does
//! Reports an endpoint's `qos/ratelimit/router` that sets no positive
//! `max_rate` and no positive `client_max_rate` (as numbers).
//!
//! ## Why is this bad?
//! KrakenD CE adds the endpoint limit only for a `max_rate` above 0, and
//! the client limit only for a `client_max_rate` above 0
//! (`krakend-ratelimit`'s `router/gin/gin.go`); a rate written as a string
//! (`"10"`) is not read at all. Without either, the namespace is accepted
//! and the endpoint is not limited: `capacity`, `strategy` and the rest
//! do nothing.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/router": { "capacity": 10, "strategy": "ip", "client_capacity": 2 } }
//! ```
//!
//! ## How to fix it
//! Add the rate: `"max_rate": 10` (requests a second for the whole
//! endpoint, answered 503 beyond it) and/or `"client_max_rate": 2` (per
//! client, answered 429).

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW700";

/// Reports each rate limit without a rate.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, r) in cx.config.rate_limits() {
        if r.has_endpoint_rate() || r.has_client_rate() {
            continue;
        }
        out.push(
            cx.diag(CODE, r.key_span, "rate limit without a rate: this endpoint is not limited")
                .with_label("no positive `max_rate` or `client_max_rate` (as a number)")
                .with_help("add `\"max_rate\": N` (the endpoint, 503 beyond it) or `\"client_max_rate\": N` with a `strategy` (each client, 429 beyond it)"),
        );
    }
}
