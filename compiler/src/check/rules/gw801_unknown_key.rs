//! a key or `extra_config` namespace KrakenD does not know at this place
//!
//! ## What it does
//! Reports keys that gwc's schema does not know where they are written:
//! typos (`backends`, `timout`, `hots`), keys that belong to another level
//! (a `timeout` in a backend, `qos/circuit-breaker` in an endpoint's
//! `extra_config`), and `extra_config` namespaces that do not exist at that
//! level (`qos/ratelimit/routr`). It names the closest known key and offers
//! the rename as a fix. Keys starting with `@`, `$`, `_` or `#` are comments
//! and are allowed anywhere; the long legacy namespace names
//! (`github.com/devopsfaith/krakend/proxy`, …) are accepted because KrakenD
//! CE still reads them. Config v2 keys such as `headers_to_pass` are left to
//! GW410, the v1 rate-limit keys (`maxRate`, …) to GW708, and unknown
//! keys of gwc's own `gwc/…` namespaces to GW501.
//!
//! ## Why is this bad?
//! KrakenD ignores every key it does not know, without a word, so the
//! setting silently has no effect: a misspelt `qos/ratelimit/routr` leaves
//! the endpoint without a rate limit. It is a warning rather than an error
//! because the file still loads and runs as it did; only the intent is lost.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users/{id}", "timout": "3s",
//!   "backend": [{ "hots": ["http://users.internal"], "url_pattern": "/u/{id}" }] }
//! ```
//!
//! ## How to fix it
//! Correct the name (`timout` → `timeout`, `hots` → `host`), move the key to
//! the level where it belongs, or remove it.

use crate::check::Context;
use crate::check::schema::{self, Suggestion, ViolationKind};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW801";

/// Reports each unknown key the schema check found.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for v in schema::violations(cx) {
        let ViolationKind::UnknownKey { key, key_span, suggestion } = &v.kind else { continue };
        if schema::is_gwc_key(v)
            || super::gw708_legacy_ratelimit_key::covers(&v.pointer, key)
            || super::gw715_legacy_ratelimit_proxy_key::covers(&v.pointer, key)
        {
            continue;
        }
        let what = if schema::is_namespace_map(&v.schema_location) { "namespace" } else { "key" };
        let place = schema::place(&v.schema_location, &v.pointer);
        let mut d = cx
            .diag(CODE, *key_span, format!("unknown {what} `{key}` {place}"))
            .with_label(format!("KrakenD ignores this {what}"));
        let object = cx.root.pointer(&v.pointer).map(|(node, _)| node);
        let rename = |d: Diagnostic, to: &str| match schema::key_inner_span(cx.text, key, *key_span) {
            // Renaming onto a key the object already has would make a duplicate.
            Some(span) if object.is_none_or(|o| o.member(to).is_none()) => d.with_fix(format!("rename to `{to}`"), span, to),
            _ => d,
        };
        d = match suggestion {
            Some(Suggestion::Typo(to)) => rename(d.with_help(format!("did you mean `{to}`?")), to),
            Some(Suggestion::Elsewhere(places)) => {
                let places: Vec<String> = places.iter().map(|p| p.to_string()).collect();
                d.with_help(format!("`{key}` belongs in {}: move it there, or remove it", schema::join_or(&places)))
            }
            Some(Suggestion::TypoElsewhere(to, places)) => {
                let places: Vec<String> = places.iter().map(|p| p.to_string()).collect();
                d.with_help(format!("did you mean `{to}`? it belongs in {}", schema::join_or(&places)))
            }
            None => d.with_help(format!("check the name, or remove the {what}")),
        };
        out.push(d);
    }
}
