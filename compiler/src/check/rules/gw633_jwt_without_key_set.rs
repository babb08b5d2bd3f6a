//! an `auth/validator` with neither `jwk_url` nor `jwk_local_path`
//!
//! ## What it does
//! Reports a validator that names no key set: no `jwk_url` and no
//! `jwk_local_path` (or both empty).
//!
//! ## Why is this bad?
//! Without keys no token can be verified. KrakenD CE starts anyway: without
//! `disable_jwk_security` its https check fails on the empty URL, and with
//! it every key lookup downloads from an empty URL and fails. Either way
//! the endpoint answers 401 to every request, forever. A common cause is a
//! misspelt key (`jwk-url`, GW640; `jwks_url`, GW801).
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwks_url": "https://idp.example.com/jwks.json" } }
//! ```
//!
//! ## How to fix it
//! Name the key set: `"jwk_url": "https://…"` (with `"cache": true`), or a
//! local file with `"jwk_local_path"` and `"disable_jwk_security": true`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW633";

/// Reports each validator without a key set.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        if v.url().is_some() || v.local_path().is_some() {
            continue;
        }
        out.push(
            cx.diag(CODE, v.key_span, "`auth/validator` has no key set")
                .with_label("neither `jwk_url` nor `jwk_local_path`: KrakenD CE answers 401 to every request")
                .with_help("add `\"jwk_url\": \"https://…\"` (and `\"cache\": true`), or a `jwk_local_path`"),
        );
    }
}
