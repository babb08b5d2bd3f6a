//! a `security/cors` `max_age` that is not a string, on which KrakenD CE panics at start-up
//!
//! ## What it does
//! Reports the root `security/cors` namespace's `max_age` when it is not a
//! JSON string: a number (`3600`), a boolean, `null`, a list or an object.
//! (Other `extra_config` values of the wrong type are GW802's; this one has
//! its own rule because its consequence is not "ignored".)
//!
//! ## Why is this bad?
//! KrakenD CE reads `max_age` with a Go type assertion, `maxAge.(string)`,
//! without checking it (`krakend-cors`'s `cors.go`): any other type makes
//! the process panic while it starts, so the gateway never serves. A
//! number is the usual slip: seconds, as the `Access-Control-Max-Age`
//! header counts them.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "security/cors": { "max_age": 3600 } } }
//! ```
//!
//! ## How to fix it
//! Write a Go duration string: `"max_age": "3600s"` (or `"1h"`).

use crate::check::{Context, edits};
use crate::diag::Diagnostic;
use crate::model::security::cors::MaxAge;

/// The rule's code.
pub const CODE: &str = "GW610";

/// The JSON pointers of the `max_age` this rule reports instead of GW802:
/// the root namespace's, under its short or long name.
pub const POINTERS: [&str; 2] = [
    "/extra_config/security~1cors/max_age",
    "/extra_config/github_com~1devopsfaith~1krakend-cors/max_age",
];

/// Reports a root `max_age` of another type than string.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(cors) = &cx.config.extra.cors else { return };
    let Some(max_age) = &cors.max_age else { return };
    let d = match &max_age.value {
        MaxAge::Text(_) => return,
        MaxAge::Number(raw) => {
            let seconds = format!("{raw}s");
            cx.diag(CODE, max_age.span, "`security/cors` `max_age` is a number: KrakenD CE panics at start-up")
                .with_label("KrakenD CE reads this value as a string only")
                .with_help(format!("write a duration string: `\"{seconds}\"` for {raw} seconds"))
                .with_fix(format!("write `\"{seconds}\"`"), max_age.span, edits::json_string(&seconds))
        }
        MaxAge::Other(kind) => cx
            .diag(CODE, max_age.span, format!("`security/cors` `max_age` is {}: KrakenD CE panics at start-up", crate::check::schema::with_article(kind)))
            .with_label("KrakenD CE reads this value as a string only")
            .with_help("write a duration string such as `\"12h\"`, or remove `max_age` (no `Access-Control-Max-Age` header)"),
    };
    out.push(d.with_note("`krakend-cors` asserts `max_age` to a string without checking (`maxAge.(string)`): the process stops before it serves"));
}
