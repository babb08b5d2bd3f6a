//! a `header` or `param` rate-limit strategy without a `key`: every request gets a 429
//!
//! ## What it does
//! Reports a client limit (`client_max_rate` above 0) with `strategy:
//! header` or `strategy: param` and no `key`, or an empty one.
//!
//! ## Why is this bad?
//! KrakenD CE reads the client's identity from the header or placeholder
//! named by `key`. Without one the identity is always empty, and CE
//! answers an empty identity with 429 Too Many Requests at once
//! (`krakend-ratelimit`'s `router/gin/gin.go`): the endpoint refuses every
//! request.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/router": { "client_max_rate": 5, "strategy": "header" } }
//! ```
//!
//! ## How to fix it
//! Name the header (`"key": "X-Tenant"`) or the endpoint placeholder
//! (`"key": "user"` for `/users/{user}`) that identifies a client.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW702";

/// Reports each header/param strategy without a key.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, r) in cx.config.rate_limits() {
        if !r.has_client_rate() {
            continue;
        }
        let Some(strategy) = r.strategy_lowercase().filter(|s| s == "header" || s == "param") else {
            continue;
        };
        if r.key.as_ref().is_some_and(|k| !k.value.is_empty()) {
            continue;
        }
        let Some(s) = &r.strategy else { continue };
        let what = if strategy == "header" { "header" } else { "endpoint placeholder" };
        let d = cx
            .diag(CODE, s.span, format!("`strategy: {strategy}` without a `key`: every request gets a 429"))
            .with_label(format!("no {what} to identify a client by"));
        let d = match &r.key {
            Some(k) => d.with_secondary(k.span, "empty"),
            None => d,
        };
        out.push(
            d.with_help(format!("add `\"key\"` with the {what} that identifies a client, e.g. `{}`", if strategy == "header" { "\"key\": \"X-Tenant\"" } else { "\"key\": \"user\"` for `/users/{user}" }))
                .with_note("KrakenD CE answers a request whose client key is empty with 429 Too Many Requests"),
        );
    }
}
