//! a `qos/http-cache` without both `max_size` and `max_items`: unbounded in KrakenD CE
//!
//! ## What it does
//! Reports a backend's `qos/http-cache` that does not set both `max_size`
//! (bytes) and `max_items` (entries) to numbers above zero.
//!
//! ## Why is this bad?
//! `krakend-httpcache` bounds its store only when both are set; with either
//! missing or zero it keeps every answer in an unbounded map for the
//! life of the process (`http.go`'s `selectCache`), so a backend with many
//! distinct URLs grows the gateway's memory without end. gwc never builds
//! an unbounded cache: it fills in what is missing with its defaults (32
//! MiB and 4096 entries a store) — a deliberate difference from CE.
//!
//! Note also that the cache follows only the backend's own caching headers
//! (`Cache-Control: max-age`, `Expires`, validators): a backend that sends
//! none gains nothing from it.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users", "extra_config": { "qos/http-cache": { "max_size": 1048576 } } }
//! ```
//!
//! ## How to fix it
//! Set both bounds: `"qos/http-cache": { "max_size": 33554432, "max_items": 4096 }`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW750";

/// Reports each cache without both bounds (a value CE cannot decode is
/// GW751's).
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, ns) in cx.config.http_caches() {
        if ns.falls_back() || ns.bounded() {
            continue;
        }
        fn set(v: &Option<crate::model::Spanned<u64>>) -> Option<&crate::model::Spanned<u64>> {
            v.as_ref().filter(|v| v.value > 0)
        }
        let mut d = cx
            .diag(
                CODE,
                ns.key_span,
                "`qos/http-cache` without both `max_size` and `max_items`: unbounded in KrakenD CE",
            )
            .with_label("CE keeps every answer; gwc bounds it with 32 MiB and 4096 entries");
        for (v, other) in [
            (set(&ns.max_size), "max_items"),
            (set(&ns.max_items), "max_size"),
        ] {
            if let Some(v) = v {
                d = d.with_secondary(v.key_span, format!("ignored by CE without `{other}`"));
            }
        }
        out.push(d.with_help(
            "set both `max_size` (bytes) and `max_items` (entries), e.g. `\"max_size\": 33554432, \"max_items\": 4096`",
        ));
    }
}
