//! a `validation/cel` expression that does not parse
//!
//! ## What it does
//! Parses every `check_expr` with the gateway's CEL parser (cel-rust, the
//! grammar of cel-go) and reports the first syntax error.
//!
//! ## Why is this bad?
//! KrakenD CE logs a warning at start and drops the **whole** CEL layer of
//! that endpoint or backend: none of its expressions run, the valid ones
//! included. An expression containing `JWT` that does not parse drops
//! every JWT rule of the endpoint, logged at debug level only.
//!
//! ## Example
//! ```json
//! { "validation/cel": [ { "check_expr": "req_method == 'GET' &&" } ] }
//! ```
//!
//! ## How to fix it
//! Complete the expression (`req_method == 'GET' && req_path.startsWith('/v1')`).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::validation::cel::Finding;

/// The rule's code.
pub const CODE: &str = "GW770";

/// Reports the parse errors.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, cel) in cx.config.cels() {
        for c in &cel.checks {
            let Some(a) = &c.analysis else { continue };
            for f in &a.findings {
                let Finding::Parse(msg, range) = f else { continue };
                out.push(
                    cx.diag(CODE, c.span_of(range), "CEL expression does not parse")
                        .with_label(msg.clone())
                        .with_secondary(cel.key_span, "KrakenD CE drops this whole CEL layer: none of its expressions run")
                        .with_help("fix the syntax (CEL: `req_method == 'GET' && req_path.startsWith('/v1')`)"),
                );
            }
        }
    }
}
