//! a `gwc/failover.max_attempts` above the number of hosts of the backend
//!
//! ## What it does
//! Reports a `gwc/failover` whose `max_attempts` (default 2) is larger than
//! the number of distinct hosts the backend balances over.
//!
//! ## Why is this bad?
//! Failover tries the next host that has not been tried yet, then starts
//! over. With fewer hosts than attempts, some host gets the same request
//! twice: on a single-host backend every retry goes to the host that just
//! failed. That may be intended (a reset on a stale pooled connection), but
//! it is usually a sign that the host list is shorter than expected.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users", "host": ["http://users:8080"],
//!   "extra_config": { "gwc/failover": { "max_attempts": 3 } } }
//! ```
//!
//! ## How to fix it
//! Add hosts, or lower `max_attempts` to the number of hosts.

use std::collections::BTreeSet;

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::defaults::MAX_MAX_ATTEMPTS;
use crate::model::lb::{FAILOVER_NAMESPACE, pool_hosts};

/// The rule's code.
pub const CODE: &str = "GW535";

/// Reports each failover with more attempts than hosts.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config).filter(|b| !b.discovers_hosts()) {
        let Some(failover) = &b.gwc().failover else { continue };
        // An out-of-range `max_attempts` is GW526's.
        if failover.max_attempts.as_ref().is_some_and(|m| !(1..=MAX_MAX_ATTEMPTS).contains(&m.value)) {
            continue;
        }
        let pool = pool_hosts(cx.config, b.backend);
        let hosts: BTreeSet<&str> = pool.iter().map(|h| h.url.value.as_str()).collect();
        let attempts = failover.max_attempts_or_default();
        if hosts.is_empty() || attempts <= hosts.len() as i64 {
            continue;
        }
        let mut d = match (&failover.max_attempts, b.namespace_key(FAILOVER_NAMESPACE)) {
            (Some(m), _) => cx.diag(CODE, m.span, format!("`max_attempts` {attempts} of {} is more than its {}", b.name(), gwc::plural(hosts.len(), "host"))),
            (None, Some(key)) => cx.diag(CODE, key, format!("the default `max_attempts` of 2 is more than the one host of {}", b.name())),
            (None, None) => continue,
        };
        d = d.with_label(if hosts.len() == 1 { "every retry goes to the host that just failed".to_string() } else { "some hosts get the same request twice".to_string() });
        if let Some(list) = b.backend.host.as_ref().or(cx.config.host.as_ref()) {
            d = d.with_secondary(list.span, gwc::plural(hosts.len(), "host"));
        }
        let help = if hosts.len() == 1 {
            "add hosts to fail over to, or remove `gwc/failover` (a retry on the same host rarely helps)".to_string()
        } else {
            format!("add hosts, or set `\"max_attempts\": {}`", hosts.len())
        };
        out.push(d.with_help(help));
    }
}
