//! a rate limit per `every` longer than a second without a capacity: the burst is the rate per second
//!
//! ## What it does
//! Reports a `max_rate` without `capacity` (or a `client_max_rate` without
//! `client_capacity`) when `every` is longer than one second and the
//! capacity KrakenD derives is smaller than the rate written.
//!
//! ## Why is this bad?
//! KrakenD CE turns the rate into tokens per second (`rate × 1s / every`)
//! and, without an explicit capacity, makes the bucket hold the *integer
//! part of that*, at least 1 (`krakend-ratelimit`'s `router/gin/gin.go`).
//! So `"max_rate": 60, "every": "1m"` is a bucket of **1** token refilled
//! once a second, not 60 requests a minute as bursts: the 2nd request of a
//! burst is refused.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/router": { "max_rate": 60, "every": "1m" } }
//! ```
//!
//! ## How to fix it
//! Write the burst you mean: `"capacity": 60` (or `client_capacity` for
//! the client limit).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::duration::format_go_duration;
use crate::model::{DurationValue, Spanned};

/// The rule's code.
pub const CODE: &str = "GW704";

/// Reports each derived capacity below the rate written.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, r) in cx.config.rate_limits() {
        let (Some(every), Some(Ok(every_ns))) = (&r.every, r.every_ns()) else {
            continue;
        };
        if every_ns <= 1_000_000_000 {
            continue;
        }
        let factor = r.per_second_factor();
        let unset = |c: &Option<Spanned<f64>>| c.as_ref().is_none_or(|c| c.value < 1.0);
        let mut limits: Vec<(&Spanned<f64>, &str, &str)> = Vec::new();
        if let Some(rate) = r.max_rate.as_ref().filter(|_| r.has_endpoint_rate() && unset(&r.capacity)) {
            limits.push((rate, "max_rate", "capacity"));
        }
        // With the endpoint's rate below 1 a second, `client_capacity` is 1
        // whatever the client rate: GW705's finding.
        let endpoint_per_second = r.max_rate.as_ref().map_or(0.0, |m| m.value) * factor;
        if let Some(rate) = r
            .client_max_rate
            .as_ref()
            .filter(|_| r.has_client_rate() && unset(&r.client_capacity) && endpoint_per_second >= 1.0)
        {
            limits.push((rate, "client_max_rate", "client_capacity"));
        }
        for (rate, name, capacity) in limits {
            let derived = ((rate.value * factor) as u64).max(1);
            if (derived as f64) >= rate.value {
                continue;
            }
            let written = format_number(rate.value);
            out.push(
                cx.diag(
                    CODE,
                    rate.span,
                    format!("`{name}: {written}` per `{}` without `{capacity}`: bursts of {derived}, not {written}", written_every(&every.value, every_ns)),
                )
                .with_label(format!("KrakenD makes the bucket hold {derived} (the rate per second, rounded down)"))
                .with_secondary(every.span, "the rate is spread over this period")
                .with_help(format!("set `\"{capacity}\": {}` if bursts of {written} are meant", written))
                .with_note("without a capacity KrakenD CE uses the integer part of the rate per second, at least 1"),
            );
        }
    }
}

/// `every` as written (a string here: a number is never longer than 1s).
fn written_every(v: &DurationValue, ns: i64) -> String {
    match v {
        DurationValue::Text(s) => s.clone(),
        DurationValue::Number(_) => format_go_duration(ns),
    }
}

/// A JSON number as the user wrote it, without a needless `.0`.
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}
