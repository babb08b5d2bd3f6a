//! The telemetry components, planned: one file a namespace.

pub mod gelf;
pub mod logging;
pub mod logstash;
pub mod metrics;
pub mod opentelemetry;

pub use gelf::Gelf;
pub use logging::Logging;
pub use metrics::Stats;
pub use opentelemetry::Otel;
