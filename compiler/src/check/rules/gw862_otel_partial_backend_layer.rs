//! a `telemetry/opentelemetry` backend `metrics` or `traces` object without `round_trip`
//!
//! ## What it does
//! Reports a `layers.backend.metrics` or `layers.backend.traces` object
//! (or a backend's own `backend.metrics`/`backend.traces` override) that
//! does not set `round_trip`.
//!
//! ## Why is this bad?
//! When the object is absent, KrakenD CE turns `round_trip`,
//! `read_payload` and `detailed_connection` on; as soon as it is present,
//! a missing switch is false (krakend-components §8.1). Writing
//! `"traces": {"static_attributes": […]}` to add an attribute turns the
//! backend calls' spans off, and with them the `traceparent` the backends
//! receive; the same on `metrics` drops the `http_client_request_*`
//! series. gwc does as CE.
//!
//! ## Example
//! ```json
//! { "layers": { "backend": { "traces": { "static_attributes": [{ "key": "tier", "value": "api" }] } } } }
//! ```
//!
//! ## How to fix it
//! Say it: `"round_trip": true` (or `false` if that is what you meant).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::telemetry::opentelemetry::BackendLayer;

/// The rule's code.
pub const CODE: &str = "GW862";

/// Reports every backend layer object without `round_trip`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut layers: Vec<&BackendLayer> = Vec::new();
    if let Some(l) = cx.config.extra.otel.as_ref().and_then(|o| o.backend.as_ref()) {
        layers.push(l);
    }
    for ep in &cx.config.endpoints {
        for b in &ep.backends {
            if let Some(l) = b.extra.otel.as_ref().and_then(|o| o.backend_override.as_ref()) {
                layers.push(l);
            }
        }
    }
    for l in layers {
        for (side, what) in [
            (&l.metrics, "the `http_client_request_*` series"),
            (&l.traces, "the backend calls' spans and their `traceparent`"),
        ] {
            let Some(side) = side else { continue };
            if side.round_trip.is_some() || side.disable_stage.as_ref().is_some_and(|d| d.value) {
                continue;
            }
            out.push(
                cx.diag(
                    CODE,
                    side.key_span,
                    "this object without `round_trip` turns the round-trip telemetry off",
                )
                .with_label(format!(
                    "KrakenD CE reads a missing `round_trip` here as false: {what} are off"
                ))
                .with_help("set `\"round_trip\": true` (or `false`, if no round-trip telemetry is meant)"),
            );
        }
    }
}
