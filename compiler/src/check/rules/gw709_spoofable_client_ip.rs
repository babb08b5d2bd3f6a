//! a rate limit per client `ip` that KrakenD CE takes from `X-Forwarded-For`: any client picks its own bucket
//!
//! ## What it does
//! Reports a client limit with `strategy: ip` and no `key` when the
//! root `router` namespace neither lists `trusted_proxies` nor sets
//! `forwarded_by_client_ip: false`.
//!
//! ## Why is this bad?
//! KrakenD CE identifies the client by gin's `ClientIP()`, which by
//! default believes the leftmost address of the client's own
//! `X-Forwarded-For` header, from any peer. A client that sends a new
//! `X-Forwarded-For` with each request gets a fresh bucket each time: the
//! per-client limit stops nobody who knows it. gwc's gateways find the
//! client's IP as gin does (`router.trusted_proxies` and the other client-IP
//! settings are compiled), so they can be fooled the same way.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/router": { "client_max_rate": 5, "strategy": "ip" } }
//! ```
//!
//! ## How to fix it
//! Behind proxies, list them: `"router": {"trusted_proxies":
//! ["10.0.0.0/8"]}` at the root, so only their `X-Forwarded-For` is
//! believed, read from the right up to the first address that is not one
//! of them. With clients connecting directly, set
//! `"forwarded_by_client_ip": false` in `router`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW709";

/// Reports each spoofable `ip` key.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let router = cx.config.extra.router.as_ref();
    if router.is_some_and(|r| r.has_trusted_proxies() || !r.forwards_client_ip()) {
        return;
    }
    for (_, r) in cx.config.rate_limits() {
        if !r.has_client_rate() || r.strategy_lowercase().as_deref() != Some("ip") || r.key.as_ref().is_some_and(|k| !k.value.is_empty()) {
            continue;
        }
        let Some(s) = &r.strategy else { continue };
        out.push(
            cx.diag(CODE, s.span, "client IP taken from `X-Forwarded-For` by KrakenD CE: any client can pick a fresh rate-limit bucket")
                .with_label("KrakenD CE believes the leftmost `X-Forwarded-For` address of any request")
                .with_help("list your load balancers in the root `router.trusted_proxies`, or set `router.forwarded_by_client_ip` to false when clients connect directly")
                .with_note("gwc's gateways find the client's IP as KrakenD CE does: the same header fools them"),
        );
    }
}
