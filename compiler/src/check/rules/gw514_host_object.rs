//! a host written as an object inside `host`, which KrakenD cannot load
//!
//! ## What it does
//! Reports objects in a backend's `host` list (`{"url": "http://a:8080",
//! "weight": 3}`), gwc's shorthand for a host string plus its
//! `gwc/loadbalancer.hosts` entry.
//!
//! ## Why is this bad?
//! gwc reads the shorthand, but KrakenD decodes `host` as a list of strings
//! and refuses to load the file, and `krakend check` rejects it. Use the
//! canonical form if the same file must also run on KrakenD.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users", "host": [{ "url": "http://a:8080", "weight": 3 }, "http://b:8080"],
//!   "extra_config": { "gwc/loadbalancer": { "algorithm": "weighted_round_robin" } } }
//! ```
//!
//! ## How to fix it
//! Write the URL as a string in `host` and move the other attributes under
//! `gwc/loadbalancer.hosts`, keyed by that URL:
//! `"host": ["http://a:8080", "http://b:8080"]` and
//! `"hosts": { "http://a:8080": { "weight": 3 } }`.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::syntax::Node;

/// The rule's code.
pub const CODE: &str = "GW514";

/// Reports each backend with objects in `host`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(items) = b.backend.raw.get("host").and_then(Node::as_array) else { continue };
        let objects: Vec<&Node> = items.iter().filter(|n| n.as_object().is_some()).collect();
        let Some(first) = objects.first() else { continue };
        let url = first.get("url").and_then(Node::as_str).unwrap_or("…");
        let mut d = cx
            .diag(CODE, first.span, format!("host objects in `host` make this file unloadable by KrakenD ({})", b.name()))
            .with_label("KrakenD reads `host` as a list of strings");
        for other in objects.iter().skip(1) {
            d = d.with_secondary(other.span, "another host object");
        }
        out.push(
            d.with_help(format!(
                "write `\"{url}\"` in `host` and move the other attributes to `\"gwc/loadbalancer\": {{ \"hosts\": {{ \"{url}\": {{ … }} }} }}`"
            ))
            .with_note("gwc reads host objects as `gwc/loadbalancer.hosts` entries; keep them only if the file is never loaded by KrakenD"),
        );
    }
}
