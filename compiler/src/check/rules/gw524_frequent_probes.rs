//! an active health check that probes more often than once a second
//!
//! ## What it does
//! Reports a `gwc/healthcheck.active` probe rate under 1s, with the load it
//! puts on this backend's hosts and the total number of probes per second
//! the whole gateway sends (identical probes of the same host are sent
//! once, whichever backends share them).
//!
//! ## Why is this bad?
//! Every probe is a real request to the service, from every gateway
//! instance. Sub-second probing multiplies quickly (10 hosts probed every
//! 100ms by 5 gateways is 500 requests per second) and rarely detects a
//! failure much sooner than passive checks and failover do.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "active": { "path": "/health", "interval": "100ms", "timeout": "50ms" } } }
//! ```
//!
//! ## How to fix it
//! Probe every few seconds and let `gwc/failover` and
//! `gwc/healthcheck.passive` react to failures between probes.

use std::collections::BTreeSet;

use crate::check::Context;
use crate::check::gwc::{self, show};
use crate::diag::Diagnostic;
use crate::model::lb::defaults::{FAST_INTERVAL_NANOS, MIN_INTERVAL_NANOS};
use crate::model::lb::pool_hosts;

/// The rule's code.
pub const CODE: &str = "GW524";

/// Reports each sub-second probe rate.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Every deduplicated prober of the file: (host, probe path, the active
    // check as written) with its interval; probes/s = Σ 1/interval.
    let mut probers: BTreeSet<(String, String, String, i64)> = BTreeSet::new();
    let mut fast = Vec::new();
    for b in gwc::backends(cx.config) {
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.enabled_active()) else { continue };
        let interval = active.interval_nanos();
        let hosts: Vec<_> = pool_hosts(cx.config, b.backend).into_iter().filter(|h| h.probed()).collect();
        let config = active.raw.to_json().to_string();
        let mut own = BTreeSet::new();
        for h in &hosts {
            let path = h
                .attrs
                .as_ref()
                .and_then(|a| a.healthcheck.as_ref()?.path.as_ref())
                .map_or_else(|| active.path.as_ref().map(|p| p.value.clone()).unwrap_or_default(), |p| p.value.clone());
            own.insert((h.url.value.clone(), path.clone()));
            probers.insert((h.url.value.clone(), path, config.clone(), interval));
        }
        if (MIN_INTERVAL_NANOS..FAST_INTERVAL_NANOS).contains(&interval) && !own.is_empty() {
            let span = gwc::interval_span(active).unwrap_or(active.key_span);
            fast.push((span, b.name(), own.len(), interval));
        }
    }
    let total: f64 = probers.iter().filter(|p| p.3 >= MIN_INTERVAL_NANOS).map(|(_, _, _, i)| 1e9 / *i as f64).sum();
    for (span, name, hosts, interval) in fast {
        let rate = hosts as f64 * 1e9 / interval as f64;
        out.push(
            cx.diag(CODE, span, format!("{name} probes its hosts every {}", show(interval)))
                .with_label(format!("{} probes per second to {}", per_second(rate), gwc::plural(hosts, "host")))
                .with_help("probe every few seconds (the default is `\"10s\"`) and let `gwc/failover` and `passive` checks react between probes")
                .with_note(format!("this file's gateway sends {} probes per second in all, and every gateway instance sends its own", per_second(total))),
        );
    }
}

/// A rate with at most one decimal.
fn per_second(rate: f64) -> String {
    let rounded = (rate * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { format!("{rounded:.1}") }
}
