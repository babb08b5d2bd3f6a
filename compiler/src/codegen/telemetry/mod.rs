//! The telemetry components' tokens (one file a namespace).

pub mod logging;
