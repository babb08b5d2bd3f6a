//! a client limit without `client_capacity` while the endpoint rate is below 1 a second: KrakenD's bucket holds 1
//!
//! ## What it does
//! Reports a `client_max_rate` without `client_capacity` when the
//! endpoint's `max_rate` is absent or below one request a second (after
//! `every`) and the client rate is at least two a second.
//!
//! ## Why is this bad?
//! To derive a missing `client_capacity`, KrakenD CE tests the
//! **endpoint's** `max_rate`, not the client's (`krakend-ratelimit`'s
//! `router/gin/gin.go`): when that is below 1 a second, absent included,
//! every client gets a bucket of **1** token. `"client_max_rate": 10`
//! alone lets each client send one request, then one each 100 ms: no
//! bursts at all.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/router": { "client_max_rate": 10, "strategy": "ip" } }
//! ```
//!
//! ## How to fix it
//! Set the burst explicitly: `"client_capacity": 10`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW705";

/// Reports each client bucket that CE's derivation shrinks to 1.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, r) in cx.config.rate_limits() {
        let Some(rate) = r.client_max_rate.as_ref().filter(|_| r.has_client_rate()) else {
            continue;
        };
        if r.client_capacity.as_ref().is_some_and(|c| c.value >= 1.0) {
            continue;
        }
        let factor = r.per_second_factor();
        let endpoint = r.max_rate.as_ref().map_or(0.0, |m| m.value);
        let per_second = rate.value * factor;
        if endpoint * factor >= 1.0 || per_second < 2.0 {
            continue;
        }
        let would = per_second as u64;
        let d = cx
            .diag(CODE, rate.span, "`client_max_rate` without `client_capacity`: each client's bucket holds 1 token")
            .with_label(format!("the client rate would give {would}, but KrakenD CE tests the endpoint's `max_rate`"));
        let d = match &r.max_rate {
            Some(m) => d.with_secondary(m.span, "below 1 request a second: every client bucket holds 1"),
            None => d.with_secondary(r.key_span, "no `max_rate`: every client bucket holds 1"),
        };
        out.push(
            d.with_help(format!("set `\"client_capacity\": {would}` (or the burst you want)"))
                .with_note("KrakenD CE: `client_capacity` defaults to 1 when `max_rate` is below 1 a second, else to the client rate per second"),
        );
    }
}
