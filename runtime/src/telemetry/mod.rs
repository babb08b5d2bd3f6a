//! The telemetry components, one module a namespace: what the gateway tells
//! its operators (logs, metrics).

#[cfg(feature = "gelf")]
pub mod gelf;
pub mod logging;
pub mod logstash;
#[cfg(feature = "otel")]
pub mod opentelemetry;
