//! an endpoint with `concurrent_calls` that sends POST or PATCH requests
//!
//! ## What it does
//! Reports an endpoint with `concurrent_calls` above 1 that sends a POST or
//! PATCH to a backend (the backend's `method`, else the endpoint's).
//!
//! ## Why is this bad?
//! `concurrent_calls: N` makes KrakenD send each backend request N times in
//! parallel, body included, and keep the first complete answer. For a
//! non-idempotent method that is N writes: N orders created, N payments
//! taken.
//!
//! ## Example
//! ```json
//! { "endpoint": "/orders", "method": "POST", "concurrent_calls": 3, "backend": [{ "url_pattern": "/orders" }] }
//! ```
//!
//! ## How to fix it
//! Remove `concurrent_calls` (or set it to 1) on endpoints that write; keep
//! parallel calls for reads.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW416";

/// Reports each endpoint that would repeat a POST or PATCH.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(calls) = &ep.concurrent_calls else { continue };
        if calls.value <= 1 {
            continue;
        }
        let endpoint_method = ep.method_upper();
        let writes = ep.backends.iter().find_map(|b| {
            let method = b.method.as_ref().map_or_else(|| endpoint_method.clone(), |m| m.value.to_ascii_uppercase());
            matches!(method.as_str(), "POST" | "PATCH").then(|| (method, b.method.as_ref().map(|m| m.span)))
        });
        let Some((method, backend_method)) = writes else { continue };
        let n = calls.value;
        let mut d = cx
            .diag(CODE, calls.span, format!("`concurrent_calls: {n}` sends every {method} to the backend {n} times"))
            .with_label(format!("each backend request is sent {n} times in parallel, body included"))
            .with_help(format!("remove `concurrent_calls` for endpoints that write: a {method} is not idempotent"))
            .with_fix("set `concurrent_calls` to 1", calls.span, "1");
        let method_span = backend_method.or_else(|| ep.method.as_ref().map(|m| m.span));
        if let Some(span) = method_span {
            d = d.with_secondary(span, format!("a {method}"));
        }
        out.push(d);
    }
}
