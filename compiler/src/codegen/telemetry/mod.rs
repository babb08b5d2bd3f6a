//! The telemetry components' static data, one file a namespace.

pub mod gelf;
pub mod logging;
pub mod metrics;
pub mod opentelemetry;
