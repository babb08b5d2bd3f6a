//! an active health check without a `path`, or with a path that does not start with `/`
//!
//! ## What it does
//! Reports an enabled `gwc/healthcheck.active` object without `path`, and a
//! `path` (there, or in a host's `healthcheck` override) that does not start
//! with `/`, with the fix that adds the slash.
//!
//! ## Why is this bad?
//! There is no sensible default endpoint to probe: `/` of an API often
//! answers 404 or is expensive. A path without `/` would be glued to the
//! host (`http://a:8080health`), and a full URL would probe another server
//! than the host being judged.
//!
//! ## Example
//! ```json
//! { "gwc/healthcheck": { "active": { "path": "health", "interval": "5s" } } }
//! ```
//!
//! ## How to fix it
//! Write the path of the service's health endpoint, starting with `/`
//! (`"/health"`); it may carry a query string.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::Spanned;

/// The rule's code.
pub const CODE: &str = "GW515";

/// Reports each missing or relative probe path.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        if let Some(active) = b.gwc().healthcheck.as_ref().and_then(|h| h.enabled_active()) {
            match &active.path {
                None => out.push(
                    cx.diag(CODE, active.key_span, format!("the active health check of {} has no `path`", b.name()))
                        .with_label("no `path` to probe")
                        .with_help("add the path of the service's health endpoint, e.g. `\"path\": \"/health\"`"),
                ),
                Some(path) => check_path(cx, out, path, ""),
            }
        }
        for attrs in gwc::host_attrs(b.backend) {
            if let Some(path) = attrs.healthcheck.as_ref().and_then(|h| h.path.as_ref()) {
                check_path(cx, out, path, &format!(" of host `{}`", attrs.url.value));
            }
        }
    }
}

/// Reports `path` unless it starts with `/`; `whose` names a host override.
fn check_path(cx: &Context<'_>, out: &mut Vec<Diagnostic>, path: &Spanned<String>, whose: &str) {
    let value = &path.value;
    if value.starts_with('/') {
        return;
    }
    let d = cx.diag(CODE, path.span, format!("probe `path` `{value}`{whose} does not start with `/`"));
    let d = if value.contains("://") {
        d.with_label("a full URL: the probe must go to the host it judges")
            .with_help("write only the path; the scheme, host and port come from the host being probed")
    } else {
        let fixed = format!("/{value}");
        d.with_label("relative path")
            .with_help(format!("write `\"{fixed}\"`"))
            .with_fix(format!("replace with `{fixed}`"), path.inner_span(), fixed)
    };
    out.push(d);
}
