//! an `expect_status` entry that is not a status from 100 to 599 or a class like `"2xx"`
//!
//! ## What it does
//! Reports entries of `gwc/healthcheck.active.expect_status` that are
//! neither an integer status from 100 to 599 nor a class `"1xx"` to
//! `"5xx"`, with a fix for the obvious ones (`"200"` → `200`, `"2XX"` →
//! `"2xx"`).
//!
//! ## Why is this bad?
//! No response can match such an entry. If every entry is like that, every
//! probe fails and every host is taken out of rotation.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "active": { "path": "/health", "expect_status": [200, "2XX", 2000] } } }
//! ```
//!
//! ## How to fix it
//! Write status codes as numbers (`200`, `204`) and classes in lower case
//! (`"2xx"`).

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::StatusEntry;

/// The rule's code.
pub const CODE: &str = "GW521";

/// Reports each `expect_status` entry that matches no status.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.active.as_ref()) else { continue };
        let Some(list) = &active.expect_status else { continue };
        if list.value.is_empty() {
            out.push(
                cx.diag(CODE, list.span, format!("empty `expect_status` in {}", b.name()))
                    .with_label("no status can pass")
                    .with_help("list the statuses a healthy host answers with, e.g. `[200]` (the default), or remove the key"),
            );
            continue;
        }
        for entry in &list.value {
            if entry.value.pattern().is_some() {
                continue;
            }
            let raw = cx.text.get(entry.span.start..entry.span.end).unwrap_or_default();
            let mut d = cx.diag(CODE, entry.span, format!("invalid `expect_status` entry {raw} in {}", b.name()));
            let fix: Option<String> = match &entry.value {
                StatusEntry::Text(s) if s.parse::<u16>().is_ok_and(|n| (100..=599).contains(&n)) => Some(s.clone()),
                StatusEntry::Text(s) if StatusEntry::Text(s.to_ascii_lowercase()).pattern().is_some() => Some(format!("\"{}\"", s.to_ascii_lowercase())),
                _ => None,
            };
            d = match &entry.value {
                StatusEntry::Number(_) => d.with_label("not a status from 100 to 599"),
                StatusEntry::Text(_) if fix.is_some() => d.with_label("written in a form gwc does not read"),
                StatusEntry::Text(_) => d.with_label("not a class from `\"1xx\"` to `\"5xx\"`"),
            };
            d = match fix {
                Some(f) => d.with_help(format!("write `{f}`")).with_fix(format!("replace with `{f}`"), entry.span, f),
                None => d.with_help("use a status code from 100 to 599 (`200`) or a class (`\"2xx\"`)"),
            };
            out.push(d);
        }
    }
}
