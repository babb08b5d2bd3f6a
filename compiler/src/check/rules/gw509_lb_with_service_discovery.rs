//! load balancing or health checks on a backend whose hosts come from DNS service discovery
//!
//! ## What it does
//! Reports `gwc/loadbalancer` and `gwc/healthcheck` on a backend with
//! `"sd": "dns"` or `"sd": "dns-shared"`.
//!
//! ## Why is this bad?
//! With DNS SRV discovery the host list is resolved at run time, so there
//! are no hosts to attach weights, backups or probes to when gwc compiles
//! the gateway, and SRV records carry their own weights and priorities.
//! gwc does not support the combination (Caddy also skips active checks for
//! dynamic upstreams).
//!
//! ## Example
//! ```json
//! { "host": ["users.service.consul"], "sd": "dns",
//!   "extra_config": { "gwc/healthcheck": { "active": { "path": "/health" } } } }
//! ```
//!
//! ## How to fix it
//! Remove `sd` and list the hosts statically, or remove the gwc namespaces
//! and rely on the weights of the SRV records (failover with `gwc/failover`
//! still works).

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::{HEALTHCHECK_NAMESPACE, LOADBALANCER_NAMESPACE};

/// The rule's code.
pub const CODE: &str = "GW509";

/// Reports each load-balancer or health-check namespace next to DNS discovery.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(sd) = &b.backend.sd else { continue };
        if sd.value != "dns" && sd.value != "dns-shared" {
            continue;
        }
        for ns in [LOADBALANCER_NAMESPACE, HEALTHCHECK_NAMESPACE] {
            let Some(key) = b.namespace_key(ns) else { continue };
            out.push(
                cx.diag(CODE, key, format!("`{ns}` cannot be used with `\"sd\": \"{}\"`", sd.value))
                    .with_label("not supported with DNS service discovery")
                    .with_secondary(sd.span, "the hosts are resolved from DNS SRV records at run time")
                    .with_help(format!("remove `sd` and list the hosts in `host`, or remove `{ns}`"))
                    .with_note("gwc compiles weights, backups and probes per host; discovered hosts are not known in advance"),
            );
        }
    }
}
