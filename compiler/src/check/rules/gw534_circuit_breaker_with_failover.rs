//! a circuit breaker and `gwc/failover` on the same backend
//!
//! ## What it does
//! Reports a backend that has both KrakenD's `qos/circuit-breaker` and
//! `gwc/failover`, to say how they combine.
//!
//! ## Why is this bad?
//! The breaker wraps the whole backend call, all hosts together, so it sees
//! one result per client request, after failover: a request that succeeded
//! on the second host counts as a success, and the breaker opens only when
//! requests fail on every attempt. It opens on the `max_errors + 1`-th such
//! failure in a row (KrakenD counts with `>`), and then rejects requests
//! for every host. That is often what is wanted as a last resort, but it is
//! not a per-host ejection.
//!
//! ## Example
//! ```json
//! { "host": ["http://a", "http://b"], "extra_config": {
//!   "qos/circuit-breaker": { "interval": 60, "timeout": 10, "max_errors": 5 },
//!   "gwc/failover": { "max_attempts": 2 } } }
//! ```
//!
//! ## How to fix it
//! For per-host ejection use `gwc/healthcheck.passive`. Keep the breaker
//! as the "everything is failing" guard if you want one, and allow this
//! warning there with `"@gwc-allow": ["GW534"]`.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::FAILOVER_NAMESPACE;

/// The rule's code.
pub const CODE: &str = "GW534";

/// Reports each backend with both a circuit breaker and failover.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        if b.gwc().failover.is_none() {
            continue;
        }
        let (Some(cb), Some((cb_key, _))) = (&b.backend.extra.circuit_breaker, b.backend.extra.get("qos/circuit-breaker")) else { continue };
        let Some(key) = b.namespace_key(FAILOVER_NAMESPACE) else { continue };
        let trips = match &cb.max_errors {
            Some(m) => format!("it opens after {} requests in a row failed on every attempt (`max_errors` + 1)", m.value.saturating_add(1)),
            None => "it opens after `max_errors` + 1 requests in a row failed on every attempt".to_string(),
        };
        out.push(
            cx.diag(CODE, cb_key, format!("the circuit breaker of {} counts one result per request, after failover", b.name()))
                .with_label(trips)
                .with_secondary(key, "retries happen inside the breaker")
                .with_help("for per-host ejection use `gwc/healthcheck.passive`; keep the breaker only as the \"every host is failing\" guard")
                .with_note("once open, the breaker rejects requests for every host of the backend"),
        );
    }
}
