//! a no-op endpoint forwarding `Origin` under a `security/cors` policy, so the backend's CORS headers join the gateway's
//!
//! ## What it does
//! With a root `security/cors` policy, reports each endpoint whose
//! `output_encoding` (its own or the root's) is `no-op` and whose `input_headers` forward the
//! client's `Origin` (by name, or with `"*"`).
//!
//! ## Why is this bad?
//! A no-op endpoint copies its backend's response headers onto the
//! gateway's answer, adding them to the ones already there
//! (`lura`'s `render.go` uses `Header().Add`). A backend that sees an
//! `Origin` usually answers with its own CORS headers, so the browser
//! gets two `Access-Control-Allow-Origin` values (the gateway's and the
//! backend's) and rejects the response, and `Vary` is doubled
//! (krakend-ce#392, #474). A backend that is not sent `Origin` has no
//! reason to answer with CORS headers.
//!
//! ## Example
//! ```json
//! { "endpoint": "/files/{id}", "output_encoding": "no-op", "input_headers": ["Origin", "Authorization"],
//!   "backend": [{ "url_pattern": "/files/{id}", "encoding": "no-op" }] }
//! ```
//!
//! ## How to fix it
//! Remove `Origin` from the endpoint's `input_headers` and let the gateway
//! answer CORS, or turn CORS off in the backend.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW615";

/// Reports each such endpoint.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(cors) = &cx.config.extra.cors else { return };
    for ep in &cx.config.endpoints {
        // The endpoint's own `output_encoding`, or the root's it inherits.
        if cx.config.output_encoding_of(ep).is_none_or(|e| e.value != "no-op") {
            continue;
        }
        let Some(list) = &ep.input_headers else { continue };
        let Some(origin) = list.value.iter().find(|h| h.value.eq_ignore_ascii_case("origin") || h.value == "*") else {
            continue;
        };
        let path = ep.path.as_ref().map_or("", |p| p.value.as_str());
        let label = if origin.value == "*" { "`*` forwards the browser's `Origin` too" } else { "the backend sees the browser's `Origin`" };
        out.push(
            cx.diag(CODE, origin.span, format!("no-op endpoint `{path}` forwards `Origin`: its backend's CORS headers would be added to the gateway's"))
                .with_label(label)
                .with_secondary(cors.key_span, "the gateway's CORS policy already answers")
                .with_help("remove `Origin` from this endpoint's `input_headers`, or turn CORS off in the backend")
                .with_note("two `Access-Control-Allow-Origin` values make browsers reject the response"),
        );
    }
}
