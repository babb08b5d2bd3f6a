//! two `telemetry/opentelemetry` exporters with the same `name`
//!
//! ## What it does
//! Reports an exporter (`exporters.prometheus[]` or `exporters.otlp[]`)
//! whose `name` an earlier exporter already has.
//!
//! ## Why is this bad?
//! krakend-otel registers the exporters by name, across both lists; a
//! second one with a taken name fails the registration, and KrakenD CE
//! logs `cannot register exporters` and runs with no telemetry at all
//! (krakend-components §8.3).
//!
//! ## Example
//! ```json
//! { "telemetry/opentelemetry": { "exporters": {
//!     "prometheus": [{ "name": "local", "port": 9464 }],
//!     "otlp": [{ "name": "local", "host": "collector" }] } } }
//! ```
//!
//! ## How to fix it
//! Give every exporter a name of its own.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::Spanned;

/// The rule's code.
pub const CODE: &str = "GW850";

/// Reports every exporter name used before.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(otel) = &cx.config.extra.otel else {
        return;
    };
    let names: Vec<&Spanned<String>> = otel
        .prometheus
        .iter()
        .filter_map(|p| p.name.as_ref())
        .chain(&otel.otlp_names)
        .collect();
    let mut names = names;
    names.sort_by_key(|n| n.span.start);
    for (i, n) in names.iter().enumerate() {
        let Some(first) = names[..i].iter().find(|m| m.value == n.value) else {
            continue;
        };
        out.push(
            cx.diag(
                CODE,
                n.span,
                format!("exporter name `{}` is used twice", n.value),
            )
            .with_label("a second exporter with this name")
            .with_secondary(first.span, "first used here")
            .with_help(
                "rename one of the exporters (KrakenD CE starts with no telemetry at all when two share a name)",
            ),
        );
    }
}
