//! a host written as an object in `host` that also has a `gwc/loadbalancer.hosts` entry
//!
//! ## What it does
//! Reports a host whose attributes are written twice: once in an object
//! inside `host` (`{"url": "http://a:8080", "weight": 3}`) and once under
//! `gwc/loadbalancer.hosts` with the same URL.
//!
//! ## Why is this bad?
//! The two places could disagree (a weight of 3 in one, 1 in the other), and
//! no order between them would be obvious to a reader. gwc uses the object
//! in `host`, so the `hosts` entry is dead.
//!
//! ## Example
//! ```json
//! { "host": [{ "url": "http://a:8080", "weight": 3 }, "http://b:8080"],
//!   "extra_config": { "gwc/loadbalancer": { "hosts": { "http://a:8080": { "weight": 1 } } } } }
//! ```
//!
//! ## How to fix it
//! Keep one of the two. The `hosts` form keeps the file loadable by KrakenD.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::host_objects;

/// The rule's code.
pub const CODE: &str = "GW506";

/// Reports each host configured both ways.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(lb) = &b.gwc().loadbalancer else { continue };
        for (_, object) in host_objects(b.backend.raw) {
            let Some(entry) = lb.hosts.iter().find(|h| h.url.value == object.url.value) else { continue };
            out.push(
                cx.diag(CODE, entry.url.span, format!("host `{}` is configured twice", object.url.value))
                    .with_label("configured here in `gwc/loadbalancer.hosts`")
                    .with_secondary(object.raw.span, "and here, in `host`; gwc uses this one")
                    .with_help("move the attributes to the `hosts` entry and write the host as a plain string in `host`, which keeps the file loadable by KrakenD"),
            );
        }
    }
}
