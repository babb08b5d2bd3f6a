//! a `telemetry/logging` `level` go-logging refuses, which silently replaces the logger
//!
//! ## What it does
//! Reports a `telemetry/logging` namespace whose `level` is missing, not a
//! string, or not one of go-logging's level names (`CRITICAL`, `ERROR`,
//! `WARNING`, `NOTICE`, `INFO`, `DEBUG`, any case).
//!
//! ## Why is this bad?
//! krakend-gologging cannot build its logger: KrakenD CE prints
//! `logger: invalid log level` and runs lura's basic logger instead, at
//! DEBUG, on stdout. `stdout: false`, `syslog`, `prefix` and `format` are
//! then all ignored, and DEBUG costs KrakenD 2 to 5 times its throughput.
//! `FATAL`, `WARN` and `"info "` (with a space) are the usual slips.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/logging": { "level": "WARN", "stdout": true } } }
//! ```
//!
//! ## How to fix it
//! Write one of `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::plan::telemetry::logging::parse_level;

/// The rule's code.
pub const CODE: &str = "GW790";

const HELP: &str = "write one of `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`";

/// Reports a missing or unknown `level`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(l) = &cx.config.extra.logging else { return };
    let d = match (l.member("level"), &l.level) {
        (None, _) => cx
            .diag(CODE, l.key_span, "`telemetry/logging` has no `level`: KrakenD CE replaces this logger with its DEBUG stdout one")
            .with_label("no `level` here"),
        (Some(m), None) => cx
            .diag(CODE, m.value.span, "`telemetry/logging` `level` is not a string: KrakenD CE replaces this logger with its DEBUG stdout one")
            .with_label("not a level name"),
        (Some(_), Some(level)) => {
            if parse_level(&level.value).is_some() {
                return;
            }
            cx.diag(
                CODE,
                level.span,
                format!("`telemetry/logging` `level` `{}` is not a go-logging level: KrakenD CE replaces this logger with its DEBUG stdout one", level.value.escape_debug()),
            )
            .with_label("go-logging refuses this name")
        }
    };
    out.push(
        d.with_help(HELP)
            .with_note("KrakenD CE logs `logger: invalid log level` and ignores `stdout`, `syslog`, `prefix` and `format`"),
    );
}
