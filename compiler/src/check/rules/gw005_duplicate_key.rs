//! the same key twice in one object: only the last one counts
//!
//! ## What it does
//! Reports a key written twice in the same object, with both places.
//!
//! ## Why is this bad?
//! KrakenD keeps the last value without a word, so the first one is dead
//! config that readers still believe in. (In YAML, KrakenD refuses the file
//! outright, `mapping key "timeout" already defined at line 3`: that is a
//! syntax error, GW001, and TOML's parser rejects duplicates the same way.)
//!
//! ## Example
//! ```json
//! { "endpoint": "/a", "timeout": "1s", "backend": [], "timeout": "10s" }
//! ```
//!
//! ## How to fix it
//! Keep one of the two (the value KrakenD uses is the last).

use std::collections::HashMap;

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::syntax::{Format, Node, NodeKind};

/// The rule's code.
pub const CODE: &str = "GW005";

/// Walks every object of the tree.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.format == Format::Json {
        walk(cx, cx.root, out);
    }
}

fn walk(cx: &Context<'_>, node: &Node, out: &mut Vec<Diagnostic>) {
    match &node.kind {
        NodeKind::Object(members) => {
            let mut first: HashMap<&str, usize> = HashMap::new();
            for (i, m) in members.iter().enumerate() {
                if let Some(&j) = first.get(m.key.as_str()) {
                    let earlier = &members[j];
                    out.push(
                        cx.diag(CODE, m.key_span, format!("duplicate key `{}`", m.key))
                            .with_label("written again here; this value is the one KrakenD uses")
                            .with_secondary(earlier.key_span, "first written here; this value is ignored")
                            .with_help(format!("keep one `{}`", m.key)),
                    );
                } else {
                    first.insert(&m.key, i);
                }
                walk(cx, &m.value, out);
            }
        }
        NodeKind::Array(items) => items.iter().for_each(|n| walk(cx, n, out)),
        _ => {}
    }
}
