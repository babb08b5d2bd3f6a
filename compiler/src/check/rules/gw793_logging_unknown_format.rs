//! a `telemetry/logging` `format` KrakenD CE does not know, or `custom` without `custom_format`
//!
//! ## What it does
//! Reports a `format` other than `default`, `logstash` and `custom` (the
//! comparison is case-sensitive), and `format: custom` without a string
//! `custom_format`.
//!
//! ## Why is this bad?
//! krakend-gologging treats any other value as `default`: `"json"` or
//! `"Logstash"` silently give the coloured default lines, which a JSON log
//! shipper cannot parse. `custom` without a pattern writes empty lines.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/logging": { "level": "INFO", "stdout": true, "format": "json" } } }
//! ```
//!
//! ## How to fix it
//! Write `default`, `logstash` or `custom` (with `custom_format`).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW793";

const FORMATS: [&str; 3] = ["default", "logstash", "custom"];

/// Reports an unknown format or a custom one without its pattern.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(l) = &cx.config.extra.logging else { return };
    let Some(format) = &l.format else { return };
    if format.value == "custom" {
        if l.custom_format.is_none() {
            out.push(
                cx.diag(CODE, format.span, "`telemetry/logging` `format: custom` without a `custom_format`")
                    .with_label("every line is empty")
                    .with_help("add a `custom_format` such as `\"%{time:2006-01-02 15:04:05} %{level} %{message}\"`"),
            );
        }
        return;
    }
    if FORMATS.contains(&format.value.as_str()) {
        return;
    }
    let mut d = cx
        .diag(CODE, format.span, format!("unknown `telemetry/logging` `format` `{}`: KrakenD CE writes the default format", format.value.escape_debug()))
        .with_label("not `default`, `logstash` or `custom`");
    d = match did_you_mean(&format.value, FORMATS.iter().copied()) {
        Some(best) => d.with_help(format!("did you mean `{best}`?")),
        None => d.with_help("write `default`, `logstash` or `custom` (with `custom_format`)"),
    };
    out.push(d);
}
