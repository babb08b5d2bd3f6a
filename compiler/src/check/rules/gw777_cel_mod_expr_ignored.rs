//! a `mod_expr` in `validation/cel`, which KrakenD CE ignores
//!
//! ## What it does
//! Reports the `mod_expr` field of a CEL definition.
//!
//! ## Why is this bad?
//! krakend-cel decodes `mod_expr` and never uses it: nothing is modified.
//! gwc does not run it either.
//!
//! ## Example
//! ```json
//! { "validation/cel": [ { "check_expr": "req_method == 'GET'", "mod_expr": "req_path + '/v2'" } ] }
//! ```
//!
//! ## How to fix it
//! Remove `mod_expr`; rewrite the request with `url_pattern`,
//! `modifier/martian` or the data manipulation options.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW777";

/// Reports every `mod_expr`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, cel) in cx.config.cels() {
        for c in &cel.checks {
            let Some(span) = c.mod_expr else { continue };
            out.push(
                cx.diag(CODE, span, "`mod_expr` is ignored by KrakenD CE")
                    .with_label("never evaluated: nothing is modified")
                    .with_help("remove `mod_expr`; rewrite requests with `url_pattern` or `modifier/martian`"),
            );
        }
    }
}
