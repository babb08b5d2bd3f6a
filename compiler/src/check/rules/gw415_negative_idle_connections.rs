//! a negative idle-connection limit turns connection reuse off
//!
//! ## What it does
//! Reports a negative root `max_idle_connections_per_host` or
//! `max_idle_connections`.
//!
//! ## Why is this bad?
//! KrakenD passes the value to Go's `http.Transport`, where only 0 means
//! "default": a negative limit is always exceeded, so no idle connection is
//! kept and every backend request opens a new TCP (and TLS) connection.
//!
//! ## Example
//! ```json
//! { "version": 3, "max_idle_connections_per_host": -1 }
//! ```
//!
//! ## How to fix it
//! Use a positive limit, or remove the key for the default (250 per host,
//! no overall limit).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::Fields;

/// The rule's code.
pub const CODE: &str = "GW415";

/// Reports each negative idle-connection limit.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (key, default) in [("max_idle_connections_per_host", "250 per host"), ("max_idle_connections", "no overall limit")] {
        let Some(n) = Fields(cx.root).number(key) else { continue };
        if n.value >= 0.0 {
            continue;
        }
        out.push(
            cx.diag(CODE, n.span, format!("`{key}` is negative: no idle connection is kept"))
                .with_label("every backend request opens a new connection")
                .with_help(format!("use a positive number, or remove `{key}` for the default ({default})")),
        );
    }
}
