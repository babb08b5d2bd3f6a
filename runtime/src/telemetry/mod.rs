//! The telemetry components, one module a namespace.

#[cfg(feature = "otel")]
pub mod opentelemetry;
