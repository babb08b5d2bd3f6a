//! a rate-limit `every` below one second, which KrakenD raises to 1s
//!
//! ## What it does
//! Reports a `qos/ratelimit/router` `every` shorter than one second
//! (zero and negative values included).
//!
//! ## Why is this bad?
//! KrakenD CE raises such an `every` to one second without a word
//! (`krakend-ratelimit`'s `router/router.go`), so the rates are per second:
//! `"max_rate": 1, "every": "100ms"` allows 1 request a second, not 10.
//! (The backend limiter `qos/ratelimit/proxy` does not raise it: the same
//! value means something else there.)
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/router": { "max_rate": 1, "every": "100ms" } }
//! ```
//!
//! ## How to fix it
//! Scale the rate to a second and drop `every`: `"max_rate": 10`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::duration::format_go_duration;

/// The rule's code.
pub const CODE: &str = "GW707";

/// Reports each `every` below a second.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, r) in cx.config.rate_limits() {
        let (Some(every), Some(Ok(ns))) = (&r.every, r.every_ns()) else { continue };
        if ns >= 1_000_000_000 {
            continue;
        }
        let label = if ns > 0 {
            format!("KrakenD CE uses 1s: the rates are {} times lower than written", 1e9 / ns as f64)
        } else {
            "KrakenD CE uses 1s".to_string()
        };
        out.push(
            cx.diag(CODE, every.span, format!("rate-limit `every` of {} is raised to 1s", format_go_duration(ns)))
                .with_label(label)
                .with_help("write the rates per second and remove `every`"),
        );
    }
}
