//! a `flatmap_filter` operation `type` KrakenD does not know
//!
//! ## What it does
//! Checks the `type` of every `flatmap_filter` operation (endpoint and
//! backend level) against the three KrakenD runs: `move`, `append` and
//! `del`. Names are case-sensitive.
//!
//! ## Why is this bad?
//! KrakenD skips an operation with any other type without a word, so the
//! response keeps the shape the operation was meant to change.
//!
//! ## Example
//! ```json
//! { "type": "delete", "args": ["password"] }
//! ```
//!
//! ## How to fix it
//! Use `move` (rename or relocate: two args), `append` (merge two arrays:
//! two args) or `del` (remove: one or more args).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::FlatmapOp;

/// The rule's code.
pub const CODE: &str = "GW309";

const OPERATIONS: [&str; 3] = ["move", "append", "del"];

/// Checks every operation of every `flatmap_filter`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let endpoint_ops = ep.extra.proxy.as_ref().and_then(|p| p.flatmap_filter.as_ref());
        let backend_ops = ep.backends.iter().filter_map(|b| b.extra.proxy.as_ref()?.flatmap_filter.as_ref());
        for ops in endpoint_ops.into_iter().chain(backend_ops) {
            for op in &ops.value {
                report(cx, op, out);
            }
        }
    }
}

fn report(cx: &Context<'_>, op: &FlatmapOp, out: &mut Vec<Diagnostic>) {
    let Some(kind) = &op.op else { return };
    if OPERATIONS.contains(&kind.value.as_str()) {
        return;
    }
    let mut d = cx
        .diag(CODE, kind.span, format!("unknown flatmap operation `{}`", kind.value))
        .with_label("KrakenD skips this operation silently");
    match suggestion(&kind.value) {
        Some(s) => {
            d = d.did_you_mean(s, kind.inner_span());
        }
        None => d = d.with_help("use `move`, `append` or `del`"),
    }
    out.push(d);
}

fn suggestion(value: &str) -> Option<&'static str> {
    let alias = match value.to_ascii_lowercase().as_str() {
        "delete" | "remove" | "rm" | "drop" => Some("del"),
        "rename" | "mv" | "copy" => Some("move"),
        "concat" | "merge" | "extend" => Some("append"),
        _ => None,
    };
    alias.or_else(|| did_you_mean(value, OPERATIONS))
}
