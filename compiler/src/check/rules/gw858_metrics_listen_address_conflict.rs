//! a `/__stats` `listen_address` that cannot serve
//!
//! ## What it does
//! Reports a `telemetry/metrics` `listen_address` whose port is the
//! gateway's own (`port`, 8080 by default) or a `telemetry/opentelemetry`
//! Prometheus exporter's (9090 by default), or that has no port at all.
//!
//! ## Why is this bad?
//! Two listeners cannot share a port: whichever binds second fails. In
//! KrakenD CE that is a race at start-up (the gateway or the stats server
//! is missing); a gateway gwc builds refuses to start. An address without
//! `:PORT` is refused by Go's listener too.
//!
//! ## Example
//! ```json
//! { "port": 8090, "extra_config": { "telemetry/metrics": { "listen_address": ":8090" } } }
//! ```
//!
//! ## How to fix it
//! Give `/__stats` a port of its own, such as `":8090"` with the gateway
//! on 8080.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW858";

/// `(host, port)` of a Go listen address; `None` without a port.
fn split(addr: &str) -> Option<(&str, u16)> {
    let (host, port) = addr.rsplit_once(':')?;
    Some((host.trim_start_matches('[').trim_end_matches(']'), port.parse().ok()?))
}

/// Whether two hosts can collide (an empty or unspecified host is every
/// interface).
fn overlap(a: &str, b: &str) -> bool {
    let any = |h: &str| matches!(h, "" | "0.0.0.0" | "::");
    any(a) || any(b) || a == b
}

/// Reports a conflicting or portless `listen_address`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(m) = &cx.config.extra.metrics else { return };
    if m.endpoint_disabled.as_ref().is_some_and(|e| e.value) {
        return;
    }
    let (addr, span) = match &m.listen_address {
        Some(a) => (a.value.as_str(), a.span),
        None => (":8090", m.key_span),
    };
    let Some((host, port)) = split(addr) else {
        out.push(
            cx.diag(CODE, span, format!("`listen_address` `{addr}` has no port: `/__stats` cannot listen"))
                .with_label("Go's listener needs `HOST:PORT` or `:PORT`")
                .with_help("write `\":8090\"`, or `\"127.0.0.1:8090\"` to keep it private"),
        );
        return;
    };
    let gw_port = cx.config.port.as_ref().map_or(8080, |p| p.value);
    if i64::from(port) == gw_port {
        let mut d = cx
            .diag(CODE, span, format!("`/__stats` listens on port {port}, the gateway's own port"))
            .with_label("the same port as the gateway")
            .with_help(format!("give `listen_address` a port of its own: the gateway listens on {gw_port}"));
        if let Some(p) = &cx.config.port {
            d = d.with_secondary(p.span, "the gateway listens here");
        }
        out.push(d);
        return;
    }
    let Some(otel) = &cx.config.extra.otel else { return };
    for e in &otel.prometheus {
        let e_port = e.port.as_ref().map_or(9090, |p| if p.value == 0 { 9090 } else { p.value });
        let e_host = e.host.as_ref().map_or("", |h| h.value.as_str());
        if i64::from(port) == e_port && overlap(host, e_host) {
            out.push(
                cx.diag(CODE, span, format!("`/__stats` listens on port {port}, a Prometheus exporter's port"))
                    .with_label("the same port as the exporter")
                    .with_secondary(e.port.as_ref().map_or(e.span, |p| p.span), "the `telemetry/opentelemetry` exporter listens here")
                    .with_help("give `listen_address` or the exporter another port"),
            );
            return;
        }
    }
}
