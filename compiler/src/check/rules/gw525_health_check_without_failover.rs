//! an active health check on a backend without `gwc/failover`
//!
//! ## What it does
//! Reports an enabled `gwc/healthcheck.active` check on a backend that has
//! more than one host and no `gwc/failover`, and offers to add
//! `"gwc/failover": {}` (2 attempts).
//!
//! ## Why is this bad?
//! A probe notices a failing host only after `unhealthy_threshold` probes,
//! `interval` apart (30s with the defaults). Until then the host keeps
//! getting its share of the requests, and without failover each of them
//! fails instead of being retried on a healthy host.
//!
//! ## Example
//! ```json
//! { "host": ["http://a:8080", "http://b:8080"],
//!   "extra_config": { "gwc/healthcheck": { "active": { "path": "/health" } } } }
//! ```
//!
//! ## How to fix it
//! Add `"gwc/failover": {}` to the backend's `extra_config` (or with
//! `max_attempts` and `per_try_timeout` of your choice).

use crate::check::gwc::{self, show};
use crate::check::{Context, edits};
use crate::diag::Diagnostic;
use crate::model::lb::{FAILOVER_NAMESPACE, HEALTHCHECK_NAMESPACE, defaults, pool_hosts};
use crate::syntax::Format;

/// The rule's code.
pub const CODE: &str = "GW525";

/// Reports each multi-host backend with probes and no failover.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config).filter(|b| !b.discovers_hosts()) {
        if b.gwc().failover.is_some() {
            continue;
        }
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.enabled_active()) else { continue };
        let hosts = pool_hosts(cx.config, b.backend);
        if hosts.len() < 2 {
            continue;
        }
        let threshold = active.unhealthy_threshold.as_ref().map_or(defaults::UNHEALTHY_THRESHOLD, |t| t.value).max(1);
        let detection = active.interval_nanos().saturating_mul(threshold);
        let mut d = cx
            .diag(CODE, active.key_span, format!("active health check without `gwc/failover` on {}", b.name()))
            .with_label(format!("a failing host is noticed after up to {}", show(detection)))
            .with_help("add `\"gwc/failover\": {}` so that requests to a failing host are retried on another one until the check takes it out")
            .with_note("until then, every request the balancer sends to that host fails");
        if cx.format == Format::Json
            && let Some(key) = b.namespace_key(HEALTHCHECK_NAMESPACE)
            && let Some(edit) = edits::insert_member_before(cx.text, key, &format!("\"{FAILOVER_NAMESPACE}\": {{}}"))
        {
            d.fixes.push(crate::diag::Fix { title: "add `\"gwc/failover\": {}`".to_string(), edits: vec![edit] });
        }
        out.push(d);
    }
}
