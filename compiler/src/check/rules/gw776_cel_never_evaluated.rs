//! a `validation/cel` expression KrakenD CE never evaluates
//!
//! ## What it does
//! Reports an expression no list runs where it is: its text contains
//! none of `req`, `resp` (nor `JWT` on an endpoint with `auth/validator`);
//! a `JWT` expression on a backend or on an endpoint without
//! `auth/validator`; an empty or missing `check_expr`.
//!
//! ## Why is this bad?
//! CE picks expressions by substring and silently ignores the rest: the
//! check a user wrote never runs, and every request passes it.
//!
//! ## Example
//! ```json
//! { "validation/cel": [ { "check_expr": "timestamp(now) < timestamp('2030-01-01T00:00:00Z')" } ] }
//! ```
//!
//! ## How to fix it
//! Read a request or response variable in it (`req_method != '' &&
//! timestamp(now) < …`), move `JWT` rules to an endpoint with
//! `auth/validator`, or remove it.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::validation::cel::{Level, lists_run};

/// The rule's code.
pub const CODE: &str = "GW776";

/// Reports expressions no list runs.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, b, cel) in cx.config.cels() {
        let level = if b.is_some() { Level::Backend } else { Level::Endpoint };
        let run = lists_run(level, ep.extra.validator.is_some());
        for c in &cel.checks {
            if c.node.as_object().is_none() {
                continue;
            }
            let Some(a) = &c.analysis else {
                let span = c.check_expr.as_ref().map_or(c.node.span, |e| e.span);
                if c.check_expr_node.is_some_and(|n| n.as_str().is_none() && !matches!(n.kind, crate::syntax::NodeKind::Null)) {
                    continue; // GW779
                }
                out.push(
                    cx.diag(CODE, span, "CEL definition without an expression is never evaluated")
                        .with_label("no `check_expr`: CE ignores this entry")
                        .with_help("write the check in `check_expr`, or remove the entry"),
                );
                continue;
            };
            if !a.is_clean() || !a.lists.among(run).is_empty() {
                continue;
            }
            let Some(text) = &c.check_expr else { continue };
            let label = if a.lists.jwt && level == Level::Backend {
                "CE runs `JWT` expressions only on endpoints"
            } else if a.lists.jwt {
                "CE runs `JWT` expressions only with `auth/validator` on the endpoint"
            } else {
                "its text contains neither `req` nor `resp`: CE puts it in no list"
            };
            out.push(
                cx.diag(CODE, text.span, "CEL expression is never evaluated")
                    .with_label(label)
                    .with_help("read a request or response variable in it, move `JWT` rules to an endpoint with `auth/validator`, or remove it"),
            );
        }
    }
}
