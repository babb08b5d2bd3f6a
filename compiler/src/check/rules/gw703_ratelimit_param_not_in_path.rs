//! a `param` rate-limit `key` that is not a placeholder of the endpoint: every request gets a 429
//!
//! ## What it does
//! Reports a client limit with `strategy: param` whose `key` is not one of
//! the endpoint's `{placeholders}` (compared case-sensitively).
//!
//! ## Why is this bad?
//! KrakenD CE identifies the client by the value of that path parameter;
//! for a name the route does not have, the value is always empty, and CE
//! answers an empty identity with 429 Too Many Requests
//! (`krakend-ratelimit`'s `router/gin/gin.go`): the endpoint refuses every
//! request.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users/{id}", "extra_config": { "qos/ratelimit/router": { "client_max_rate": 5, "strategy": "param", "key": "user" } } }
//! ```
//!
//! ## How to fix it
//! Use the placeholder's name as written in the endpoint (`"key": "id"`).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::pattern;

/// The rule's code.
pub const CODE: &str = "GW703";

/// Reports each `param` key the route does not have.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, r) in cx.config.rate_limits() {
        if !r.has_client_rate() || r.strategy_lowercase().as_deref() != Some("param") {
            continue;
        }
        let (Some(key), Some(path)) = (&r.key, &ep.path) else { continue };
        if key.value.is_empty() {
            // GW702's finding.
            continue;
        }
        let vars = pattern::declared_vars(&path.value, cx.config.disable_rest);
        if vars.iter().any(|v| v.name == key.value) {
            continue;
        }
        let names: Vec<String> = vars.iter().map(|v| format!("`{}`", v.name)).collect();
        let d = cx
            .diag(
                CODE,
                key.span,
                format!("rate-limit `key` `{}` is not a placeholder of `{}`: every request gets a 429", key.value, path.value),
            )
            .with_label("no such `{placeholder}` in the endpoint")
            .with_secondary(path.span, if names.is_empty() { "this path has no placeholder".to_string() } else { format!("its placeholders: {}", names.join(", ")) });
        let d = match did_you_mean(&key.value, vars.iter().map(|v| v.name)) {
            Some(best) => d.did_you_mean(best, key.inner_span()),
            None => d.with_help("use the name of a placeholder of the endpoint, or `\"strategy\": \"header\"` to identify clients by a header"),
        };
        out.push(d.with_note("KrakenD CE answers a request whose client key is empty with 429 Too Many Requests"));
    }
}
