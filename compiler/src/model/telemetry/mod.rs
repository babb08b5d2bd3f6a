//! The telemetry components' namespaces, one file each, typed with their
//! spans (defaults not applied: that is the plan's job).

pub mod opentelemetry;

pub use opentelemetry::OpenTelemetry;
