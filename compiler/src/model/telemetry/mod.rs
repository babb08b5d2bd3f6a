//! The telemetry components' namespaces, one file each, typed with their
//! spans (defaults not applied: that is the plan's job).

pub mod gelf;
pub mod logging;
pub mod logstash;
pub mod metrics;
pub mod opentelemetry;

pub use gelf::Gelf;
pub use logging::Logging;
pub use logstash::Logstash;
pub use metrics::Metrics;
pub use opentelemetry::OpenTelemetry;
