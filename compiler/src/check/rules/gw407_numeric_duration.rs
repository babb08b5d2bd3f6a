//! a duration written as a bare number is read as nanoseconds
//!
//! ## What it does
//! Reports a non-zero number in a duration field KrakenD decodes (the
//! fields of GW406: root and endpoint `timeout` and `cache_ttl`, the HTTP
//! server and client timeouts, async agent timings).
//!
//! ## Why is this bad?
//! KrakenD CE's decoder accepts a number and reads it as nanoseconds:
//! `"cache_ttl": 3600` is 3.6µs, so the `Cache-Control` header says
//! `max-age=0`; `"timeout": 3000` is 3µs, so every request times out.
//! KrakenD's own parser tests contain `"cache_ttl": 3600`; the number
//! almost always means seconds or milliseconds.
//!
//! ## Example
//! ```json
//! { "version": 3, "cache_ttl": 3600 }
//! ```
//!
//! ## How to fix it
//! Write a string with a unit: `"3600s"` (or `"3600ms"`, or `"3600ns"` to
//! keep today's behaviour).

use crate::check::{Context, durations, edits};
use crate::diag::{Diagnostic, Fix};
use crate::model::duration::format_go_duration;
use crate::syntax::NodeKind;

/// The rule's code.
pub const CODE: &str = "GW407";

/// Reports each non-zero numeric duration.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for field in durations::fields(cx.root) {
        let node = &field.member.value;
        let NodeKind::Number(n) = &node.kind else { continue };
        let Some(value) = n.as_f64() else { continue };
        // mapstructure converts a float to int64 nanoseconds by truncation.
        let nanos = value.trunc();
        if value == 0.0 {
            continue;
        }
        let number = if n.raw.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'.') {
            n.raw.clone()
        } else {
            format!("{value}")
        };
        let read_as = if nanos.abs() < 9.2e18 { format_go_duration(nanos as i64) } else { "out of range".to_string() };
        let key = &field.member.key;
        let mut d = cx
            .diag(CODE, node.span, format!("`{key}`{} is a bare number: KrakenD reads `{number}` as nanoseconds", field.place.suffix()))
            .with_label(format!("{number} nanoseconds ({read_as}), not seconds"))
            .with_help(format!(
                "write a duration string: `\"{number}s\"` for seconds, `\"{number}ms\"` for milliseconds (`\"{number}ns\"` keeps today's value)"
            ));
        for unit in ["s", "ms"] {
            let text = format!("{number}{unit}");
            d.fixes.push(Fix { title: format!("write `\"{text}\"`"), edits: vec![edits::replace_with_string(node, &text)] });
        }
        out.push(d);
    }
}
