//! the config `version` is missing or not 3
//!
//! ## What it does
//! Reads `version` the way KrakenD does (a missing value is 0, `"3"` and
//! `3.0` are 3) and reports anything but 3. For a v1/v2 file it lists, in
//! notes, what the v3 migration renames in this file: `headers_to_pass` →
//! `input_headers`, `querystring_params` → `input_query_strings`,
//! `whitelist` → `allow`, `blacklist` → `deny`, and long
//! `github.com/devopsfaith/…` namespaces → short ones. Other rules stay quiet
//! on a v1/v2 file, so it gets this one error.
//!
//! ## Why is this bad?
//! KrakenD checks the version before anything else and refuses to start:
//! `unsupported version: 2 (want: 3)` (a missing `version` gives
//! `unsupported version: 0 (want: 3)`).
//!
//! ## Example
//! ```json
//! { "version": 2, "endpoints": [{ "endpoint": "/a", "headers_to_pass": ["X-User"], "backend": [{ "url_pattern": "/a" }] }] }
//! ```
//!
//! ## How to fix it
//! For a v3 file, set `"version": 3`. For a v2 file, rename the keys the
//! notes list, then set `"version": 3`.

use std::collections::BTreeMap;

use crate::check::Context;
use crate::diag::{Diagnostic, Edit, Fix};
use crate::model::legacy::{self, Level};
use crate::syntax::{Format, Node, Span};

/// The rule's code.
pub const CODE: &str = "GW401";

/// Reports a missing or unsupported `version`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let root = cx.root;
    let Some(members) = root.as_object() else { return };
    let member = root.member("version");
    let decoded = legacy::decoded_version(member.map(|m| &m.value));
    if decoded == Some(3) {
        return;
    }
    let migration = migration_notes(root);
    let mut d = match (member, decoded) {
        (None, _) => {
            let open = Span::new(root.span.start, (root.span.start + 1).min(root.span.end));
            let mut d = cx
                .diag(CODE, open, "missing `version`: KrakenD reads it as 0 and refuses the file")
                .with_label("this object has no `version` key")
                .with_note("KrakenD stops at start: `unsupported version: 0 (want: 3)`");
            if migration.is_empty() {
                d = d.with_help("add `\"version\": 3`");
                if cx.format == Format::Json
                    && let Some(edit) = insert_version(cx.text, root.span, members.first().map(|m| m.key_span))
                {
                    d.fixes.push(Fix { title: "add `\"version\": 3`".into(), edits: vec![edit] });
                }
            } else {
                d = d.with_help("this looks like a KrakenD v1/v2 file: migrate it as the notes say, then add `\"version\": 3`");
            }
            d
        }
        (Some(m), Some(v)) => {
            let mut d = cx
                .diag(CODE, m.value.span, format!("unsupported config version {v} (want: 3)"))
                .with_label("KrakenD CE only loads version 3")
                .with_note(format!("KrakenD stops at start: `unsupported version: {v} (want: 3)`"));
            if matches!(v, 1 | 2) {
                let help = if migration.is_empty() {
                    format!("a v{v} file needs migrating to v3; nothing else in this file changes name, so set `\"version\": 3`")
                } else {
                    format!("a v{v} file needs migrating to v3: rename what the notes list, then set `\"version\": 3`")
                };
                d = d.with_help(help);
            } else {
                d = d.with_help("set `\"version\": 3`").with_fix("set `version` to 3", m.value.span, "3");
            }
            d
        }
        (Some(m), None) => cx
            .diag(CODE, m.value.span, format!("`version` must be the number 3, not {}", describe(&m.value)))
            .with_label("KrakenD cannot read this as a version number and refuses the file")
            .with_help("set `\"version\": 3`")
            .with_fix("set `version` to 3", m.value.span, "3"),
    };
    for note in migration {
        d = d.with_note(note);
    }
    out.push(d);
}

fn describe(node: &Node) -> String {
    match node.as_str() {
        Some(s) => format!("`\"{s}\"`"),
        None => format!("a {}", node.type_name()),
    }
}

/// Inserts `"version": 3` as the first member (JSON).
fn insert_version(text: &str, root: Span, first_key: Option<Span>) -> Option<Edit> {
    match first_key {
        Some(key) => crate::check::edits::insert_member_before(text, key, "\"version\": 3"),
        None => {
            let inner = Span::new(root.start + 1, root.end.saturating_sub(1).max(root.start + 1));
            (text.get(root.start..root.start + 1) == Some("{")).then(|| Edit { span: inner, text: " \"version\": 3 ".into() })
        }
    }
}

/// What a v1/v2 → v3 migration changes in this file, one note each.
fn migration_notes(root: &Node) -> Vec<String> {
    let mut keys: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
    let mut namespaces: BTreeMap<String, Option<&'static str>> = BTreeMap::new();
    let mut count_keys = |node: &Node, level: Level| {
        for m in node.as_object().unwrap_or_default() {
            if let Some(r) = legacy::renamed_key(level, &m.key) {
                let target = r.new.map_or_else(|| r.moved.unwrap_or_default().to_string(), |n| format!("`{n}`"));
                *keys.entry((r.old, target)).or_default() += 1;
            }
        }
    };
    let mut objects: Vec<(&Node, Option<Level>)> = vec![(root, None)];
    for ep in root.get("endpoints").and_then(Node::as_array).unwrap_or_default() {
        objects.push((ep, Some(Level::Endpoint)));
        for b in ep.get("backend").and_then(Node::as_array).unwrap_or_default() {
            objects.push((b, Some(Level::Backend)));
        }
    }
    for (node, level) in objects {
        if let Some(level) = level {
            count_keys(node, level);
        }
        for m in node.get("extra_config").and_then(Node::as_object).unwrap_or_default() {
            if legacy::is_long_namespace(&m.key) {
                namespaces.insert(m.key.clone(), legacy::short_namespace(&m.key));
            }
        }
    }
    let mut notes: Vec<String> = keys
        .into_iter()
        .map(|((old, new), n)| {
            let places = if n == 1 { "1 place".to_string() } else { format!("{n} places") };
            format!("v3 renamed `{old}` to {new} ({places} in this file)")
        })
        .collect();
    if !namespaces.is_empty() {
        const SHOWN: usize = 5;
        let mut list: Vec<String> = namespaces
            .iter()
            .take(SHOWN)
            .map(|(long, short)| match short {
                Some(s) => format!("`{long}` → `{s}`"),
                None => format!("`{long}` (no v3 alias)"),
            })
            .collect();
        if namespaces.len() > SHOWN {
            list.push(format!("and {} more", namespaces.len() - SHOWN));
        }
        notes.push(format!("v3 writes `extra_config` namespaces short: {}", list.join(", ")));
    }
    notes
}
