//! a JSON Schema 2019-09/2020-12 keyword in a `validation/json-schema` without `$schema`: ignored
//!
//! ## What it does
//! Reports keywords that only drafts 2019-09 and 2020-12 define
//! (`prefixItems`, `unevaluatedProperties`, `unevaluatedItems`,
//! `dependentRequired`, `dependentSchemas`, `$defs`, `minContains`,
//! `maxContains`, `$anchor`, `$dynamicRef`, `$recursiveRef`) in a schema
//! whose root has no `$schema`.
//!
//! ## Why is this bad?
//! KrakenD CE's validator (gojsonschema) knows drafts 4, 6 and 7 only and
//! ignores keywords it does not know, so these constraints are silently
//! not checked: `"unevaluatedProperties": false` lets any extra property
//! through. gwc compiles such a schema as draft 7 for the same reason,
//! and also ignores them.
//!
//! ## Example
//! ```json
//! { "validation/json-schema": { "type": "array", "prefixItems": [{ "type": "string" }] } }
//! ```
//!
//! ## How to fix it
//! Use the draft 7 form: `items` as an array for `prefixItems`,
//! `additionalProperties` for `unevaluatedProperties`, `dependencies` for
//! `dependentRequired`/`dependentSchemas`, `definitions` for `$defs`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::syntax::{Node, Span};

/// The rule's code.
pub const CODE: &str = "GW763";

/// Keywords newer than draft 7, and their draft 7 form.
const NEWER: [(&str, &str); 11] = [
    ("prefixItems", "`items` as an array"),
    ("unevaluatedProperties", "`additionalProperties`"),
    ("unevaluatedItems", "`additionalItems`"),
    ("dependentRequired", "`dependencies`"),
    ("dependentSchemas", "`dependencies`"),
    ("$defs", "`definitions`"),
    ("minContains", "no draft 7 equivalent"),
    ("maxContains", "no draft 7 equivalent"),
    ("$anchor", "`$id` with a fragment"),
    ("$dynamicRef", "`$ref`"),
    ("$recursiveRef", "`$ref`"),
];

/// Reports each newer keyword in a schema without `$schema`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, s) in cx.config.json_schemas() {
        if s.schema.get("$schema").is_some() {
            continue;
        }
        let mut found = Vec::new();
        walk(s.schema, &mut found);
        for (span, key, instead) in found {
            out.push(
                cx.diag(CODE, span, format!("`{key}` is not a draft 7 keyword: KrakenD CE ignores it"))
                    .with_label("not checked: the schema is read as draft 7")
                    .with_help(format!("write it the draft 7 way ({instead})")),
            );
        }
    }
}

fn walk<'n>(node: &'n Node, out: &mut Vec<(Span, &'n str, &'static str)>) {
    if let Some(members) = node.as_object() {
        for m in members {
            // Property names are data, not keywords.
            let is_names = matches!(m.key.as_str(), "properties" | "patternProperties" | "definitions");
            if let Some((key, instead)) = NEWER.iter().find(|(k, _)| *k == m.key) {
                out.push((m.key_span, key, instead));
            }
            if is_names {
                for inner in m.value.as_object().unwrap_or_default() {
                    walk(&inner.value, out);
                }
            } else {
                walk(&m.value, out);
            }
        }
    } else if let Some(items) = node.as_array() {
        for i in items {
            walk(i, out);
        }
    }
}
