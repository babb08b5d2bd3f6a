//! an endpoint path with a `__health`, `__debug` or `__echo` segment, which KrakenD reserves
//!
//! ## What it does
//! Reports an `endpoint` with a segment that is exactly `__health`,
//! `__debug` or `__echo`, wherever it sits in the path (`/__health`,
//! `/api/__health`, `/__debug/x`). Longer names such as `/__healthcheck`
//! are fine.
//!
//! ## Why is this bad?
//! KrakenD keeps these paths for its own health check and debug/echo
//! handlers. lura's `invalidPattern` rejects them anywhere in the path (it
//! is not anchored at the start), so KrakenD refuses the config:
//! `ignoring the 'GET /api/__health' endpoint, since it is invalid!!!`.
//!
//! ## Example
//! ```json
//! { "endpoint": "/api/__health", "backend": [{ "url_pattern": "/status" }] }
//! ```
//!
//! ## How to fix it
//! Rename the segment (`/api/health`). To move KrakenD's own health check,
//! set `health_path` in the root `extra_config.router`.

use crate::check::Context;
use crate::check::routes;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW106";

/// Reports the first reserved segment of each endpoint path.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        let Some(range) = routes::reserved_segment(&path.value) else { continue };
        let segment = &path.value[range.clone()];
        let owner = match segment {
            "__health" => "its health check",
            "__debug" => "its debug endpoint",
            _ => "its echo endpoint",
        };
        let renamed = segment.trim_start_matches('_');
        // lura prints the method as written (empty when omitted).
        let raw_method = ep.method.as_ref().map_or("", |m| m.value.as_str());
        out.push(
            cx.diag(CODE, path.sub_span(range), format!("endpoint `{}` uses the reserved segment `{segment}`", path.value))
                .with_label(format!("KrakenD reserves `/{segment}` for {owner}, anywhere in a path"))
                .with_help(format!("rename the segment, e.g. to `{renamed}`"))
                .with_note(format!(
                    "KrakenD refuses to start: `ignoring the '{raw_method} {}' endpoint, since it is invalid!!!`",
                    routes::clean_path(&path.value)
                )),
        );
    }
}
