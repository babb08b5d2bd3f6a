//! an `auth/validator` with both `cache: true` and `jwk_local_path`
//!
//! ## What it does
//! Reports a validator that sets `cache: true` and reads its keys from
//! `jwk_local_path`.
//!
//! ## Why is this bad?
//! KrakenD CE refuses the combination when it builds the endpoint (`cache
//! could not be used with jwk_local_path`, `krakend-jose` `jwk.go`) and
//! calls `logger.Fatal`: the whole gateway exits at start-up.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_local_path": "./jwks.json", "disable_jwk_security": true, "cache": true } }
//! ```
//!
//! ## How to fix it
//! Remove `cache`: a local key set is read once, at start-up, and needs no
//! cache.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW634";

/// Reports each such validator.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let (Some(cache), Some(path)) = (v.cache.as_ref().filter(|c| c.value), v.local_path()) else {
            continue;
        };
        out.push(
            cx.diag(CODE, cache.full_span(), "`cache` cannot be used with `jwk_local_path`")
                .with_label("KrakenD CE exits at start on this validator")
                .with_secondary(path.key_span, "the keys come from a local file")
                .with_help("remove `cache`: a local key set is read once and needs no cache"),
        );
    }
}
