//! weighted round-robin weights whose compiled schedule would exceed 10 000 slots
//!
//! ## What it does
//! With `"algorithm": "weighted_round_robin"`, adds up the weights of the
//! primary hosts (and, separately, of the backup hosts) after dividing them
//! by their greatest common divisor, and reports a sum above 10 000.
//!
//! ## Why is this bad?
//! gwc compiles the weighted round-robin order into the gateway as a table
//! with one slot per unit of reduced weight (`9:1` gives 10 slots,
//! `900:100` too). Weights such as `997:1000:999` cannot be reduced and
//! would need about 3000 slots per host; such precise ratios are never
//! meaningful for traffic.
//!
//! ## Example
//! ```json
//! { "gwc/loadbalancer": { "algorithm": "weighted_round_robin", "hosts": {
//!     "http://a": { "weight": 999 }, "http://b": { "weight": 998 }, "http://c": { "weight": 997 },
//!     "http://d": { "weight": 996 }, "http://e": { "weight": 995 }, "http://f": { "weight": 994 },
//!     "http://g": { "weight": 993 }, "http://h": { "weight": 992 }, "http://i": { "weight": 991 },
//!     "http://j": { "weight": 990 }, "http://k": { "weight": 989 } } } }
//! ```
//!
//! ## How to fix it
//! Use smaller weights with about the same ratios (`10, 10, 10, …`).

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::{Algorithm, defaults::MAX_SCHEDULE_LEN, pool_hosts, schedule_len};

/// The rule's code.
pub const CODE: &str = "GW510";

/// Reports each weighted round-robin tier whose schedule is too long.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(lb) = &b.gwc().loadbalancer else { continue };
        if lb.algorithm() != Some(Algorithm::WeightedRoundRobin) {
            continue;
        }
        let pool = pool_hosts(cx.config, b.backend);
        for backup in [false, true] {
            let tier: Vec<_> = pool.iter().filter(|h| h.is_backup() == backup).collect();
            let weights: Vec<u16> = tier.iter().map(|h| h.weight()).collect();
            let len = schedule_len(&weights);
            if len <= MAX_SCHEDULE_LEN {
                continue;
            }
            let span = lb.hosts_key.or_else(|| lb.algorithm.as_ref().map(|a| a.span)).unwrap_or(lb.raw.span);
            let which = if backup { "backup" } else { "primary" };
            let shown: Vec<String> = weights.iter().map(u16::to_string).collect();
            out.push(
                cx.diag(CODE, span, format!("the weighted round-robin schedule of the {which} hosts of {} would have {len} slots", b.name()))
                    .with_label(format!("weights {} cannot be reduced below {len} slots", shown.join(":")))
                    .with_help("use smaller weights with about the same ratios (e.g. divide them by 10 and round), or `weighted_random`, which needs no schedule")
                    .with_note(format!("gwc compiles one slot per unit of weight after dividing by the weights' common divisor, at most {MAX_SCHEDULE_LEN}")),
            );
        }
    }
}
