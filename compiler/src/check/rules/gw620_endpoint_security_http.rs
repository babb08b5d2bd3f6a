//! an endpoint-level `security/http`, which KrakenD CE ignores
//!
//! ## What it does
//! Reports a `security/http` namespace (or its legacy name
//! `github_com/devopsfaith/krakend-httpsecure`) in an endpoint's
//! `extra_config`.
//!
//! ## Why is this bad?
//! KrakenD's schema accepts the namespace on an endpoint, but KrakenD CE
//! reads it only at the service level, where it registers one middleware
//! for every route (`krakend-ce`'s `router_engine.go`; lura#307). On an
//! endpoint nothing happens: no host check, no redirect to HTTPS, no
//! security header. `gwc build` ignores it the same way.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/admin",
//!   "extra_config": { "security/http": { "allowed_hosts": ["admin.example.com"] } },
//!   "backend": [{ "url_pattern": "/admin" }]
//! }
//! ```
//!
//! ## How to fix it
//! Move the namespace to the root `extra_config`, where it covers every
//! endpoint (not `/__health`), or remove it.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW620";

/// The namespace's names: the short one and CE's long alias.
const NAMES: [&str; 2] = ["security/http", "github_com/devopsfaith/krakend-httpsecure"];

/// Reports each endpoint-level namespace.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        for (key, span, _) in &ep.extra.namespaces {
            if !NAMES.contains(key) {
                continue;
            }
            let path = ep.path.as_ref().map_or("", |p| p.value.as_str());
            out.push(
                cx.diag(
                    CODE,
                    *span,
                    format!("`{key}` in endpoint `{path}` is ignored by KrakenD CE"),
                )
                .with_label("CE reads this namespace only in the root `extra_config`")
                .with_help("move it to the root `extra_config` to cover every endpoint, or remove it (`gwc build` ignores it too)"),
            );
        }
    }
}
