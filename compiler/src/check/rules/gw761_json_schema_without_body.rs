//! a `validation/json-schema` on a GET, HEAD or DELETE endpoint: every request is a 400
//!
//! ## What it does
//! Reports `validation/json-schema` on an endpoint whose method usually
//! has no request body: `GET` (also when `method` is absent), `HEAD`,
//! `DELETE`.
//!
//! ## Why is this bad?
//! The schema validates the request **body**, not the query string or the
//! path. KrakenD CE answers 400 `could not validate an empty body` to a
//! request without a body (`krakend-jsonschema`), whatever the method, so
//! such an endpoint rejects every ordinary client.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "method": "GET",
//!   "extra_config": { "validation/json-schema": { "type": "object" } } }
//! ```
//!
//! ## How to fix it
//! Move the schema to the `POST`, `PUT` or `PATCH` endpoint whose body it
//! describes, or remove it.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW761";

/// Reports each schema on a method without a body.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, s) in cx.config.json_schemas() {
        let method = ep.method_upper();
        if !matches!(method.as_str(), "GET" | "HEAD" | "DELETE") {
            continue;
        }
        let d = cx
            .diag(CODE, s.key_span, format!("JSON Schema on a `{method}` endpoint: requests without a body are answered 400"))
            .with_label("validates the request body");
        let d = match &ep.method {
            Some(m) => d.with_secondary(m.span, format!("`{method}` requests seldom have a body")),
            None => d.with_secondary(ep.name_span(), "no `method`: a GET endpoint"),
        };
        out.push(
            d.with_help("move the schema to the endpoint whose body it describes (`POST`, `PUT`, `PATCH`), or remove it")
                .with_note("KrakenD CE answers `could not validate an empty body` (400) to every request without a body"),
        );
    }
}
