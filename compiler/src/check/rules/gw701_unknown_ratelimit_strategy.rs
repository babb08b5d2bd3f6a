//! a `client_max_rate` without a known `strategy`: KrakenD CE runs without the client limit
//!
//! ## What it does
//! Reports a `qos/ratelimit/router` with a positive `client_max_rate` whose
//! `strategy` is missing, not a string, or none of `ip`, `header` and
//! `param` (compared case-insensitively, as CE does).
//!
//! ## Why is this bad?
//! KrakenD CE picks how to identify a client from `strategy`; for any other
//! value it logs `Unknown strategy` once at start and builds the endpoint
//! *without* the client limit (`krakend-ratelimit`'s `router/gin/gin.go`).
//! Every client can then send as much as the endpoint limit allows.
//!
//! ## Example
//! ```json
//! { "qos/ratelimit/router": { "client_max_rate": 5, "strategy": "user" } }
//! ```
//!
//! ## How to fix it
//! Set `strategy` to `ip` (the client's address), or `header` or `param`
//! with a `key` naming the header or the endpoint placeholder that
//! identifies the client.

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::Spanned;

/// The rule's code.
pub const CODE: &str = "GW701";

const STRATEGIES: [&str; 3] = ["ip", "header", "param"];

/// Reports each client limit without a usable strategy.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, r) in cx.config.rate_limits() {
        let Some(rate) = r.client_max_rate.as_ref().filter(|_| r.has_client_rate()) else {
            continue;
        };
        const HELP: &str = "set `\"strategy\": \"ip\"`, or `\"header\"`/`\"param\"` with a `key` naming the header or the endpoint placeholder";
        let d = match &r.strategy {
            None => cx
                .diag(CODE, rate.key_span, "`client_max_rate` without a `strategy`: the client limit is off")
                .with_label("KrakenD CE needs a `strategy` to tell clients apart")
                .with_help(HELP),
            Some(s) => match &s.value {
                Some(v) if STRATEGIES.contains(&v.to_lowercase().as_str()) => continue,
                Some(v) => {
                    let d = cx
                        .diag(CODE, s.span, format!("unknown rate-limit `strategy` `{v}`: the client limit is off"))
                        .with_label("not `ip`, `header` or `param`");
                    let text = Spanned { value: v.clone(), span: s.span, key_span: s.key_span, style: s.style };
                    match did_you_mean(&v.to_lowercase(), STRATEGIES.iter().copied()) {
                        Some(best) => d.did_you_mean(best, text.inner_span()),
                        None => d.with_help(HELP),
                    }
                }
                None => cx
                    .diag(CODE, s.span, "rate-limit `strategy` is not a string: the client limit is off")
                    .with_label("not `\"ip\"`, `\"header\"` or `\"param\"`")
                    .with_help(HELP),
            },
        };
        out.push(
            d.with_secondary(rate.span, "this client limit is never applied")
                .with_note("KrakenD CE logs `Unknown strategy` once at start and limits only the whole endpoint"),
        );
    }
}
