//! a GET endpoint on the path of KrakenD's own health check
//!
//! ## What it does
//! Reports a `GET` endpoint whose path is the health check route: the root
//! `extra_config.router.health_path` (default `/__health`), unless
//! `router.disable_health` is on. Paths are compared as the router sees
//! them (gin's `path.Join`: `//` collapsed, `.` and `..` resolved).
//!
//! ## Why is this bad?
//! KrakenD registers `GET <health_path>` before any endpoint, so gin panics
//! when the endpoint arrives: `handlers are already registered for path
//! '/health'`. KrakenD does not start.
//!
//! ## Example
//! ```json
//! "extra_config": { "router": { "health_path": "/health" } },
//! "endpoints": [{ "endpoint": "/health", "backend": [{ "url_pattern": "/status" }] }]
//! ```
//!
//! ## How to fix it
//! Move the endpoint or the health check (`health_path`), or set
//! `"disable_health": true` in `router` to serve your own health endpoint.

use crate::check::Context;
use crate::check::routes;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW107";

/// Reports each GET endpoint on the health check route.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(health) = routes::health_route(cx.config) else { return };
    let written = cx.config.extra.router.as_ref().and_then(|r| r.health_path.as_ref());
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        if ep.method_upper() != "GET" || !routes::is_registered(ep, cx.config.disable_rest) {
            continue;
        }
        let route = routes::registered_route(&path.value, cx.config.disable_rest);
        if route != health {
            continue;
        }
        let mut d = cx
            .diag(CODE, path.span, format!("endpoint `GET {}` collides with KrakenD's health check", path.value))
            .with_label(format!("KrakenD already serves `GET {health}` itself"))
            .with_help(
                "move the endpoint, set another `health_path` in the root `extra_config.router`, or set `\"disable_health\": true` there to serve your own",
            )
            .with_note(format!(
                "KrakenD registers the health check first, then panics at start: `handlers are already registered for path '{health}'`"
            ));
        d = match written {
            Some(hp) if !hp.value.is_empty() => d.with_secondary(hp.span, "the health check is registered here"),
            _ => d.with_note(format!("`{health}` is the default `router.health_path`")),
        };
        out.push(d);
    }
}
