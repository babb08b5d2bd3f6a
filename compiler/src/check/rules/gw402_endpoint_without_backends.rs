//! an endpoint has no backend
//!
//! ## What it does
//! Reports an endpoint whose `backend` list is empty (`[]`, `null`) or
//! missing.
//!
//! ## Why is this bad?
//! KrakenD refuses to start: `ignoring the 'GET /x' endpoint, since it has
//! 0 backends defined!` stops the whole load, not only that endpoint.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "backend": [] }
//! ```
//!
//! ## How to fix it
//! Add at least one backend (`"backend": [{ "url_pattern": "/users" }]`), or
//! delete the endpoint.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::syntax::NodeKind;

/// The rule's code.
pub const CODE: &str = "GW402";

/// Reports each endpoint with no backend.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let member = ep.raw.member("backend");
        let (span, label) = match member.map(|m| &m.value.kind) {
            None => (ep.name_span(), "this endpoint has no `backend` key"),
            Some(NodeKind::Array(items)) if items.is_empty() => (member.map_or(ep.name_span(), |m| m.value.span), "empty"),
            Some(NodeKind::Null) => (member.map_or(ep.name_span(), |m| m.value.span), "`null` is an empty list"),
            Some(_) => continue,
        };
        let path = ep.path.as_ref().map_or("", |p| p.value.as_str());
        let mut d = cx
            .diag(CODE, span, format!("endpoint `{} {path}` has no backend", ep.method_upper()))
            .with_label(label)
            .with_help(format!(
                "add at least one backend, e.g. `\"backend\": [{{ \"url_pattern\": \"{}\" }}]`, or delete the endpoint",
                if path.is_empty() { "/" } else { path }
            ))
            .with_note(format!(
                "KrakenD refuses to start: `ignoring the '{} {}' endpoint, since it has 0 backends defined!`",
                ep.method.as_ref().map_or("", |m| m.value.as_str()),
                crate::check::routes::clean_path(path)
            ));
        if member.is_some()
            && let Some(p) = &ep.path
        {
            d = d.with_secondary(p.span, "the endpoint");
        }
        out.push(d);
    }
}
