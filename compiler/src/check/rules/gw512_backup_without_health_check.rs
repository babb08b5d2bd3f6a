//! backup hosts on a backend without any health check
//!
//! ## What it does
//! Reports `"backup": true` hosts on a backend that has neither an enabled
//! `gwc/healthcheck.active` check nor a `gwc/healthcheck.passive` one.
//!
//! ## Why is this bad?
//! Backups take traffic only when no primary host is *eligible*, and only a
//! health check makes a primary ineligible. Without one, the primaries
//! always look healthy: a backup is reached only when a request has failed
//! on every primary within its `gwc/failover` attempts, and never without
//! `gwc/failover`.
//!
//! ## Example
//! ```json
//! { "host": ["http://a:8080", "http://dr:8080"],
//!   "extra_config": { "gwc/loadbalancer": { "hosts": { "http://dr:8080": { "backup": true } } } } }
//! ```
//!
//! ## How to fix it
//! Add a health check, e.g. `"gwc/healthcheck": { "active": { "path": "/health" } }`
//! or `"gwc/healthcheck": { "passive": {} }`.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::pool_hosts;

/// The rule's code.
pub const CODE: &str = "GW512";

/// Reports each backend with backups and no health check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let checked = b.gwc().healthcheck.as_ref().is_some_and(|h| h.enabled_active().is_some() || h.passive.is_some());
        if checked {
            continue;
        }
        let pool = pool_hosts(cx.config, b.backend);
        let backups: Vec<_> = pool.iter().filter_map(|h| Some((h, h.attrs.as_ref()?.backup.as_ref().filter(|f| f.value)?))).collect();
        let Some((host, flag)) = backups.first() else { continue };
        let mut d = cx
            .diag(CODE, flag.full_span(), format!("backup host `{}` of {} has no health check to stand in for", host.url.value, b.name()))
            .with_label("used only when no primary is eligible, and nothing makes a primary ineligible");
        for (other, flag) in backups.iter().skip(1) {
            d = d.with_secondary(flag.full_span(), format!("`{}` is a backup too", other.url.value));
        }
        let reach = if b.gwc().failover.is_some() {
            "a backup gets a request only after that request failed on every primary host within its `gwc/failover` attempts"
        } else {
            "without a health check or `gwc/failover`, a backup never gets a request"
        };
        out.push(d.with_note(reach).with_help("add `\"gwc/healthcheck\": { \"active\": { \"path\": \"/health\" } }` (or a `passive` check) so that failing primaries leave the pool"));
    }
}
