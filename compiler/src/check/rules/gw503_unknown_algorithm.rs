//! a `gwc/loadbalancer.algorithm` gwc does not know
//!
//! ## What it does
//! Reports an `algorithm` that is not `round_robin`, `random`,
//! `weighted_round_robin` or `weighted_random`. Gravitee's spellings are
//! accepted and mean the same (`ROUND_ROBIN`, `round-robin`,
//! `WEIGHTED_RANDOM`: case is ignored and `-` stands for `_`). A misspelt
//! name gets the closest algorithm as a fix.
//!
//! ## Why is this bad?
//! gwc cannot guess how the hosts should share the traffic. Algorithms of
//! other proxies (`least_conn`, `ip_hash`, `first`) are not implemented.
//!
//! ## Example
//! ```json
//! { "gwc/loadbalancer": { "algorithm": "weighted_roundrobin" } }
//! ```
//!
//! ## How to fix it
//! Use one of the four names (`"algorithm": "weighted_round_robin"`).

use crate::check::Context;
use crate::check::gwc;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::lb::Algorithm;

/// The rule's code.
pub const CODE: &str = "GW503";

/// Reports each unknown algorithm.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = Algorithm::ALL.iter().map(|a| a.as_str()).collect();
    for b in gwc::backends(cx.config) {
        let Some(lb) = &b.gwc().loadbalancer else { continue };
        let Some(algorithm) = &lb.algorithm else { continue };
        if Algorithm::parse(&algorithm.value).is_some() {
            continue;
        }
        let normal = algorithm.value.to_ascii_lowercase().replace('-', "_");
        let mut d = cx
            .diag(CODE, algorithm.span, format!("unknown load-balancing algorithm `{}`", algorithm.value))
            .with_label("not `round_robin`, `random`, `weighted_round_robin` or `weighted_random`");
        d = match did_you_mean(&normal, names.iter().copied()) {
            Some(best) => d.did_you_mean(best, algorithm.inner_span()),
            None => d.with_help("use `round_robin`, `random`, `weighted_round_robin` or `weighted_random`"),
        };
        out.push(d.with_note("Gravitee's spellings are accepted too: `ROUND_ROBIN`, `round-robin`, `WEIGHTED_RANDOM`, …"));
    }
}
