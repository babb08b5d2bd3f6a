//! a duration in a `gwc/…` namespace that is not a duration string
//!
//! ## What it does
//! Checks every duration of gwc's namespaces (`active.interval`,
//! `active.timeout`, `active.jitter`, `passive.ejection_time`,
//! `passive.max_ejection_time`, `per_try_timeout`, `backoff_base`,
//! `backoff_max`, `connect_timeout`, `idle_timeout`, also inside
//! `hosts.*.http`) with Go's duration grammar, the one KrakenD uses: numbers
//! with a unit (`ns`, `us`, `ms`, `s`, `m`, `h`), like `"250ms"` or `"1m30s"`.
//! It also reports a bare number, and a negative `jitter`, `backoff_base`,
//! `backoff_max` or `idle_timeout` (the other fields have their own range
//! rules).
//!
//! ## Why is this bad?
//! gwc cannot know what the value means, so it would fall back to the
//! default without a word. A bare number is ambiguous on purpose: KrakenD
//! reads numbers as nanoseconds, while Gravitee, where many of these
//! settings come from, writes milliseconds (`"connectTimeout": 5000`).
//!
//! ## Example
//! ```json
//! { "gwc/http-client": { "connect_timeout": 5000, "idle_timeout": "1 minute" } }
//! ```
//!
//! ## How to fix it
//! Write a string with a unit: `"5000ms"` or `"5s"`, `"1m"`.

use crate::check::gwc::{self, show};
use crate::check::{Context, durations};
use crate::diag::{Diagnostic, Fix};
use crate::model::DurationValue;
use crate::model::duration::{DurationErrorKind, parse_go_duration};

/// The rule's code.
pub const CODE: &str = "GW502";

/// Reports each gwc duration that is not a valid, non-negative Go duration.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        for field in gwc::durations(b.backend) {
            let node_span = field.value.span;
            let name = &field.name;
            let place = &field.place;
            let d = match &field.value.value {
                DurationValue::Number(raw) => cx
                    .diag(CODE, node_span, format!("`{name}` of {place} is a bare number, not a duration"))
                    .with_label("no unit")
                    .with_help(format!("write a string with a unit: `\"{raw}ms\"` for milliseconds (Gravitee's unit), `\"{raw}s\"` for seconds"))
                    .with_note("KrakenD would read a bare number as nanoseconds, Gravitee as milliseconds: gwc asks for the unit"),
                DurationValue::Text(text) => match parse_go_duration(text) {
                    Ok(n) if n < 0 && !field.sign_owned => cx
                        .diag(CODE, node_span, format!("`{name}` of {place} is negative"))
                        .with_label(format!("{} is below zero", show(n)))
                        .with_help(format!("write a positive duration, or `\"0s\"`, e.g. `\"{}\"`", show(n.saturating_neg()))),
                    Ok(_) => continue,
                    Err(err) => {
                        let part = text.get(err.range.clone()).unwrap_or_default();
                        let label = match err.kind {
                            DurationErrorKind::Empty => "empty: write a number and a unit".to_string(),
                            DurationErrorKind::ExpectedNumber => format!("expected a number, found `{part}`"),
                            DurationErrorKind::NoDigits => "a `.` needs a digit beside it".to_string(),
                            DurationErrorKind::MissingUnit => format!("`{part}` has no unit"),
                            DurationErrorKind::UnknownUnit if part.contains(char::is_whitespace) => format!("unknown unit `{part}` (no spaces allowed)"),
                            DurationErrorKind::UnknownUnit => format!("unknown unit `{part}`"),
                            DurationErrorKind::Overflow => "too large: durations stop at about 292 years".to_string(),
                        };
                        let written = gwc::as_text(&field.value);
                        let span = match &written {
                            Some(w) if !err.range.is_empty() => w.sub_span(err.range.clone()),
                            _ => node_span,
                        };
                        let mut d = cx.diag(CODE, span, format!("invalid duration `{text}` in `{name}` of {place}")).with_label(label);
                        match durations::suggest(text) {
                            Some(fixed) => {
                                d = d.with_help(format!("write `\"{fixed}\"`"));
                                if let Some(w) = &written {
                                    d.fixes.push(Fix { title: format!("write `\"{fixed}\"`"), edits: vec![gwc::replace_text(w, &fixed)] });
                                }
                            }
                            None => d = d.with_help("write a number and a unit (`ms`, `s`, `m`, `h`), e.g. `\"250ms\"` or `\"5s\"`"),
                        }
                        d
                    }
                },
            };
            out.push(d);
        }
    }
}
