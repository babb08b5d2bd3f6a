//! a `telemetry/logging` `custom_format` verb naming KrakenD's Go source, which a compiled gateway cannot fill
//!
//! ## What it does
//! Reports the caller verbs of `custom_format` (`shortfile`, `longfile`,
//! `shortfunc`, `longfunc`, `callpath`, `shortpkg`) when `format` is
//! `custom`.
//!
//! ## Why is this bad?
//! In KrakenD CE they name the Go file, function or package that logged.
//! A gateway compiled by gwc has no Go call stack: it writes nothing in
//! their place, so a parser expecting a file name there gets an empty field.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/logging": { "level": "INFO", "stdout": true, "format": "custom", "custom_format": "%{shortfile} %{message}" } } }
//! ```
//!
//! ## How to fix it
//! Remove the verb; `%{module}`, `%{pid}` or `%{program}` identify the
//! process.

use super::gw794_logging_unknown_verb::CALLER;
use crate::check::Context;
use crate::diag::Diagnostic;
use crate::plan::telemetry::logging::pattern_pieces;

/// The rule's code.
pub const CODE: &str = "GW795";

/// Reports each caller verb.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(l) = &cx.config.extra.logging else { return };
    if l.format.as_ref().is_none_or(|f| f.value != "custom") {
        return;
    }
    let Some(pattern) = &l.custom_format else { return };
    for (piece, range) in pattern_pieces(&pattern.value) {
        let Some((verb, _)) = piece else { continue };
        if CALLER.contains(&verb) {
            out.push(
                cx.diag(CODE, pattern.sub_span(range), format!("`%{{{verb}}}` in `custom_format` names KrakenD's Go source: a compiled gateway writes nothing there"))
                    .with_label("written as nothing")
                    .with_help("remove it; `%{module}`, `%{pid}` or `%{program}` identify the process"),
            );
        }
    }
}
