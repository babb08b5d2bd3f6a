//! a `disable_jwk_security` flag on an `https://` `jwk_url`
//!
//! ## What it does
//! Reports an `auth/validator` that sets `disable_jwk_security: true` while
//! its `jwk_url` is `https://`.
//!
//! ## Why is this bad?
//! The flag does more than allow `http://`: KrakenD CE (and gwc) then skip
//! the verification of the key set server's certificate
//! (`InsecureSkipVerify`, `krakend-jose` `jwk.go`). Anyone who can answer
//! for that host can hand the gateway their own keys and sign any token.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_url": "https://idp.example.com/jwks.json",
//!                       "disable_jwk_security": true, "cache": true } }
//! ```
//!
//! ## How to fix it
//! Remove `disable_jwk_security`. For a server with a private certificate
//! authority, trust it with `jwk_local_ca` instead; to pin the server's key,
//! use `jwk_fingerprints`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW641";

/// Reports each such flag.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let Some(flag) = v.disable_jwk_security.as_ref().filter(|d| d.value) else { continue };
        let Some(url) = v.url().filter(|u| u.value.starts_with("https://")) else { continue };
        out.push(
            cx.diag(CODE, flag.full_span(), "`disable_jwk_security` turns certificate verification off")
                .with_label("the key set server's certificate is not checked: anyone answering for it can sign tokens")
                .with_secondary(url.span, "an https URL needs no flag")
                .with_help("remove it; trust a private CA with `jwk_local_ca`, or pin the key with `jwk_fingerprints`"),
        );
    }
}
