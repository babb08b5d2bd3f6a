//! an endpoint `{variable}` that no backend uses
//!
//! ## What it does
//! Reports a variable of the endpoint path that appears in no backend
//! `url_pattern` (nor in any `host` or `extra_config` string of the
//! endpoint, where plugins such as `backend/graphql` may read it).
//!
//! ## Why is this bad?
//! KrakenD accepts it, matches any value at that position, and then drops
//! the value: no backend ever sees it. It is usually a forgotten or
//! misspelt variable in the `url_pattern`.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/user/{id}",
//!   "backend": [{ "url_pattern": "/users" }]
//! }
//! ```
//!
//! ## How to fix it
//! Pass the variable on (`"url_pattern": "/users/{id}"`). If the segment
//! only needs to match anything, this warning can be ignored.

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::pattern;
use crate::syntax::{Node, NodeKind};

/// The rule's code.
pub const CODE: &str = "GW202";

/// Reports each unused endpoint variable once.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        if ep.backends.is_empty() {
            continue;
        }
        let vars = pattern::declared_vars(&path.value, cx.config.disable_rest);
        let used_in_url = |name: &str| {
            ep.backends.iter().any(|b| {
                b.url_pattern
                    .as_ref()
                    .is_some_and(|u| pattern::url_pattern_vars(&u.value).iter().any(|v| v.name == name))
            })
        };
        let declared: Vec<&str> = vars.iter().map(|v| v.name).collect();
        let misspelt = misspelt_uses(ep, &declared);
        let mut reported: Vec<&str> = Vec::new();
        for v in &vars {
            if reported.contains(&v.name)
                || used_in_url(v.name)
                || misspelt.contains(&v.name)
                || mentioned_elsewhere(ep, v.name)
            {
                continue;
            }
            reported.push(v.name);
            let mut d = cx
                .diag(CODE, path.sub_span(v.range.clone()), format!("endpoint variable `{{{}}}` is not used by any backend", v.name))
                .with_label("matched, then dropped")
                .with_help(format!(
                    "pass it to a backend, e.g. `{{{}}}` in a `url_pattern`; if the segment only needs to match anything, ignore this warning",
                    v.name
                ));
            if let [only] = ep.backends.as_slice()
                && let Some(url) = &only.url_pattern
            {
                d = d.with_secondary(url.span, "this `url_pattern` does not use it");
            }
            out.push(d);
        }
    }
}

/// The endpoint variables that a misspelt `url_pattern` variable most
/// likely means: GW201 reports those with a suggestion, and calling the
/// variable unused as well would only repeat it.
fn misspelt_uses<'e>(ep: &crate::model::Endpoint<'_>, declared: &[&'e str]) -> Vec<&'e str> {
    let mut out = Vec::new();
    for url in ep.backends.iter().filter_map(|b| b.url_pattern.as_ref()) {
        for v in pattern::url_pattern_vars(&url.value) {
            if declared.contains(&v.name) || pattern::output_param(v.name) != pattern::OutputParam::Plain {
                continue;
            }
            if let Some(s) = did_you_mean(v.name, declared.iter().copied()) {
                out.push(s);
            }
        }
    }
    out
}

/// Whether `name` appears in a backend `host` or in any string of an
/// `extra_config` of the endpoint or its backends (plugins read params by
/// name: GraphQL variables `{id}`, Lua `params("Id")`, CEL `req_params`).
fn mentioned_elsewhere(ep: &crate::model::Endpoint<'_>, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let hosts = ep.backends.iter().filter_map(|b| b.host.as_ref()).flat_map(|h| h.value.iter());
    if hosts.into_iter().any(|h| h.value.contains(&format!("{{{name}}}"))) {
        return true;
    }
    let extras = std::iter::once(ep.extra.raw).chain(ep.backends.iter().map(|b| b.extra.raw)).flatten();
    extras.into_iter().any(|n| any_string(n, &|s| s.to_ascii_lowercase().contains(&lower)))
}

fn any_string(node: &Node, pred: &dyn Fn(&str) -> bool) -> bool {
    match &node.kind {
        NodeKind::String(s) => pred(s),
        NodeKind::Array(items) => items.iter().any(|n| any_string(n, pred)),
        NodeKind::Object(members) => members.iter().any(|m| pred(&m.key) || any_string(&m.value, pred)),
        _ => false,
    }
}
