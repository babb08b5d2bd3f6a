//! an `@gwc-allow` entry that allows nothing
//!
//! ## What it does
//! `"@gwc-allow": ["GW202"]` in any object of the config silences the
//! listed *warnings* for that object and everything inside it (KrakenD
//! ignores keys that start with `@`, so the file still loads). This rule
//! reports entries that cannot do what they say: a code that does not
//! exist, a code whose findings are errors (errors are never silenced: the
//! gateway would be wrong), a value that is not a list of codes, and an entry
//! that silenced nothing in this run (stale).
//!
//! ## Why is this bad?
//! A stale or misspelt allow hides nothing today and something unexpected
//! tomorrow; an allowed error would let a broken config through CI.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/tenants/{tenant}/health",
//!   "@gwc-allow": ["GW202", "GW2020"],
//!   "backend": [{ "url_pattern": "/health" }]
//! }
//! ```
//!
//! ## How to fix it
//! List only warning codes that fire in that object (`gwc explain` lists the
//! codes and their severities), and remove entries that no longer fire.

use crate::check::Context;
use crate::check::registry;
use crate::diag::{Diagnostic, FileId, Severity};
use crate::syntax::{Node, NodeKind, Span};

/// The rule's code.
pub const CODE: &str = "GW006";

/// The key that carries allows.
pub const KEY: &str = "@gwc-allow";

/// One `@gwc-allow` entry.
struct Allow<'a> {
    /// The code as written.
    code: &'a str,
    /// The entry's node.
    node: &'a Node,
    /// The object it covers.
    scope: Span,
}

/// Reports entries that are not lists of warning codes.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut allows = Vec::new();
    collect(cx.root, &mut allows, &mut |node| {
        out.push(
            cx.diag(CODE, node.span, format!("`{KEY}` must be a list of rule codes"))
                .with_label(format!("found {}", node.type_name()))
                .with_help(format!("write `\"{KEY}\": [\"GW202\"]`")),
        );
    });
    for a in allows {
        match registry::find(a.code) {
            None => {
                let codes = registry::RULES.iter().map(|r| r.code);
                let mut d = cx
                    .diag(CODE, a.node.span, format!("`{}` is not a gwc rule code", a.code))
                    .with_label("no rule has this code");
                d = match crate::check::suggest::did_you_mean(a.code, codes) {
                    Some(s) => d.did_you_mean(s, a.node.inner_span()),
                    None => d.with_help("`gwc explain` lists every rule code"),
                };
                out.push(d);
            }
            Some(rule) if rule.severity == Severity::Error => out.push(
                cx.diag(CODE, a.node.span, format!("{} reports errors, which cannot be allowed", rule.code))
                    .with_label("errors are never silenced")
                    .with_help(format!("fix the config instead: `gwc explain {}` says how", rule.code)),
            ),
            Some(_) => {}
        }
    }
}

/// Drops the warnings allowed by `@gwc-allow` entries of `root`, and reports
/// (as GW006) the entries of known warning codes that silenced nothing.
pub fn apply(file: FileId, root: &Node, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut allows = Vec::new();
    collect(root, &mut allows, &mut |_| {});
    if allows.is_empty() {
        return diags;
    }
    let mut used = vec![false; allows.len()];
    let mut kept: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| {
            if d.severity != Severity::Warning || d.code == CODE || d.primary.file != file {
                return true;
            }
            let mut allowed = false;
            for (i, a) in allows.iter().enumerate() {
                if a.code.eq_ignore_ascii_case(d.code)
                    && a.scope.start <= d.primary.span.start
                    && d.primary.span.end <= a.scope.end
                {
                    used[i] = true;
                    allowed = true;
                }
            }
            !allowed
        })
        .collect();
    for (a, used) in allows.iter().zip(used) {
        let warning = registry::find(a.code).is_some_and(|r| r.severity == Severity::Warning);
        if warning && !used {
            kept.push(
                Diagnostic::new(CODE, file, a.node.span, format!("`{}` is allowed here but does not fire", a.code))
                    .with_label("this entry silences nothing")
                    .with_help("remove the entry"),
            );
        }
    }
    kept
}

/// Every `@gwc-allow` entry in the tree; `bad` gets values of the wrong shape.
fn collect<'a>(node: &'a Node, allows: &mut Vec<Allow<'a>>, bad: &mut dyn FnMut(&'a Node)) {
    match &node.kind {
        NodeKind::Object(members) => {
            for m in members {
                if m.key == KEY {
                    match m.value.as_array() {
                        Some(items) => {
                            for item in items {
                                match item.as_str() {
                                    Some(code) => allows.push(Allow { code, node: item, scope: node.span }),
                                    None => bad(item),
                                }
                            }
                        }
                        None => bad(&m.value),
                    }
                } else {
                    collect(&m.value, allows, bad);
                }
            }
        }
        NodeKind::Array(items) => items.iter().for_each(|n| collect(n, allows, bad)),
        _ => {}
    }
}
