//! a `gwc/failover.retry_on` class gwc does not know, or retriable statuses that cannot work
//!
//! ## What it does
//! Reports `retry_on` entries other than `connect-failure`, `reset`,
//! `timeout`, `5xx`, `gateway-error` and `retriable-status` (with the
//! closest class as a fix), a `retriable-status` entry without any
//! `retriable_status` codes, and `retriable_status` codes outside 400 to
//! 599.
//!
//! ## Why is this bad?
//! An unknown class never matches, so the failures it was meant to retry
//! are returned to the client. `retriable-status` retries exactly the codes
//! of `retriable_status`, so without codes it does nothing; 1xx, 2xx and
//! 3xx answers are not failures.
//!
//! ## Example
//! ```json
//! { "gwc/failover": { "retry_on": ["connect-failure", "5XX", "retriable-status"] } }
//! ```
//!
//! ## How to fix it
//! Use the class names above (`"5xx"`), and list the codes to retry in
//! `retriable_status` (e.g. `[409, 429]`).

use crate::check::Context;
use crate::check::gwc;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::lb::FailureClass;

/// The rule's code.
pub const CODE: &str = "GW527";

/// Reports each unusable retry class or status.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = FailureClass::ALL.iter().map(|c| c.as_str()).collect();
    for b in gwc::backends(cx.config) {
        let Some(failover) = &b.gwc().failover else { continue };
        let codes = failover.retriable_status.as_ref();
        for class in failover.retry_on.iter().flat_map(|r| r.value.iter()) {
            match FailureClass::parse(&class.value) {
                Some(FailureClass::RetriableStatus) if codes.is_none_or(|c| c.value.is_empty()) => {
                    let mut d = cx
                        .diag(CODE, class.span, format!("`retriable-status` in `retry_on` of {} has no codes to retry", b.name()))
                        .with_label("retries the codes of `retriable_status`, and there are none");
                    if let Some(c) = codes {
                        d = d.with_secondary(c.span, "empty");
                    }
                    out.push(d.with_help("list the statuses to retry, e.g. `\"retriable_status\": [409, 429]`, or remove `retriable-status`"));
                }
                Some(_) => {}
                None => {
                    let alias = match class.value.as_str() {
                        "retriable-status-codes" | "retriable_status_codes" | "retriable-4xx" => Some("retriable-status"),
                        "conn-failure" | "connect_failure" | "error" => Some("connect-failure"),
                        "http_502" | "http_503" | "http_504" => Some("gateway-error"),
                        _ => None,
                    };
                    let mut d = cx
                        .diag(CODE, class.span, format!("unknown `retry_on` class `{}` in {}", class.value, b.name()))
                        .with_label("never matches a failure");
                    d = match alias.or_else(|| did_you_mean(&class.value, names.iter().copied())) {
                        Some(best) => d.did_you_mean(best, class.inner_span()),
                        None => d.with_help("use `connect-failure`, `reset`, `timeout`, `5xx`, `gateway-error` or `retriable-status`"),
                    };
                    out.push(d);
                }
            }
        }
        for code in codes.iter().flat_map(|c| c.value.iter()) {
            if (400..=599).contains(&code.value) {
                continue;
            }
            out.push(
                cx.diag(CODE, code.span, format!("`retriable_status` {} of {} is not an error status", code.value, b.name()))
                    .with_label("only 400 to 599 can be retried")
                    .with_help("list client or server error statuses, e.g. `409`, `429` or `503`"),
            );
        }
    }
}
