//! a `{variable}` that is not a whole path segment, without `disable_rest`
//!
//! ## What it does
//! In the default (RESTful) mode, reports a path segment of an `endpoint`
//! that holds a `{variable}` together with other text: `/v1/{id}.json`,
//! `/test/{a}test`, `/file.{ext}`.
//!
//! ## Why is this bad?
//! KrakenD accepts the config, but the endpoint does not do what it says:
//! - `{id}.json`: lura extracts `{id}`, but gin names the parameter after
//!   the whole segment, `id.json`. `{id}` is never filled: the backend
//!   receives the literal text `{{.Id}}`, and the route matches any value
//!   in that segment, `.json` or not (krakend/krakend-ce#771, #856).
//! - `file.{ext}`: in RESTful mode a variable only counts right after a
//!   `/`, so gin matches the text `{ext}` literally, and a backend that
//!   uses `{ext}` makes KrakenD refuse the config (`undefined output
//!   param`).
//!
//! ## Example
//! ```json
//! { "endpoint": "/v1/{id}.json", "backend": [{ "url_pattern": "/items/{id}" }] }
//! ```
//!
//! ## How to fix it
//! Give the variable a segment of its own (`/v1/{id}`). For a variable at
//! the end of a segment (`/file.{ext}`), setting `"disable_rest": true` at
//! the root also works; nothing lets text follow a variable in a segment.

use crate::check::Context;
use crate::check::routes::{self, GinSegment};
use crate::diag::Diagnostic;
use crate::model::pattern::{self, Segment, Var};
use crate::model::{Endpoint, Spanned};

/// The rule's code.
pub const CODE: &str = "GW108";

/// Reports each mixed segment of each endpoint path, in RESTful mode.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.config.disable_rest {
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
            let groups = pattern::brace_groups(seg.text);
            let Some(first) = groups.first() else { continue };
            if groups.len() == 1 && first.range == (0..seg.text.len()) {
                // A whole-segment `{name}`: a variable, or a name KrakenD
                // does not read as one (a variables rule's business).
                continue;
            }
            if first.range.start == 0 {
                if is_rest_name(first.name) {
                    out.push(shares_segment(cx, ep, path, &seg, first));
                }
                continue;
            }
            // lura replaces every copy of an extracted `{var}`, so a copy
            // in mid-segment is a parameter after all (GW111 reports the
            // two parameters sharing a name).
            if pattern::endpoint_vars(&path.value, false).iter().any(|v| v.name == first.name) {
                continue;
            }
            out.push(not_after_slash(cx, ep, path, &seg, first, groups.len()));
        }
    }
}

fn is_rest_name(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn uses_var(ep: &Endpoint<'_>, name: &str) -> bool {
    ep.backends
        .iter()
        .filter_map(|b| b.url_pattern.as_ref())
        .any(|u| pattern::url_pattern_vars(&u.value).iter().any(|v| v.name == name))
}

/// `{{.Id}}`: how lura writes a variable into the backend URL template.
fn template(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase().to_string()).unwrap_or_default();
    format!("{{{{.{first}{}}}}}", chars.as_str())
}

/// `{id}.json`: the variable opens the segment, text follows it.
fn shares_segment(cx: &Context<'_>, ep: &Endpoint<'_>, path: &Spanned<String>, seg: &Segment<'_>, var: &Var<'_>) -> Diagnostic {
    let gin_name = match routes::gin_segment(seg, false) {
        GinSegment::Param { name, .. } => name,
        _ => seg.text.to_string(),
    };
    let rest = &seg.text[var.range.end..];
    let mut d = cx
        .diag(CODE, path.sub_span(seg.range.clone()), format!("`{{{}}}` is only part of the path segment `{}`", var.name, seg.text))
        .with_label(format!("gin reads this whole segment as one parameter named `{gin_name}`"))
        .with_help(format!(
            "give `{{{}}}` a segment of its own (KrakenD cannot match text after a variable in the same segment, not even with `disable_rest`)",
            var.name
        ))
        .with_note(format!("the route matches any text in this segment, with or without `{rest}`"));
    if uses_var(ep, var.name) {
        d = d.with_note(format!(
            "KrakenD accepts this, but never fills `{{{}}}`: the backend receives the literal text `{}`",
            var.name,
            template(var.name)
        ));
    }
    d
}

/// `file.{ext}`: in RESTful mode, not a variable at all.
fn not_after_slash(
    cx: &Context<'_>,
    ep: &Endpoint<'_>,
    path: &Spanned<String>,
    seg: &Segment<'_>,
    group: &Var<'_>,
    groups_in_segment: usize,
) -> Diagnostic {
    let text = &seg.text[group.range.clone()];
    let span = path.sub_span(seg.range.start + group.range.start..seg.range.start + group.range.end);
    let at_end = group.range.end == seg.text.len() && groups_in_segment == 1;
    let simple_name = group.name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    let help = if at_end && simple_name {
        format!(
            "give `{text}` a segment of its own, or set `\"disable_rest\": true` at the root, which reads a variable at the end of a segment"
        )
    } else {
        format!("give `{text}` a segment of its own")
    };
    let mut d = cx
        .diag(CODE, span, format!("`{text}` in endpoint `{}` is not a variable", path.value))
        .with_label("KrakenD reads a variable only right after a `/`; gin matches this text literally")
        .with_help(help);
    if uses_var(ep, group.name) {
        d = d.with_note(format!(
            "a backend uses `{text}`, which is then undefined: KrakenD refuses to start (`undefined output param '{}'`)",
            group.name
        ));
    }
    d
}
