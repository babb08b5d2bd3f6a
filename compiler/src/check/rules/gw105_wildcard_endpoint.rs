//! a `*` in an endpoint path: KrakenD CE has no wildcard routes
//!
//! ## What it does
//! Reports a `*` in an `endpoint`: a trailing `/*` (a wildcard route, as
//! KrakenD Enterprise offers them), or a `*` anywhere else.
//!
//! ## Why is this bad?
//! - A `*` followed by anything (`/files/*path`, `/a/*/b`) matches lura's
//!   `invalidPattern`: KrakenD refuses the config with `ignoring the
//!   'GET /a/*/b' endpoint, since it is invalid!!!`.
//! - A trailing `*` passes that check (and the official schema allows a
//!   trailing `/*`, for Enterprise), but KrakenD CE's router panics at start:
//!   `wildcards must be named with a non-empty name in path '/files/*'`.
//!
//! ## Example
//! ```json
//! { "endpoint": "/wildcarded/resource/*", "backend": [{ "url_pattern": "/resource" }] }
//! ```
//!
//! ## How to fix it
//! Declare each path you need, using a `{variable}` for a segment whose
//! value varies (`/wildcarded/resource/{id}`), or run KrakenD Enterprise.

use crate::check::Context;
use crate::check::routes;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW105";

/// Reports the first `*` of each endpoint path.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        let p = &path.value;
        // lura prints the method as written (empty when omitted).
        let raw_method = ep.method.as_ref().map_or("", |m| m.value.as_str());
        let d = if let Some(at) = routes::rejected_star(p) {
            cx.diag(CODE, path.sub_span(at..at + 1), format!("`*` in endpoint `{p}`"))
                .with_label("lura rejects a `*` followed by more text")
                .with_help("KrakenD has no patterns in paths: declare each path, with a `{variable}` for a segment whose value varies")
                .with_note(format!(
                    "KrakenD refuses to start: `ignoring the '{raw_method} {}' endpoint, since it is invalid!!!`",
                    routes::clean_path(p)
                ))
        } else if let Some(at) = p.len().checked_sub(1).filter(|&i| p.as_bytes()[i] == b'*') {
            let route = routes::registered_route(p, cx.config.disable_rest);
            let panic = format!("KrakenD CE panics at start: `wildcards must be named with a non-empty name in path '{route}'`");
            let span = path.sub_span(at..at + 1);
            if p[..at].ends_with('/') {
                let base = &p[..at];
                cx.diag(CODE, span, format!("wildcard endpoint `{p}` needs KrakenD Enterprise"))
                    .with_label("KrakenD CE's router cannot register an unnamed wildcard")
                    .with_help(format!(
                        "declare each path you need, with a `{{variable}}` for one segment (e.g. `{base}{{id}}`); wildcard routes are an Enterprise feature"
                    ))
                    .with_note(panic)
            } else {
                cx.diag(CODE, span, format!("`*` at the end of endpoint `{p}`"))
                    .with_label("gin reads this as an unnamed wildcard")
                    .with_help("remove the `*`: KrakenD has no patterns in paths")
                    .with_note(panic)
            }
        } else {
            continue;
        };
        out.push(d);
    }
}
