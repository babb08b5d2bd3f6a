//! a martian `querystring.Modifier` that rewrites the other query parameters
//!
//! ## What it does
//! Reports a `querystring.Modifier` (request scope) on a backend whose
//! requests carry other query parameters: a `?` in `url_pattern`, a
//! non-empty `input_query_strings` on the endpoint or the backend, or a
//! `url.Modifier` that sets a `query`.
//!
//! ## Why is this bad?
//! The modifier parses the whole query, sets its one parameter and
//! encodes the query again (Go's `url.Values.Encode`): every parameter is
//! re-ordered by name and re-escaped (`a b` becomes `a+b`, `,` becomes
//! `%2C`), parameters that do not parse (a `;`, a bad `%` escape) are
//! dropped, and a repeated name keeps its values together. Backends that
//! sign URLs or care about the order see a different query than the
//! client sent.
//!
//! ## Example
//! ```json
//! { "endpoint": "/search", "input_query_strings": ["q", "page"], "backend": [{ "url_pattern": "/search", "extra_config": { "modifier/martian": { "querystring.Modifier": { "scope": ["request"], "name": "api_key", "value": "k" } } } }] }
//! ```
//!
//! ## How to fix it
//! Put a fixed parameter in `url_pattern` (`/search?api_key=k`), which
//! keeps the client's parameters as they came.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::Kind;
use crate::syntax::Span;

/// The rule's code.
pub const CODE: &str = "GW729";

/// Reports each query modifier on a backend that gets other parameters.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, b, m) in cx.config.martians() {
        let mods = m.modifiers();
        let other: Option<(Span, &str)> = b
            .url_pattern
            .as_ref()
            .filter(|p| p.value.contains('?'))
            .map(|p| (p.span, "the query of `url_pattern`"))
            .or_else(|| {
                b.input_query_strings
                    .as_ref()
                    .or(ep.input_query_strings.as_ref())
                    .filter(|l| !l.value.is_empty())
                    .map(|l| (l.key_span, "the client's forwarded query parameters"))
            })
            .or_else(|| {
                mods.iter()
                    .filter(|md| md.kind == Some(Kind::UrlModifier) && md.active.request)
                    .find_map(|md| {
                        let q = md.field("query")?;
                        q.value.as_str().filter(|q| !q.is_empty())?;
                        Some((q.value.span, "the query `url.Modifier` sets"))
                    })
            });
        let Some((span, what)) = other else { continue };
        for md in &mods {
            if md.kind != Some(Kind::QueryModifier) || !md.active.request {
                continue;
            }
            out.push(
                cx.diag(CODE, md.name_span, "`querystring.Modifier` re-encodes the whole backend query")
                    .with_label("every parameter is re-ordered by name and re-escaped; unparsable ones are dropped")
                    .with_secondary(span, format!("{what}, rewritten"))
                    .with_help("put a fixed parameter in `url_pattern` (`/path?name=value`) instead"),
            );
        }
    }
}
