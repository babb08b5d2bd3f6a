//! a `gwc/failover.backoff_base` longer than `backoff_max`
//!
//! ## What it does
//! Reports a `backoff_base` longer than the `backoff_max` written next to
//! it.
//!
//! ## Why is this bad?
//! Retry k waits a random time up to (2^k − 1) × `backoff_base`, capped at
//! `backoff_max`. With the cap below the base, every wait is capped, so
//! `backoff_base` does not mean what it says and the backoff is not
//! exponential at all.
//!
//! ## Example
//! ```json
//! { "gwc/failover": { "max_attempts": 3, "backoff_base": "500ms", "backoff_max": "100ms" } }
//! ```
//!
//! ## How to fix it
//! Make `backoff_max` at least `backoff_base` (it defaults to 10 ×
//! `backoff_base`), or lower `backoff_base`.

use crate::check::Context;
use crate::check::gwc::{self, nanos, show};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW529";

/// Reports each backoff base above its cap.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(failover) = &b.gwc().failover else { continue };
        let (Some(base), Some(max)) = (&failover.backoff_base, &failover.backoff_max) else { continue };
        let (Some(bn), Some(mn)) = (nanos(&failover.backoff_base), nanos(&failover.backoff_max)) else { continue };
        if bn <= mn {
            continue;
        }
        out.push(
            cx.diag(CODE, base.span, format!("`backoff_base` {} of {} is longer than `backoff_max` {}", show(bn), b.name(), show(mn)))
                .with_label("every wait is capped below this base")
                .with_secondary(max.span, "the cap")
                .with_help(format!("raise `backoff_max` to at least `\"{}\"` (it defaults to 10 × `backoff_base`), or lower `backoff_base`", show(bn))),
        );
    }
}
