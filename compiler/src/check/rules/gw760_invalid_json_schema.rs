//! a `validation/json-schema` that does not compile: KrakenD CE validates nothing
//!
//! ## What it does
//! Compiles each endpoint's `validation/json-schema` as the gateway will
//! (draft 7 unless `$schema` names draft 4 or 6) and reports a schema
//! that does not compile (a value that is no object or boolean at all is
//! GW802's): an unknown `type`, a `pattern` that is not a regular expression, a
//! `$ref` to a definition that does not exist… It also reports each
//! `pattern` (and `patternProperties` key) that Go's `regexp`, which
//! KrakenD CE's validator uses, cannot compile although the gateway's
//! could: lookarounds (`(?=…)`, `(?<!…)`), backreferences (`\1`),
//! possessive quantifiers.
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
use crate::model::validation::json_schema::{compile, patterns, remote_refs};

/// The rule's code.
pub const CODE: &str = "GW760";

/// Reports each schema that does not compile.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, s) in cx.config.json_schemas() {
        // A remote `$ref` cannot resolve here: GW762's finding. A value
        // that is no schema at all (a string, a number) is GW802's.
        if !remote_refs(s.schema).is_empty()
            || (s.schema.as_object().is_none() && s.schema.as_bool().is_none())
        {
            continue;
        }
        let Err(e) = compile(&s.value()) else {
            for (span, p) in patterns(s.schema) {
                let Err(e) = regex::Regex::new(p) else { continue };
                out.push(
                    cx.diag(CODE, span, "this JSON Schema pattern is not a Go regular expression: KrakenD CE would not validate this endpoint")
                        .with_label(super::gw601_invalid_bot_pattern::first_line(&e))
                        .with_secondary(s.key_span, "KrakenD logs the error and lets every body through")
                        .with_help("write the pattern in RE2 syntax: no lookarounds, backreferences or possessive quantifiers"),
                );
            }
            continue;
        };
        // The part the crate names, else the whole schema.
        let span = e
            .pointer
            .as_deref()
            .and_then(|p| s.schema.pointer(p))
            .map_or(s.schema.span, |(node, _)| node.span);
        out.push(
            cx.diag(CODE, span, "this JSON Schema does not compile: KrakenD CE would not validate this endpoint")
                .with_label(e.message)
                .with_secondary(s.key_span, "KrakenD logs the error and lets every body through")
                .with_help("fix the schema: it must be a JSON Schema (draft 7 unless `$schema` names draft 4 or 6)"),
        );
    }
}
