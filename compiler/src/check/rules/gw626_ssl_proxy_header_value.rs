//! a `security/http` `ssl_proxy_headers` value that does not mark HTTPS requests
//!
//! ## What it does
//! Reports an `ssl_proxy_headers` entry whose value is empty or not a
//! string.
//!
//! ## Why is this bad?
//! `unrolled/secure` counts a request as HTTPS when, for an entry, the
//! request's header equals the value exactly. Go's `Header.Get` reads an
//! absent header as "", so an empty value marks every request that lacks
//! the header as HTTPS: no redirect to HTTPS, and HSTS on plain HTTP.
//! A value that is not a string is dropped by `krakend-httpsecure`, so the
//! entry marks nothing.
//!
//! ## Example
//! ```json
//! { "security/http": { "ssl_proxy_headers": { "X-Forwarded-Proto": "", "X-Forwarded-Ssl": true } } }
//! ```
//!
//! ## How to fix it
//! Write the exact value the proxy sends, as a string:
//! `{"X-Forwarded-Proto": "https"}`, `{"X-Forwarded-Ssl": "on"}`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW626";

/// Reports each such entry.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(s) = &cx.config.extra.http_security else {
        return;
    };
    for h in s.ssl_proxy_headers.iter().flat_map(|l| &l.value) {
        let d = match h.value.as_deref() {
            Some("") => cx
                .diag(
                    CODE,
                    h.value_span,
                    format!("`ssl_proxy_headers` entry `{}` has an empty value", h.name),
                )
                .with_label("a request without this header matches \"\", so it counts as HTTPS")
                .with_help("write the value the proxy sends (`https` for `X-Forwarded-Proto`)"),
            Some(_) => continue,
            None => cx
                .diag(
                    CODE,
                    h.value_span,
                    format!("`ssl_proxy_headers` entry `{}` is not a string", h.name),
                )
                .with_label("KrakenD CE drops entries whose value is not a string")
                .with_help("write the value as a string (`\"on\"`, `\"https\"`)"),
        };
        out.push(d.with_secondary(h.name_span, "this header"));
    }
}
