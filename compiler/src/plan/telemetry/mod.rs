//! The telemetry components' plans (one file a namespace).

pub mod logging;

pub use logging::Logging;
