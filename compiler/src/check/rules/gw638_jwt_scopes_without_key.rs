//! required `scopes` without a `scopes_key` in an `auth/validator`
//!
//! ## What it does
//! Reports an `auth/validator` that lists required `scopes` but no
//! `scopes_key` (the claim holding the token's scopes).
//!
//! ## Why is this bad?
//! KrakenD CE checks scopes only when both are set (`krakend-jose`
//! `gin/jose.go`); otherwise it uses a matcher that accepts every token.
//! The endpoint looks scope-protected in the config and is not.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_url": "https://idp.example.com/jwks.json", "cache": true,
//!                       "scopes": ["orders:write"] } }
//! ```
//!
//! ## How to fix it
//! Name the claim: `"scopes_key": "scope"` (OAuth's space-separated
//! string) or `"scp"`, whatever your tokens carry; a dotted name is a path
//! into nested claims.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW638";

/// Reports each such validator.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let Some(scopes) = v.scopes.as_ref().filter(|s| !s.value.is_empty()) else {
            continue;
        };
        if v.scopes_key.as_ref().is_some_and(|k| !k.value.is_empty()) {
            continue;
        }
        out.push(
            cx.diag(CODE, scopes.key_span, "`scopes` without `scopes_key` are never checked")
                .with_label("KrakenD CE checks scopes only with `scopes_key`: every token passes")
                .with_help("name the claim holding the scopes, e.g. `\"scopes_key\": \"scope\"`"),
        );
    }
}
