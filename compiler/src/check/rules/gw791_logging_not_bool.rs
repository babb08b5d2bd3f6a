//! a `telemetry/logging` `stdout` or `syslog` that is not a boolean, on which KrakenD CE panics at start-up
//!
//! ## What it does
//! Reports `stdout` or `syslog` in `telemetry/logging` when the value is not
//! `true` or `false` (`"true"`, `1`, `null`…).
//!
//! ## Why is this bad?
//! krakend-gologging reads both with an unchecked Go type assertion
//! (`v.(bool)`): any other type makes the process panic while it starts,
//! so the gateway never serves.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/logging": { "level": "INFO", "stdout": "true" } } }
//! ```
//!
//! ## How to fix it
//! Write a JSON boolean: `"stdout": true`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW791";

/// Reports a non-boolean `stdout` or `syslog`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(l) = &cx.config.extra.logging else { return };
    for key in ["stdout", "syslog"] {
        let Some(m) = l.member(key) else { continue };
        if m.value.as_bool().is_some() {
            continue;
        }
        let found = crate::check::schema::with_article(m.value.type_name());
        let fix = match m.value.as_str().map(str::trim) {
            Some("true") => "write `true` (without quotes)".to_string(),
            Some("false") => "write `false` (without quotes)".to_string(),
            _ => format!("write `true` or `false` for `{key}`"),
        };
        out.push(
            cx.diag(CODE, m.value.span, format!("`telemetry/logging` `{key}` is {found}: KrakenD CE panics at start-up"))
                .with_label("KrakenD CE reads this value as a boolean only")
                .with_help(fix)
                .with_note(format!("krakend-gologging asserts `{key}` to a bool without checking (`v.(bool)`): the process stops before it serves")),
        );
    }
}
