//! a dotted `roles_key` without `roles_key_is_nested`
//!
//! ## What it does
//! Reports an `auth/validator` that requires `roles` and names the claim
//! holding them with a dotted path (`realm_access.roles`, Keycloak's) but
//! does not set `roles_key_is_nested: true`. Keys starting with `http` (a
//! claim named by a URL) are left alone.
//!
//! ## Why is this bad?
//! Without the flag KrakenD CE looks for a top-level claim literally named
//! `realm_access.roles` (`krakend-jose` `gin/jose.go`), which tokens do not
//! have: every request is answered 403, forever.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_url": "https://idp.example.com/jwks.json", "cache": true,
//!                       "roles_key": "realm_access.roles", "roles": ["admin"] } }
//! ```
//!
//! ## How to fix it
//! Add `"roles_key_is_nested": true`, so the path is walked into the nested
//! claims.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW636";

/// Reports each such `roles_key`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let Some(key) = &v.roles_key else { continue };
        if v.required_roles().is_empty()
            || !key.value.contains('.')
            || key.value.starts_with("http")
            || v.roles_key_is_nested.as_ref().is_some_and(|n| n.value)
        {
            continue;
        }
        out.push(
            cx.diag(CODE, key.span, format!("`roles_key` `{}` is read as one claim name", key.value))
                .with_label(format!("without `roles_key_is_nested` KrakenD CE looks for a claim literally named `{}`: every request gets 403", key.value))
                .with_help("add `\"roles_key_is_nested\": true`"),
        );
    }
}
