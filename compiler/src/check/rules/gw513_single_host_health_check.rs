//! an active health check on a backend with a single host and `fail_closed`
//!
//! ## What it does
//! Reports an enabled `gwc/healthcheck.active` check on a backend that has
//! only one host, unless `gwc/loadbalancer.all_unhealthy` is `fail_open`.
//!
//! ## Why is this bad?
//! There is no other host to send traffic to. While the probe says the host
//! is down (even when only its health endpoint is), every request gets an
//! immediate error (503 on `no-op` endpoints) instead of a chance to
//! succeed. nginx never marks a lone server unavailable for this reason.
//!
//! ## Example
//! ```json
//! { "host": ["http://users:8080"],
//!   "extra_config": { "gwc/healthcheck": { "active": { "path": "/health" } } } }
//! ```
//!
//! ## How to fix it
//! Set `"all_unhealthy": "fail_open"` in `gwc/loadbalancer` (requests still
//! go to the host when it looks down), add hosts, or remove the check.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::{AllUnhealthy, pool_hosts};

/// The rule's code.
pub const CODE: &str = "GW513";

/// Reports each single-host backend with a fail-closed active check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config).filter(|b| !b.discovers_hosts()) {
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.enabled_active()) else { continue };
        let pool = pool_hosts(cx.config, b.backend);
        let [host] = pool.as_slice() else { continue };
        if !host.probed() {
            continue;
        }
        let lb = b.gwc().loadbalancer.as_ref();
        if lb.is_some_and(|l| l.all_unhealthy_or_default() == AllUnhealthy::FailOpen) {
            continue;
        }
        let mut d = cx
            .diag(CODE, active.key_span, format!("the only host of {} is health-checked: while it looks down, every request fails at once", b.name()))
            .with_label("probes the only host")
            .with_secondary(host.url.span, "the only host");
        match lb.and_then(|l| l.all_unhealthy.as_ref()) {
            Some(policy) => {
                d = d
                    .with_secondary(policy.span, "no host is left to take the traffic")
                    .with_help("set `\"all_unhealthy\": \"fail_open\"` to keep sending requests to the host while it looks down")
                    .with_fix("replace with `fail_open`", policy.inner_span(), "fail_open");
            }
            None => {
                d = d.with_help("add `\"all_unhealthy\": \"fail_open\"` to `gwc/loadbalancer` to keep sending requests to the host while it looks down, or add hosts");
            }
        }
        out.push(d);
    }
}
