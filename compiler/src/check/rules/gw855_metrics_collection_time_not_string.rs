//! a `telemetry/metrics` `collection_time` that is not a string
//!
//! ## What it does
//! Reports a `collection_time` written as a number, a boolean, an object…
//! instead of a duration string.
//!
//! ## Why is this bad?
//! krakend-metrics asserts the value to a string without checking
//! (`collectionTime.(string)`, `metrics.go`): KrakenD CE panics at start-up
//! and serves nothing (krakend-components §5.3).
//!
//! ## Example
//! ```json
//! { "telemetry/metrics": { "collection_time": 60 } }
//! ```
//!
//! ## How to fix it
//! Write a Go duration string: `"collection_time": "60s"`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW855";

/// Reports a non-string `collection_time`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(m) = &cx.config.extra.metrics else { return };
    let Some(member) = m.member("collection_time") else { return };
    if member.value.as_str().is_some() {
        return;
    }
    let found = crate::check::schema::with_article(member.value.type_name());
    let fix = match member.value.as_number().and_then(|n| n.as_i64()) {
        Some(n) => format!("write a duration string such as `\"{n}s\"`"),
        None => "write a duration string such as `\"60s\"`".to_string(),
    };
    out.push(
        cx.diag(
            CODE,
            member.value.span,
            format!("`telemetry/metrics` `collection_time` is {found}: KrakenD CE panics at start-up"),
        )
        .with_label("KrakenD CE reads this value as a string only")
        .with_help(fix)
        .with_note("krakend-metrics asserts `collection_time` to a string without checking (`v.(string)`): the process stops before it serves"),
    );
}
