//! an `auth/validator` duration KrakenD CE replaces without a word
//!
//! ## What it does
//! Reports a `leeway` that is not a Go duration (`"5 seconds"`, `"5"`) or
//! is shorter than one second, and a `failed_jwk_key_cooldown` that is not
//! a Go duration or is shorter than one second.
//!
//! ## Why is this bad?
//! KrakenD CE does not complain: an unreadable `leeway` becomes `1s`, and
//! anything shorter is raised to `1s` (`go-auth0`); an unreadable or
//! sub-second `failed_jwk_key_cooldown` turns the cooldown off
//! (`krakend-jose` `jwk_client.go`). The configured value never applies.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_url": "https://idp.example.com/jwks.json", "cache": true,
//!                       "leeway": "30", "failed_jwk_key_cooldown": "500ms" } }
//! ```
//!
//! ## How to fix it
//! Write a Go duration of at least a second: `"30s"`, `"2m"`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::duration::parse_go_duration;

/// The rule's code.
pub const CODE: &str = "GW644";

/// Reports each such duration.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let fields = [
            ("leeway", &v.leeway, "KrakenD CE uses `1s` instead"),
            (
                "failed_jwk_key_cooldown",
                &v.failed_jwk_key_cooldown,
                "KrakenD CE turns the cooldown off",
            ),
        ];
        for (field, value, effect) in fields {
            let Some(d) = value else { continue };
            let problem = match parse_go_duration(&d.value) {
                Err(_) => format!("`{field}` `{}` is not a Go duration", d.value),
                Ok(ns) if ns < 1_000_000_000 => format!("`{field}` `{}` is shorter than 1s", d.value),
                Ok(_) => continue,
            };
            out.push(
                cx.diag(CODE, d.span, problem)
                    .with_label(effect)
                    .with_help("write a Go duration of at least a second, e.g. `\"30s\"`"),
            );
        }
    }
}
