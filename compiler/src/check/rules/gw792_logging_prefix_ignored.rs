//! a `telemetry/logging` `prefix` that the `logstash` or `custom` format ignores
//!
//! ## What it does
//! Reports a non-empty `prefix` when `format` is `logstash` or `custom`
//! (not with `telemetry/logstash`, which makes the prefix its records'
//! `module`).
//!
//! ## Why is this bad?
//! krakend-gologging forces the prefix to `""` for these two formats: the
//! lines carry no prefix, and the syslog tag falls back to the program's
//! name. A log shipper filtering on the prefix sees nothing.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/logging": { "level": "INFO", "stdout": true, "prefix": "[GW]", "format": "logstash" } } }
//! ```
//!
//! ## How to fix it
//! Remove `prefix`, or put the text in `custom_format`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW792";

/// Reports a prefix the format drops.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(l) = &cx.config.extra.logging else { return };
    if cx.config.extra.logstash.is_some() {
        return;
    }
    let (Some(prefix), Some(format)) = (&l.prefix, &l.format) else { return };
    if prefix.value.is_empty() || !matches!(format.value.as_str(), "logstash" | "custom") {
        return;
    }
    let help = if format.value == "custom" {
        "remove `prefix`, or write its text at the start of `custom_format`"
    } else {
        "remove `prefix`"
    };
    out.push(
        cx.diag(CODE, prefix.span, format!("`telemetry/logging` `prefix` is ignored with `format: {}`", format.value))
            .with_label("KrakenD CE drops this prefix")
            .with_secondary(format.span, "because of this format")
            .with_help(help),
    );
}
