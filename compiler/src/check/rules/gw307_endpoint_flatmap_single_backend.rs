//! an endpoint-level `flatmap_filter` with a single backend is ignored
//!
//! ## What it does
//! Reports `extra_config.proxy.flatmap_filter` on an endpoint that has one
//! regular (non-shadow) backend.
//!
//! ## Why is this bad?
//! KrakenD applies the endpoint-level flatmap only after merging several
//! backends (lura builds it in `newMulti`, not in `newSingle`). With one
//! backend the operations never run.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/coins",
//!   "extra_config": { "proxy": { "flatmap_filter": [{ "type": "del", "args": ["internal"] }] } },
//!   "backend": [{ "url_pattern": "/coins" }]
//! }
//! ```
//!
//! ## How to fix it
//! Move the `flatmap_filter` into the backend's own
//! `extra_config.proxy`, where it runs on that backend's response.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW307";

/// Reports each such endpoint once.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(flatmap) = ep.extra.proxy.as_ref().and_then(|p| p.flatmap_filter.as_ref()) else { continue };
        if !flatmap.value.iter().any(|op| op.op.is_some()) {
            continue;
        }
        let regular: Vec<_> = ep.regular_backends().collect();
        let [only] = regular.as_slice() else { continue };
        let mut d = cx
            .diag(CODE, flatmap.key_span, "endpoint-level `flatmap_filter` is ignored with a single backend")
            .with_label("KrakenD runs it only after merging several backends")
            .with_secondary(only.name_span(), "the only backend");
        d = if only.active_flatmap().is_some() {
            d.with_help("merge these operations into the backend's own `extra_config.proxy.flatmap_filter`")
        } else {
            d.with_help("move it into the backend: `\"extra_config\": { \"proxy\": { \"flatmap_filter\": [...] } }` on the backend")
        };
        if regular.len() != ep.backends.len() {
            d = d.with_note("shadow backends do not count: KrakenD removes them before merging");
        }
        out.push(d);
    }
}
