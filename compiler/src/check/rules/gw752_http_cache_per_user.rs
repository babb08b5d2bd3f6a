//! a cached backend behind authentication: one user's answer can reach another
//!
//! ## What it does
//! Reports `qos/http-cache` on a backend whose endpoint checks a token
//! (`auth/validator`) or forwards the `Authorization` header (in
//! `input_headers`, or `*`, and not filtered out by the backend's own
//! `input_headers`).
//!
//! ## Why is this bad?
//! The cache key is the backend URL alone: request headers count only when
//! the backend's answer names them in `Vary`, and `Cache-Control: private`
//! means nothing to this cache (it is a "private" cache in RFC 9111's
//! sense, but it serves every client of the gateway). A backend that
//! answers per user with `max-age` and without `Vary: Authorization` has
//! its answer for the first user served to the next ones from the cache,
//! whatever token they present. Whether the backend sends such headers
//! cannot be known from the config, so this is a warning.
//!
//! ## Example
//! ```json
//! { "endpoint": "/me", "input_headers": ["Authorization"], "backend": [{ "url_pattern": "/me", "extra_config": { "qos/http-cache": {} } }] }
//! ```
//!
//! ## How to fix it
//! Make the backend answer per-user data with `Vary: Authorization` or
//! `Cache-Control: no-store`, or put the user in the URL, or drop the
//! cache on this backend.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::syntax::Span;

/// The rule's code.
pub const CODE: &str = "GW752";

/// Where `Authorization` is let through: the endpoint's `input_headers`
/// entry (`Authorization` or `*`), unless the backend's own list leaves it
/// out.
fn forwarded(ep: &crate::model::Endpoint<'_>, b: &crate::model::Backend<'_>) -> Option<Span> {
    let passes = |list: &[crate::model::Spanned<String>]| {
        list.iter()
            .find(|h| h.value == "*" || h.value.eq_ignore_ascii_case("authorization"))
            .map(|h| h.span)
    };
    let at_endpoint = passes(&ep.input_headers.as_ref()?.value)?;
    match &b.input_headers {
        Some(own) => passes(&own.value).map(|_| at_endpoint),
        None => Some(at_endpoint),
    }
}

/// Reports each cache behind a token check or a forwarded `Authorization`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, b, ns) in cx.config.http_caches() {
        let (span, why) = if let Some(v) = &ep.extra.validator {
            (v.key_span, "the endpoint checks a token per user")
        } else if let Some(span) = forwarded(ep, b) {
            (span, "`Authorization` reaches the backend")
        } else {
            continue;
        };
        out.push(
            cx.diag(
                CODE,
                ns.key_span,
                "cached backend behind authentication: the cache key ignores who asks",
            )
            .with_label("keyed by the backend URL only")
            .with_secondary(span, why)
            .with_help(
                "have the backend answer per-user data with `Vary: Authorization` or `Cache-Control: no-store`, or drop the cache here",
            ),
        );
    }
}
