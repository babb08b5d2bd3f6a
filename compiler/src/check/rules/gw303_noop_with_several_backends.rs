//! a `no-op` endpoint with more than one backend
//!
//! ## What it does
//! Reports an endpoint whose output is `no-op` (its own `output_encoding`,
//! or the root's when it has none) and that lists more than one backend
//! (shadow backends count).
//!
//! ## Why is this bad?
//! `no-op` streams one backend's response as is; there is nothing to merge
//! with. KrakenD refuses to start: `can not use NoOp encoding with more than
//! one backends connected to the same endpoint`.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/proxy",
//!   "output_encoding": "no-op",
//!   "backend": [{ "url_pattern": "/a" }, { "url_pattern": "/b" }]
//! }
//! ```
//!
//! ## How to fix it
//! Keep a single backend, or use an encoding that merges (`json`). To proxy
//! one backend as is while others are called, split the endpoint.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW303";

/// Reports each offending endpoint once.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        if ep.backends.len() < 2 || !cx.config.is_noop_endpoint(ep) {
            continue;
        }
        let name = ep.path.as_ref().map_or("", |p| p.value.as_str());
        let own = ep.output_encoding.as_ref().filter(|o| !o.value.is_empty());
        let mut d = match (own, &cx.config.output_encoding) {
            (Some(o), _) => cx
                .diag(CODE, o.span, format!("endpoint `{name}` uses `no-op` with {} backends", ep.backends.len()))
                .with_label("`no-op` passes one backend's response through"),
            (None, Some(root)) => cx
                .diag(
                    CODE,
                    ep.name_span(),
                    format!("endpoint `{name}` uses `no-op` with {} backends", ep.backends.len()),
                )
                .with_label("this endpoint inherits `no-op`")
                .with_secondary(root.span, "the root `output_encoding` is `no-op`"),
            (None, None) => continue,
        };
        if let Some(second) = ep.backends.get(1) {
            d = d.with_secondary(second.name_span(), "second backend");
        }
        d = d
            .with_help("keep one backend, or set `\"output_encoding\": \"json\"` on this endpoint to merge the responses")
            .with_note("KrakenD refuses to start: `can not use NoOp encoding with more than one backends connected to the same endpoint`");
        out.push(d);
    }
}
