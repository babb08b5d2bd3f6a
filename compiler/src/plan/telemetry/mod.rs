//! The telemetry components, planned: one file a namespace.

pub mod logging;
pub mod opentelemetry;

pub use logging::Logging;
pub use opentelemetry::Otel;
