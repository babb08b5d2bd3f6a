//! a `validation/cel` value KrakenD CE's decoder refuses
//!
//! ## What it does
//! Reports a `validation/cel` that is not an array of objects, or a
//! `check_expr`/`mod_expr` that is not a string.
//!
//! ## Why is this bad?
//! krakend-cel decodes the whole value with Go's `encoding/json`; any
//! wrong type fails the decode and CE runs **no** expression of it,
//! silently.
//!
//! ## Example
//! ```json
//! { "validation/cel": { "check_expr": "req_method == 'GET'" } }
//! ```
//!
//! ## How to fix it
//! Write an array of `{"check_expr": "…"}` objects.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW779";

/// Reports values CE cannot decode.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, cel) in cx.config.cels() {
        let Some((span, label)) = cel.shape_error() else { continue };
        out.push(
            cx.diag(CODE, span, "`validation/cel` cannot be decoded by KrakenD CE")
                .with_label(label)
                .with_secondary(cel.key_span, "CE runs none of these expressions")
                .with_help("write an array of `{\"check_expr\": \"…\"}` objects"),
        );
    }
}
