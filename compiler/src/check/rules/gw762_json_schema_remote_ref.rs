//! a `validation/json-schema` `$ref` to another document, which gwc does not fetch
//!
//! ## What it does
//! Reports a `$ref` inside a `validation/json-schema` that does not start
//! with `#`: a URL (`https://example.com/user.json`), a file
//! (`file:///etc/schemas/user.json`) or a relative document
//! (`user.json#/definitions/name`).
//!
//! ## Why is this bad?
//! KrakenD CE's validator fetches such references over the network (or
//! reads the file) when it starts, and disables the validation when that
//! fails. A gateway built by gwc never fetches at start or at run time:
//! the build would depend on a remote document it cannot pin, and a
//! schema read at start could differ from the one linted. `gwc build`
//! refuses the config.
//!
//! ## Example
//! ```json
//! { "validation/json-schema": { "$ref": "https://schemas.example.com/user.json" } }
//! ```
//!
//! ## How to fix it
//! Inline the referenced schema under `definitions` and point to it with
//! `"$ref": "#/definitions/user"`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::validation::json_schema::remote_refs;

/// The rule's code.
pub const CODE: &str = "GW762";

/// Reports each remote `$ref`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, s) in cx.config.json_schemas() {
        for (span, target) in remote_refs(s.schema) {
            out.push(
                cx.diag(CODE, span, format!("JSON Schema `$ref` to another document: `{target}` is not fetched"))
                    .with_label("KrakenD CE fetches this at start; a gwc gateway fetches nothing")
                    .with_help("copy the referenced schema under `definitions` and use `\"$ref\": \"#/definitions/NAME\"`"),
            );
        }
    }
}
