//! a `telemetry/logging` `custom_format` verb go-logging does not know, on which KrakenD CE panics at start-up
//!
//! ## What it does
//! Reports each `%{verb}` of `custom_format` that go-logging does not
//! know, when `format` is `custom` (the caller verbs, which it knows, are
//! GW795's).
//!
//! ## Why is this bad?
//! go-logging's `MustStringFormatter` panics on an unknown verb: KrakenD CE
//! stops at start-up.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/logging": { "level": "INFO", "stdout": true, "format": "custom", "custom_format": "%{lvl} %{message}" } } }
//! ```
//!
//! ## How to fix it
//! Use go-logging's verbs: `%{time:<Go layout>}`, `%{level}`, `%{message}`,
//! `%{module}`, `%{id}`, `%{pid}`, `%{program}`, `%{color}`.

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::plan::telemetry::logging::{KNOWN_VERBS, pattern_pieces};

/// The rule's code.
pub const CODE: &str = "GW794";

/// The verbs that name KrakenD's Go call stack (GW795).
pub const CALLER: [&str; 6] = ["shortfile", "longfile", "shortfunc", "longfunc", "callpath", "shortpkg"];

/// Reports the unknown verbs.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(l) = &cx.config.extra.logging else { return };
    if l.format.as_ref().is_none_or(|f| f.value != "custom") {
        return;
    }
    let Some(pattern) = &l.custom_format else { return };
    for (piece, range) in pattern_pieces(&pattern.value) {
        let Some((verb, _)) = piece else { continue };
        if !CALLER.contains(&verb) && !KNOWN_VERBS.contains(&verb) {
            let mut d = cx
                .diag(CODE, pattern.sub_span(range), format!("unknown verb `%{{{verb}}}` in `custom_format`: KrakenD CE panics at start-up"))
                .with_label("go-logging does not know this verb");
            d = match did_you_mean(verb, KNOWN_VERBS.iter().copied()) {
                Some(best) => d.with_help(format!("did you mean `%{{{best}}}`?")),
                None => d.with_help("use `%{time:<Go layout>}`, `%{level}`, `%{message}`, `%{module}`, `%{id}`, `%{pid}`, `%{program}` or `%{color}`"),
            };
            out.push(d.with_note("go-logging's `MustStringFormatter` panics on an unknown verb"));
        }
    }
}
