//! a `proxy.static` `strategy` KrakenD does not know
//!
//! ## What it does
//! Checks `extra_config.proxy.static.strategy` against the strategies
//! KrakenD knows: `always`, `success`, `errored`, `complete` and
//! `incomplete`.
//!
//! ## Why is this bad?
//! KrakenD treats any other value as `always` (lura `proxy/static.go`), so
//! the static data, usually a fallback meant for failures, is merged into
//! every response.
//!
//! ## Example
//! ```json
//! { "static": { "strategy": "error", "data": { "status": "unavailable" } } }
//! ```
//!
//! ## How to fix it
//! Use one of the five strategies (`errored` above).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW310";

const STRATEGIES: [&str; 5] = ["always", "success", "errored", "complete", "incomplete"];

/// Checks every endpoint's static proxy.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(strategy) =
            ep.extra.proxy.as_ref().and_then(|p| p.static_data.as_ref()).and_then(|s| s.strategy.as_ref())
        else {
            continue;
        };
        if STRATEGIES.contains(&strategy.value.as_str()) {
            continue;
        }
        let mut d = cx
            .diag(CODE, strategy.span, format!("unknown static strategy `{}`", strategy.value))
            .with_label("KrakenD treats this as `always`: the static data is added to every response");
        let suggestion = match strategy.value.to_ascii_lowercase().as_str() {
            "error" | "errors" | "failure" | "failed" | "fail" | "on_error" => Some("errored"),
            _ => did_you_mean(&strategy.value, STRATEGIES),
        };
        match suggestion {
            Some(s) => {
                d = d.did_you_mean(s, strategy.inner_span());
            }
            None => d = d.with_help("use `always`, `success`, `errored`, `complete` or `incomplete`"),
        }
        out.push(d);
    }
}
