//! a POST/PUT/PATCH endpoint's `input_headers` leaves out `Content-Type`
//!
//! ## What it does
//! Reports a POST, PUT or PATCH endpoint whose `input_headers` is a
//! non-empty list without `Content-Type` (any case) and without `"*"`. It
//! also reports a backend of such an endpoint whose own `input_headers`
//! (which can only narrow the endpoint's) leaves it out, when the endpoint
//! itself forwards it.
//!
//! ## Why is this bad?
//! With no `input_headers`, KrakenD forwards exactly one client header,
//! `Content-Type`. A list *replaces* that default, so `["Authorization"]`
//! stops forwarding `Content-Type` and the backend receives a body it
//! cannot identify (krakend/krakend-documentation#258). Backends that
//! dispatch on the content type (form vs JSON) break.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "method": "POST", "input_headers": ["Authorization"], "backend": [{ "url_pattern": "/users" }] }
//! ```
//!
//! ## How to fix it
//! Add `"Content-Type"` to the list.

use crate::check::{Context, edits};
use crate::diag::{Diagnostic, Fix};
use crate::model::Spanned;
use crate::syntax::{Format, Node};

/// The rule's code.
pub const CODE: &str = "GW411";

/// Whether a header list forwards `Content-Type`.
fn forwards_content_type(list: &[Spanned<String>]) -> bool {
    list.is_empty() || list.iter().any(|h| h.value == "*" || h.value.eq_ignore_ascii_case("content-type"))
}

/// Reports each list that drops `Content-Type` on a request with a body.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let method = ep.method_upper();
        if !matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            continue;
        }
        let path = ep.path.as_ref().map_or("", |p| p.value.as_str());
        if let Some(list) = &ep.input_headers
            && !forwards_content_type(&list.value)
        {
            let d = cx
                .diag(CODE, list.span, format!("`input_headers` of `{method} {path}` does not forward `Content-Type`"))
                .with_label("this list replaces the default, which forwards only `Content-Type`")
                .with_help("add `\"Content-Type\"` so the backends know how to read the body")
                .with_note("without it, the backends receive the request body with no `Content-Type`");
            out.push(with_append(cx, d, ep.raw.get("input_headers")));
            continue;
        }
        for b in &ep.backends {
            let Some(list) = &b.input_headers else { continue };
            if forwards_content_type(&list.value) {
                continue;
            }
            let mut d = cx
                .diag(CODE, list.span, format!("backend `input_headers` drops `Content-Type` for `{method} {path}`"))
                .with_label("a backend list only lets these headers through")
                .with_help("add `\"Content-Type\"` so this backend knows how to read the body");
            if let Some(url) = &b.url_pattern {
                d = d.with_secondary(url.span, "this backend");
            }
            out.push(with_append(cx, d, b.raw.get("input_headers")));
        }
    }
}

fn with_append(cx: &Context<'_>, mut d: Diagnostic, list: Option<&Node>) -> Diagnostic {
    if cx.format == Format::Json
        && let Some(edit) = list.and_then(|l| edits::append_to_array(cx.text, l, "\"Content-Type\""))
    {
        d.fixes.push(Fix { title: "add `\"Content-Type\"`".into(), edits: vec![edit] });
    }
    d
}
