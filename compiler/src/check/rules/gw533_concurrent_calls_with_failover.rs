//! failover on a backend of an endpoint with `concurrent_calls` above 1
//!
//! ## What it does
//! Reports `gwc/failover` on a backend whose endpoint sets
//! `concurrent_calls` to more than 1, with the number of upstream requests
//! one client request can cause.
//!
//! ## Why is this bad?
//! `concurrent_calls` sends each request that many times in parallel and
//! keeps the first answer; each of those calls then runs its own failover.
//! One client request can become `concurrent_calls` × `max_attempts`
//! upstream requests, exactly when the hosts are struggling.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "concurrent_calls": 3,
//!   "backend": [{ "url_pattern": "/users", "host": ["http://a", "http://b"],
//!     "extra_config": { "gwc/failover": { "max_attempts": 3 } } }] }
//! ```
//!
//! ## How to fix it
//! Use one of the two mechanisms: remove `concurrent_calls` and rely on
//! failover, or remove `gwc/failover`.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::FAILOVER_NAMESPACE;

/// The rule's code.
pub const CODE: &str = "GW533";

/// Reports each failover that `concurrent_calls` multiplies.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(failover) = &b.gwc().failover else { continue };
        let Some(calls) = &b.endpoint.concurrent_calls else { continue };
        if calls.value <= 1 {
            continue;
        }
        let Some(key) = b.namespace_key(FAILOVER_NAMESPACE) else { continue };
        let attempts = failover.max_attempts_or_default();
        out.push(
            cx.diag(CODE, key, format!("one request to {} can cause up to {} upstream requests", b.name(), calls.value.saturating_mul(attempts)))
                .with_label(format!("up to {attempts} attempts for each parallel call"))
                .with_secondary(calls.span, format!("{} parallel calls", calls.value))
                .with_help("use one of the two: remove `concurrent_calls` and rely on failover, or remove `gwc/failover`"),
        );
    }
}
