//! host weights under an algorithm that does not use them
//!
//! ## What it does
//! Reports `weight` attributes on the hosts of a backend whose
//! `gwc/loadbalancer.algorithm` is `round_robin` (the default) or `random`.
//! When the algorithm is written, the fix switches it to its weighted
//! variant.
//!
//! ## Why is this bad?
//! Only `weighted_round_robin` and `weighted_random` read weights, so the
//! hosts share the traffic equally, not as the weights say.
//!
//! ## Example
//! ```json
//! { "gwc/loadbalancer": { "hosts": { "http://a:8080": { "weight": 9 }, "http://b:8080": { "weight": 1 } } } }
//! ```
//!
//! ## How to fix it
//! Set `"algorithm": "weighted_round_robin"` (or `weighted_random`), or
//! remove the weights.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::Algorithm;

/// The rule's code.
pub const CODE: &str = "GW511";

/// Reports each backend whose weights its algorithm ignores.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let algorithm = b.gwc().loadbalancer.as_ref().map_or(Some(Algorithm::RoundRobin), |l| l.algorithm());
        let Some(algorithm) = algorithm.filter(|a| !a.is_weighted()) else { continue };
        let weights: Vec<_> = gwc::host_attrs(b.backend).into_iter().filter_map(|a| a.weight).collect();
        let Some(first) = weights.first() else { continue };
        let weighted = match algorithm {
            Algorithm::Random => Algorithm::WeightedRandom,
            _ => Algorithm::WeightedRoundRobin,
        };
        let written = b.gwc().loadbalancer.as_ref().and_then(|l| l.algorithm.as_ref());
        let mut d = cx
            .diag(CODE, first.full_span(), format!("host weights are ignored by the `{}` algorithm", algorithm.as_str()))
            .with_label("has no effect");
        for other in weights.iter().skip(1) {
            d = d.with_secondary(other.full_span(), "has no effect either");
        }
        d = match written {
            Some(a) => d
                .with_secondary(a.span, format!("`{}` gives every host the same share", algorithm.as_str()))
                .with_help(format!("set `\"algorithm\": \"{}\"`, or remove the weights", weighted.as_str()))
                .with_fix(format!("replace with `{}`", weighted.as_str()), a.inner_span(), weighted.as_str()),
            None => d.with_help(format!(
                "add `\"algorithm\": \"{}\"` to `gwc/loadbalancer` (the default, `round_robin`, gives every host the same share), or remove the weights",
                weighted.as_str()
            )),
        };
        out.push(d);
    }
}
