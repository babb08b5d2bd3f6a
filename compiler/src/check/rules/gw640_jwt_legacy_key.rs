//! an `auth/validator` key written with hyphens (`jwk-url`)
//!
//! ## What it does
//! Reports a key of an `auth/validator` that is one of its fields written
//! with `-` instead of `_`: `jwk-url`, `propagate-claims`, `roles-key`,
//! `cookie-key`, `disable-jwk-security`…, the spelling of old KrakenD
//! versions and of many blog posts.
//!
//! ## Why is this bad?
//! KrakenD CE decodes only the underscore names and ignores the others
//! without a word (krakend-ce#495). The effect depends on the field, and is
//! usually severe: a validator whose `jwk-url` is ignored has no key set
//! and answers 401 to every request; an ignored `roles-key` checks roles in
//! the wrong claim (403); ignored `propagate-claims` never reach the
//! backend.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk-url": "https://idp.example.com/jwks.json", "cache": true } }
//! ```
//!
//! ## How to fix it
//! Rename the key to its underscore form (`jwk_url`).

use crate::check::{Context, schema};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW640";

/// Reports each hyphenated field name.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let root = cx.config.extra.validator.iter();
    let endpoints = cx.config.endpoints.iter().filter_map(|e| e.extra.validator.as_ref());
    for v in root.chain(endpoints) {
        for (key, span, field) in &v.hyphenated {
            let mut d = cx
                .diag(CODE, *span, format!("`{key}` is not an `auth/validator` field"))
                .with_label(format!("KrakenD CE ignores it: `{field}` is the field"))
                .with_help(format!("rename it to `{field}`"));
            if let Some(inner) = schema::key_inner_span(cx.text, key, *span)
                && !v.hyphenated.iter().any(|(k, _, _)| k == field)
            {
                d = d.with_fix(format!("rename to `{field}`"), inner, *field);
            }
            out.push(d);
        }
    }
}
