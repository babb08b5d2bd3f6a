//! a `telemetry/gelf` `address` that is not a string or `enable_tcp` that is not a boolean, on which KrakenD CE panics at start-up
//!
//! ## What it does
//! Reports `address` in `telemetry/gelf` (or its legacy name) when it is
//! not a string, and `enable_tcp` when it is not `true` or `false`.
//!
//! ## Why is this bad?
//! krakend-gelf reads both with unchecked Go type assertions
//! (`v.(string)`, `v.(bool)`): another type makes the process panic while
//! it builds its logger, so the gateway never serves.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/gelf": { "address": "graylog:12201", "enable_tcp": "false" } } }
//! ```
//!
//! ## How to fix it
//! Write `address` as a string (`"graylog:12201"`) and `enable_tcp` as a
//! JSON boolean (`false`).

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW796";

/// Reports an `address` or `enable_tcp` of the wrong JSON type.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(g) = &cx.config.extra.gelf else { return };
    for (key, want) in [("address", "a string"), ("enable_tcp", "a boolean")] {
        let Some(m) = g.member(key) else { continue };
        let ok = match key {
            "address" => m.value.as_str().is_some(),
            _ => m.value.as_bool().is_some(),
        };
        if ok {
            continue;
        }
        let found = crate::check::schema::with_article(m.value.type_name());
        let fix = match (key, m.value.as_str().map(str::trim)) {
            ("enable_tcp", Some(b @ ("true" | "false"))) => format!("write `{b}` (without quotes)"),
            ("enable_tcp", _) => "write `true` (TCP) or `false` (UDP) for `enable_tcp`".to_string(),
            _ => "write the address as a string: `\"graylog:12201\"`".to_string(),
        };
        let assertion = if key == "address" { "v.(string)" } else { "v.(bool)" };
        out.push(
            cx.diag(
                CODE,
                m.value.span,
                format!("`telemetry/gelf` `{key}` is {found}: KrakenD CE panics at start-up"),
            )
            .with_label(format!("KrakenD CE reads this value as {want} only"))
            .with_help(fix)
            .with_note(format!(
                "krakend-gelf asserts `{key}` without checking (`{assertion}`): the process stops before it serves"
            )),
        );
    }
}
