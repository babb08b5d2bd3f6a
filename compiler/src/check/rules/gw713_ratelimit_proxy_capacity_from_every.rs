//! a `qos/ratelimit/proxy` over a period longer than 1s without `capacity`: bursts collapse
//!
//! ## What it does
//! Reports a backend rate limit with `every` longer than one second and
//! no `capacity` (or 0), when the bucket KrakenD derives holds fewer
//! tokens than `max_rate`.
//!
//! ## Why is this bad?
//! Without a capacity KrakenD CE sizes the bucket from the rate **per
//! second**, rounded down and at least 1 (`krakend-ratelimit`'s
//! `proxy/proxy.go`). `"max_rate": 60, "every": "1m"` reads as "60 calls
//! a minute, in any burst" but allows one call at once, then one a
//! second: concurrent requests fail with 500 although the minute's quota
//! is far from spent.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/proxy": { "max_rate": 60, "every": "1m" } }
//! ```
//!
//! ## How to fix it
//! Set `capacity` to the burst meant, e.g. `"capacity": 60`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW713";

/// Reports each bucket that holds fewer tokens than the rate as written.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, r) in cx.config.proxy_rate_limits() {
        let (Some(every), Some(Ok(every_ns)), Some(rate)) = (&r.every, r.every_ns(), &r.max_rate) else {
            continue;
        };
        if every_ns <= 1_000_000_000 || !r.has_rate() || r.capacity.as_ref().is_some_and(|c| c.value >= 1.0) {
            continue;
        }
        let derived = (r.rate_per_second() as u64).max(1);
        if (derived as f64) >= rate.value {
            continue;
        }
        let written = format_number(rate.value);
        out.push(
            cx.diag(CODE, rate.span, format!("backend `max_rate: {written}` over a period longer than 1s without `capacity`: bursts of {derived}, not {written}"))
                .with_label(format!("KrakenD makes the bucket hold {derived} (the rate per second, rounded down)"))
                .with_secondary(every.span, "the rate is spread over this period")
                .with_help(format!("set `\"capacity\": {written}` if bursts of {written} are meant"))
                .with_note("calls over the bucket fail with `rate limit exceded`: a 500, or partial data with several backends"),
        );
    }
}

/// A JSON number as written for a message (`60`, `2.5`).
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}
