//! a `&` in an endpoint path, which KrakenD's schema rejects
//!
//! ## What it does
//! Reports the first `&` in the path part of an `endpoint` (a `&` after a
//! `?` belongs to a query string, which GW104 reports).
//!
//! ## Why is this bad?
//! KrakenD's schema forbids `&` in `endpoint` (the pattern
//! `^\/[^\*\?\&\%]*(\/\*)?$` in `endpoint.json`), so `krakend check --lint`
//! rejects the file. KrakenD itself serves it, literally: lura passes the
//! path to gin unchanged (`config/uri.go` `CleanPath`, `GetEndpointPath`
//! only cut at `?` and rewrite `{vars}`), and gin gives no meaning to `&`
//! (`tree.go` `findWildcard` only looks for `:`, `*` and `\`), so
//! `/terms&conditions` matches a request for `/terms&conditions` (or
//! `/terms%26conditions`, since gin matches the decoded path). That is why
//! this is a warning, unlike GW104. A `&name=` in a path is usually a query
//! string written without its `?`: it then only matches requests whose
//! *path* holds that text.
//!
//! ## Example
//! ```json
//! { "endpoint": "/search&page={page}", "backend": [{ "url_pattern": "/search" }] },
//! { "endpoint": "/legal/terms&conditions", "backend": [{ "url_pattern": "/terms" }] }
//! ```
//!
//! ## How to fix it
//! Keep query strings out of the route: list the ones to forward in
//! `input_query_strings`, and write fixed ones in the backend's
//! `url_pattern`. Elsewhere, use a character the schema allows
//! (`/legal/terms-and-conditions`).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::syntax::ScalarStyle;

/// The rule's code.
pub const CODE: &str = "GW112";

/// Reports the first `&` before any `?` of each endpoint path.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        let head = &path.value[..path.value.find('?').unwrap_or(path.value.len())];
        let Some(at) = head.find('&') else { continue };
        // What follows up to the end of the segment: `&page={page}`.
        let end = head[at..].find('/').map_or(head.len(), |i| at + i);
        let tail = &head[at..end];
        let d = match query_names(tail) {
            Some(names) => {
                let listed = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                let span = path.sub_span(at..end);
                let mut d = cx
                    .diag(CODE, span, format!("endpoint `{}` holds the query string `{tail}` in its path", path.value))
                    .with_label("gin matches this as path text, so only requests whose path holds it match")
                    .with_help(format!(
                        "remove `{tail}`: to forward the client's {listed}, list {} in `input_query_strings`; write fixed values in the backend's `url_pattern`",
                        if names.len() == 1 { "it" } else { "them" }
                    ))
                    .with_note("KrakenD's schema forbids `&` in `endpoint`, so `krakend check --lint` rejects the file too");
                if path.style != ScalarStyle::Opaque {
                    d = d.with_fix(format!("remove `{tail}`"), span, "");
                }
                d
            }
            None => cx
                .diag(CODE, path.sub_span(at..at + 1), format!("`&` in endpoint `{}`", path.value))
                .with_label("KrakenD's schema forbids `&` here, so `krakend check --lint` rejects the file")
                .with_help("use a character the schema allows, e.g. `-` (gin serves the path as written either way)"),
        };
        out.push(d);
    }
}

/// The parameter names when `tail` reads as query string parameters
/// (`&name=…&other=…`).
fn query_names(tail: &str) -> Option<Vec<&str>> {
    let names: Option<Vec<&str>> = tail
        .split('&')
        .skip(1)
        .map(|param| {
            let (name, _) = param.split_once('=')?;
            let plain = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            plain.then_some(name)
        })
        .collect();
    names.filter(|n| !n.is_empty())
}
