//! a JSON Schema 2019-09/2020-12 keyword in a `validation/json-schema`: KrakenD CE ignores it
//!
//! ## What it does
//! Reports keywords that only drafts 2019-09 and 2020-12 define
//! (`prefixItems`, `unevaluatedProperties`, `unevaluatedItems`,
//! `dependentRequired`, `dependentSchemas`, `minContains`, `maxContains`,
//! `$dynamicRef`, `$recursiveRef`) in an endpoint's schema, whatever its
//! `$schema` says.
//!
//! ## Why is this bad?
//! KrakenD CE's validator (gojsonschema) knows drafts 4, 6 and 7 only and
//! ignores keywords it does not know, also under a `$schema` naming
//! 2019-09 or 2020-12 (a draft it does not know, so it falls back to its
//! mix of 4, 6 and 7). These constraints are silently not checked:
//! `"unevaluatedProperties": false` lets any extra property through. gwc
//! compiles such a schema as draft 7 so that a config keeps its KrakenD
//! meaning, and ignores them too.
//!
//! ## Example
//! ```json
//! { "validation/json-schema": { "type": "array", "prefixItems": [{ "type": "string" }] } }
//! ```
//!
//! ## How to fix it
//! Use the draft 7 form: `items` as an array for `prefixItems`,
//! `additionalProperties` for `unevaluatedProperties`, `dependencies` for
//! `dependentRequired`/`dependentSchemas`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::validation::json_schema::names_newer_draft;
use crate::syntax::{Node, Span};

/// The rule's code.
pub const CODE: &str = "GW763";

/// Keywords newer than draft 7 that constrain a value, and their draft 7
/// form. (`$defs` and `$anchor` only hold or name schemas: a `$ref` that
/// needs them fails to compile, GW760.)
const NEWER: [(&str, &str); 9] = [
    ("prefixItems", "`items` as an array"),
    ("unevaluatedProperties", "`additionalProperties`"),
    ("unevaluatedItems", "`additionalItems`"),
    ("dependentRequired", "`dependencies`"),
    ("dependentSchemas", "`dependencies`"),
    ("minContains", "no draft 7 equivalent"),
    ("maxContains", "no draft 7 equivalent"),
    ("$dynamicRef", "`$ref`"),
    ("$recursiveRef", "`$ref`"),
];

/// Reports each newer keyword.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, s) in cx.config.json_schemas() {
        let named = names_newer_draft(s.schema);
        let mut found = Vec::new();
        walk(s.schema, &mut found);
        for (span, key, instead) in found {
            let d = cx
                .diag(CODE, span, format!("`{key}` is not a draft 7 keyword: KrakenD CE ignores it"))
                .with_label("not checked: gojsonschema knows drafts 4, 6 and 7 only");
            let d = match named {
                Some(draft) => d.with_secondary(draft, "a draft KrakenD CE does not know: its keywords are ignored"),
                None => d,
            };
            out.push(d.with_help(format!("write it the draft 7 way ({instead})")));
        }
    }
}

fn walk<'n>(node: &'n Node, out: &mut Vec<(Span, &'n str, &'static str)>) {
    if let Some(members) = node.as_object() {
        for m in members {
            if let Some((key, instead)) = NEWER.iter().find(|(k, _)| *k == m.key) {
                out.push((m.key_span, key, instead));
            }
            match m.key.as_str() {
                // Property names are data, not keywords.
                "properties" | "patternProperties" | "definitions" | "$defs" => {
                    for inner in m.value.as_object().unwrap_or_default() {
                        walk(&inner.value, out);
                    }
                }
                // Values, not schemas.
                "enum" | "const" | "default" | "examples" => {}
                _ => walk(&m.value, out),
            }
        }
    } else if let Some(items) = node.as_array() {
        for i in items {
            walk(i, out);
        }
    }
}
