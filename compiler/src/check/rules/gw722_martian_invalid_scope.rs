//! a martian `scope` KrakenD CE rejects
//!
//! ## What it does
//! Reports each `scope` entry of a martian modifier that is not
//! `request` or `response`, or names a role the modifier does not have:
//! `url.Modifier`, `querystring.Modifier`, `port.Modifier`, `header.Id` and
//! the URL and query-string verifiers act on requests only;
//! `status.Modifier` and `status.Verifier` on responses only. Also a
//! `stash.Modifier` scoped to `response` without `request` (it copies into
//! the response what it stored in the request).
//!
//! ## Why is this bad?
//! google/martian's `parse.NewResult` fails on such a scope (`parse:
//! invalid scope "response" for modifier`), and KrakenD CE runs the backend
//! **without any of its modifiers**, logging the error once at start.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "url.Modifier": { "scope": ["request", "response"], "host": "legacy.internal:8080" } } }
//! ```
//!
//! ## How to fix it
//! Keep the roles the modifier has (`"scope": ["request"]`), or leave
//! `scope` out: the modifier then runs in every role it has.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::ScopeProblem;

/// The rule's code.
pub const CODE: &str = "GW722";

/// Reports each scope entry CE's parser rejects.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            for p in md.scope_problems() {
                let d = match p {
                    ScopeProblem::Unknown(item) => cx
                        .diag(CODE, item.span, format!("`{}` has an invalid scope entry", md.name))
                        .with_label("KrakenD CE's parser accepts only `request` and `response`")
                        .with_help("write `request` or `response` (lower case)"),
                    ScopeProblem::NotImplemented(item, role) => {
                        let other = if role == "request" { "response" } else { "request" };
                        cx.diag(CODE, item.span, format!("`{}` has no `{role}` scope", md.name))
                            .with_label(format!("`{}` only acts on the {other}: KrakenD CE's parser fails", md.name))
                            .with_help(format!("remove `{role}` from `scope`, or leave `scope` out"))
                    }
                    ScopeProblem::StashResponseOnly(span) => cx
                        .diag(CODE, span, "`stash.Modifier` scoped to `response` only")
                        .with_label("KrakenD CE's parser fails: the response side copies what the request side stored")
                        .with_help("scope it to `[\"request\", \"response\"]`, or leave `scope` out"),
                };
                out.push(d.with_secondary(m.key_span, "KrakenD CE runs this backend without any of these modifiers"));
            }
        }
    }
}
