//! with `disable_rest`, two variables in one path segment, or text after a variable
//!
//! ## What it does
//! With `"disable_rest": true` at the root, variables may sit inside a path
//! segment (`/file.{ext}`). This rule reports the two shapes that still do
//! not work: two variables in one segment (`/foo/{a}-{b}`), and a variable
//! followed by more text in its segment (`/file.{ext}.json`).
//!
//! ## Why is this bad?
//! `disable_rest` changes how lura reads variables, not how gin routes:
//! - `/foo/{a}-{b}` becomes `/foo/:a-:b`, and gin panics at start:
//!   `only one wildcard per path segment is allowed, has: ':a-:b'`.
//! - `/file.{ext}.json` becomes `/file.:ext.json`: gin names the parameter
//!   `ext.json`, so `{ext}` is never filled (the backend receives the
//!   literal `{{.Ext}}`), and the route matches any file name.
//!
//! ## Example
//! ```json
//! "disable_rest": true,
//! "endpoints": [{ "endpoint": "/file.{ext}.json", "backend": [{ "url_pattern": "/f/{ext}" }] }]
//! ```
//!
//! ## How to fix it
//! Use at most one variable per segment, and end the segment with it
//! (`/file.{ext}`); move other text or variables to segments of their own.

use crate::check::Context;
use crate::check::routes;
use crate::diag::Diagnostic;
use crate::model::pattern::{self, Segment, Var};
use crate::model::{Endpoint, Spanned};

/// The rule's code.
pub const CODE: &str = "GW109";

/// Reports each segment that gin cannot route as written, with `disable_rest`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.config.disable_rest {
        return;
    }
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        // A query string is its own problem (GW104).
        let head = &path.value[..path.value.find('?').unwrap_or(path.value.len())];
        for seg in pattern::segments(head) {
            if seg.text.contains(':') {
                // gin reads the `:` first; GW104 reports it.
                continue;
            }
            let vars = pattern::endpoint_vars(seg.text, true);
            match vars.as_slice() {
                [] => {}
                [one] if one.range.end < seg.text.len() => out.push(text_after(cx, ep, path, &seg, one)),
                [_] => {}
                [first, second, ..] => out.push(two_in_segment(cx, path, &seg, first, second)),
            }
        }
    }
}

fn sub(path: &Spanned<String>, seg: &Segment<'_>, range: std::ops::Range<usize>) -> crate::syntax::Span {
    path.sub_span(seg.range.start + range.start..seg.range.start + range.end)
}

fn two_in_segment(cx: &Context<'_>, path: &Spanned<String>, seg: &Segment<'_>, first: &Var<'_>, second: &Var<'_>) -> Diagnostic {
    let route = routes::registered_route(&path.value, true);
    // gin quotes the wildcard: from the first `:` to the end of the segment.
    let gin_seg = routes::gin_route(seg.text, true);
    let gin_seg = gin_seg.trim_start_matches('/');
    let wildcard = gin_seg.find(':').map_or(gin_seg, |at| &gin_seg[at..]);
    cx.diag(
        CODE,
        sub(path, seg, second.range.clone()),
        format!("two variables in one path segment of `{}`", path.value),
    )
    .with_label("gin allows one parameter per path segment")
    .with_secondary(sub(path, seg, first.range.clone()), format!("`{{{}}}` already takes this segment", first.name))
    .with_help(format!("give `{{{}}}` a segment of its own", second.name))
    .with_note(format!(
        "KrakenD panics at start: `only one wildcard per path segment is allowed, has: '{wildcard}' in path '{route}'`"
    ))
}

fn text_after(cx: &Context<'_>, ep: &Endpoint<'_>, path: &Spanned<String>, seg: &Segment<'_>, var: &Var<'_>) -> Diagnostic {
    let rest = &seg.text[var.range.end..];
    let gin_name = format!("{}{rest}", var.name);
    let mut d = cx
        .diag(
            CODE,
            sub(path, seg, var.range.start..seg.text.len()),
            format!("`{{{}}}` is followed by `{rest}` in its path segment", var.name),
        )
        .with_label(format!("gin names this parameter `{gin_name}`, so `{{{}}}` is never filled", var.name))
        .with_help(format!(
            "end the segment with `{{{}}}` and give `{rest}` a segment of its own: a variable inside a segment must be its last part",
            var.name
        ));
    let used = ep
        .backends
        .iter()
        .filter_map(|b| b.url_pattern.as_ref())
        .any(|u| pattern::url_pattern_vars(&u.value).iter().any(|v| v.name == var.name));
    if used {
        let mut chars = var.name.chars();
        let first = chars.next().map(|c| c.to_ascii_uppercase().to_string()).unwrap_or_default();
        d = d.with_note(format!(
            "KrakenD accepts this, but the backend receives the literal text `{{{{.{first}{}}}}}`",
            chars.as_str()
        ));
    }
    d
}
