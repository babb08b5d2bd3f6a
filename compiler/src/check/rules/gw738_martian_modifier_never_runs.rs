//! a martian modifier that never runs
//!
//! ## What it does
//! Reports a martian modifier whose roles do not meet the roles it is
//! run in: an empty `scope` (`[]`), or a scope its group or filter never
//! runs (a `response` modifier inside a `fifo.Group` scoped to `request`,
//! a `querystring.Modifier` under a filter that only runs on responses).
//!
//! ## Why is this bad?
//! A group or filter hands each role only to the modifiers that have it,
//! so this one is parsed and ignored: the change it describes never
//! happens.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "fifo.Group": { "scope": ["request"], "modifiers": [ { "status.Modifier": { "statusCode": 200 } } ] } } }
//! ```
//!
//! ## How to fix it
//! Give the enclosing group or filter the roles its modifiers need
//! (`"scope": ["request", "response"]`, or no `scope`), or remove the
//! modifier.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW738";

/// Reports each known modifier left without a role.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        // Under a modifier that never runs only the outermost is reported.
        let mut silent: Vec<crate::syntax::Span> = Vec::new();
        for md in m.modifiers() {
            if md.kind.is_none() || !md.active.is_empty() || !md.scope_problems().is_empty() {
                continue;
            }
            if silent.iter().any(|s| s.start <= md.name_span.start && md.name_span.end <= s.end) {
                continue;
            }
            silent.push(md.body.span);
            let empty_scope = md
                .field("scope")
                .and_then(|s| s.value.as_array())
                .is_some_and(<[_]>::is_empty);
            let label = if empty_scope {
                "its `scope` is empty"
            } else {
                "the group or filter around it runs in none of its roles"
            };
            out.push(
                cx.diag(CODE, md.name_span, format!("`{}` never runs", md.name))
                    .with_label(label)
                    .with_help("give it and its group or filter a common scope, or remove it"),
            );
        }
    }
}
