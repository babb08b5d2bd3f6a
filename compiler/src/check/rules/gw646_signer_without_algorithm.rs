//! an `auth/signer` without `alg`
//!
//! ## What it does
//! Reports an `auth/signer` that has no `alg`. (A value that is not one of
//! the JWS algorithms `EdDSA`, `HS256`, `HS384`, `HS512`, `RS256`,
//! `RS384`, `RS512`, `ES256`, `ES384`, `ES512`, `PS256`, `PS384`, `PS512`
//! is GW803; one of another type GW802.)
//!
//! ## Why is this bad?
//! The signer passes `alg` to go-jose as it is: without one `NewSigner`
//! fails when KrakenD CE starts, which logs `Unable to create the signer`
//! and goes on. The endpoint then answers 401 to every request, forever.
//!
//! ## Example
//! ```json
//! { "auth/signer": { "kid": "k1", "keys_to_sign": ["access_token"], "jwk_local_path": "jwk.json", "disable_jwk_security": true } }
//! ```
//!
//! ## How to fix it
//! Write the algorithm of the key, spelled as in the list (`"alg": "HS256"`).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::plan::security::validator::ALGORITHMS;

/// The rule's code.
pub const CODE: &str = "GW646";

/// Reports each signer without a known `alg`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(s) = &ep.extra.signer else { continue };
        // A value outside the list is GW803's (the schema's enum), one of
        // another type GW802's.
        if s.alg.is_some() || s.alg_written {
            continue;
        }
        out.push(
            cx.diag(CODE, s.key_span, "`auth/signer` has no `alg`")
                .with_label("KrakenD CE has no default algorithm: the endpoint answers 401 to every request")
                .with_help(format!("add the algorithm of the signing key, one of {}", list())),
        );
    }
}

fn list() -> String {
    ALGORITHMS.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
}
