//! a KrakenD Enterprise variable (`{input_headers.X}`) in a `url_pattern`
//!
//! ## What it does
//! Reports `url_pattern` variables of KrakenD Enterprise's dynamic routing:
//! `{input_headers.Name}` and `{input_query_strings.name}`.
//!
//! ## Why is this bad?
//! KrakenD CE (and gwc, which follows CE) does not know them: they are
//! ordinary variables the endpoint does not declare, and KrakenD CE refuses
//! to start: `undefined output param 'input_headers.x-route'`.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/dynamic",
//!   "backend": [{ "url_pattern": "/{input_headers.X-Route}" }]
//! }
//! ```
//!
//! ## How to fix it
//! Route on a path variable instead (`"endpoint": "/dynamic/{route}"`,
//! `"url_pattern": "/{route}"`), or run the config on KrakenD Enterprise.

use std::collections::HashSet;

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::pattern::{self, OutputParam};

/// The rule's code.
pub const CODE: &str = "GW206";

/// Reports each Enterprise variable once per backend.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let path = ep.path.as_ref().map(|p| p.value.as_str());
        let declared: Vec<&str> = path
            .map(|p| pattern::declared_vars(p, cx.config.disable_rest).into_iter().map(|v| v.name).collect())
            .unwrap_or_default();
        for b in &ep.backends {
            let Some(url) = &b.url_pattern else { continue };
            let mut seen = HashSet::new();
            for v in pattern::url_pattern_vars(&url.value) {
                let OutputParam::Enterprise { source, key } = pattern::output_param(v.name) else { continue };
                if declared.contains(&v.name) || !seen.insert(v.name) {
                    continue;
                }
                let what = if source == "input_headers" { "header" } else { "query string" };
                let mut d = cx
                    .diag(
                        CODE,
                        url.sub_span(v.range.clone()),
                        format!("`{{{}}}` is KrakenD Enterprise dynamic routing, which KrakenD CE does not support", v.name),
                    )
                    .with_label(format!("routes on the `{key}` {what}"))
                    .with_help(
                        "route on a path variable instead (`\"endpoint\": \"/…/{route}\"` with `\"url_pattern\": \"/{route}\"`), or run this config on KrakenD Enterprise",
                    )
                    .with_note(format!(
                        "KrakenD CE refuses to start: `undefined output param '{}'! endpoint: {} {}, backend: {}. …`",
                        v.name,
                        ep.method_upper(),
                        pattern::gin_path(path.unwrap_or_default(), cx.config.disable_rest),
                        b.index
                    ));
                if let Some(p) = &ep.path {
                    d = d.with_secondary(p.span, "this endpoint does not declare it");
                }
                out.push(d);
            }
        }
    }
}
