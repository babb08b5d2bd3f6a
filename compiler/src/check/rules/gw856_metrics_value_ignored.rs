//! a `telemetry/metrics` value KrakenD CE ignores
//!
//! ## What it does
//! Reports a `collection_time` string that is not a Go duration (`"60"`,
//! `"1 minute"`), a `listen_address` that is not a string, and a
//! `proxy_disabled`, `router_disabled`, `backend_disabled` or
//! `endpoint_disabled` that is not a boolean.
//!
//! ## Why is this bad?
//! krakend-metrics drops such a value without a word and uses its
//! default: one minute, `:8090`, or `false` (the layer stays on), so the
//! setting the file shows is not the one that runs.
//!
//! ## Example
//! ```json
//! { "telemetry/metrics": { "collection_time": "60", "proxy_disabled": "true" } }
//! ```
//!
//! ## How to fix it
//! Write a Go duration (`"60s"`), a `"HOST:PORT"` string, and `true` or
//! `false` without quotes.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::duration::parse_go_duration;

/// The rule's code.
pub const CODE: &str = "GW856";

/// Reports every ignored value.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(m) = &cx.config.extra.metrics else { return };
    if let Some(ct) = &m.collection_time
        && parse_go_duration(&ct.value).is_err()
    {
        out.push(
            cx.diag(CODE, ct.span, format!("`collection_time` `{}` is not a Go duration: KrakenD CE uses one minute", ct.value))
                .with_label("not a duration `time.ParseDuration` reads")
                .with_help("write a number with a unit, such as `\"60s\"` or `\"2m\"`"),
        );
    }
    if let Some(member) = m.member("listen_address")
        && member.value.as_str().is_none()
    {
        let found = crate::check::schema::with_article(member.value.type_name());
        out.push(
            cx.diag(CODE, member.value.span, format!("`listen_address` is {found}: KrakenD CE listens on `:8090`"))
                .with_label("KrakenD CE reads this value as a string only")
                .with_help("write the address as a string, such as `\":8090\"`"),
        );
    }
    for key in ["proxy_disabled", "router_disabled", "backend_disabled", "endpoint_disabled"] {
        let Some(member) = m.member(key) else { continue };
        if member.value.as_bool().is_some() {
            continue;
        }
        let found = crate::check::schema::with_article(member.value.type_name());
        let fix = match member.value.as_str().map(str::trim) {
            Some("true") => "write `true` (without quotes)".to_string(),
            Some("false") => "write `false` (without quotes)".to_string(),
            _ => format!("write `true` or `false` for `{key}`"),
        };
        out.push(
            cx.diag(CODE, member.value.span, format!("`{key}` is {found}: KrakenD CE reads `false`"))
                .with_label("KrakenD CE reads this value as a boolean only")
                .with_help(fix),
        );
    }
}
