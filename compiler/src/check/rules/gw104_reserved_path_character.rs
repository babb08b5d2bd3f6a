//! a `:`, `?` or `%` in an endpoint path, which the router does not read literally
//!
//! ## What it does
//! Reports, in an `endpoint`:
//! - a `:`, which gin reads as the start of a parameter (`/users/:id` is
//!   not how KrakenD writes variables);
//! - a `?`, i.e. a query string written into the route;
//! - a `%`, i.e. a percent-encoded character.
//!
//! (A `&`, which the schema forbids too but gin matches literally, is
//! GW112's.)
//!
//! ## Why is this bad?
//! - `:` is reserved (the KrakenD maintainers say so, and the schema says
//!   "URLs do not support colons"). lura passes it to gin, which turns
//!   `/foo:bar` into a parameter named `bar` matching `/fooXYZ`, and panics
//!   on `/foo/{a}:{b}` (`only one wildcard per path segment is allowed`).
//!   `/users/:id` matches any id, but KrakenD never fills a `{id}` from it.
//! - `?`: gin registers the text after `?` as part of the path, and a
//!   request path never contains `?`, so the endpoint never matches.
//! - `%`: gin matches the *decoded* request path, so `/caf%C3%A9` only
//!   matches clients that send `/caf%25C3%25A9`.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users/:id", "backend": [{ "url_pattern": "/users" }] },
//! { "endpoint": "/search?q={q}", "backend": [{ "url_pattern": "/search" }] }
//! ```
//!
//! ## How to fix it
//! Write variables as whole segments in braces (`/users/{id}`). Keep query
//! strings out of the endpoint: list the ones to forward in
//! `input_query_strings`, and put fixed ones in the backend's `url_pattern`.
//! Write characters as themselves (`/café`), not percent-encoded.

use crate::check::Context;
use crate::check::routes::{self, GinSegment};
use crate::diag::Diagnostic;
use crate::model::pattern::Segment;
use crate::model::{Endpoint, Spanned};
use crate::syntax::ScalarStyle;

/// The rule's code.
pub const CODE: &str = "GW104";

/// Reports the first `?`, `:` and `%` of each endpoint path.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        let head_end = path.value.find('?').unwrap_or(path.value.len());
        if head_end < path.value.len() {
            out.push(query_string(cx, path, head_end));
        }
        let head = &path.value[..head_end];
        if let Some(at) = head.find(':') {
            out.push(colon(cx, ep, path, head, at));
        }
        if let Some(at) = head.find('%') {
            out.push(percent(cx, path, head, at));
        }
    }
}

fn verbatim(s: &Spanned<String>) -> bool {
    s.style != ScalarStyle::Opaque
}

fn query_string(cx: &Context<'_>, path: &Spanned<String>, at: usize) -> Diagnostic {
    let query = &path.value[at..];
    let span = path.sub_span(at..path.value.len());
    let mut d = cx
        .diag(CODE, span, format!("endpoint `{}` contains a query string", path.value))
        .with_label("gin registers this as part of the path, so no request ever matches it")
        .with_help(format!(
            "remove `{query}`: routes match the path only. List the query strings to forward in `input_query_strings`, and write fixed ones in the backend's `url_pattern`"
        ));
    if verbatim(path) {
        d = d.with_fix(format!("remove `{query}`"), span, "");
    }
    d
}

