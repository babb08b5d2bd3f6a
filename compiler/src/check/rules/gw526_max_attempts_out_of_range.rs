//! a `gwc/failover.max_attempts` outside 1 to 10
//!
//! ## What it does
//! Reports a `max_attempts` below 1 or above 10. The count is the total
//! number of attempts per request, the first one included.
//!
//! ## Why is this bad?
//! Zero attempts would never call the backend. More than 10 attempts turn
//! one client request into a burst against hosts that are already failing,
//! and cannot fit in any reasonable endpoint `timeout`.
//!
//! ## Example
//! ```json
//! { "gwc/failover": { "max_attempts": 0 } }
//! ```
//!
//! ## How to fix it
//! Use 2 or 3 (the default is 2: one retry). To switch failover off,
//! remove the `gwc/failover` namespace.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::defaults::MAX_MAX_ATTEMPTS;

/// The rule's code.
pub const CODE: &str = "GW526";

/// Reports each `max_attempts` outside 1..=10.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(m) = b.gwc().failover.as_ref().and_then(|f| f.max_attempts.as_ref()) else { continue };
        if (1..=MAX_MAX_ATTEMPTS).contains(&m.value) {
            continue;
        }
        let (label, help) = if m.value < 1 {
            ("the first attempt counts: at least 1", "use 2 or 3 attempts; to switch failover off, remove `gwc/failover`")
        } else {
            ("more than 10 attempts per request", "use 2 or 3 attempts: more retries mostly add load to failing hosts")
        };
        out.push(
            cx.diag(CODE, m.span, format!("`max_attempts` {} of {} is outside 1 to 10", m.value, b.name()))
                .with_label(label)
                .with_help(help)
                .with_note("`max_attempts` counts every attempt, the first one included (default 2)"),
        );
    }
}
