//! two endpoints use different variable names at the same position
//!
//! ## What it does
//! Builds the route trees KrakenD's router (gin) builds, one per method (and
//! one across all methods when `router.auto_options` is on), and reports an
//! endpoint whose `{variable}` sits where an earlier endpoint has a variable
//! of another name, whatever follows. A name that only extends the other
//! (`{x}` and `{xy}`) is the same conflict.
//!
//! ## Why is this bad?
//! gin panics while registering the second route, so KrakenD does not start:
//! `':iduser' in new path '/user/:iduser/some' conflicts with existing
//! wildcard ':userid' in existing prefix '/user/:userid'`. `krakend check`
//! only catches it with `-t`.
//!
//! ## Example
//! ```json
//! { "endpoint": "/user/{userid}", "backend": [{ "url_pattern": "/u/{userid}" }] },
//! { "endpoint": "/user/{iduser}/some", "backend": [{ "url_pattern": "/s/{iduser}" }] }
//! ```
//!
//! ## How to fix it
//! Use the established name at that position (`/user/{userid}/some`, and the
//! same in the backends' `url_pattern`). A static segment next to a variable
//! (`/user/new` beside `/user/{userid}`) is fine.

use crate::check::Context;
use crate::check::routes;
use crate::diag::Diagnostic;
use crate::model::pattern;
use crate::syntax::ScalarStyle;

/// The rule's code.
pub const CODE: &str = "GW101";

/// Reports each parameter-name conflict.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let table = routes::build(cx.config, cx.auto_options());
    for c in &table.conflicts {
        let first = &cx.config.endpoints[c.first];
        let second = &cx.config.endpoints[c.second];
        let (Some(first_path), Some(second_path)) = (&first.path, &second.path) else { continue };
        let seg_span = |ep: &crate::model::Endpoint<'_>, path: &crate::model::Spanned<String>| {
            routes::segment_at(ep, c.depth).map_or(path.span, |s| path.sub_span(s.range))
        };
        let primary = seg_span(second, second_path);
        let secondary = seg_span(first, first_path);
        let (old, new) = (&c.first_name, &c.second_name);
        let label = if old.starts_with(new.as_str()) || new.starts_with(old.as_str()) {
            format!("`{{{new}}}` and `{{{old}}}` overlap: one name extends the other")
        } else {
            "a different name at the same position".to_string()
        };
        let mut d = cx
            .diag(CODE, primary, format!("endpoint `{}` conflicts with `{}`", second_path.value, first_path.value))
            .with_label(label)
            .with_secondary(secondary, format!("`{{{old}}}` is declared at this position here"))
            .with_help(format!("rename `{{{new}}}` to `{{{old}}}` (KrakenD panics at start on this config)"));
        if c.method == "OPTIONS" {
            d = d.with_note(format!(
                "the endpoints have different methods ({} and {}), but `router.auto_options` registers both paths for OPTIONS",
                first.method_upper(),
                second.method_upper()
            ));
        } else if first.method_upper() == second.method_upper() {
            d = d.with_note(format!("both are {} routes; gin keeps one route tree per method", c.method));
        }
        if let Some(fix) = rename_fix(second, second_path, c.depth, new, old) {
            d.fixes.push(fix);
        }
        out.push(d);
    }
}

/// Renames the variable in the endpoint and in every backend `url_pattern`
/// of that endpoint, so the quick fix leaves a config that still resolves.
fn rename_fix(
    ep: &crate::model::Endpoint<'_>,
    path: &crate::model::Spanned<String>,
    depth: usize,
    new: &str,
    old: &str,
) -> Option<crate::diag::Fix> {
    let seg = routes::segment_at(ep, depth)?;
    // Only a whole-segment `{name}` maps cleanly to a rename, and only in
    // strings written verbatim (an escape would shift every offset).
    let name = seg.text.strip_prefix('{')?.strip_suffix('}')?;
    if name != new || old.contains(['{', '}', ':', '/']) || path.style == ScalarStyle::Opaque {
        return None;
    }
    let mut edits = vec![crate::diag::Edit { span: path.sub_span(seg.range.start + 1..seg.range.end - 1), text: old.into() }];
    for b in &ep.backends {
        let Some(url) = &b.url_pattern else { continue };
        for v in pattern::url_pattern_vars(&url.value).into_iter().filter(|v| v.name == new) {
            // A half-applied rename would break the backend: no fix at all.
            if url.style == ScalarStyle::Opaque {
                return None;
            }
            edits.push(crate::diag::Edit { span: url.sub_span(v.name_range()), text: old.into() });
        }
    }
    Some(crate::diag::Fix { title: format!("rename `{{{new}}}` to `{{{old}}}`"), edits })
}
