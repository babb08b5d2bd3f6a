//! a martian `url.Modifier` whose `path` drops the `url_pattern` variables
//!
//! ## What it does
//! Reports a `url.Modifier` (request scope) with a `path` on a backend
//! whose `url_pattern` has variables (`/users/{id}`).
//!
//! ## Why is this bad?
//! The modifier replaces the whole path KrakenD built from `url_pattern`:
//! the variables the client's request filled in are gone, and every
//! request reaches the same backend path, silently.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users/{id}", "extra_config": { "modifier/martian": { "url.Modifier": { "scope": ["request"], "path": "/v2/users" } } } }
//! ```
//!
//! ## How to fix it
//! Write the path in `url_pattern` (`/v2/users/{id}`) and drop `path` from
//! the modifier; keep `url.Modifier` for the scheme, host or query.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::Kind;
use crate::model::pattern::url_pattern_vars;

/// The rule's code.
pub const CODE: &str = "GW728";

/// Reports each path that discards the pattern's variables.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, b, m) in cx.config.martians() {
        let Some(pattern) = &b.url_pattern else { continue };
        let vars: Vec<String> = url_pattern_vars(&pattern.value)
            .iter()
            .map(|v| format!("`{{{}}}`", v.name))
            .collect();
        if vars.is_empty() {
            continue;
        }
        for md in m.modifiers() {
            if md.kind != Some(Kind::UrlModifier) || !md.active.request {
                continue;
            }
            let Some(path) = md.field("path") else { continue };
            let Some(p) = path.value.as_str().filter(|p| !p.is_empty()) else { continue };
            out.push(
                cx.diag(CODE, path.value.span, format!("`url.Modifier` replaces the backend path with `{p}`"))
                    .with_label(format!("the values of {} never reach the backend", vars.join(", ")))
                    .with_secondary(pattern.span, "the path KrakenD builds, replaced")
                    .with_help("write the path in `url_pattern` and remove `path` from the modifier"),
            );
        }
    }
}
