//! a `health_path` under `/__debug/` or `/__echo/` while that endpoint is on: KrakenD panics at start
//!
//! ## What it does
//! Reports a root `router.health_path` that starts with `/__debug/` (or
//! `/__echo/`) when `debug_endpoint` (or `echo_endpoint`) is on. Paths are
//! compared as gin registers them (`//` collapsed, dot segments resolved).
//!
//! ## Why is this bad?
//! lura registers the health check first, then `/__debug/*param` and
//! `/__echo/*param` for every method. gin cannot put a catch-all beside
//! another route under the same prefix, and panics: `catch-all wildcard
//! '*param' in new path '/__debug/*param' conflicts with existing path
//! segment`. KrakenD does not start.
//!
//! ## Example
//! ```json
//! { "debug_endpoint": true, "extra_config": { "router": { "health_path": "/__debug/health" } } }
//! ```
//!
//! ## How to fix it
//! Move the health check elsewhere (`/__health`, `/health`), or turn the
//! debug endpoint off.

use crate::check::{Context, routes};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW747";

/// Reports a health path inside an enabled catch-all.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(health) = routes::health_route(cx.config) else { return };
    let Some(written) = cx.config.extra.router.as_ref().and_then(|r| r.health_path.as_ref()) else { return };
    for (on, prefix, key) in [
        (cx.config.debug_endpoint, "/__debug/", "debug_endpoint"),
        (cx.config.echo_endpoint, "/__echo/", "echo_endpoint"),
    ] {
        if !on || !health.starts_with(prefix) {
            continue;
        }
        let mut d = cx
            .diag(CODE, written.span, format!("health path `{health}` is inside KrakenD's `{prefix}` route"))
            .with_label(format!("gin cannot register `{prefix}*param` beside it: KrakenD panics at start"))
            .with_help("move the health check (`/__health`, `/health`), or turn the endpoint off");
        if let Some(m) = cx.root.member(key) {
            d = d.with_secondary(m.key_span.cover(m.value.span), format!("`{prefix}*param` is registered for every method here"));
        }
        out.push(d);
    }
}
