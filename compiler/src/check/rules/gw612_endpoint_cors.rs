//! a `security/cors` namespace in an endpoint, which KrakenD CE ignores
//!
//! ## What it does
//! Reports a `security/cors` namespace (or its long name
//! `github_com/devopsfaith/krakend-cors`) in an endpoint's `extra_config`.
//!
//! ## Why is this bad?
//! KrakenD CE reads CORS from the root `extra_config` only, and applies
//! that one policy to every path, before routing (`krakend-ce`'s
//! `executor.go`). Per-endpoint CORS is a KrakenD Enterprise feature: CE
//! loads the file and silently ignores the endpoint's namespace, so the
//! origins, methods and headers written there change nothing, and with no
//! root policy, browsers get no CORS headers at all. `gwc build` does the
//! same: it ignores the endpoint's namespace.
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "extra_config": { "security/cors": { "allow_origins": ["https://app.example.com"] } },
//!   "backend": [{ "url_pattern": "/users" }] }
//! ```
//!
//! ## How to fix it
//! Move the policy to the root `extra_config` (it then covers every path),
//! or remove it from the endpoint.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW612";

/// Reports each endpoint-level CORS namespace.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(cors) = &ep.extra.cors else { continue };
        let path = ep.path.as_ref().map_or("", |p| p.value.as_str());
        let mut d = cx
            .diag(CODE, cors.key_span, format!("`security/cors` in endpoint `{path}` is ignored by KrakenD CE"))
            .with_label("CE reads CORS from the root `extra_config` only")
            .with_note("per-endpoint CORS is a KrakenD Enterprise feature; `gwc build` ignores it as CE does");
        d = match &cx.config.extra.cors {
            Some(root) => d
                .with_secondary(root.key_span, "this root policy applies to every path, this endpoint's included")
                .with_help("merge what this endpoint needs into the root policy, and remove this namespace"),
            None => d.with_help("move this namespace to the root `extra_config`: its policy then covers every path"),
        };
        out.push(d);
    }
}
