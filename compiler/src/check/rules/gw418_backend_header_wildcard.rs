//! a backend's `input_headers` holds `"*"`, which drops every header instead of forwarding them all
//!
//! ## What it does
//! Reports `"*"` in the `input_headers` of a backend (not an endpoint: there
//! `"*"` does forward everything, see GW412).
//!
//! ## Why is this bad?
//! Only the endpoint level knows the wildcard: lura's gin handler copies
//! every client header when the endpoint's list holds `"*"`
//! (`router/gin/endpoint.go` `NewRequest`). A backend's list is a plain
//! filter (`proxy/headers_filter.go` `NewFilterHeadersMiddleware`): it keeps
//! the request headers whose name is exactly a list entry, and no header is
//! named `*`. Since KrakenD sets `X-Forwarded-For`, `X-Forwarded-Host` and
//! `User-Agent` on every request, the filter always runs, and a backend with
//! `["*"]` receives no header from KrakenD at all: no `Authorization`,
//! `Cookie` or `Content-Type`, whatever its endpoint forwards. With other
//! names in the list, only those pass.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/users",
//!   "input_headers": ["Authorization"],
//!   "backend": [{ "url_pattern": "/users", "input_headers": ["*"] }]
//! }
//! ```
//!
//! ## How to fix it
//! Remove `input_headers` from the backend: it then receives every header
//! its endpoint forwards (put `["*"]` on the endpoint to forward all of
//! them). Or list by name the headers this backend needs.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW418";

/// Reports each backend `input_headers` holding `"*"`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        for b in &ep.backends {
            let Some(list) = &b.input_headers else { continue };
            let Some(star) = list.value.iter().find(|h| h.value == "*") else { continue };
            let named: Vec<String> =
                list.value.iter().filter(|h| h.value != "*").map(|h| format!("`{}`", h.value)).collect();
            let message = if named.is_empty() {
                "`\"*\"` in a backend's `input_headers` drops every header instead of forwarding them all".to_string()
            } else {
                format!(
                    "`\"*\"` in a backend's `input_headers` forwards nothing: only {} {} this backend",
                    named.join(", "),
                    if named.len() == 1 { "reaches" } else { "reach" }
                )
            };
            let mut d = cx
                .diag(CODE, star.span, message)
                .with_label("a backend's list only keeps headers named exactly as listed, and no header is named `*`")
                .with_help(
                    "remove `input_headers` from the backend to pass on every header its endpoint forwards (`[\"*\"]` belongs on the endpoint), or list the headers this backend needs",
                );
            match &ep.input_headers {
                Some(endpoint) if endpoint.value.iter().any(|h| h.value == "*") => {
                    d = d.with_secondary(endpoint.span, "the endpoint forwards every client header");
                }
                Some(endpoint) => {
                    d = d.with_secondary(endpoint.span, "the endpoint forwards these");
                }
                None => {}
            }
            if named.is_empty() {
                d = d.with_note(
                    "that includes `Authorization`, `Cookie`, `Content-Type` and the `X-Forwarded-For`, `X-Forwarded-Host` and `User-Agent` KrakenD sets",
                );
            }
            out.push(d);
        }
    }
}
