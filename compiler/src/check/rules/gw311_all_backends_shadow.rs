//! every backend of an endpoint is a shadow backend
//!
//! ## What it does
//! Reports an endpoint all of whose backends have
//! `extra_config.proxy.shadow: true`.
//!
//! ## Why is this bad?
//! KrakenD sends shadow backends a copy of the traffic and ignores their
//! responses. With no regular backend left, building the endpoint's proxy
//! fails (`all endpoints must have at least one backend`) and the endpoint
//! has nothing to answer with.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/mirror",
//!   "backend": [{ "url_pattern": "/v2", "extra_config": { "proxy": { "shadow": true } } }]
//! }
//! ```
//!
//! ## How to fix it
//! Add the backend that should answer, and keep `shadow: true` only on
//! the copies.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW311";

/// Reports each such endpoint once.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        if ep.backends.is_empty() || ep.regular_backends().next().is_some() {
            continue;
        }
        let name = ep.path.as_ref().map_or("", |p| p.value.as_str());
        let mut d = cx
            .diag(CODE, ep.name_span(), format!("every backend of endpoint `{name}` is a shadow backend"))
            .with_label("no backend answers this endpoint");
        for b in &ep.backends {
            if let Some(shadow) = b.extra.proxy.as_ref().and_then(|p| p.shadow.as_ref()) {
                d = d.with_secondary(shadow.span, "shadow: its response is ignored");
            }
        }
        d = d.with_help("add the backend that should answer, or remove `shadow: true` from one of these");
        out.push(d);
    }
}
