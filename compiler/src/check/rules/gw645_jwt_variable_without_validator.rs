//! a `{JWT.claim}` variable in a backend of an endpoint without `auth/validator`
//!
//! ## What it does
//! Reports a `{JWT.claim}` variable in a backend's `url_pattern` when its
//! endpoint has no `auth/validator`.
//!
//! ## Why is this bad?
//! Only the validator fills `{JWT.claim}` (from the token it accepted,
//! `krakend-jose` `gin/jose.go`). Without one, KrakenD CE leaves the
//! placeholder in the URL and calls the backend at a path holding
//! `{{.JWT.sub}}` (percent-encoded) for every request.
//!
//! ## Example
//! ```json
//! { "endpoint": "/me", "backend": [{ "url_pattern": "/users/{JWT.sub}" }] }
//! ```
//!
//! ## How to fix it
//! Add an `auth/validator` to the endpoint (the claim then comes from a
//! verified token), or take the value from a path variable.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::pattern::{OutputParam, output_param, url_pattern_vars};

/// The rule's code.
pub const CODE: &str = "GW645";

/// Reports each such variable.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        if ep.extra.validator.is_some() {
            continue;
        }
        for b in &ep.backends {
            let Some(url) = &b.url_pattern else { continue };
            for var in url_pattern_vars(&url.value) {
                if output_param(var.name) != OutputParam::Jwt {
                    continue;
                }
                out.push(
                    cx.diag(CODE, url.sub_span(var.range.clone()), format!("`{{{}}}` needs an `auth/validator` on this endpoint", var.name))
                        .with_label("nothing fills it: KrakenD CE calls the backend with the placeholder in the path")
                        .with_secondary(ep.name_span(), "this endpoint validates no token")
                        .with_help("add an `auth/validator` to the endpoint, or use a path variable"),
                );
            }
        }
    }
}
