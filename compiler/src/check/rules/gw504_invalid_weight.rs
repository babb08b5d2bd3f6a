//! a host `weight` that is not an integer from 1 to 1000
//!
//! ## What it does
//! Reports a `weight` (under `gwc/loadbalancer.hosts`, or in a host object
//! inside `host`) that is zero, negative, fractional or above 1000.
//!
//! ## Why is this bad?
//! Weights are whole shares of the traffic. A weight of 0 does not take a
//! host out of rotation (gwc has no such meaning for it: remove the host, or
//! make it a `backup`), and weights above 1000 make the compiled
//! round-robin schedule needlessly long.
//!
//! ## Example
//! ```json
//! { "gwc/loadbalancer": { "algorithm": "weighted_round_robin",
//!     "hosts": { "http://a:8080": { "weight": 0.5 }, "http://b:8080": { "weight": 2 } } } }
//! ```
//!
//! ## How to fix it
//! Use integers from 1 to 1000 with the ratios you want (`1` and `4`
//! instead of `0.5` and `2`).

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::defaults::MAX_WEIGHT;

/// The rule's code.
pub const CODE: &str = "GW504";

/// Reports each invalid weight.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        for attrs in gwc::host_attrs(b.backend) {
            let Some(weight) = &attrs.weight else { continue };
            if attrs.valid_weight().is_some() {
                continue;
            }
            let raw = cx.text.get(weight.span.start..weight.span.end).unwrap_or_default();
            let url = &attrs.url.value;
            let w = weight.value;
            let (label, help) = if w.fract() != 0.0 {
                ("weights are whole numbers", "scale every weight of this backend to whole numbers with the same ratios (`0.5` and `2` become `1` and `4`)".to_string())
            } else if w <= 0.0 {
                (
                    "weights start at 1",
                    "remove the host from `host` to take it out of rotation, or set `\"backup\": true` to use it only when the others are down".to_string(),
                )
            } else {
                ("weights stop at 1000", format!("divide every weight of this backend by a common factor to stay within {MAX_WEIGHT}"))
            };
            out.push(
                cx.diag(CODE, weight.span, format!("invalid `weight` {raw} for host `{url}`"))
                    .with_label(label)
                    .with_help(help)
                    .with_note("a weight is an integer from 1 to 1000 (default 1)"),
            );
        }
    }
}
