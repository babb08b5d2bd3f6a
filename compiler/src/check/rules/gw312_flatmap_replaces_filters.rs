//! field filters (`allow`, `deny`, `mapping`) next to a backend `flatmap_filter`, which replaces them
//!
//! ## What it does
//! Reports `allow`, `deny` and `mapping` on a backend that also has a
//! (non-empty) `extra_config.proxy.flatmap_filter`.
//!
//! ## Why is this bad?
//! When a backend has flatmap operations, KrakenD builds the flatmap
//! formatter *instead of* the usual one (lura `NewEntityFormatter`): only
//! `target`, the operations and `group` run. The field lists and renames
//! are silently skipped.
//!
//! ## Example
//! ```json
//! {
//!   "url_pattern": "/coins",
//!   "deny": ["internal"],
//!   "extra_config": { "proxy": { "flatmap_filter": [{ "type": "move", "args": ["collection", "coins"] }] } }
//! }
//! ```
//!
//! ## How to fix it
//! Express them as flatmap operations (`del` for `deny`, `move` for
//! `mapping`), or drop the `flatmap_filter`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::encoding::is_noop_backend_encoding;

/// The rule's code.
pub const CODE: &str = "GW312";

/// Reports each affected backend once; `no-op` backends are GW304's.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        if cx.config.is_noop_endpoint(ep) {
            continue;
        }
        for b in &ep.backends {
            if is_noop_backend_encoding(b.encoding.as_ref()) {
                continue;
            }
            let Some(flatmap) = b.active_flatmap() else { continue };
            let mut fields = Vec::new();
            if let Some(a) = b.allow.as_ref().filter(|a| !a.value.is_empty()) {
                fields.push((a.key_span, "allow", "use `del` operations for the fields to drop"));
            }
            if let Some(a) = b.deny.as_ref().filter(|a| !a.value.is_empty()) {
                fields.push((a.key_span, "deny", "use a `del` operation"));
            }
            if let Some(m) = b.mapping.as_ref().filter(|m| !m.value.is_empty()) {
                fields.push((m.key_span, "mapping", "use `move` operations"));
            }
            fields.sort_by_key(|(span, _, _)| span.start);
            let Some(((span, name, _), rest)) = fields.split_first() else { continue };
            let names = join(fields.iter().map(|(_, n, _)| format!("`{n}`")).collect());
            let message = if rest.is_empty() {
                format!("`{name}` is ignored because this backend has a `flatmap_filter`")
            } else {
                format!("{names} are ignored because this backend has a `flatmap_filter`")
            };
            let mut d = cx.diag(CODE, *span, message).with_label("never applied");
            for (s, n, _) in rest {
                d = d.with_secondary(*s, format!("`{n}` is ignored too"));
            }
            let hows = fields.iter().map(|(_, n, h)| format!("for `{n}`, {h}")).collect::<Vec<_>>().join("; ");
            d = d
                .with_secondary(flatmap.key_span, "the flatmap operations replace the field filters")
                .with_help(format!("express them as flatmap operations ({hows}), or drop the `flatmap_filter`"));
            out.push(d);
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join(mut items: Vec<String>) -> String {
    match items.pop() {
        Some(last) if !items.is_empty() => format!("{} and {last}", items.join(", ")),
        Some(last) => last,
        None => String::new(),
    }
}
