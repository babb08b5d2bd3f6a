//! an `auth/validator` with `jwk_local_path` but without `disable_jwk_security`
//!
//! ## What it does
//! Reports a validator that reads its keys from `jwk_local_path`, has no
//! `jwk_url`, and does not set `disable_jwk_security: true`.
//!
//! ## Why is this bad?
//! KrakenD CE's security check only looks at `jwk_url`: an empty one is
//! "not https", so the configuration reader returns `JWK client is using
//! an insecure connection to the JWK service` (`krakend-jose` `jws.go`)
//! even though no connection is ever made. The endpoint then answers 401
//! to every request, forever. KrakenD's schema does not require the flag
//! for the validator (only for the signer), so the mistake is common.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_local_path": "./jwks.json" } }
//! ```
//!
//! ## How to fix it
//! Add `"disable_jwk_security": true`. With a local file it turns nothing
//! off: it only satisfies CE's check.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW632";

/// Reports each such validator.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let Some(path) = v.local_path() else { continue };
        // With a `jwk_url`, GW631 reports the same check.
        if v.url().is_some() || v.passes_https_check() {
            continue;
        }
        out.push(
            cx.diag(CODE, path.key_span, "`jwk_local_path` without `disable_jwk_security: true`")
                .with_label("KrakenD CE's https check fails on the empty `jwk_url`: the endpoint answers 401 to every request")
                .with_help("add `\"disable_jwk_security\": true` (with a local key set it only satisfies the check)"),
        );
    }
}
