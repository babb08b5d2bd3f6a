//! a rate-limit `every` that is not a Go duration: KrakenD uses 1s
//!
//! ## What it does
//! Reports a `qos/ratelimit/router` `every` that `time.ParseDuration`
//! rejects: a string such as `"1 minute"` or `"60"`, or a number (KrakenD
//! prints it without a unit).
//!
//! ## Why is this bad?
//! KrakenD CE falls back to one second without a word
//! (`krakend-ratelimit`'s `router/router.go`), so `"max_rate": 100,
//! "every": "1 minute"` allows 100 requests a **second**, sixty times the
//! intended rate.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/router": { "max_rate": 100, "every": "1 minute" } }
//! ```
//!
//! ## How to fix it
//! Write a Go duration: a number and a unit (`ns`, `us`, `ms`, `s`, `m`,
//! `h`), e.g. `"1m"`, `"30s"`, `"1h30m"`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::DurationValue;
use crate::model::duration::parse_go_duration;

/// The rule's code.
pub const CODE: &str = "GW706";

/// Reports each `every` CE cannot parse.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, r) in cx.config.rate_limits() {
        let (Some(every), Some(Err(()))) = (&r.every, r.every_ns()) else { continue };
        let (label, help) = match &every.value {
            DurationValue::Text(s) => (
                parse_go_duration(s).err().map_or_else(|| "not a Go duration".to_string(), |e| e.go_message(s)),
                "write a number and a unit, e.g. `\"1m\"`, `\"30s\"`".to_string(),
            ),
            DurationValue::Number(raw) => (
                "a number: KrakenD reads it as text without a unit".to_string(),
                format!("write it as a duration string, e.g. `\"{raw}s\"` for {raw} seconds"),
            ),
        };
        out.push(
            cx.diag(CODE, every.span, "rate-limit `every` is not a Go duration: KrakenD CE uses 1s")
                .with_label(label)
                .with_help(help)
                .with_note("the rates are then per second: a rate meant per minute is 60 times higher"),
        );
    }
}
