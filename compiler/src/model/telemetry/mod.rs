//! The telemetry components' namespaces, one file each, typed with their
//! spans (defaults not applied: that is the plan's job).

pub mod logging;
pub mod metrics;
pub mod opentelemetry;

pub use logging::Logging;
pub use metrics::Metrics;
pub use opentelemetry::OpenTelemetry;
