//! The telemetry components, one module a namespace: what the gateway tells
//! its operators (logs, metrics).

pub mod logging;
#[cfg(feature = "otel")]
pub mod opentelemetry;
