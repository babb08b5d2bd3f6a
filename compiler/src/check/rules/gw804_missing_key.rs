//! a required key is missing
//!
//! ## What it does
//! Reports an object that lacks a key it needs: an endpoint without
//! `endpoint`, a backend without `url_pattern`, a `qos/circuit-breaker`
//! without `interval`, `timeout` or `max_errors`, a flatmap operation without
//! `type` or `args`, a static proxy without `data`. When another key of the
//! object looks like a misspelling of the missing one, it says so and offers
//! the rename. (A missing `version` or `backend` is reported by the
//! backends rules.)
//!
//! ## Why is this bad?
//! KrakenD fills the gap with an empty value and carries on, which is rarely
//! what was meant: a backend without `url_pattern` is called on `/`, an
//! endpoint without `endpoint` is served on `/`, a circuit breaker without
//! `max_errors` opens on the first error, a flatmap operation without `type`
//! is skipped.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "backend": [{ "host": ["http://users.internal"], "url_patern": "/users" }] }
//! ```
//!
//! ## How to fix it
//! Add the key (here, fix the misspelt `url_patern` to `url_pattern`).

use crate::check::Context;
use crate::check::schema::{self, ViolationKind};
use crate::diag::Diagnostic;
use crate::syntax::Span;

/// The rule's code.
pub const CODE: &str = "GW804";

/// Reports each object with missing keys, once per object.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for v in schema::violations(cx) {
        let ViolationKind::Missing { keys, misspelt } = &v.kind else { continue };
        let names: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        let plural = if keys.len() == 1 { "key" } else { "keys" };
        let message = format!("missing {plural} {} {}", schema::join_and(&names), schema::place(&v.schema_location, &v.pointer));
        // The key that names the object (`"qos/circuit-breaker": {…}`) is the
        // best place; an array item has none, so take its opening bracket.
        let (span, label) = match schema::member_at(cx.root, &v.pointer) {
            Some(m) => (m.key_span, format!("this `{}` has no {}", m.key, schema::join_or(&names))),
            None => (Span::new(v.span.start, (v.span.start + 1).min(v.span.end)), format!("this object has no {}", schema::join_or(&names))),
        };
        let mut d = cx.diag(CODE, span, message).with_label(label);
        // Inside an endpoint, say which one; not for the endpoint object
        // itself (`/endpoints/N`), whose path is what the labels show.
        if let Some((path, path_span)) = schema::enclosing_endpoint(cx, &v.pointer)
            && path_span != span
            && v.pointer.matches('/').count() > 2
        {
            d = d.with_secondary(path_span, format!("in endpoint `{path}`"));
        }
        for (written, key_span, meant) in misspelt {
            d = d.with_secondary(*key_span, format!("`{written}` looks like a misspelling of `{meant}`"));
        }
        match misspelt.as_slice() {
            [(written, key_span, meant)] => {
                d = d.with_help(format!("rename `{written}` to `{meant}`"));
                if let Some(inner) = schema::key_inner_span(cx.text, written, *key_span) {
                    d = d.with_fix(format!("rename to `{meant}`"), inner, meant.clone());
                }
            }
            [] => {
                d = d.with_help(format!("add {}", schema::join_and(&names)));
                for key in keys {
                    if let Some(text) = schema::description(&format!("{}/properties/{}", v.schema_location, escape(key))) {
                        d = d.with_note(format!("`{key}`: {}", schema::first_sentence(text)));
                    }
                }
            }
            several => {
                let renames: Vec<String> = several.iter().map(|(w, _, m)| format!("`{w}` to `{m}`")).collect();
                d = d.with_help(format!("rename {}", schema::join_and(&renames)));
            }
        }
        out.push(d);
    }
}

/// A key as a JSON Pointer token.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
