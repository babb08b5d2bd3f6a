//! an `auth/validator` whose `alg` KrakenD CE does not know
//!
//! ## What it does
//! Reports an `auth/validator` whose `alg` is missing, empty, or not one of
//! the algorithms KrakenD CE accepts: `EdDSA`, `HS256`, `HS384`, `HS512`,
//! `RS256`, `RS384`, `RS512`, `ES256`, `ES384`, `ES512`, `PS256`, `PS384`,
//! `PS512`. The name is case-sensitive (`rs256` is unknown) and `none` is
//! never one. (An `alg` written as a list is a type error, GW802.)
//!
//! ## Why is this bad?
//! There is no default algorithm (the schema's `RS256` is documentation
//! only). When KrakenD CE builds the endpoint it looks the name up, fails
//! with `JOSE: unknown algorithm` and calls `logger.Fatal`
//! (`krakend-jose` `gin/jose.go`): the whole gateway exits at start-up.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "rs256", "jwk_url": "https://idp.example.com/jwks.json", "cache": true } }
//! ```
//!
//! ## How to fix it
//! Write the algorithm your identity provider signs with, spelled as in the
//! list (`"alg": "RS256"`). Tokens must name the same `alg` in their header.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::plan::security::validator::ALGORITHMS;

/// The rule's code.
pub const CODE: &str = "GW630";

/// Reports each validator without a known `alg`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        match &v.alg {
            Some(alg) if ALGORITHMS.contains(&alg.value.as_str()) => {}
            Some(alg) => {
                let help = match ALGORITHMS.iter().find(|a| a.eq_ignore_ascii_case(&alg.value)) {
                    Some(a) => format!("did you mean `{a}`? the name is case-sensitive"),
                    None => format!("use one of {}", list()),
                };
                out.push(
                    cx.diag(CODE, alg.span, format!("unknown JWT algorithm `{}`", alg.value))
                        .with_label("KrakenD CE exits at start when it builds this validator")
                        .with_help(help),
                );
            }
            // A value of another type is GW802's.
            None if v.alg_written => {}
            None => out.push(
                cx.diag(CODE, v.key_span, "`auth/validator` has no `alg`")
                    .with_label("KrakenD CE has no default algorithm: it exits at start")
                    .with_help(format!("add the algorithm tokens are signed with, one of {}", list())),
            ),
        }
    }
}

fn list() -> String {
    ALGORITHMS.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
}
