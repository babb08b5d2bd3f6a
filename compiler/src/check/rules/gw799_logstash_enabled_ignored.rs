//! a `telemetry/logstash` that says it is off, which KrakenD CE turns on anyway
//!
//! ## What it does
//! Reports `telemetry/logstash` (or its legacy name) whose value is
//! `{"enabled": false}`, `false` or `null`.
//!
//! ## Why is this bad?
//! krakend-logstash only asks whether the key is in `extra_config`; it
//! never reads `enabled` (nor the value). The namespace turns every
//! application line into a JSON record whatever it says, the opposite of
//! what the config reads like.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/logging": { "level": "INFO", "stdout": true }, "telemetry/logstash": { "enabled": false } } }
//! ```
//!
//! ## How to fix it
//! Remove `telemetry/logstash` to turn it off.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW799";

/// Reports a logstash namespace written as off.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(ls) = &cx.config.extra.logstash else { return };
    let (span, what) = match ls.node.member("enabled") {
        Some(m) if m.value.as_bool() == Some(false) => (m.value.span, "`enabled: false`"),
        Some(_) => return,
        None if ls.node.as_bool() == Some(false) => (ls.node.span, "`false`"),
        None if matches!(ls.node.kind, crate::syntax::NodeKind::Null) => (ls.node.span, "`null`"),
        None => return,
    };
    out.push(
        cx.diag(CODE, span, format!("`telemetry/logstash` is on whatever it says: {what} does not turn it off"))
            .with_label("KrakenD CE never reads this")
            .with_secondary(ls.key_span, "the key alone turns the logstash logger on")
            .with_help("remove `telemetry/logstash` to turn it off")
            .with_note("krakend-logstash only checks that the namespace is present"),
    );
}
