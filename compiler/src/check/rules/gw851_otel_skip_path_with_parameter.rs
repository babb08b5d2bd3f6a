//! a `telemetry/opentelemetry` `skip_paths` entry with a `{parameter}`
//!
//! ## What it does
//! Reports a `skip_paths` entry written with `{…}`.
//!
//! ## Why is this bad?
//! CE compares `skip_paths` with the raw request path (global layer) and
//! with the endpoint after lura's `{x}` → `:x` rewrite (proxy and backend
//! layers): an entry with `{id}` matches neither, and the endpoint is still
//! measured and traced (krakend-components §8.1).
//!
//! ## Example
//! ```json
//! { "telemetry/opentelemetry": { "skip_paths": ["/users/{id}"] } }
//! ```
//!
//! ## How to fix it
//! Write the parameter as gin does, `/users/:id`, for the proxy and
//! backend layers (the global layer only skips exact request paths).

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW851";

/// Reports every entry with `{`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(list) = cx.config.extra.otel.as_ref().and_then(|o| o.skip_paths.as_ref()) else {
        return;
    };
    for p in &list.value {
        if !(p.value.contains('{') && p.value.contains('}')) {
            continue;
        }
        let gin = crate::plan::telemetry::opentelemetry::gin_route(&p.value);
        out.push(
            cx.diag(
                CODE,
                p.span,
                format!("`skip_paths` entry `{}` never matches", p.value),
            )
            .with_label("KrakenD compares `:param`, not `{param}`")
            .with_help(format!(
                "write it as `{gin}` (KrakenD compares the endpoint in gin's form)"
            )),
        );
    }
}
