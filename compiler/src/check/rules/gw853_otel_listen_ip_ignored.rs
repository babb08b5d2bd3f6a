//! a `listen_ip` in a Prometheus exporter, which KrakenD CE ignores
//!
//! ## What it does
//! Reports `listen_ip` in an `exporters.prometheus[]` entry.
//!
//! ## Why is this bad?
//! The schema documents `listen_ip`, but krakend-otel v0.14.4 reads `host`
//! (krakend-components §8.1): the exporter binds every interface, so
//! metrics meant for a private address are served publicly. gwc does as CE.
//!
//! ## Example
//! ```json
//! { "telemetry/opentelemetry": { "exporters": { "prometheus": [{ "name": "prom", "port": 9464, "listen_ip": "127.0.0.1" }] } } }
//! ```
//!
//! ## How to fix it
//! Rename `listen_ip` to `host`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW853";

/// Reports every `listen_ip`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(otel) = &cx.config.extra.otel else {
        return;
    };
    for p in &otel.prometheus {
        let Some(ip) = &p.listen_ip else { continue };
        let mut d = cx
            .diag(CODE, ip.key_span, "`listen_ip` is ignored by KrakenD CE")
            .with_label("not read: the exporter listens on every interface");
        d = if p.host.is_some() {
            d.with_help("remove `listen_ip`: `host` sets the listen address")
        } else {
            d.with_help(format!("rename it to `host`: `\"host\": \"{}\"`", ip.value))
        };
        out.push(d);
    }
}
