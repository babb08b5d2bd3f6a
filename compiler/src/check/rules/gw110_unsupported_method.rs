//! an endpoint method KrakenD does not register, which silently drops the endpoint
//!
//! ## What it does
//! Reports an endpoint `method` other than GET, POST, PUT, PATCH and DELETE
//! (compared case-insensitively, as KrakenD does: `"get"` works), with the
//! likely intended method for a typo (`PSOT` → `POST`).
//!
//! ## Why is this bad?
//! KrakenD only registers those five methods. For any other it logs
//! `[ENDPOINT: /users] Unsupported method HEAD` and starts without the
//! endpoint, so every request to it gets 404 or 405. `krakend check`
//! does not notice.
//!
//! ## Example
//! ```json
//! { "endpoint": "/orders", "method": "PSOT", "backend": [{ "url_pattern": "/orders" }] }
//! ```
//!
//! ## How to fix it
//! Use one of GET, POST, PUT, PATCH, DELETE. For OPTIONS (CORS preflight),
//! set `"auto_options": true` in the root `extra_config.router`, or use the
//! `security/cors` namespace; KrakenD has no HEAD endpoints.

use crate::check::Context;
use crate::check::routes::METHODS;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::syntax::ScalarStyle;

/// The rule's code.
pub const CODE: &str = "GW110";

/// Reports each endpoint whose method KrakenD does not register.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(method) = &ep.method else { continue };
        let upper = ep.method_upper();
        if METHODS.contains(&upper.as_str()) {
            continue;
        }
        let path = ep.path.as_ref().map_or("", |p| p.value.as_str());
        let mut d = cx
            .diag(CODE, method.span, format!("method `{}` is not supported: KrakenD drops endpoint `{path}`", method.value))
            .with_label("KrakenD registers only GET, POST, PUT, PATCH and DELETE")
            .with_note(format!(
                "KrakenD starts without it, logging `[ENDPOINT: {path}] Unsupported method {}`",
                method.value.to_uppercase()
            ));
        d = match upper.as_str() {
            "OPTIONS" if cx.auto_options() => {
                d.with_help("remove this endpoint: `router.auto_options` already answers OPTIONS on every registered path")
            }
            "OPTIONS" => d.with_help(
                "remove this endpoint and set `\"auto_options\": true` in the root `extra_config.router`, which answers OPTIONS on every path (use `security/cors` for CORS preflight)",
            ),
            "HEAD" => d.with_help("remove this endpoint: KrakenD has no HEAD endpoints, and does not answer HEAD from GET routes either"),
            _ => match did_you_mean(&upper, METHODS) {
                Some(suggestion) => {
                    d = d.with_help(format!("did you mean `{suggestion}`?"));
                    if method.style != ScalarStyle::Opaque {
                        d = d.with_fix(format!("replace with `{suggestion}`"), method.inner_span(), suggestion);
                    }
                    d
                }
                None => d.with_help("use one of GET, POST, PUT, PATCH, DELETE"),
            },
        };
        out.push(d);
    }
}
