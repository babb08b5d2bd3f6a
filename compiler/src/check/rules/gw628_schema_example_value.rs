//! a `security/http` value copied from the schema's examples
//!
//! ## What it does
//! Reports `security/http` values that are the examples of KrakenD's
//! schema rather than real settings: `ssl_host: "ssl.host.domain"` and the
//! header `X-Forwarded-Hosts` in `host_proxy_headers`.
//!
//! ## Why is this bad?
//! Configs start from the schema's examples and keep them. With
//! `ssl_host: "ssl.host.domain"`, the redirect to HTTPS sends every client
//! to a host that does not exist. `X-Forwarded-Hosts` (plural) is not the
//! header proxies send (`X-Forwarded-Host`), so the original host is never
//! read from it: `allowed_hosts` sees the proxy's `Host` instead.
//!
//! ## Example
//! ```json
//! { "security/http": { "ssl_host": "ssl.host.domain", "host_proxy_headers": ["X-Forwarded-Hosts"] } }
//! ```
//!
//! ## How to fix it
//! Write the HTTPS host clients should use, or remove `ssl_host` to
//! redirect to the request's own host; write `X-Forwarded-Host`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW628";

/// The schema's example for `ssl_host`.
const EXAMPLE_SSL_HOST: &str = "ssl.host.domain";
/// The schema's example for `host_proxy_headers`.
const EXAMPLE_HOST_HEADER: &str = "X-Forwarded-Hosts";

/// Reports each example value.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(s) = &cx.config.extra.http_security else {
        return;
    };
    if let Some(host) = s.ssl_host.as_ref().filter(|h| h.value == EXAMPLE_SSL_HOST) {
        out.push(
            cx.diag(CODE, host.span, format!("`ssl_host` is the schema's example `{EXAMPLE_SSL_HOST}`"))
                .with_label("the redirect to HTTPS would send clients to this host")
                .with_help("write the host clients should use over HTTPS, or remove `ssl_host` to keep the request's own"),
        );
    }
    for h in s.host_proxy_headers.iter().flat_map(|l| &l.value) {
        if !h.value.eq_ignore_ascii_case(EXAMPLE_HOST_HEADER) {
            continue;
        }
        out.push(
            cx.diag(CODE, h.span, format!("`{}` is the schema's example, not a header proxies send", h.value))
                .with_label("the original host is never read from it")
                .did_you_mean("X-Forwarded-Host", h.inner_span()),
        );
    }
}
