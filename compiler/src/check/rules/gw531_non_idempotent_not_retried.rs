//! failover on a POST or PATCH backend that can retry only connection failures
//!
//! ## What it does
//! Reports a `gwc/failover` whose `retry_on` has classes beyond
//! `connect-failure` (the default has `reset`, `timeout` and `5xx`) on a
//! backend that sends a non-idempotent method (POST, PATCH, or anything
//! but GET, HEAD, OPTIONS, TRACE, PUT and DELETE), without
//! `retry_non_idempotent`. The method is the backend's `method`, else the
//! endpoint's.
//!
//! ## Why is this bad?
//! gwc never re-sends a non-idempotent request that may have reached the
//! upstream (as nginx does), since it could be processed twice. Such a
//! request is retried only when the connection failed before anything was
//! sent, so the other `retry_on` classes do nothing here.
//!
//! ## Example
//! ```json
//! { "endpoint": "/orders", "method": "POST",
//!   "backend": [{ "url_pattern": "/orders", "host": ["http://a", "http://b"],
//!     "extra_config": { "gwc/failover": { "retry_on": ["connect-failure", "5xx"] } } }] }
//! ```
//!
//! ## How to fix it
//! Write `"retry_on": ["connect-failure"]` to say what happens, or, if the
//! upstream tolerates duplicates (an idempotency key), set
//! `"retry_non_idempotent": true`.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::{FailureClass, backend_method, is_idempotent};

/// The rule's code.
pub const CODE: &str = "GW531";

/// Reports each non-idempotent backend whose retry classes cannot apply.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(failover) = &b.gwc().failover else { continue };
        let method = backend_method(b.endpoint, b.backend);
        if is_idempotent(&method) || failover.retries_non_idempotent() {
            continue;
        }
        let dead: Vec<&str> = failover
            .retry_on_or_default()
            .into_iter()
            .filter(|c| *c != FailureClass::ConnectFailure)
            .map(FailureClass::as_str)
            .collect();
        if dead.is_empty() {
            continue;
        }
        let shown: Vec<String> = dead.iter().map(|c| format!("`{c}`")).collect();
        let apply = if dead.len() == 1 { "applies" } else { "apply" };
        let mut d = match &failover.retry_on {
            Some(r) => cx.diag(CODE, r.span, format!("`{method}` requests to {} are retried only on connection failures", b.name())).with_label(format!("{} never {apply} to `{method}`", crate::check::schema::join_and(&shown))),
            None => match b.namespace_key(crate::model::lb::FAILOVER_NAMESPACE) {
                Some(key) => cx
                    .diag(CODE, key, format!("`{method}` requests to {} are retried only on connection failures", b.name()))
                    .with_label(format!("the default `retry_on` has {}, which never {apply} to `{method}`", crate::check::schema::join_and(&shown))),
                None => continue,
            },
        };
        let method_span = b.backend.method.as_ref().or(b.endpoint.method.as_ref()).map(|m| m.span);
        if let Some(span) = method_span {
            d = d.with_secondary(span, "not idempotent");
        }
        out.push(
            d.with_help("write `\"retry_on\": [\"connect-failure\"]` to say so, or set `\"retry_non_idempotent\": true` if the upstream tolerates duplicate requests")
                .with_note("a request that may have reached the upstream is not sent again unless it is idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE)"),
        );
    }
}
