//! an endpoint's `input_headers` holds `"*"`: every client header is forwarded
//!
//! ## What it does
//! Reports `"*"` in an endpoint's `input_headers`. (A backend's
//! `input_headers` can only narrow what its endpoint forwards: a `"*"`
//! there opens nothing, it drops every header, which is GW418's.)
//!
//! ## Why is this bad?
//! A `"*"` anywhere in the list makes KrakenD forward all the client's
//! headers, `Cookie` and `Authorization` included, to every backend of the
//! endpoint, third-party ones too, and lets a client set any header a
//! backend may trust (`X-User-Id`, `X-Forwarded-Proto`…).
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "input_headers": ["*"], "backend": [{ "url_pattern": "/users" }] }
//! ```
//!
//! ## How to fix it
//! List the headers the backends need (`["Authorization", "Content-Type"]`).

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW412";

/// Reports each endpoint `input_headers` holding `"*"`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(list) = &ep.input_headers else { continue };
        let Some(star) = list.value.iter().find(|h| h.value == "*") else { continue };
        let path = ep.path.as_ref().map_or("", |p| p.value.as_str());
        let backends = match ep.backends.len() {
            0 | 1 => "its backend".to_string(),
            2 => "both its backends".to_string(),
            n => format!("all {n} of its backends"),
        };
        let mut d = cx
            .diag(CODE, star.span, format!("`{} {path}` forwards every client header to {backends}", ep.method_upper()))
            .with_label("`*` forwards all headers, `Cookie` and `Authorization` included")
            .with_help("list only the headers the backends need, e.g. `[\"Authorization\", \"Content-Type\"]`");
        if list.value.len() > 1 {
            d = d.with_note("with `*` in the list, the other entries change nothing");
        }
        out.push(d);
    }
}
