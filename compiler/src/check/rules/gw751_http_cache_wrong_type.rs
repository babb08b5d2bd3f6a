//! a `qos/http-cache` value KrakenD CE cannot decode: its settings are dropped
//!
//! ## What it does
//! Reports a `qos/http-cache` value that Go's decoder refuses: `shared`
//! that is not a boolean, `max_size` or `max_items` that is not a whole
//! number ≥ 0 (a string, a negative or fractional number), or a namespace
//! value that is not an object.
//!
//! ## Why is this bad?
//! `krakend-httpcache` decodes the namespace into `{shared bool; max_size,
//! max_items uint64}` and, on any error, silently builds its default
//! instead: a private, unbounded cache. Every field is dropped, the right
//! ones too: `shared` no longer shares and the bounds no longer bound.
//! gwc builds what CE builds (a private cache, with gwc's default bounds).
//!
//! ## Example
//! ```json
//! { "qos/http-cache": { "shared": "true", "max_size": 1048576, "max_items": 100 } }
//! ```
//!
//! ## How to fix it
//! Write `shared` as `true`/`false` and the bounds as plain whole numbers:
//! `{ "shared": true, "max_size": 1048576, "max_items": 100 }`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW751";

/// Reports each value CE's decoder refuses.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, ns) in cx.config.http_caches() {
        for e in &ns.errors {
            let message = if e.field.is_empty() {
                "`qos/http-cache` is not an object: KrakenD CE builds its default cache".to_string()
            } else {
                format!(
                    "`{}` of `qos/http-cache` is not {}: KrakenD CE drops every setting of the cache",
                    e.field, e.expected
                )
            };
            let d = cx
                .diag(CODE, e.span, message)
                .with_label(format!("Go cannot decode this as {}", e.expected))
                .with_help(if e.field.is_empty() {
                    "write an object: `\"qos/http-cache\": { \"max_size\": 33554432, \"max_items\": 4096 }`"
                        .to_string()
                } else {
                    format!(
                        "write `{}` as {} (CE falls back to a private, unbounded cache)",
                        e.field, e.expected
                    )
                });
            let d = if e.field.is_empty() {
                d
            } else {
                d.with_secondary(ns.key_span, "the whole namespace falls back to CE's default")
            };
            out.push(d);
        }
    }
}
