//! an `auth/signer` whose key set fails KrakenD CE's https check
//!
//! ## What it does
//! Reports a signer that has a key set but does not set
//! `disable_jwk_security: true`, and whose `jwk_url` does not start with
//! `https://`: an `http://` URL, or a `jwk_local_path` alone (CE checks
//! the URL, and an empty one is not https).
//!
//! ## Why is this bad?
//! KrakenD CE's configuration reader (`krakend-jose` `jws.go`) refuses it
//! with `JWK client is using an insecure connection to the JWK service`;
//! the signer is not created and the endpoint answers 401 to every
//! request, forever. Nothing stops at start-up.
//!
//! ## Example
//! ```json
//! { "auth/signer": { "alg": "HS256", "kid": "k1", "keys_to_sign": ["access_token"], "jwk_local_path": "jwk.json" } }
//! ```
//!
//! ## How to fix it
//! Add `"disable_jwk_security": true` (with a local file it turns nothing
//! off), or serve the key set over `https://`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW648";

/// Reports each signer whose key set fails the check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(s) = &ep.extra.signer else { continue };
        if s.passes_https_check() {
            continue;
        }
        let (span, message) = match (s.url(), s.local_path()) {
            (Some(u), _) => (u.span, format!("`jwk_url` `{}` is not an `https://` URL", u.value)),
            (None, Some(p)) => (
                p.span,
                "`jwk_local_path` without `disable_jwk_security`: KrakenD CE's https check fails".to_string(),
            ),
            // No key set: GW647.
            (None, None) => continue,
        };
        out.push(
            cx.diag(CODE, span, message)
                .with_label("KrakenD CE refuses this key set: the endpoint answers 401 to every request")
                .with_secondary(s.key_span, "this signer has no `disable_jwk_security: true`")
                .with_help("add `\"disable_jwk_security\": true`, or serve the key set over https"),
        );
    }
}
