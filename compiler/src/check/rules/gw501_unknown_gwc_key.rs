//! a key gwc does not know inside a `gwc/…` namespace, or an unknown `gwc/…` namespace
//!
//! ## What it does
//! Reports keys that are not part of gwc's own namespaces
//! (`gwc/loadbalancer`, `gwc/healthcheck`, `gwc/failover`,
//! `gwc/http-client`, the `hosts` entries and the objects inside `host`),
//! and `gwc/…` namespaces that do not exist or sit at the wrong level (they
//! all belong in a backend's `extra_config`). It names the closest known key
//! and offers the rename as a fix; Gravitee's camelCase names
//! (`connectTimeout`) are matched to their snake_case equivalents.
//!
//! ## Why is this bad?
//! Nothing but gwc reads these namespaces, so a key gwc does not know can
//! only be a mistake, and the setting it was meant to change keeps its
//! default: a misspelt `max_atempts` leaves failover at 2 attempts. Unlike
//! KrakenD's namespaces (GW801, a warning), this is an error, as KrakenD's
//! own schema treats unknown keys (`additionalProperties: false`).
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users", "host": ["http://a:8080", "http://b:8080"],
//!   "extra_config": { "gwc/failover": { "max_atempts": 3 } } }
//! ```
//!
//! ## How to fix it
//! Correct the name (`max_atempts` → `max_attempts`), move the namespace to
//! the backend's `extra_config`, or remove the key. `gwc explain` and the
//! editor's completion list the keys of each namespace.

use crate::check::Context;
use crate::check::schema::{self, Suggestion, ViolationKind};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW501";

/// Reports each unknown key of gwc's namespaces the schema check found.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for v in schema::violations(cx) {
        let ViolationKind::UnknownKey { key, key_span, suggestion } = &v.kind else { continue };
        if !schema::is_gwc_key(v) {
            continue;
        }
        let namespace = schema::is_namespace_map(&v.schema_location);
        let (what, place) = if namespace {
            ("namespace", schema::place(&v.schema_location, &v.pointer))
        } else {
            ("key", format!("in {}", object_name(&v.pointer)))
        };
        let misplaced = matches!(suggestion, Some(Suggestion::Elsewhere(_)));
        let mut d = if misplaced {
            cx.diag(CODE, *key_span, format!("misplaced {what} `{key}` {place}")).with_label(format!("gwc does not read this {what} here"))
        } else {
            cx.diag(CODE, *key_span, format!("unknown {what} `{key}` {place}")).with_label(format!("gwc does not know this {what}"))
        };
        let object = cx.root.pointer(&v.pointer).map(|(node, _)| node);
        let rename = |d: Diagnostic, to: &str| match schema::key_inner_span(cx.text, key, *key_span) {
            Some(span) if object.is_none_or(|o| o.member(to).is_none()) => d.with_fix(format!("rename to `{to}`"), span, to),
            _ => d,
        };
        d = match suggestion {
            Some(Suggestion::Typo(to)) => rename(d.with_help(format!("did you mean `{to}`?")), to),
            Some(Suggestion::Elsewhere(places)) => {
                let places: Vec<String> = places.iter().map(|p| p.to_string()).collect();
                d.with_help(format!("`{key}` belongs in {}: move it there", schema::join_or(&places)))
            }
            Some(Suggestion::TypoElsewhere(to, places)) => {
                let places: Vec<String> = places.iter().map(|p| p.to_string()).collect();
                d.with_help(format!("did you mean `{to}`? it belongs in {}", schema::join_or(&places)))
            }
            None => {
                let known: Vec<String> = schema::property_names(&v.schema_location)
                    .into_iter()
                    .filter(|k| !namespace || k.starts_with("gwc/"))
                    .map(|k| format!("`{k}`"))
                    .collect();
                d.with_help(format!("use one of {}, or remove it", schema::join_or(&known)))
            }
        };
        out.push(d.with_note("gwc is the only reader of the `gwc/…` namespaces, so an unknown key there is always a mistake"));
    }
}

/// The object an unknown key is in: `` `gwc/failover` ``, `` `active` ``,
/// ``the `hosts` entry `http://a` ``, ``item 1 of `host` ``.
fn object_name(pointer: &str) -> String {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    match tokens.as_slice() {
        [.., hosts, url] if hosts == "hosts" => format!("the `hosts` entry `{url}`"),
        _ => schema::value_name(pointer),
    }
}
