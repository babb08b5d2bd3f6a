//! `validation/json-schema` (endpoint level; krakend-components §11).
//!
//! The namespace's value is the schema itself, any JSON value: KrakenD CE
//! (`krakend-jsonschema` v2.2.1) re-marshals it and compiles it once at
//! start with `xeipuuv/gojsonschema`, which reads drafts 4, 6 and 7 (from
//! `$schema`, else a hybrid of them). gwc compiles it with the
//! `jsonschema` crate, the same way here (lint, GW760) and at gateway
//! start ([`compile`] has a twin in `gw_runtime::validation::json_schema`):
//! draft 7 unless `$schema` names another draft, formats asserted, no
//! remote `$ref` fetched (GW762).

use crate::syntax::{Node, Span};

/// The namespace key.
pub const NAMESPACE: &str = "validation/json-schema";
/// CE's long name for it, still read (`cmd/krakend-ce/main.go` aliases).
pub const LEGACY_NAMESPACE: &str = "github.com/devopsfaith/krakend-jsonschema";

/// The namespace as written.
#[derive(Clone, Copy, Debug)]
pub struct JsonSchema<'a> {
    /// The namespace's key span.
    pub key_span: Span,
    /// The schema.
    pub schema: &'a Node,
}

impl<'a> JsonSchema<'a> {
    /// The schema as a JSON value.
    pub fn value(&self) -> serde_json::Value {
        self.schema.to_json()
    }
}

/// The draft a schema is compiled with: the one its `$schema` names when
/// gojsonschema knows it (draft 4 or 6), else draft 7, gojsonschema's
/// newest and the nearest to its hybrid mode (the crate's default would
/// be 2020-12). gojsonschema does not know 2019-09 and 2020-12: under a
/// `$schema` naming them it ignores their keywords too (GW763).
pub fn draft(schema: &serde_json::Value) -> jsonschema::Draft {
    use jsonschema::Draft;
    let named = schema
        .get("$schema")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    if named.contains("draft-04") {
        Draft::Draft4
    } else if named.contains("draft-06") {
        Draft::Draft6
    } else {
        Draft::Draft7
    }
}

/// Whether a `$schema` names a draft gojsonschema does not know (2019-09,
/// 2020-12).
pub fn names_newer_draft(schema: &Node) -> Option<Span> {
    let s = schema.get("$schema")?;
    let text = s.as_str()?;
    (text.contains("2019-09") || text.contains("2020-12")).then_some(s.span)
}

/// The regular expressions of a schema that gojsonschema compiles with Go's
/// `regexp` (`pattern` values and `patternProperties` keys), with their
/// spans.
pub fn patterns(node: &Node) -> Vec<(Span, &str)> {
    let mut out = Vec::new();
    walk_patterns(node, &mut out);
    out
}

fn walk_patterns<'n>(node: &'n Node, out: &mut Vec<(Span, &'n str)>) {
    if let Some(members) = node.as_object() {
        for m in members {
            match m.key.as_str() {
                "pattern" => {
                    if let Some(p) = m.value.as_str() {
                        out.push((m.value.span, p));
                    }
                }
                "patternProperties" => {
                    for p in m.value.as_object().unwrap_or_default() {
                        out.push((p.key_span, p.key.as_str()));
                    }
                }
                _ => {}
            }
            // Property names are data, not keywords: walk their schemas.
            match m.key.as_str() {
                "properties" | "patternProperties" | "definitions" => {
                    for inner in m.value.as_object().unwrap_or_default() {
                        walk_patterns(&inner.value, out);
                    }
                }
                "enum" | "const" | "default" | "examples" => {}
                _ => walk_patterns(&m.value, out),
            }
        }
    } else if let Some(items) = node.as_array() {
        for i in items {
            walk_patterns(i, out);
        }
    }
}

/// Why a schema does not compile: the crate's message and, when the
/// crate names it, where in the schema (a JSON Pointer into it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    /// The crate's message.
    pub message: String,
    /// The schema's part at fault (`/properties/name/type`), `None` for
    /// the whole schema.
    pub pointer: Option<String>,
}

/// Compiles a schema as the gateway will.
pub fn compile(schema: &serde_json::Value) -> Result<jsonschema::Validator, SchemaError> {
    jsonschema::options()
        .with_draft(draft(schema))
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| SchemaError {
            message: e.to_string(),
            pointer: Some(e.instance_path().as_str().to_string()).filter(|p| !p.is_empty()),
        })
}

/// The `$ref`s in a schema that point outside it (not `#…`), with their
/// spans: CE fetches them at start, gwc does not.
pub fn remote_refs(node: &Node) -> Vec<(Span, &str)> {
    let mut out = Vec::new();
    walk(node, &mut out);
    out
}

fn walk<'n>(node: &'n Node, out: &mut Vec<(Span, &'n str)>) {
    if let Some(members) = node.as_object() {
        for m in members {
            if m.key == "$ref"
                && let Some(r) = m.value.as_str()
                && !r.starts_with('#')
            {
                out.push((m.value.span, r));
            }
            walk(&m.value, out);
        }
    } else if let Some(items) = node.as_array() {
        for i in items {
            walk(i, out);
        }
    }
}

impl<'a> crate::model::Config<'a> {
    /// The endpoints with a `validation/json-schema`, with it.
    pub fn json_schemas(
        &self,
    ) -> impl Iterator<Item = (&crate::model::Endpoint<'a>, &JsonSchema<'a>)> {
        self.endpoints
            .iter()
            .filter_map(|e| Some((e, e.extra.json_schema.as_ref()?)))
    }
}
