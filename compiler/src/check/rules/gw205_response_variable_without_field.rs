//! a response variable without a field (`{resp0}`) in a `url_pattern`
//!
//! ## What it does
//! Reports `{respN}` (or `{respN_}`) in a backend `url_pattern`: a
//! sequential-proxy variable that names a backend but no field of its
//! response.
//!
//! ## Why is this bad?
//! KrakenD accepts `{respN_field}` only with a field after the `_`. Without
//! one the name is an ordinary variable the endpoint does not declare, and
//! KrakenD refuses to start: `undefined output param 'resp0'`.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/order/{id}",
//!   "extra_config": { "proxy": { "sequential": true } },
//!   "backend": [
//!     { "url_pattern": "/orders/{id}" },
//!     { "url_pattern": "/customers/{resp0}" }
//!   ]
//! }
//! ```
//!
//! ## How to fix it
//! Name the field to use: `{resp0_customer_id}` (dots reach nested fields:
//! `{resp0_customer.id}`). A whole response body can only be passed on with
//! `sequential_propagated_params: ["resp0"]` from a `no-op` backend.

use std::collections::HashSet;

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::pattern::{self, OutputParam};

/// The rule's code.
pub const CODE: &str = "GW205";

/// Reports each field-less response variable once per backend.
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
                let OutputParam::WholeResponse { backend } = pattern::output_param(v.name) else { continue };
                if declared.contains(&v.name) || !seen.insert(v.name) {
                    continue;
                }
                let mut d = cx
                    .diag(CODE, url.sub_span(v.range.clone()), format!("`{{{}}}` names backend {backend}'s response but no field of it", v.name))
                    .with_label("a field is missing after `_`")
                    .with_help(format!(
                        "name the field to use, e.g. `{{resp{backend}_id}}` (dots reach nested fields: `{{resp{backend}_user.id}}`)"
                    ))
                    .with_note(format!(
                        "KrakenD refuses to start: `undefined output param '{}'! endpoint: {} {}, backend: {}. …`",
                        v.name,
                        ep.method_upper(),
                        pattern::gin_path(path.unwrap_or_default(), cx.config.disable_rest),
                        b.index
                    ));
                if let Some(p) = &ep.path {
                    d = d.with_secondary(p.span, "this endpoint does not declare it either");
                }
                out.push(d);
            }
        }
    }
}
