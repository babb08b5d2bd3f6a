//! an active health check `method` gwc cannot probe with, or a `body` on a method without one
//!
//! ## What it does
//! Reports a `gwc/healthcheck.active.method` other than GET, HEAD, POST,
//! PUT, PATCH and OPTIONS (case is ignored), and a probe `body` when the
//! method is GET (the default), HEAD or OPTIONS.
//!
//! ## Why is this bad?
//! A probe must be an ordinary request the health endpoint can answer.
//! GET, HEAD and OPTIONS requests carry no body: it would be dropped, or
//! rejected by the service, and the probe would judge something else.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "active": { "path": "/health", "body": "{\"deep\": true}" } } }
//! ```
//!
//! ## How to fix it
//! Set `"method": "POST"` (or PUT, PATCH) for a probe with a body, or
//! remove the `body`.

use crate::check::Context;
use crate::check::gwc;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::lb::{PROBE_BODY_METHODS, PROBE_METHODS};

/// The rule's code.
pub const CODE: &str = "GW520";

/// Reports each unusable probe method and each body the method cannot carry.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.active.as_ref()) else { continue };
        let method = active.method_or_default();
        if let Some(m) = &active.method
            && !PROBE_METHODS.contains(&method.as_str())
        {
            let mut d = cx
                .diag(CODE, m.span, format!("unsupported probe method `{}` in {}", m.value, b.name()))
                .with_label("not GET, HEAD, POST, PUT, PATCH or OPTIONS");
            d = match did_you_mean(&method, PROBE_METHODS) {
                Some(best) => d.did_you_mean(best, m.inner_span()),
                None => d.with_help("use GET (the default), HEAD, POST, PUT, PATCH or OPTIONS"),
            };
            out.push(d);
            continue;
        }
        let Some(body) = &active.body else { continue };
        if PROBE_BODY_METHODS.contains(&method.as_str()) {
            continue;
        }
        let mut d = cx
            .diag(CODE, body.key_span, format!("a `{method}` probe cannot send a `body` ({})", b.name()))
            .with_label(format!("`{method}` requests carry no body"));
        d = match &active.method {
            Some(m) => d.with_secondary(m.span, "the probe method"),
            None => d.with_note("the probe method defaults to GET"),
        };
        out.push(d.with_help("set `\"method\": \"POST\"` (or PUT, PATCH) to send the body, or remove `body`"));
    }
}
