//! a `security/cors` `max_age` that KrakenD CE ignores: not a Go duration, or under one second
//!
//! ## What it does
//! Reports the root `security/cors` `max_age` when it is a string that Go's
//! `time.ParseDuration` rejects (`"12 hours"`, `"3600"`, `"1d"`), or a
//! positive duration under one second (`"500ms"`).
//!
//! ## Why is this bad?
//! KrakenD CE parses `max_age` with `time.ParseDuration` and silently drops
//! a value it cannot parse; it then sends the duration in whole seconds,
//! truncated, so anything under one second is 0. Either way no
//! `Access-Control-Max-Age` header is sent, and browsers fall back to their
//! own default (5 seconds in the Fetch standard): every cross-origin call
//! that needs a preflight is preceded by one more `OPTIONS` request almost
//! every time, although the config asks for caching.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "security/cors": { "max_age": "12 hours" } } }
//! ```
//!
//! ## How to fix it
//! Write a Go duration of at least one second: `"12h"`, `"3600s"`, `"90m"`.

use crate::check::{Context, durations, edits};
use crate::diag::Diagnostic;
use crate::model::duration::parse_go_duration;
use crate::model::security::cors::MaxAge;

/// The rule's code.
pub const CODE: &str = "GW611";

/// Reports a root `max_age` string CE ignores.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(cors) = &cx.config.extra.cors else { return };
    let Some(max_age) = &cors.max_age else { return };
    let MaxAge::Text(text) = &max_age.value else { return };
    let d = match parse_go_duration(text) {
        Ok(nanos) if nanos > 0 && nanos < 1_000_000_000 => cx
            .diag(CODE, max_age.span, format!("`security/cors` `max_age` `{text}` is under one second: KrakenD CE sends no `Access-Control-Max-Age`"))
            .with_label("sent in whole seconds, truncated: 0, so no header")
            .with_help("write at least `\"1s\"`, or remove `max_age`"),
        Ok(_) => return,
        Err(e) => {
            let d = cx
                .diag(CODE, max_age.span, format!("`security/cors` `max_age` `{text}` is not a duration: KrakenD CE ignores it"))
                .with_label(format!("`time.ParseDuration` fails: {}", e.go_message(text)));
            match durations::suggest(text) {
                Some(fixed) => d
                    .with_help(format!("write `\"{fixed}\"`"))
                    .with_fix(format!("write `\"{fixed}\"`"), max_age.span, edits::json_string(&fixed)),
                None => d.with_help("write a number and a unit without spaces, e.g. `\"12h\"` or `\"3600s\"`"),
            }
        }
    };
    out.push(d.with_note("without `Access-Control-Max-Age`, browsers cache a preflight for their default (5 seconds in the Fetch standard)"));
}
