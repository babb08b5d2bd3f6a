//! a duration string that Go's `time.ParseDuration` rejects
//!
//! ## What it does
//! Parses every duration KrakenD decodes itself (root `timeout`,
//! `cache_ttl`, the HTTP server and client timeouts such as `read_timeout`,
//! `idle_connection_timeout` or `dialer_keep_alive`, endpoint `timeout` and
//! `cache_ttl`, async agent `consumer.timeout` and
//! `connection.health_interval`) with Go's exact grammar: a sequence of
//! numbers (decimals allowed) each followed by a unit `ns`, `us`/`µs`, `ms`,
//! `s`, `m` or `h`, with an optional sign; a lone `0` needs no unit.
//!
//! ## Why is this bad?
//! KrakenD CE refuses to start: its config decoder fails on the value with
//! Go's error, e.g. `time: unknown unit " seconds" in duration "3 seconds"`.
//!
//! ## Example
//! ```json
//! { "version": 3, "timeout": "3 seconds" }
//! ```
//!
//! ## How to fix it
//! Write a number and a unit without spaces: `"3s"`, `"1500ms"`, `"5m"`.
//! Go also reads `"1m30s"` and `"1.5s"`, but KrakenD's JSON schema (and so
//! `krakend check --lint`) only allows one integer and one unit.

use crate::check::{Context, durations, edits};
use crate::diag::{Diagnostic, Fix};
use crate::model::duration::{DurationErrorKind, parse_go_duration};

/// The rule's code.
pub const CODE: &str = "GW406";

/// Reports each duration string Go cannot parse.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for field in durations::fields(cx.root) {
        let node = &field.member.value;
        let Some(text) = node.as_str() else { continue };
        let Err(err) = parse_go_duration(text) else { continue };
        let part = text.get(err.range.clone()).unwrap_or_default();
        let label = match err.kind {
            DurationErrorKind::Empty => "empty: write a number and a unit".to_string(),
            DurationErrorKind::ExpectedNumber => format!("expected a number, found `{part}`"),
            DurationErrorKind::NoDigits => "a `.` needs a digit beside it".to_string(),
            DurationErrorKind::MissingUnit => format!("`{part}` has no unit"),
            DurationErrorKind::UnknownUnit if part.contains(char::is_whitespace) => {
                format!("unknown unit `{part}` (no spaces allowed)")
            }
            DurationErrorKind::UnknownUnit => format!("unknown unit `{part}`"),
            DurationErrorKind::Overflow => "too large: Go durations stop at about 292 years".to_string(),
        };
        let span = if err.range.is_empty() { node.span } else { node.sub_span(err.range.clone()) };
        let mut d = cx
            .diag(CODE, span, format!("invalid duration `{text}` in `{}`{}", field.member.key, field.place.suffix()))
            .with_label(label)
            .with_note(format!("KrakenD refuses to start: `{}`", err.go_message(text)));
        match durations::suggest(text) {
            Some(fixed) => {
                d = d.with_help(format!("write `\"{fixed}\"`"));
                d.fixes.push(Fix { title: format!("write `\"{fixed}\"`"), edits: vec![edits::replace_string(node, &fixed)] });
            }
            None if err.kind == DurationErrorKind::MissingUnit && err.range.start == 0 => {
                d = d.with_help(format!(
                    "add a unit (`ns`, `us`, `ms`, `s`, `m`, `h`): `\"{part}ms\"` for milliseconds, `\"{part}s\"` for seconds"
                ));
            }
            None if err.kind == DurationErrorKind::MissingUnit => {
                d = d.with_help(format!("add a unit (`ns`, `us`, `ms`, `s`, `m`, `h`) after `{part}`"));
            }
            None => {
                d = d.with_help("write a number and a unit (`ns`, `us`, `ms`, `s`, `m`, `h`), e.g. `\"2s\"`, `\"1500ms\"` or `\"5m\"`");
            }
        }
        out.push(d);
    }
}
