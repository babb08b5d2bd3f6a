//! `telemetry/gelf` planned as krakend-ce's `LoggerBuilder` uses
//! krakend-gelf (krakend-components §2.2): the writer exists when the
//! namespace is an object with a non-empty string `address` (otherwise CE
//! logs why and runs without it: GW796, GW797); with it, the access log
//! goes to GELF instead of stdout, the application records go to GELF with
//! the pattern `%{message}`, and stdout's pattern becomes go-logging's
//! default one whatever `format` says (CE's formatter selector returns
//! `gologging.DefaultPattern`, which `telemetry/logstash` has set to
//! `%{message}`).

use super::logging::{Format, Logging, Verb};
use crate::model::telemetry::Gelf as Model;

/// The GELF writer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gelf {
    /// `address` (`host:port`).
    pub address: String,
    /// `enable_tcp`.
    pub tcp: bool,
}

/// The writer CE opens (`None`: it logs an error and runs without).
pub fn plan(model: &Model<'_>) -> Option<Gelf> {
    let address = model.address.as_ref()?.value.clone();
    if address.is_empty() {
        return None;
    }
    Some(Gelf {
        address,
        tcp: model.enable_tcp.as_ref().is_some_and(|t| t.value),
    })
}

/// stdout's pattern once the GELF writer is on (lura's basic logger, used
/// when `telemetry/logging` is absent or refused, is left as it is).
pub fn apply(logging: &mut Logging) {
    if logging.format == Format::Basic {
        return;
    }
    logging.format = if logging.logstash.is_some() {
        Format::Custom(vec![Verb::Message])
    } else {
        Format::Default
    };
}
