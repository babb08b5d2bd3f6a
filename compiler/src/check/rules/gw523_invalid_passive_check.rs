//! a passive health check with values that cannot work
//!
//! ## What it does
//! Reports, in `gwc/healthcheck.passive`: `consecutive_failures` below 1,
//! `max_ejection_percent` outside 0 to 100, an `ejection_time` of zero or
//! less, and a `max_ejection_time` shorter than `ejection_time` (defaults
//! `30s` and `300s` count too).
//!
//! ## Why is this bad?
//! A host is ejected after `consecutive_failures` failed requests in a row,
//! for `ejection_time` × the number of times it was ejected, capped at
//! `max_ejection_time`. Zero failures would eject healthy hosts, a zero
//! ejection ejects nothing, a cap below the first ejection contradicts it,
//! and a percentage outside 0 to 100 has no meaning.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "passive": { "consecutive_failures": 0, "ejection_time": "10m" } } }
//! ```
//!
//! ## How to fix it
//! Use at least 1 failure, a positive `ejection_time`, a `max_ejection_time`
//! at least as long, and a percentage from 0 to 100.

use crate::check::Context;
use crate::check::gwc::{self, nanos, show};
use crate::diag::Diagnostic;
use crate::model::lb::defaults::{EJECTION_TIME_NANOS, MAX_EJECTION_TIME_NANOS};

/// The rule's code.
pub const CODE: &str = "GW523";

/// Reports each impossible passive-check value.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(passive) = b.gwc().healthcheck.as_ref().and_then(|h| h.passive.as_ref()) else { continue };
        let name = b.name();
        if let Some(n) = &passive.consecutive_failures
            && n.value < 1
        {
            out.push(
                cx.diag(CODE, n.span, format!("passive `consecutive_failures` {} of {name} is below 1", n.value))
                    .with_label("a host needs at least one failure to be ejected")
                    .with_help("use a count of 1 or more; the default is 5"),
            );
        }
        if let Some(p) = &passive.max_ejection_percent
            && !(0.0..=100.0).contains(&p.value)
        {
            let raw = cx.text.get(p.span.start..p.span.end).unwrap_or_default();
            out.push(
                cx.diag(CODE, p.span, format!("passive `max_ejection_percent` {raw} of {name} is outside 0 to 100"))
                    .with_label("a share of the hosts, in percent")
                    .with_help("use a percentage from 0 to 100; the default is 50 (one host may always be ejected)"),
            );
        }
        let ejection = nanos(&passive.ejection_time);
        if let (Some(e), Some(n)) = (&passive.ejection_time, ejection)
            && n <= 0
        {
            out.push(
                cx.diag(CODE, e.span, format!("passive `ejection_time` of {name} is {}", show(n)))
                    .with_label("an ejection of no time ejects nothing")
                    .with_help("use a positive duration; the default is `\"30s\"`"),
            );
            continue;
        }
        let (base, cap) = (passive.ejection_time_nanos(), passive.max_ejection_time_nanos());
        if cap >= base || (passive.max_ejection_time.is_some() && nanos(&passive.max_ejection_time).is_none()) {
            continue;
        }
        let d = match (&passive.ejection_time, &passive.max_ejection_time) {
            (_, Some(m)) => {
                let d = cx
                    .diag(CODE, m.span, format!("passive `max_ejection_time` {} of {name} is shorter than `ejection_time`", show(cap)))
                    .with_label("caps every ejection below the first one");
                match &passive.ejection_time {
                    Some(e) => d.with_secondary(e.span, format!("the first ejection lasts {}", show(base))),
                    None => d.with_note(format!("the default `ejection_time` is {}", show(EJECTION_TIME_NANOS))),
                }
            }
            (Some(e), None) => cx
                .diag(CODE, e.span, format!("passive `ejection_time` {} of {name} is longer than the default `max_ejection_time` of {}", show(base), show(MAX_EJECTION_TIME_NANOS)))
                .with_label(format!("capped at {} by the default `max_ejection_time`", show(MAX_EJECTION_TIME_NANOS))),
            (None, None) => continue,
        };
        let at_least = passive.ejection_time.as_ref().and_then(gwc::as_text).map_or_else(|| show(base), |t| t.value);
        out.push(d.with_help(format!("set `max_ejection_time` to `\"{at_least}\"` or more, or shorten `ejection_time`")));
    }
}
