//! a nested `roles_key` shorter than four bytes
//!
//! ## What it does
//! Reports an `auth/validator` with `roles_key_is_nested: true` whose
//! `roles_key` holds a `.` and is shorter than four bytes (`a.b`).
//!
//! ## Why is this bad?
//! To skip URL-like keys, KrakenD CE compares the key's first four bytes
//! with `http` by slicing (`RolesKey[:4]`, `krakend-jose` `gin/jose.go`);
//! a shorter key makes the slice go out of range and the gateway panics
//! while it builds the endpoint, at start-up.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_url": "https://idp.example.com/jwks.json", "cache": true,
//!                       "roles_key": "r.x", "roles_key_is_nested": true, "roles": ["admin"] } }
//! ```
//!
//! ## How to fix it
//! Use the claim path your tokens really have (at least four bytes long);
//! if the roles are top-level, drop `roles_key_is_nested`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW637";

/// Reports each such `roles_key`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let (Some(key), Some(nested)) = (&v.roles_key, &v.roles_key_is_nested) else {
            continue;
        };
        if !nested.value || !key.value.contains('.') || key.value.len() >= 4 {
            continue;
        }
        out.push(
            cx.diag(CODE, key.span, format!("nested `roles_key` `{}` is shorter than 4 bytes", key.value))
                .with_label("KrakenD CE slices its first 4 bytes and panics at start")
                .with_secondary(nested.full_span(), "the key is read as a nested path")
                .with_help("write the real claim path (at least 4 bytes), or remove `roles_key_is_nested`"),
        );
    }
}
