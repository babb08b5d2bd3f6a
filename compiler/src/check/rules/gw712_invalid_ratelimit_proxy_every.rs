//! a `qos/ratelimit/proxy` `every` that is not a positive Go duration
//!
//! ## What it does
//! Reports a backend rate limit's `every` that `time.ParseDuration`
//! rejects (a string such as `"1 minute"`, or a number, which KrakenD
//! prints without a unit), or that is zero or negative.
//!
//! ## Why is this bad?
//! KrakenD CE divides `max_rate` by `every` (`krakend-ratelimit`'s
//! `proxy/proxy.go`). A value that does not parse silently counts as one
//! second, so `"max_rate": 100, "every": "1 minute"` lets 100 calls a
//! **second** through. A negative `every` makes the rate negative, and
//! the limiter is off; `"0s"` makes it infinite.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/proxy": { "max_rate": 100, "capacity": 100, "every": "1 minute" } }
//! ```
//!
//! ## How to fix it
//! Write a positive Go duration: a number and a unit (`ns`, `us`, `ms`,
//! `s`, `m`, `h`), e.g. `"1m"`, `"500ms"`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::DurationValue;
use crate::model::duration::parse_go_duration;

/// The rule's code.
pub const CODE: &str = "GW712";

/// Reports each `every` CE cannot use.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, r) in cx.config.proxy_rate_limits() {
        let Some(every) = &r.every else { continue };
        let (message, label, help) = match (r.every_ns(), &every.value) {
            (Some(Ok(ns)), _) if ns > 0 => continue,
            (Some(Ok(0)), _) => (
                "backend rate-limit `every` is zero: KrakenD CE divides by it",
                "zero".to_string(),
                "write the period the rate is counted over, e.g. `\"1s\"`".to_string(),
            ),
            (Some(Ok(_)), _) => (
                "backend rate-limit `every` is negative: KrakenD CE turns the limit off",
                "a negative period makes the rate negative".to_string(),
                "write a positive duration, e.g. `\"1s\"`".to_string(),
            ),
            (_, DurationValue::Text(s)) => (
                "backend rate-limit `every` is not a Go duration: KrakenD CE uses 1s",
                parse_go_duration(s).err().map_or_else(|| "not a Go duration".to_string(), |e| e.go_message(s)),
                "write a number and a unit, e.g. `\"1m\"`, `\"500ms\"`".to_string(),
            ),
            (_, DurationValue::Number(raw)) => (
                "backend rate-limit `every` is not a Go duration: KrakenD CE uses 1s",
                "a number: KrakenD reads it as text without a unit".to_string(),
                format!("write it as a duration string, e.g. `\"{raw}s\"` for {raw} seconds"),
            ),
        };
        out.push(cx.diag(CODE, every.span, message).with_label(label).with_help(help));
    }
}
