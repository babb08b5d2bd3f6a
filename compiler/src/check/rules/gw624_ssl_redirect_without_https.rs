//! an `ssl_redirect` where no request can be recognised as HTTPS
//!
//! ## What it does
//! Reports `"ssl_redirect": true` in `security/http` when KrakenD CE has
//! no way to tell that a request came over HTTPS: the config serves no TLS
//! (no root `tls`) and no `ssl_proxy_headers` names a header that marks
//! one.
//!
//! ## Why is this bad?
//! `unrolled/secure` redirects every request it does not see as HTTPS to
//! `https://` + host + path with a 301. Without TLS of its own and without
//! `ssl_proxy_headers`, that is every request: clients that follow the
//! redirect to a TLS-terminating proxy in front of the gateway arrive
//! again over plain HTTP and are redirected again, in a loop. A gateway
//! built by gwc serves plain HTTP only, so the same holds.
//!
//! ## Example
//! ```json
//! { "security/http": { "ssl_redirect": true } }
//! ```
//!
//! ## How to fix it
//! Behind a TLS-terminating proxy, name the header it sets:
//! `"ssl_proxy_headers": {"X-Forwarded-Proto": "https"}`. Or let the proxy
//! do the redirect and set `"ssl_redirect": false`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW624";

/// Reports the option.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(s) = &cx.config.extra.http_security else {
        return;
    };
    let Some(redirect) = s.ssl_redirect.as_ref().filter(|r| r.value) else {
        return;
    };
    if s.is_development() || s.https_known(cx.root) {
        return;
    }
    out.push(
        cx.diag(
            CODE,
            redirect.full_span(),
            "`ssl_redirect` redirects every request to HTTPS",
        )
        .with_label("no root `tls` and no `ssl_proxy_headers`: no request is seen as HTTPS")
        .with_help("behind a TLS-terminating proxy, add `\"ssl_proxy_headers\": {\"X-Forwarded-Proto\": \"https\"}`; otherwise clients coming back through it loop"),
    );
}
