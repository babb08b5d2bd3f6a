//! an `auth/signer` with neither `jwk_url` nor `jwk_local_path`
//!
//! ## What it does
//! Reports a signer that names no key set: no `jwk_url` and no
//! `jwk_local_path` (or both empty).
//!
//! ## Why is this bad?
//! The signer looks its `kid` up in the key set once, at start. Without a
//! key set KrakenD CE logs `Unable to create the signer` and the endpoint
//! answers 401 to every request, forever.
//!
//! ## Example
//! ```json
//! { "auth/signer": { "alg": "HS256", "kid": "k1", "keys_to_sign": ["access_token"], "jwks_url": "https://idp.example.com/private.json" } }
//! ```
//!
//! ## How to fix it
//! Name the key set holding the PRIVATE key: `"jwk_local_path"` (with
//! `"disable_jwk_security": true`) or `"jwk_url": "https://…"`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW647";

/// Reports each signer without a key set.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(s) = &ep.extra.signer else { continue };
        if s.url().is_some() || s.local_path().is_some() {
            continue;
        }
        out.push(
            cx.diag(CODE, s.key_span, "`auth/signer` has no key set")
                .with_label("neither `jwk_url` nor `jwk_local_path`: KrakenD CE answers 401 to every request")
                .with_help("add a `jwk_local_path` (and `\"disable_jwk_security\": true`) or a `jwk_url` holding the private key"),
        );
    }
}
