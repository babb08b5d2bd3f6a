//! a rate limit on an endpoint with `auth/signer`, which KrakenD CE never applies
//!
//! ## What it does
//! Reports `qos/ratelimit/router` on an endpoint that also has
//! `auth/signer` (or its legacy name).
//!
//! ## Why is this bad?
//! In KrakenD CE the token signer replaces the endpoint's handler: it
//! calls the backends and signs their answer itself, and never runs the
//! handler the rate limit wraps (`krakend-jose`'s `gin/jose.go`). The
//! limit is silently skipped: a login endpoint meant to be throttled is
//! not.
//!
//! ## Example
//! ```json
//! { "endpoint": "/token", "extra_config": { "auth/signer": { "alg": "HS256", "kid": "k", "keys_to_sign": ["access_token"], "jwk_local_path": "jwk.json", "disable_jwk_security": true }, "qos/ratelimit/router": { "max_rate": 10 } } }
//! ```
//!
//! ## How to fix it
//! Limit the signing backend instead (`qos/ratelimit/proxy` on the backend
//! entry), or throttle in front of the gateway.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW710";

/// `auth/signer`'s legacy name, which CE still reads.
const SIGNER_LEGACY: &str = "github.com/devopsfaith/krakend-jose/signer";

/// Reports each limit a signer skips.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, r) in cx.config.rate_limits() {
        let signer = ep.extra.get("auth/signer").or_else(|| ep.extra.get(SIGNER_LEGACY));
        let Some((signer, node)) = signer else { continue };
        if node.as_object().is_none() || !(r.has_endpoint_rate() || r.has_client_rate()) {
            continue;
        }
        out.push(
            cx.diag(CODE, r.key_span, "rate limit on an endpoint with `auth/signer`: KrakenD CE never applies it")
                .with_label("skipped: the signer answers the request itself")
                .with_secondary(signer, "the signer replaces the handler the rate limit wraps")
                .with_help("limit the signing backend with `qos/ratelimit/proxy`, or throttle in front of the gateway"),
        );
    }
}
