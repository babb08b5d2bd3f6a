//! a `mapping` with a dot: it renames top-level keys only
//!
//! ## What it does
//! Reports `mapping` entries whose new name contains a `.` (KrakenD cuts
//! the name at the first dot) or whose original name contains one (it is
//! looked up as a top-level key written with a dot, not as a nested field).
//!
//! ## Why is this bad?
//! `"mapping": { "id": "user.id" }` does not nest anything: KrakenD renames
//! `id` to `user`. `"mapping": { "user.id": "uid" }` renames nothing unless
//! the response has a key literally named `user.id`.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/user", "mapping": { "id": "user.id" } }
//! ```
//!
//! ## How to fix it
//! Map to a plain name, and move fields between objects with a
//! `flatmap_filter` `move` operation instead.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::encoding::is_noop_backend_encoding;

/// The rule's code.
pub const CODE: &str = "GW306";

/// Reports each dotted mapping entry. Skips backends whose formatter does
/// not run or is replaced (GW304, GW312).
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        if cx.config.is_noop_endpoint(ep) {
            continue;
        }
        for b in &ep.backends {
            if is_noop_backend_encoding(b.encoding.as_ref()) || b.active_flatmap().is_some() {
                continue;
            }
            let Some(mapping) = &b.mapping else { continue };
            for (from, to) in &mapping.value {
                if let Some(dot) = to.value.find('.') {
                    let kept = &to.value[..dot];
                    out.push(
                        cx.diag(CODE, to.span, format!("`mapping` renames `{}` to `{kept}`, not to `{}`", from.value, to.value))
                            .with_label(format!("KrakenD cuts the new name at the first `.`: `{kept}`"))
                            .with_help(
                                "map to a plain name; to move the field into an object, use a `flatmap_filter` `move` operation",
                            )
                            .with_fix(format!("replace with `{kept}` (what KrakenD does)"), to.inner_span(), kept),
                    );
                } else if from.value.contains('.') {
                    out.push(
                        cx.diag(
                            CODE,
                            from.span,
                            format!("`mapping` matches only a top-level key named `{}`", from.value),
                        )
                        .with_label("a dot here is not a path: nested fields cannot be renamed by `mapping`")
                        .with_help("use `target` or a `flatmap_filter` `move` operation to reach nested fields"),
                    );
                }
            }
        }
    }
}
