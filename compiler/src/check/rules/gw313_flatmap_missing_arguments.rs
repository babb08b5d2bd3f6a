//! a flatmap `move` or `append` without its two arguments
//!
//! ## What it does
//! Checks that every `move` and `append` operation of a `flatmap_filter`
//! (endpoint and backend level) has at least two `args`: the path to read
//! and the path to write.
//!
//! ## Why is this bad?
//! lura reads `args[0]` and `args[1]` of these operations without checking
//! that they exist, so a shorter list breaks every response of the
//! endpoint in KrakenD; a gwc gateway would skip the operation, and the
//! response would keep the shape the filter was meant to change.
//!
//! ## Example
//! ```json
//! { "type": "move", "args": ["user.name"] }
//! ```
//!
//! ## How to fix it
//! Give both paths: `{ "type": "move", "args": ["user.name", "name"] }`.
//! To remove a field, use `del`, which takes one or more paths.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::FlatmapOp;

/// The rule's code.
pub const CODE: &str = "GW313";

/// Checks every operation of every `flatmap_filter`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let endpoint_ops = ep.extra.proxy.as_ref().and_then(|p| p.flatmap_filter.as_ref());
        let backend_ops = ep
            .backends
            .iter()
            .filter_map(|b| b.extra.proxy.as_ref()?.flatmap_filter.as_ref());
        for ops in endpoint_ops.into_iter().chain(backend_ops) {
            for op in &ops.value {
                report(cx, op, out);
            }
        }
    }
}

fn report(cx: &Context<'_>, op: &FlatmapOp, out: &mut Vec<Diagnostic>) {
    let Some(kind) = &op.op else { return };
    if !matches!(kind.value.as_str(), "move" | "append") || op.args.len() >= 2 {
        return;
    }
    let (what, example) = if kind.value == "move" {
        ("the path to move and where to", r#""args": ["user.name", "name"]"#)
    } else {
        ("the array to append and the array it goes to", r#""args": ["extra", "items"]"#)
    };
    let n = op.args.len();
    let mut d = cx
        .diag(
            CODE,
            kind.span,
            format!("flatmap `{}` needs two args, it has {n}", kind.value),
        )
        .with_label("KrakenD reads `args[0]` and `args[1]` here")
        .with_help(format!("give {what}: `{example}`"));
    if let Some(a) = op.args.first() {
        d = d.with_secondary(a.span, "the only argument");
    }
    out.push(d);
}
