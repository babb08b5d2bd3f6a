//! a `propagate_claims` header the endpoint does not forward
//!
//! ## What it does
//! Reports each header of an `auth/validator`'s `propagate_claims` that the
//! endpoint's `input_headers` does not list (nor `"*"`).
//!
//! ## Why is this bad?
//! The validator writes the claim into the incoming request's headers, but
//! KrakenD builds every backend request from the endpoint's `input_headers`
//! only (by default just `Content-Type`), so no backend ever receives it.
//!
//! ## Example
//! ```json
//! { "endpoint": "/orders", "input_headers": ["Content-Type"],
//!   "extra_config": { "auth/validator": { "alg": "RS256", "jwk_url": "https://idp.example.com/jwks.json",
//!                                         "cache": true, "propagate_claims": [["sub", "X-User"]] } },
//!   "backend": [{ "url_pattern": "/orders" }] }
//! ```
//!
//! ## How to fix it
//! Add the header to the endpoint's `input_headers` (`"X-User"`).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::plan::canonical_header_key;

/// The rule's code.
pub const CODE: &str = "GW639";

/// Reports each propagated header that stays at the gateway.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let Some(mappings) = &v.propagate_claims else { continue };
        let listed = ep.input_headers.as_ref().map_or(&[][..], |l| l.value.as_slice());
        for (_, header) in mappings.value.iter().filter_map(|m| m.pair.as_ref()) {
            let canonical = canonical_header_key(&header.value);
            if header.value.is_empty()
                || listed
                    .iter()
                    .any(|l| l.value == "*" || l.value.eq_ignore_ascii_case(&canonical))
            {
                continue;
            }
            let mut d = cx
                .diag(CODE, header.span, format!("propagated header `{canonical}` is not in the endpoint's `input_headers`"))
                .with_label("no backend receives it: KrakenD forwards only the headers `input_headers` lists");
            if let Some(l) = &ep.input_headers {
                d = d.with_secondary(l.key_span, "the headers this endpoint forwards");
            }
            out.push(d.with_help(format!("add `{canonical}` to the endpoint's `input_headers`")));
        }
    }
}
