//! The telemetry components, planned: one file a namespace.

pub mod opentelemetry;

pub use opentelemetry::Otel;
