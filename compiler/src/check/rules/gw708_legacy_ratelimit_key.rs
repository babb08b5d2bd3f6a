//! a v1 rate-limit name KrakenD CE no longer reads: the endpoint is not limited
//!
//! ## What it does
//! Reports an endpoint's `github.com/devopsfaith/krakend-ratelimit/juju/router`
//! namespace, and the v1 keys `maxRate`, `clientMaxRate` and
//! `clientCapacity` inside `qos/ratelimit/router`.
//!
//! ## Why is this bad?
//! KrakenD CE dropped the `juju/router` alias in v2.4.1 (its
//! `krakend-ratelimit` v3 reads only `qos/ratelimit/router`), and the
//! module reads only the snake-case field names. A limit written the v1
//! way is accepted without a word and limits nothing (krakend-ce#451).
//!
//! ## Example
//! ```json
//! { "github.com/devopsfaith/krakend-ratelimit/juju/router": { "maxRate": 50 } }
//! ```
//!
//! ## How to fix it
//! Rename the namespace to `qos/ratelimit/router` and the keys to
//! `max_rate`, `client_max_rate` and `client_capacity`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::traffic::ratelimit_router::{JUJU_NAMESPACE, NAMESPACE};

/// The rule's code.
pub const CODE: &str = "GW708";

/// v1 field names and their v3 names.
const RENAMED: [(&str, &str); 3] = [
    ("maxRate", "max_rate"),
    ("clientMaxRate", "client_max_rate"),
    ("clientCapacity", "client_capacity"),
];

/// Reports each v1 name.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        if let Some((span, _)) = ep.extra.get(JUJU_NAMESPACE) {
            let d = cx
                .diag(CODE, span, format!("`{JUJU_NAMESPACE}` is ignored by KrakenD CE: this endpoint is not rate limited"))
                .with_label("the v1 name, no longer read since KrakenD CE v2.4.1");
            let d = match ep.extra.get(NAMESPACE) {
                Some((short, _)) => d.with_secondary(short, "the namespace KrakenD reads"),
                None => d.with_fix(format!("rename to `{NAMESPACE}`"), inner(cx, span), NAMESPACE),
            };
            out.push(d.with_help(format!("rename it to `{NAMESPACE}` (and its keys to snake case: `max_rate`, `client_max_rate`, `client_capacity`)")));
        }
        let Some((_, node)) = ep.extra.get(NAMESPACE) else { continue };
        for m in node.as_object().unwrap_or_default() {
            let Some((old, new)) = RENAMED.iter().find(|(old, _)| m.key == *old) else { continue };
            let d = cx
                .diag(CODE, m.key_span, format!("v1 rate-limit key `{old}` is ignored by KrakenD CE"))
                .with_label(format!("KrakenD reads `{new}`"));
            let d = if node.get(new).is_some() {
                d.with_help(format!("remove `{old}`: `{new}` is set too"))
            } else {
                d.with_fix(format!("rename to `{new}`"), inner(cx, m.key_span), *new)
                    .with_help(format!("rename it to `{new}`"))
            };
            out.push(d);
        }
    }
}

/// Whether an unknown key the schema check found at `pointer` is one of
/// the v1 keys this rule reports (GW801 leaves them to it).
pub fn covers(pointer: &str, key: &str) -> bool {
    pointer.ends_with("/extra_config/qos~1ratelimit~1router") && RENAMED.iter().any(|(old, _)| *old == key)
}

/// A key's span without its quotes (JSON).
fn inner(cx: &Context<'_>, span: crate::syntax::Span) -> crate::syntax::Span {
    let quoted = cx.text.get(span.start..span.end).is_some_and(|t| t.len() >= 2 && t.starts_with('"') && t.ends_with('"'));
    if quoted { crate::syntax::Span::new(span.start + 1, span.end - 1) } else { span }
}
