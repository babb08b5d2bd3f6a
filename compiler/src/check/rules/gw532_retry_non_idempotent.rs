//! retries of POST or PATCH requests that may already have been processed (`retry_non_idempotent`)
//!
//! ## What it does
//! Reports `"retry_non_idempotent": true` in `gwc/failover` when the
//! backend's method (its own `method`, else the endpoint's) is not
//! idempotent.
//!
//! ## Why is this bad?
//! After a reset, a timeout or a 5xx answer, the upstream may already have
//! processed the request. Sending it again to another host can create the
//! order twice or charge the card twice. nginx and HAProxy refuse such
//! retries by default for this reason.
//!
//! ## Example
//! ```json
//! { "endpoint": "/payments", "method": "POST",
//!   "backend": [{ "url_pattern": "/payments", "host": ["http://a", "http://b"],
//!     "extra_config": { "gwc/failover": { "retry_non_idempotent": true } } }] }
//! ```
//!
//! ## How to fix it
//! Keep it only if the upstream deduplicates requests (an idempotency key
//! header, say), and allow this warning there with `"@gwc-allow":
//! ["GW532"]`; otherwise remove it (connection failures are still retried).

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::{backend_method, is_idempotent};

/// The rule's code.
pub const CODE: &str = "GW532";

/// Reports each opt-in to re-sending non-idempotent requests.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(flag) = b.gwc().failover.as_ref().and_then(|f| f.retry_non_idempotent.as_ref()) else { continue };
        let method = backend_method(b.endpoint, b.backend);
        if !flag.value || is_idempotent(&method) {
            continue;
        }
        let mut d = cx
            .diag(CODE, flag.full_span(), format!("{} re-sends `{method}` requests that may already have been processed", b.name()))
            .with_label("retries after a reset, a timeout or an error status too");
        if let Some(m) = b.backend.method.as_ref().or(b.endpoint.method.as_ref()) {
            d = d.with_secondary(m.span, "not idempotent");
        }
        out.push(
            d.with_help("keep it only if the upstream deduplicates requests (an idempotency key); otherwise remove it: connection failures are retried anyway")
                .with_note("the same request may then be processed by two hosts"),
        );
    }
}
