//! a `{respN_field}` whose field holds `:` or `/`, which the sequential proxy never fills
//!
//! ## What it does
//! Reports a response variable in a backend `url_pattern` whose field part
//! (after `respN_`) contains a `:` or a `/`.
//!
//! ## Why is this bad?
//! KrakenD accepts the variable at start: `url_pattern` variables may hold
//! `:` and `/` (lura `config/config.go` `simpleURLKeysPattern`,
//! `\{([\w\-\.:/]+)\}`), and `sequentialParamsPattern` (`resp[\d]+_.+`)
//! takes any field. But the sequential proxy only fills the variables that
//! `reUrlPatterns`, `\{\{\.Resp(\d+)_([\w-.]+)\}\}`, finds in the converted
//! pattern (`proxy/merging.go` `sequentialMergerConfig`): letters, digits,
//! `_`, `-` and `.` only. A `:` or `/` in the field stops that match, so
//! nothing is ever read from the earlier response, and the backend receives
//! the literal text `{{.Resp0_links/self}}` in its URL. KrakenD does not
//! warn.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/orders/{id}",
//!   "extra_config": { "proxy": { "sequential": true } },
//!   "backend": [
//!     { "url_pattern": "/orders/{id}" },
//!     { "url_pattern": "/customers/{resp0_customer:id}" }
//!   ]
//! }
//! ```
//!
//! ## How to fix it
//! Reach nested fields with dots (`{resp0_links.self}`), not `/`. For a
//! field whose name holds `:` or `/`, rename it in the earlier backend with
//! `mapping` (`"customer:id": "customer_id"`) and use the new name
//! (`{resp0_customer_id}`): `mapping` applies before the next backend's URL
//! is built.

use std::collections::HashSet;

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::pattern::{self, OutputParam};

/// The rule's code.
pub const CODE: &str = "GW208";

/// Reports each such variable once per backend.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let declared: Vec<&str> = ep
            .path
            .as_ref()
            .map(|p| pattern::declared_vars(&p.value, cx.config.disable_rest).into_iter().map(|v| v.name).collect())
            .unwrap_or_default();
        for b in &ep.backends {
            let Some(url) = &b.url_pattern else { continue };
            let mut seen = HashSet::new();
            for v in pattern::url_pattern_vars(&url.value) {
                let OutputParam::Response { backend, field } = pattern::output_param(v.name) else { continue };
                let Some(bad) = field.find([':', '/']) else { continue };
                if declared.contains(&v.name) || !seen.insert(v.name) {
                    continue;
                }
                let ch = &field[bad..=bad];
                // `{` + `respN_` + the field's text up to the character.
                let at = v.range.start + 1 + (v.name.len() - field.len()) + bad;
                let go_key = format!("R{}", &v.name[1..]);
                let mut d = cx
                    .diag(CODE, url.sub_span(v.range.clone()), format!("`{{{}}}` is never filled: its field holds `{ch}`", v.name))
                    .with_label(format!("the backend receives `{{{{.{go_key}}}}}` literally"))
                    .with_secondary(
                        url.sub_span(at..at + 1),
                        "the sequential proxy reads only letters, digits, `_`, `-` and `.` in a field name",
                    );
                d = if ch == "/" {
                    let dotted = field.replace('/', ".");
                    d.with_help(format!(
                        "reach nested fields with dots: `{{resp{backend}_{dotted}}}`; a field whose name holds `/` must first be renamed with backend {backend}'s `mapping`"
                    ))
                } else if field[..bad].contains('.') {
                    d.with_help(format!(
                        "`mapping` renames top-level fields only, so this nested field cannot be read: pass on another field of backend {backend}'s response"
                    ))
                } else {
                    let renamed = field.replace([':', '/'], "_");
                    d.with_help(format!(
                        "rename the field in backend {backend}'s response with `mapping` (`\"{field}\": \"{renamed}\"`) and use `{{resp{backend}_{renamed}}}`"
                    ))
                };
                out.push(d);
            }
        }
    }
}
