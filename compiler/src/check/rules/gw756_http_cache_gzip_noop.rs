//! a cached `no-op` backend that forwards `Accept-Encoding`: gzip reaches clients unlabelled
//!
//! ## What it does
//! Reports `qos/http-cache` on a `no-op` backend whose endpoint forwards
//! the client's `Accept-Encoding` header (`input_headers` naming it, or
//! `*`).
//!
//! ## Why is this bad?
//! With the client's `Accept-Encoding: gzip` forwarded, the backend may
//! answer compressed; KrakenD's cache then removes `Content-Encoding:
//! gzip` from every GET answer it can store (`httpcache.go`), but a no-op
//! backend's body is passed on as it came. The client gets gzip bytes
//! without the header that says so, on the first answer and on every hit.
//! gwc does the same, for compatibility.
//!
//! ## Example
//! ```json
//! { "endpoint": "/file", "output_encoding": "no-op", "input_headers": ["Accept-Encoding"], "backend": [{ "encoding": "no-op", "url_pattern": "/file", "extra_config": { "qos/http-cache": {} } }] }
//! ```
//!
//! ## How to fix it
//! Stop forwarding `Accept-Encoding` to this backend, or drop the cache.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW756";

/// Reports each no-op cached backend that gets the client's `Accept-Encoding`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, b, ns) in cx.config.http_caches() {
        if !crate::model::encoding::is_noop_backend_encoding(b.encoding.as_ref()) {
            continue;
        }
        let passes = |list: &[crate::model::Spanned<String>]| {
            list.iter()
                .find(|h| h.value == "*" || h.value.eq_ignore_ascii_case("accept-encoding"))
                .map(|h| h.span)
        };
        let Some(span) = ep.input_headers.as_ref().and_then(|l| passes(&l.value)) else {
            continue;
        };
        if b.input_headers.as_ref().is_some_and(|l| passes(&l.value).is_none()) {
            continue;
        }
        out.push(
            cx.diag(
                CODE,
                ns.key_span,
                "cached `no-op` backend gets the client's `Accept-Encoding`: gzip answers lose their `Content-Encoding`",
            )
            .with_label("the cache removes `Content-Encoding: gzip` and keeps the bytes compressed")
            .with_secondary(span, "`Accept-Encoding` forwarded to the backend")
            .with_help("stop forwarding `Accept-Encoding` to this backend, or drop the cache"),
        );
    }
}
