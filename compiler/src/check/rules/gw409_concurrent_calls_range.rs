//! an endpoint's `concurrent_calls` is outside 1 to 5
//!
//! ## What it does
//! Reports an endpoint `concurrent_calls` below 1 or above 5.
//!
//! ## Why is this bad?
//! Below 1 the setting does nothing: KrakenD turns 0 into the default 1,
//! and a negative value never enables parallel calls. Above 5, KrakenD's
//! schema (and `krakend check --lint`) rejects the file, yet the runtime
//! does not cap it: every request is sent that many times to each backend,
//! multiplying the load for little gain (the first complete answer wins,
//! within 75% of the timeout).
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "concurrent_calls": 10, "backend": [{ "url_pattern": "/users" }] }
//! ```
//!
//! ## How to fix it
//! Use a value from 1 to 5; remove the key for the default, 1.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW409";

/// Reports each `concurrent_calls` outside 1..=5.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(calls) = &ep.concurrent_calls else { continue };
        let n = calls.value;
        let d = if n < 1 {
            let label = if n == 0 { "KrakenD reads 0 as the default, 1" } else { "a negative value never enables parallel calls" };
            cx.diag(CODE, calls.span, format!("`concurrent_calls` is {n}: the endpoint makes one call per backend"))
                .with_label(label)
                .with_help("remove `concurrent_calls` (the default is 1), or set 2 to 5 to race parallel calls")
                .with_fix("set `concurrent_calls` to 1", calls.span, "1")
        } else if n > 5 {
            cx.diag(CODE, calls.span, format!("`concurrent_calls` is {n}: KrakenD's schema allows at most 5"))
                .with_label(format!("each request is sent {n} times to every backend"))
                .with_help("use 5 or fewer; the first complete answer wins, so more calls mostly add load")
                .with_fix("set `concurrent_calls` to 5", calls.span, "5")
        } else {
            continue;
        };
        out.push(d);
    }
}
