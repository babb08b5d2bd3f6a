//! a `logger_skip_paths` entry no request path can equal: those requests are still logged
//!
//! ## What it does
//! Reports an entry of the root `router.logger_skip_paths` that cannot be
//! a request path: one with a `{variable}`, a query (`?`) or a fragment
//! (`#`), or one that does not start with `/`.
//!
//! ## Why is this bad?
//! gin's access logger compares each request's path, decoded, with the
//! entries, exactly: there are no patterns. `/users/{id}` only skips a
//! request for the literal path `/users/{id}`, and `/__health?x` none at
//! all. The requests meant to be skipped are logged as before.
//!
//! ## Example
//! ```json
//! { "router": { "logger_skip_paths": ["/__health", "/users/{id}"] } }
//! ```
//!
//! ## How to fix it
//! List exact paths (`/__health`, `/metrics`). A path with a variable
//! cannot be skipped; `disable_access_log` turns the whole log off.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW745";

/// Reports each entry no path can match.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(list) = cx.config.extra.router.as_ref().and_then(|r| r.logger_skip_paths.as_ref()) else { return };
    for entry in &list.value {
        let p = entry.value.as_str();
        let braces = p.find('{').zip(p.rfind('}')).filter(|(open, close)| open < close);
        let why = if let Some((open, close)) = braces {
            let var = &p[open..=close];
            format!("paths are compared exactly: `{var}` only matches the text `{var}`")
        } else if p.contains('?') || p.contains('#') {
            "a request's path has no query or fragment: this never equals one".to_string()
        } else if !p.starts_with('/') {
            "a request's path starts with `/`: this never equals one".to_string()
        } else {
            continue;
        };
        out.push(
            cx.diag(CODE, entry.span, format!("`logger_skip_paths` entry `{p}` matches no request"))
                .with_label(why)
                .with_help("list exact request paths, such as `/__health`"),
        );
    }
}
