//! an endpoint path that does not start with `/`
//!
//! ## What it does
//! Reports an `endpoint` that does not start with `/` (or is empty).
//!
//! ## Why is this bad?
//! KrakenD prepends the missing `/` (lura's `CleanPath`), so the endpoint
//! still works as `/users`. But the file says something else than what is
//! served, the official schema (and so `krakend check --lint`) rejects it,
//! and tools that read the file without KrakenD's cleaning get it wrong.
//!
//! ## Example
//! ```json
//! { "endpoint": "users/{id}", "backend": [{ "url_pattern": "/users/{id}" }] }
//! ```
//!
//! ## How to fix it
//! Write the leading slash: `"/users/{id}"`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::syntax::ScalarStyle;

/// The rule's code.
pub const CODE: &str = "GW103";

/// Reports each endpoint path without a leading `/`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        if path.value.starts_with('/') {
            continue;
        }
        let fixed = format!("/{}", path.value);
        let mut d = if path.value.is_empty() {
            cx.diag(CODE, path.span, "empty endpoint path")
                .with_label("KrakenD serves this as `/`")
                .with_help("write `\"/\"` if the root is meant (the official schema rejects an empty path)")
        } else {
            cx.diag(CODE, path.span, format!("endpoint `{}` does not start with `/`", path.value))
                .with_label(format!("KrakenD serves this as `{fixed}`"))
                .with_help(format!(
                    "write `{fixed}` (KrakenD adds the `/` itself, but the official schema and `krakend check --lint` reject the path without it)"
                ))
        };
        // Insert at the start of the text; only in verbatim strings, where
        // offsets inside the value map onto the source.
        if path.style != ScalarStyle::Opaque {
            d = d.with_fix(format!("write `{fixed}`"), path.sub_span(0..0), "/");
        }
        out.push(d);
    }
}
