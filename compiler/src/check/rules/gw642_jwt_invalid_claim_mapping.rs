//! a `propagate_claims` entry that is not a `[claim, header]` pair
//!
//! ## What it does
//! Reports an entry of an `auth/validator`'s `propagate_claims` that is a
//! list of other than exactly two items (`["sub"]`,
//! `["sub", "X-User", "X-Id"]`). (An entry that is not a list of strings
//! is a type error, GW802.)
//!
//! ## Why is this bad?
//! KrakenD CE skips such an entry with a warning in its log (older versions
//! panicked, krakend-ce#694): the claim never reaches a header, and the
//! backend that relies on it sees nothing.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_url": "https://idp.example.com/jwks.json", "cache": true,
//!                       "propagate_claims": [["sub"], ["email", "X-Email"]] } }
//! ```
//!
//! ## How to fix it
//! Write each mapping as `["claim", "Header-Name"]`; to send one claim to
//! two headers, write two pairs.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW642";

/// Reports each malformed mapping.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let Some(mappings) = &v.propagate_claims else { continue };
        for m in &mappings.value {
            let Some(len) = m.len.filter(|n| *n != 2) else { continue };
            let items = if len == 1 { "1 item".to_string() } else { format!("{len} items") };
            out.push(
                cx.diag(CODE, m.span, format!("`propagate_claims` entry has {items}, not 2"))
                    .with_label("KrakenD CE skips it: no header is set")
                    .with_help("write it as `[\"claim\", \"Header-Name\"]`"),
            );
        }
    }
}
