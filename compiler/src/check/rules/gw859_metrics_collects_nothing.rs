//! a `telemetry/metrics` namespace that nobody can read
//!
//! ## What it does
//! Reports `telemetry/metrics` with `router_disabled`, `proxy_disabled` and
//! `backend_disabled` all `true`, or with `endpoint_disabled: true` and no
//! `telemetry/influx` to read what it collects.
//!
//! ## Why is this bad?
//! With the three layers off, `/__stats` lists no request metric at all;
//! with `endpoint_disabled`, the metrics are collected on every request
//! and served nowhere (CE only feeds them to `telemetry/influx`). Either
//! way the namespace costs work and shows nothing.
//!
//! ## Example
//! ```json
//! { "telemetry/metrics": { "endpoint_disabled": true } }
//! ```
//!
//! ## How to fix it
//! Remove the namespace, or turn a layer (or the endpoint) back on.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW859";

/// Reports a namespace whose metrics nobody reads.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(m) = &cx.config.extra.metrics else { return };
    let on = |f: &Option<crate::model::Spanned<bool>>| f.as_ref().is_some_and(|b| b.value);
    if on(&m.router_disabled) && on(&m.proxy_disabled) && on(&m.backend_disabled) {
        out.push(
            cx.diag(CODE, m.key_span, "`telemetry/metrics` has every layer disabled: `/__stats` lists no request metric")
                .with_label("`router_disabled`, `proxy_disabled` and `backend_disabled` are all `true`")
                .with_help("remove the namespace, or set one of the layers back to `false`"),
        );
        return;
    }
    let influx = cx.config.extra.namespaces.iter().any(|(k, _, _)| {
        *k == "telemetry/influx" || crate::model::legacy::short_namespace(k) == Some("telemetry/influx")
    });
    if let Some(e) = m.endpoint_disabled.as_ref().filter(|e| e.value)
        && !influx
    {
        out.push(
            cx.diag(CODE, e.span, "`telemetry/metrics` collects metrics that nothing reads")
                .with_label("no `/__stats` server, and no `telemetry/influx` to send them to")
                .with_help("remove the namespace, or set `endpoint_disabled` to `false` to serve `/__stats`"),
        );
    }
}