fn colon(cx: &Context<'_>, ep: &Endpoint<'_>, path: &Spanned<String>, head: &str, at: usize) -> Diagnostic {
    // gin's parameter runs from the `:` to the end of the segment.
    let seg_start = head[..at].rfind('/').map_or(0, |i| i + 1);
    let end = head[at..].find('/').map_or(head.len(), |i| at + i);
    let name = &head[at + 1..end];
    let span = path.sub_span(at..end);
    let plain_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if seg_start == at && plain_name {
        // Express/gin style `/users/:id`: the user meant a KrakenD variable.
        let braced = format!("{{{name}}}");
        let used = ep.backends.iter().any(|b| b.url_pattern.as_ref().is_some_and(|u| u.value.contains(&braced)));
        let mut d = cx
            .diag(CODE, span, format!("`:{name}` in endpoint `{}` is not a KrakenD variable", path.value))
            .with_label(format!("gin matches any value here, but KrakenD never fills `{braced}` from it"))
            .with_help(format!("write the variable in braces: `{braced}`"));
        if used {
            d = d.with_note(format!(
                "a backend uses `{braced}`, which KrakenD only knows from the endpoint path: it refuses to start with `undefined output param '{name}'`"
            ));
        }
        if verbatim(path) {
            d = d.with_fix(format!("write `{braced}`"), span, braced);
        }
        return d;
    }
    // What gin makes of the whole segment, once lura has turned the
    // segment's `{var}` into `:var`.
    let seg = Segment { text: &head[seg_start..end], range: seg_start..end };
    let d = cx
        .diag(CODE, span, format!("`:` in endpoint `{}`", path.value))
        .with_help("remove the `:` (KrakenD reserves it in paths); write variables as whole segments in braces, e.g. `/users/{id}`");
    match routes::gin_segment(&seg, cx.config.disable_rest) {
        GinSegment::Param { name: gin_name, .. } | GinSegment::CatchAll { name: gin_name, .. }
            if gin_name.is_empty() || gin_name.contains([':', '*']) =>
        {
            let route = routes::registered_route(&path.value, cx.config.disable_rest);
            let panic = if gin_name.is_empty() {
                format!("wildcards must be named with a non-empty name in path '{route}'")
            } else {
                let gin_seg = routes::gin_route(seg.text, cx.config.disable_rest);
                let wildcard = gin_seg.find([':', '*']).map_or(gin_seg.as_str(), |i| &gin_seg[i..]);
                format!("only one wildcard per path segment is allowed, has: '{wildcard}' in path '{route}'")
            };
            d.with_label("gin reads `:` as the start of a parameter, and cannot register this segment")
                .with_note(format!("KrakenD panics at start: `{panic}`"))
        }
        GinSegment::Param { name: gin_name, .. } => {
            d.with_label(format!("gin reads `:{gin_name}` as a parameter named `{gin_name}`, matching any text"))
        }
        _ => d.with_label("gin reads `:` as the start of a parameter"),
    }
}

fn percent(cx: &Context<'_>, path: &Spanned<String>, head: &str, at: usize) -> Diagnostic {
    // The run of `%XX` escapes starting here, and what it decodes to.
    let bytes = head.as_bytes();
    let mut end = at;
    let mut decoded = Vec::new();
    while bytes.get(end) == Some(&b'%') {
        let hex = head.get(end + 1..end + 3).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else { break };
        decoded.push(byte);
        end += 3;
    }
    if end == at {
        let span = path.sub_span(at..at + 1);
        return cx
            .diag(CODE, span, format!("`%` in endpoint `{}`", path.value))
            .with_label("gin matches the decoded request path, where a `%` only appears when the client sends `%25`")
            .with_help("remove the `%`");
    }
    let escaped = &head[at..end];
    let span = path.sub_span(at..end);
    let mut d = cx
        .diag(CODE, span, format!("endpoint `{}` contains the percent-encoded `{escaped}`", path.value))
        .with_label(format!(
            "gin matches the decoded request path, so this only matches clients that send `{}`",
            escaped.replace('%', "%25")
        ));
    let text = String::from_utf8(decoded).ok().filter(|t| {
        !t.chars().any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '?' | '#' | '%' | '{' | '}' | ':' | '*'))
    });
    match text {
        Some(text) => {
            d = d.with_help(format!("write the character itself: `{text}`"));
            if verbatim(path) {
                d = d.with_fix(format!("write `{text}`"), span, text);
            }
        }
        None => d = d.with_help("remove the escape: a route cannot match this character in encoded form"),
    }
    d
}
