//! The telemetry components (one module a namespace): what the gateway
//! tells its operators (logs).

pub mod logging;
