//! a `validation/cel` expression CE also evaluates where its variables are undefined
//!
//! ## What it does
//! KrakenD CE sorts expressions by **substring of their text**: one that
//! contains `req` runs before the backends (with `req_*` bound), one that
//! contains `resp` after them (with `resp_*`), one that contains `JWT` in
//! the token check (with `JWT`). An expression can land in several lists,
//! and the substring may come from a string literal or a variable name.
//! The rule reports an expression that lands in a list whose activation
//! lacks a variable it reads.
//!
//! ## Why is this bad?
//! There the variable is missing, the evaluation fails, and the request
//! is refused **every time**: a `JWT` rule that also reads `req_*` gives
//! 500s (krakend-ce#540); `req_path.startsWith('/response')` is also a
//! post-check (`resp` in the literal) and fails every request.
//!
//! ## Example
//! ```json
//! { "validation/cel": [ { "check_expr": "JWT.sub == req_params.User" } ] }
//! ```
//!
//! ## How to fix it
//! Keep `JWT`, `req_*` and `resp_*` in separate expressions, and keep the
//! other lists' keys out of literals and names (`'/re' + 'sponse'`).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::validation::cel::{Level, List, lists_run};

/// The rule's code.
pub const CODE: &str = "GW775";

/// Reports expressions in a list that cannot evaluate them.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, b, cel) in cx.config.cels() {
        let level = if b.is_some() { Level::Backend } else { Level::Endpoint };
        let run = lists_run(level, ep.extra.validator.is_some());
        for c in &cel.checks {
            let (Some(a), Some(text)) = (&c.analysis, &c.check_expr) else { continue };
            if !a.is_clean() {
                continue;
            }
            for l in a.lists.among(run) {
                let unbound = a.unbound_in(l);
                let Some((var, range)) = unbound.first() else { continue };
                let key = l.key();
                let at = text.value.find(key).unwrap_or(0);
                let stage = match l {
                    List::Pre => "before the backends",
                    List::Post => "after the backends",
                    List::Jwt => "in the JWT check",
                };
                let jwt_mix = a.lists.jwt && a.groups().len() > 1;
                let help = if jwt_mix {
                    "split it: one expression with `JWT` only, one with `req_*` or `resp_*` only (krakend-ce#540)"
                } else {
                    "keep one list's variables per expression, and the other lists' keys out of literals and names (`'/re' + 'sponse'`)"
                };
                out.push(
                    cx.diag(CODE, c.span_of(&(at..at + key.len())), format!("CEL expression also runs {stage}, where `{var}` is undefined"))
                        .with_label(format!("`{key}` here puts it in CE's `{key}` list"))
                        .with_secondary(c.span_of(range), format!("`{var}` is not bound {stage}: every request fails this check"))
                        .with_help(help),
                );
            }
        }
    }
}
