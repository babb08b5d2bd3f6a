//! the same host twice in a backend's `host` list while `gwc/loadbalancer` configures it
//!
//! ## What it does
//! Reports a host listed twice (byte-equal) in the `host` list of a backend
//! that has `gwc/loadbalancer` (or host objects in `host`).
//!
//! ## Why is this bad?
//! In plain KrakenD, repeating a host is the "poor man's weight": it gets
//! twice the traffic. gwc keeps that meaning only without load-balancer
//! configuration. With `gwc/loadbalancer`, weights come from
//! `hosts.*.weight`, and a repeated host would be ambiguous: one `hosts`
//! entry, two places in the rotation, two health states to report.
//!
//! ## Example
//! ```json
//! { "host": ["http://a:8080", "http://a:8080", "http://b:8080"],
//!   "extra_config": { "gwc/loadbalancer": { "algorithm": "round_robin" } } }
//! ```
//!
//! ## How to fix it
//! List each host once, and give it a weight instead:
//! `"algorithm": "weighted_round_robin", "hosts": { "http://a:8080": { "weight": 2 } }`.

use std::collections::HashMap;

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::{host_objects, pool_hosts};

/// The rule's code.
pub const CODE: &str = "GW508";

/// Reports each repeated host of a backend with load-balancer configuration.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        if b.gwc().loadbalancer.is_none() && host_objects(b.backend.raw).is_empty() {
            continue;
        }
        let pool = pool_hosts(cx.config, b.backend);
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, host) in pool.iter().enumerate() {
            let url = host.url.value.as_str();
            let Some(&j) = first.get(url) else {
                first.insert(url, i);
                continue;
            };
            let earlier = &pool[j];
            let d = cx
                .diag(CODE, host.url.span, format!("host `{url}` is listed twice in {}", b.name()))
                .with_label("listed again here")
                .with_secondary(earlier.url.span, "first listed here")
                .with_help(format!(
                    "list it once; to give it more traffic, use a weighted algorithm and `\"hosts\": {{ \"{url}\": {{ \"weight\": 2 }} }}` in `gwc/loadbalancer`"
                ))
                .with_note("a repeated host acts as a weight only without `gwc/loadbalancer`");
            out.push(d);
        }
    }
}
