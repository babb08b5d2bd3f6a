//! a v2 key in a v3 file: KrakenD ignores it
//!
//! ## What it does
//! Reports the config v2 keys `headers_to_pass`, `querystring_params`,
//! `whitelist` and `blacklist` on endpoints and backends of a version 3
//! file, and offers the v3 name (`input_headers`, `input_query_strings`,
//! `allow`, `deny`).
//!
//! ## Why is this bad?
//! v3 has no field for them, so KrakenD drops them without a word: the
//! headers the user lists are not forwarded (only `Content-Type` is), the
//! query strings are not forwarded, the response is not filtered.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "headers_to_pass": ["Authorization"], "backend": [{ "url_pattern": "/users" }] }
//! ```
//!
//! ## How to fix it
//! Rename the key to its v3 name. If the v3 key is already there, merge the
//! two lists into it.

use crate::check::{Context, edits};
use crate::diag::{Diagnostic, Fix};
use crate::model::legacy::{self, Level};
use crate::syntax::{Member, Node};

/// The rule's code.
pub const CODE: &str = "GW410";

/// Reports each v2 key.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        scan(cx, out, ep.raw, Level::Endpoint);
        for b in &ep.backends {
            scan(cx, out, b.raw, Level::Backend);
        }
    }
}

fn scan(cx: &Context<'_>, out: &mut Vec<Diagnostic>, object: &Node, level: Level) {
    for m in object.as_object().unwrap_or_default() {
        let Some(renamed) = legacy::renamed_key(level, &m.key) else { continue };
        // Only the last of a duplicated key counts (GW005 reports the rest).
        if !object.member(&m.key).is_some_and(|last| std::ptr::eq(last, m)) {
            continue;
        }
        let old = renamed.old;
        let replaced = renamed.new.and_then(|n| object.member(n).map(|_| n));
        let effect = match (old, level) {
            (_, _) if replaced.is_some() => "the v3 key beside it is the one KrakenD reads",
            ("headers_to_pass", Level::Endpoint) => "no header in it is forwarded (only `Content-Type` is, by default)",
            ("headers_to_pass", Level::Backend) => "this backend does not narrow the forwarded headers",
            ("querystring_params", Level::Endpoint) => "no query string in it is forwarded",
            ("querystring_params", Level::Backend) => "this backend does not narrow the forwarded query strings",
            ("whitelist", Level::Backend) => "the response is not filtered to these fields",
            ("blacklist", Level::Backend) => "these fields are not removed from the response",
            _ => "it has no effect at this level",
        };
        let mut d = cx
            .diag(CODE, m.key_span, format!("`{old}` is a config v2 key: KrakenD v3 ignores it"))
            .with_label(format!("ignored: {effect}"));
        match (renamed.new, renamed.moved) {
            (Some(new), _) => {
                let existing = object.member(new);
                d = match existing {
                    Some(e) => d
                        .with_secondary(e.key_span, format!("`{new}` is already here"))
                        .with_help(format!("merge this list into `{new}` and remove `{old}`")),
                    None => {
                        let d = d.with_help(format!("rename it to `{new}`"));
                        with_rename(d, cx.text, m, new)
                    }
                };
            }
            (None, Some(moved)) => d = d.with_help(format!("in v3 this is {moved}")),
            (None, None) => {}
        }
        out.push(d);
    }
}

fn with_rename(mut d: Diagnostic, text: &str, member: &Member, new: &str) -> Diagnostic {
    if let Some(edit) = edits::rename_key(text, member, new) {
        d.fixes.push(Fix { title: format!("rename to `{new}`"), edits: vec![edit] });
    }
    d
}
