//! a backend has no host, and there is no root `host` to fall back on
//!
//! ## What it does
//! Reports a backend with no `host` (missing, `[]` or `null`) in a file whose
//! root has no `host` list either. Endpoints that are MCP servers
//! (`extra_config` `ai/mcp`) are skipped: their backends are never called.
//!
//! ## Why is this bad?
//! KrakenD loads the file without a word (an empty backend `host` takes the
//! root one, and an empty root list is allowed), but every request to the
//! backend then fails with `no hosts available`, and the endpoint answers
//! with an error. With `sd: "dns"`, the first host is the SRV name to
//! resolve, and KrakenD panics while building a backend that has none.
//!
//! ## Example
//! ```json
//! { "version": 3, "endpoints": [{ "endpoint": "/users", "backend": [{ "url_pattern": "/users" }] }] }
//! ```
//!
//! ## How to fix it
//! Give the backend a `host` list (`"host": ["http://users:8080"]`), or add
//! a root `host` list that every backend without one uses.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::host::host_entries;

/// The rule's code.
pub const CODE: &str = "GW403";

/// Reports each backend with no host to call.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let root_hosts = host_entries(cx.root);
    if root_hosts.as_ref().is_some_and(|(_, entries)| !entries.is_empty()) {
        return;
    }
    for ep in &cx.config.endpoints {
        if ep.extra.get("ai/mcp").is_some() {
            continue;
        }
        for b in &ep.backends {
            let own = host_entries(b.raw);
            if own.as_ref().is_some_and(|(_, entries)| !entries.is_empty()) {
                continue;
            }
            let what = b.url_pattern.as_ref().map_or_else(|| format!("#{}", b.index), |u| format!("`{}`", u.value));
            let path = ep.path.as_ref().map_or("", |p| p.value.as_str());
            let mut d = cx
                .diag(CODE, b.name_span(), format!("backend {what} of endpoint `{path}` has no host"))
                .with_label("no `host` here, and no root `host` to fall back on")
                .with_help("add `\"host\": [\"http://service:8080\"]` to this backend, or a root `host` list for every backend without one");
            if let Some((m, _)) = &own {
                d = d.with_secondary(m.value.span, "empty, so the root `host` applies, and there is none");
            }
            if let Some((m, _)) = &root_hosts {
                d = d.with_secondary(m.value.span, "the root `host` list is empty");
            }
            let dns = b.sd.as_ref().is_some_and(|s| s.value == "dns");
            d = d.with_note(if dns {
                "with `sd: \"dns\"` the first host is the SRV name to resolve: KrakenD panics building a backend without one"
            } else {
                "KrakenD starts, but every request to this backend fails with `no hosts available`"
            });
            out.push(d);
        }
    }
}
