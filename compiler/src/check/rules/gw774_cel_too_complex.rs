//! a `validation/cel` expression over gwc's size bounds
//!
//! ## What it does
//! Reports an expression longer than 2048 bytes, nested deeper than 48
//! levels (a long chain of `+` counts as nesting), or with more than two
//! comprehensions (`all`, `exists`, `map`, `filter`…) nested.
//!
//! ## Why is this bad?
//! The gateway evaluates expressions on every request, on data clients
//! and backends control: gwc bounds their stack use and their work so no
//! input can exhaust a worker. KrakenD's documented expressions are one
//! line; an expression this large is better split into several entries,
//! which all must pass.
//!
//! ## Example
//! ```json
//! { "validation/cel": [ { "check_expr": "resp_data.a.all(x, resp_data.b.all(y, resp_data.c.all(z, x == y && y == z)))" } ] }
//! ```
//!
//! ## How to fix it
//! Split it into several `check_expr` entries (each must be `true`).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::validation::cel::{Finding, MAX_LEN};

/// The rule's code.
pub const CODE: &str = "GW774";

/// Reports expressions over the bounds.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, cel) in cx.config.cels() {
        for c in &cel.checks {
            let Some(a) = &c.analysis else { continue };
            for f in &a.findings {
                let (label, span) = match f {
                    Finding::TooLong(n) => (
                        format!("{n} bytes, over gwc's bound of {MAX_LEN}"),
                        c.check_expr.as_ref().map_or(c.node.span, |e| e.span),
                    ),
                    Finding::TooComplex(m, r) => (m.clone(), c.span_of(r)),
                    _ => continue,
                };
                out.push(
                    cx.diag(CODE, span, "CEL expression is too complex for gwc's bounds")
                        .with_label(label)
                        .with_help("split it into several `check_expr` entries (each must be `true`)"),
                );
            }
        }
    }
}
