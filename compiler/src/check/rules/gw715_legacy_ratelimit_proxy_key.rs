//! the v1 name of the backend rate limit, which KrakenD CE does not read: the backend is not limited
//!
//! ## What it does
//! Reports a backend's `github.com/devopsfaith/krakend-ratelimit/juju/proxy`
//! namespace, and the v1 key `maxRate` inside `qos/ratelimit/proxy`.
//!
//! ## Why is this bad?
//! KrakenD CE's namespace alias table has no entry for the v1 name, and
//! `krakend-ratelimit` v3 reads only `qos/ratelimit/proxy` with snake-case
//! fields. A limit written the v1 way is accepted without a word and
//! limits nothing.
//!
//! ## Example
//! ```json
//! { "github.com/devopsfaith/krakend-ratelimit/juju/proxy": { "maxRate": 50, "capacity": 50 } }
//! ```
//!
//! ## How to fix it
//! Rename the namespace to `qos/ratelimit/proxy` and `maxRate` to
//! `max_rate`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::traffic::ratelimit_proxy::{JUJU_NAMESPACE, NAMESPACE};

/// The rule's code.
pub const CODE: &str = "GW715";

/// Reports each v1 name.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        for b in &ep.backends {
            if let Some((span, _)) = b.extra.get(JUJU_NAMESPACE) {
                let d = cx
                    .diag(CODE, span, format!("`{JUJU_NAMESPACE}` is ignored by KrakenD CE: this backend is not rate limited"))
                    .with_label("the v1 name, not read by KrakenD CE v2");
                let d = match b.extra.get(NAMESPACE) {
                    Some((short, _)) => d.with_secondary(short, "the namespace KrakenD reads"),
                    None => d,
                };
                out.push(d.with_help(format!("rename it to `{NAMESPACE}` (and `maxRate` to `max_rate`)")));
            }
            let Some((_, node)) = b.extra.get(NAMESPACE) else { continue };
            for m in node.as_object().unwrap_or_default() {
                if m.key != "maxRate" {
                    continue;
                }
                let d = cx
                    .diag(CODE, m.key_span, "v1 rate-limit key `maxRate` is ignored by KrakenD CE")
                    .with_label("KrakenD reads `max_rate`");
                out.push(if node.get("max_rate").is_some() {
                    d.with_help("remove `maxRate`: `max_rate` is set too")
                } else {
                    d.with_help("rename it to `max_rate`")
                });
            }
        }
    }
}

/// Whether GW715 reports this unknown key (so GW801 does not).
pub fn covers(pointer: &str, key: &str) -> bool {
    pointer.ends_with("/extra_config/qos~1ratelimit~1proxy") && key == "maxRate"
}
