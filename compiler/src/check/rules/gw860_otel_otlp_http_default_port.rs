//! an OTLP/HTTP exporter without a `port`, which KrakenD CE sends to gRPC's 4317
//!
//! ## What it does
//! Reports an `exporters.otlp[]` entry with `use_http: true` and no `port`
//! (or port 0).
//!
//! ## Why is this bad?
//! krakend-otel fills a missing port with 4317 whether or not `use_http` is
//! set (`exporter/otelcollector`): an OTLP/HTTP exporter then talks HTTP/1.1
//! to the collector's gRPC port, and every export fails. A collector takes
//! OTLP/HTTP on 4318 by default. gwc does as CE.
//!
//! ## Example
//! ```json
//! { "telemetry/opentelemetry": { "exporters": { "otlp": [{ "name": "c", "host": "collector", "use_http": true }] } } }
//! ```
//!
//! ## How to fix it
//! Set the port the collector takes OTLP/HTTP on: `"port": 4318`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW860";

/// Reports every OTLP/HTTP exporter left on CE's default port.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(otel) = &cx.config.extra.otel else {
        return;
    };
    for e in &otel.otlp {
        let Some(http) = e.use_http.as_ref().filter(|u| u.value) else {
            continue;
        };
        if e.port.as_ref().is_some_and(|p| p.value != 0) {
            continue;
        }
        let span = e.port.as_ref().map_or(http.key_span, |p| p.key_span);
        out.push(
            cx.diag(
                CODE,
                span,
                "an OTLP/HTTP exporter without a `port` sends to gRPC's port 4317",
            )
            .with_label("KrakenD CE uses 4317 for a missing port, with or without `use_http`")
            .with_help("set the collector's OTLP/HTTP port: `\"port\": 4318`"),
        );
    }
}
