//! the `logstash` format of `telemetry/logging` together with `telemetry/logstash`, which wraps JSON in JSON
//!
//! ## What it does
//! Reports `"format": "logstash"` in `telemetry/logging` when
//! `telemetry/logstash` (or its legacy name) is in the config too.
//!
//! ## Why is this bad?
//! krakend-logstash already turns each message into a JSON record; the
//! `logstash` format then puts that record, unescaped, in the `message` of
//! gologging's own JSON-looking pattern. The line is not valid JSON
//! (krakend-documentation#84 says not to combine them), so a log shipper
//! parsing it drops it or indexes it as text.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/logging": { "level": "INFO", "stdout": true, "format": "logstash" }, "telemetry/logstash": { "enabled": true } } }
//! ```
//!
//! ## How to fix it
//! For one JSON record a line, write `"format": "custom"` with
//! `"custom_format": "%{message}"` (the documented setup); or drop
//! `format` (the record inside the default pattern), or drop
//! `telemetry/logstash` (gologging's own logstash pattern).

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW798";

/// Reports the logstash format under the logstash logger.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let (Some(l), Some(ls)) = (&cx.config.extra.logging, &cx.config.extra.logstash) else {
        return;
    };
    let Some(format) = &l.format else { return };
    if format.value != "logstash" {
        return;
    }
    out.push(
        cx.diag(CODE, format.span, "`format: logstash` with `telemetry/logstash` wraps each JSON record in another JSON-looking line")
            .with_label("the logstash pattern around the record")
            .with_secondary(ls.key_span, "this already makes each message a JSON record")
            .with_help("write `\"format\": \"custom\", \"custom_format\": \"%{message}\"` for one JSON record a line")
            .with_note("the record goes unescaped into the pattern's `message`: the line is not valid JSON (krakend-documentation#84)"),
    );
}
