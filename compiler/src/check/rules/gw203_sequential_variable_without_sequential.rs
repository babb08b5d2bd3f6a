//! a `{respN_field}` variable in an endpoint that does not run sequentially
//!
//! ## What it does
//! Reports a `url_pattern` variable that reads an earlier backend's response
//! (`{resp0_id}`) when the endpoint lacks `extra_config.proxy.sequential:
//! true`.
//!
//! ## Why is this bad?
//! KrakenD loads the config, but only the sequential proxy fills these
//! variables. Without it the backends run in parallel and the backend
//! receives the literal text `{{.Resp0_id}}` in its URL.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/order/{id}",
//!   "backend": [
//!     { "url_pattern": "/orders/{id}" },
//!     { "url_pattern": "/customers/{resp0_customer_id}" }
//!   ]
//! }
//! ```
//!
//! ## How to fix it
//! Add `"extra_config": { "proxy": { "sequential": true } }` to the
//! endpoint (or set an existing `sequential: false` to `true`).

use std::collections::HashSet;

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::extra::PROXY_LEGACY_KEY;
use crate::model::pattern::{self, OutputParam};

/// The rule's code.
pub const CODE: &str = "GW203";

/// Reports each response variable of a non-sequential endpoint once per
/// backend. References that could not work even with `sequential` (a later
/// backend, or the backend itself) are GW204's.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        if ep.is_sequential() {
            continue;
        }
        let declared: Vec<&str> = ep
            .path
            .as_ref()
            .map(|p| pattern::declared_vars(&p.value, cx.config.disable_rest).into_iter().map(|v| v.name).collect())
            .unwrap_or_default();
        for b in &ep.backends {
            let (Some(url), Some(own)) = (&b.url_pattern, ep.merge_index(b)) else { continue };
            let mut seen = HashSet::new();
            for v in pattern::url_pattern_vars(&url.value) {
                let OutputParam::Response { backend, .. } = pattern::output_param(v.name) else { continue };
                if backend >= own || declared.contains(&v.name) || !seen.insert(v.name) {
                    continue;
                }
                let go_key = format!("R{}", &v.name[1..]);
                let mut d = cx
                    .diag(
                        CODE,
                        url.sub_span(v.range.clone()),
                        format!(
                            "`{{{}}}` needs the sequential proxy, but this endpoint runs its backends in parallel",
                            v.name
                        ),
                    )
                    .with_label(format!("never filled: the backend receives `{{{{.{go_key}}}}}` literally"));
                let proxy = ep.extra.proxy.as_ref();
                match proxy.and_then(|p| p.sequential.as_ref()) {
                    Some(seq) => {
                        d = d
                            .with_secondary(seq.span, "`sequential` is off here")
                            .with_help("set `sequential` to `true`")
                            .with_fix("set `sequential` to `true`", seq.span, "true");
                    }
                    None => {
                        let (span, what) = match ep.extra.get("proxy").or_else(|| ep.extra.get(PROXY_LEGACY_KEY)) {
                            Some((key, _)) => (key, "this `proxy` namespace has no `sequential: true`"),
                            None => (ep.name_span(), "this endpoint has no `extra_config.proxy.sequential`"),
                        };
                        d = d.with_secondary(span, what).with_help(
                            "add `\"extra_config\": { \"proxy\": { \"sequential\": true } }` to the endpoint so that backends run in order",
                        );
                    }
                }
                out.push(d);
            }
        }
    }
}
