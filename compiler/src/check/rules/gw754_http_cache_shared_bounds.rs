//! a shared `qos/http-cache` whose bounds are not the ones used
//!
//! ## What it does
//! Reports a backend with `qos/http-cache` `shared: true` and its own
//! `max_size`/`max_items` when an earlier shared backend already set
//! different ones.
//!
//! ## Why is this bad?
//! `krakend-httpcache` makes the process-wide bounded store once, with the
//! bounds of the first shared backend it meets (in config order), and
//! hands that store to every later one: their bounds are ignored. (A shared
//! backend without both bounds uses yet another process-wide store, CE's
//! unbounded one.) gwc does the same.
//!
//! ## Example
//! ```json
//! [{ "qos/http-cache": { "shared": true, "max_size": 1048576, "max_items": 100 } },
//!  { "qos/http-cache": { "shared": true, "max_size": 67108864, "max_items": 10000 } }]
//! ```
//!
//! ## How to fix it
//! Give every shared backend the same bounds (the size meant for the whole
//! store), so the config says what runs.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW754";

/// Reports each shared bounded cache whose bounds lose to the first one's.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut first: Option<(u64, u64, crate::syntax::Span)> = None;
    for (_, _, ns) in cx.config.http_caches() {
        if !ns.shared() || !ns.bounded() {
            continue;
        }
        let (Some(size), Some(items)) = (&ns.max_size, &ns.max_items) else {
            continue;
        };
        match first {
            None => first = Some((size.value, items.value, ns.key_span)),
            Some((s, n, span)) if (s, n) != (size.value, items.value) => out.push(
                cx.diag(
                    CODE,
                    size.key_span.cover(items.span),
                    "bounds of a shared `qos/http-cache` that KrakenD CE ignores",
                )
                .with_label(format!(
                    "ignored: the shared store holds {s} bytes and {n} entries"
                ))
                .with_secondary(span, "the first shared cache sizes the store")
                .with_help(format!(
                    "give every shared cache the same bounds (`\"max_size\": {s}, \"max_items\": {n}`)"
                )),
            ),
            Some(_) => {}
        }
    }
}
