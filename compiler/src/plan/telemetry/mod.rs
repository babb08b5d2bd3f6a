//! The telemetry components, planned: one file a namespace.

pub mod logging;
pub mod metrics;
pub mod opentelemetry;

pub use logging::Logging;
pub use metrics::Stats;
pub use opentelemetry::Otel;
