//! a `validation/json-schema` that does not compile: KrakenD CE validates nothing
//!
//! ## What it does
//! Compiles each endpoint's `validation/json-schema` as the gateway will
//! (draft 7 unless `$schema` names another draft) and reports a schema
//! that does not compile: a value that is not an object or a boolean, an
//! unknown `type`, a `pattern` that is not a regular expression, a
//! `$ref` to a definition that does not exist…
//!
//! ## Why is this bad?
//! KrakenD CE logs `[JSONSchema] Parsing the definition: …` at start and
//! runs the endpoint **without** validation (`krakend-jsonschema`'s
//! `ProxyFactory`): every body, however wrong, reaches the backends.
//! `gwc build` refuses such a config.
//!
//! ## Example
//! ```json
//! { "validation/json-schema": { "type": "strin" } }
//! ```
//!
//! ## How to fix it
//! Fix the schema (the message says where); test it with any draft 7
//! validator.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::validation::json_schema::{compile, remote_refs};

/// The rule's code.
pub const CODE: &str = "GW760";

/// Reports each schema that does not compile.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, s) in cx.config.json_schemas() {
        // A remote `$ref` cannot resolve here: GW762's finding.
        if !remote_refs(s.schema).is_empty() {
            continue;
        }
        let Err(e) = compile(&s.value()) else { continue };
        out.push(
            cx.diag(CODE, s.schema.span, "this JSON Schema does not compile: KrakenD CE would not validate this endpoint")
                .with_label(e)
                .with_secondary(s.key_span, "KrakenD logs the error and lets every body through")
                .with_help("fix the schema: it must be a JSON Schema (draft 7 unless `$schema` names another draft)"),
        );
    }
}
