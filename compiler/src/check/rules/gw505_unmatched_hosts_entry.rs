//! a `gwc/loadbalancer.hosts` key that is not an entry of the backend's `host` list
//!
//! ## What it does
//! Compares each key of `gwc/loadbalancer.hosts` byte for byte with the
//! backend's `host` entries (the root `host` list when the backend has
//! none) and reports keys that match none, with the closest host as a fix.
//!
//! ## Why is this bad?
//! The attributes of an unmatched entry (weight, backup, name, HTTP
//! options) apply to no host at all, without a word: a trailing `/` or a
//! different port is enough. The match is exact on purpose, so that what
//! you read is what applies.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users", "host": ["http://users-a:8080", "http://users-b:8080"],
//!   "extra_config": { "gwc/loadbalancer": { "hosts": { "http://users-a:8080/": { "weight": 3 } } } } }
//! ```
//!
//! ## How to fix it
//! Write the key exactly as the `host` entry (`"http://users-a:8080"`), or
//! add the host to `host`.

use crate::check::Context;
use crate::check::gwc;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::lb::pool_hosts;

/// The rule's code.
pub const CODE: &str = "GW505";

/// Reports each `hosts` key with no matching host.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(lb) = &b.gwc().loadbalancer else { continue };
        let pool = pool_hosts(cx.config, b.backend);
        for entry in &lb.hosts {
            let url = &entry.url.value;
            if pool.iter().any(|h| h.url.value == *url) {
                continue;
            }
            let mut d = cx
                .diag(CODE, entry.url.span, format!("`hosts` entry `{url}` matches no host of {}", b.name()))
                .with_label("not byte-equal to any `host` entry");
            if let Some(list) = b.backend.host.as_ref().or(cx.config.host.as_ref()) {
                d = d.with_secondary(list.span, "the hosts it is compared with");
            }
            let candidates: Vec<&str> = pool.iter().map(|h| h.url.value.as_str()).collect();
            let close = candidates
                .iter()
                .copied()
                .find(|c| c.trim_end_matches('/') == url.trim_end_matches('/') || c.eq_ignore_ascii_case(url))
                .or_else(|| did_you_mean(url, candidates.iter().copied()));
            d = match close {
                Some(best) => d.did_you_mean(best, entry.url.inner_span()),
                None if candidates.is_empty() => d.with_help("add the host to the backend's `host` list"),
                None => d.with_help(format!("write the key exactly as one of the hosts ({}), or add it to `host`", candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))),
            };
            out.push(d.with_note("the attributes of this entry apply to no host"));
        }
    }
}
