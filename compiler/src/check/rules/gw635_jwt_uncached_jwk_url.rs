//! an `auth/validator` that downloads its key set without `cache: true`
//!
//! ## What it does
//! Reports a validator with a `jwk_url` (and no `jwk_local_path`) that does
//! not set `cache: true`.
//!
//! ## Why is this bad?
//! Without `cache`, KrakenD CE keeps no key at all: every key lookup
//! downloads the whole key set, and a request makes two lookups (one to
//! check the signature, one to decode the claims), so every request costs
//! two JWKS downloads (krakend-ce#687, krakend-jose#78). The identity
//! provider takes the load, and latency follows it. gwc's gateway keeps
//! the key set anyway (it fetches it at most once every 10 s, or
//! `cache_duration` when shorter, and when a token names an unknown key),
//! so the same file behaves differently on the two gateways.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_url": "https://idp.example.com/jwks.json" } }
//! ```
//!
//! ## How to fix it
//! Add `"cache": true` (keys are kept for `cache_duration`, 900 s by
//! default, and a new key id triggers a new download).

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW635";

/// Reports each uncached remote key set.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let Some(url) = v.url() else { continue };
        if v.local_path().is_some() || v.cached() {
            continue;
        }
        let mut d = cx
            .diag(CODE, url.key_span, format!("the key set `{}` is not cached", url.value))
            .with_label("without `cache: true` KrakenD CE downloads it twice for every request");
        if let Some(c) = &v.cache {
            d = d.with_secondary(c.full_span(), "`cache` is off");
        }
        out.push(
            d.with_note("gwc's gateway keeps the key set anyway: at most one download every 10 s (or `cache_duration`), and one for a key id it does not know")
                .with_help("add `\"cache\": true`"),
        );
    }
}
