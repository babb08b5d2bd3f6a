//! a `qos/http-cache` on a backend that is never called with GET or HEAD
//!
//! ## What it does
//! Reports `qos/http-cache` on a backend whose method (its own `method`,
//! else the endpoint's) is neither GET nor HEAD.
//!
//! ## Why is this bad?
//! The cache stores and answers only GET and HEAD requests; any other one
//! goes to the backend as if there were no cache (it does not even
//! invalidate the URL's GET entry: CE deletes the key `POST <url>`, under
//! which nothing is stored). On a POST backend the namespace does nothing,
//! which is rarely what was meant.
//!
//! ## Example
//! ```json
//! { "endpoint": "/search", "method": "POST", "backend": [{ "url_pattern": "/search", "extra_config": { "qos/http-cache": {} } }] }
//! ```
//!
//! ## How to fix it
//! Remove the namespace, or call the backend with GET (`"method": "GET"`
//! on the backend) if its answers are cacheable.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW755";

/// Reports each cache on a backend that never sends GET or HEAD.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, b, ns) in cx.config.http_caches() {
        let (method, span) = match b.method.as_ref().filter(|m| !m.value.is_empty()) {
            Some(m) => (m.value.to_ascii_uppercase(), m.span),
            None => (ep.method_upper(), ep.method.as_ref().map_or(ep.name_span(), |m| m.span)),
        };
        if method == "GET" || method == "HEAD" {
            continue;
        }
        out.push(
            cx.diag(
                CODE,
                ns.key_span,
                format!("`qos/http-cache` on a backend called with {method}: nothing is ever cached"),
            )
            .with_label("only GET and HEAD answers are stored")
            .with_secondary(span, format!("the backend is called with {method}"))
            .with_help("remove `qos/http-cache`, or call the backend with GET if its answers can be cached"),
        );
    }
}
