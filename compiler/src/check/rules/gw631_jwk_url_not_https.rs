//! an `auth/validator` `jwk_url` that is not `https://`, without `disable_jwk_security`
//!
//! ## What it does
//! Reports a `jwk_url` that does not start with `https://` (an `http://`
//! URL, a relative one, another scheme) in a validator that does not set
//! `disable_jwk_security: true`.
//!
//! ## Why is this bad?
//! KrakenD CE refuses to download keys over an insecure connection: its
//! configuration reader returns `JWK client is using an insecure connection
//! to the JWK service` (`krakend-jose` `jws.go`), the endpoint logs
//! `Unable to parse the configuration` and then answers 401 to every
//! request, forever. Nothing stops at start-up, so it is easy to miss.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_url": "http://idp.internal/jwks.json", "cache": true } }
//! ```
//!
//! ## How to fix it
//! Serve the key set over `https://`. If a plain-HTTP key set is what you
//! want (a sidecar on localhost), say so with `"disable_jwk_security": true`:
//! keys fetched over HTTP can be replaced by anyone on the path.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW631";

/// Reports each such `jwk_url`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let Some(url) = v.url() else { continue };
        if v.passes_https_check() {
            continue;
        }
        out.push(
            cx.diag(CODE, url.span, format!("`jwk_url` `{}` is not an `https://` URL", url.value))
                .with_label("KrakenD CE refuses this key set: the endpoint answers 401 to every request")
                .with_secondary(v.key_span, "this validator has no `disable_jwk_security: true`")
                .with_help("serve the key set over https, or add `\"disable_jwk_security\": true` to accept a plain-HTTP one"),
        );
    }
}
