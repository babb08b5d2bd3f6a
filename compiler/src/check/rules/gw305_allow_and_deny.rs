//! both `allow` and `deny` on one backend: `deny` is ignored
//!
//! ## What it does
//! Reports a backend with a non-empty `allow` list and a non-empty `deny`
//! list.
//!
//! ## Why is this bad?
//! When `allow` has entries KrakenD keeps only those fields and never looks
//! at `deny` (lura `NewEntityFormatter`). The `deny` list is dead config
//! that suggests fields are removed by it.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/user", "allow": ["id", "name", "email"], "deny": ["email"] }
//! ```
//!
//! ## How to fix it
//! Keep one list: with `allow`, leave the denied fields out of it.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::encoding::is_noop_backend_encoding;

/// The rule's code.
pub const CODE: &str = "GW305";

/// Reports each such backend once. `no-op` backends (GW304) and backends
/// whose `flatmap_filter` replaces both lists (GW312) are left to those
/// rules.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        if cx.config.is_noop_endpoint(ep) {
            continue;
        }
        for b in &ep.backends {
            if is_noop_backend_encoding(b.encoding.as_ref()) || b.active_flatmap().is_some() {
                continue;
            }
            let (Some(allow), Some(deny)) = (&b.allow, &b.deny) else { continue };
            if allow.value.is_empty() || deny.value.is_empty() {
                continue;
            }
            let mut d = cx
                .diag(CODE, deny.key_span, "`deny` is ignored because this backend also has `allow`")
                .with_label("never applied")
                .with_secondary(allow.key_span, "`allow` keeps only the listed fields and takes precedence");
            let overlap: Vec<String> = deny
                .value
                .iter()
                .filter(|d| allow.value.iter().any(|a| a.value == d.value))
                .map(|d| format!("`{}`", d.value))
                .collect();
            d = if overlap.is_empty() {
                d.with_help("remove `deny`: fields missing from `allow` are dropped already")
            } else {
                d.with_help(format!(
                    "remove `deny`, and take {} out of `allow` to drop {}",
                    overlap.join(", "),
                    if overlap.len() == 1 { "it" } else { "them" }
                ))
            };
            out.push(d);
        }
    }
}
