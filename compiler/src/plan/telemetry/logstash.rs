//! `telemetry/logstash` planned as krakend-logstash v2.1.0 wraps
//! krakend-gologging (krakend-components §2.2): each application message
//! becomes its JSON record with `module` = `telemetry/logging`'s `prefix`
//! (when a string) or `KRAKEND`, and the prefix is taken out of the logger
//! (no Go log prefix, the syslog tag falls back to the program). The
//! pattern around the JSON is gologging's: the default one with the
//! default format (krakend-ce#153), the logstash pattern with
//! `format: logstash` (double wrapping, GW798), the custom one with
//! `custom`. Without a usable `telemetry/logging` CE runs lura's basic
//! logger and the namespace changes nothing.

use super::logging::{Format, Logging};
use crate::model::telemetry::Logging as LoggingModel;

/// krakend-logstash's `serviceName` when there is no string `prefix`.
pub const DEFAULT_MODULE: &str = "KRAKEND";

/// Wraps the planned logger (the namespace is present).
pub fn apply(logging: &mut Logging, model: Option<&LoggingModel<'_>>) {
    if logging.format == Format::Basic {
        return;
    }
    let module = model
        .and_then(|m| m.prefix.as_ref())
        .map_or_else(|| DEFAULT_MODULE.to_owned(), |p| p.value.clone());
    logging.prefix = String::new();
    logging.logstash = Some(module);
}
