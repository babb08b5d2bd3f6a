//! a Prometheus exporter on port 9090, Prometheus's own port
//!
//! ## What it does
//! Reports an `exporters.prometheus[]` entry whose `port` is 9090, 0 or
//! absent (CE's default is 9090).
//!
//! ## Why is this bad?
//! 9090 is the Prometheus server's default port: on a host that runs
//! Prometheus too, one of the two fails to start (krakend-components §8.3).
//!
//! ## Example
//! ```json
//! { "telemetry/opentelemetry": { "exporters": { "prometheus": [{ "name": "prom" }] } } }
//! ```
//!
//! ## How to fix it
//! Set another `port`, such as 9464 (the OpenTelemetry Prometheus
//! exporter's registered port).

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW852";

/// Reports every exporter on 9090.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(otel) = &cx.config.extra.otel else {
        return;
    };
    for p in &otel.prometheus {
        let (span, label) = match &p.port {
            Some(port) if port.value == 9090 => (port.span, "Prometheus's own default port"),
            Some(port) if port.value == 0 => (port.span, "0 means 9090, Prometheus's own default port"),
            None => (p.span, "no `port`: KrakenD listens on 9090, Prometheus's own default port"),
            Some(_) => continue,
        };
        out.push(
            cx.diag(CODE, span, "the Prometheus exporter listens on port 9090")
                .with_label(label)
                .with_help("set `\"port\": 9464` (or another free port) so a Prometheus server on the same host can start"),
        );
    }
}
