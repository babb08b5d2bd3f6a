//! a `security/cors` `allow_credentials` with every origin allowed, an answer browsers reject
//!
//! ## What it does
//! Reports `"allow_credentials": true` in the root `security/cors` when
//! every origin is allowed: `allow_origins` holds `"*"`, or is absent or
//! empty (KrakenD CE then allows `*`).
//!
//! ## Why is this bad?
//! KrakenD CE answers such a policy with `Access-Control-Allow-Origin: *`
//! together with `Access-Control-Allow-Credentials: true`. The Fetch
//! standard forbids that pair: a browser refuses every credentialed
//! response (`fetch(…, {credentials: 'include'})`, `withCredentials`)
//! whose allowed origin is `*`, so the calls that send cookies or HTTP
//! authentication fail, while uncredentialed calls work: the setting does
//! nothing but suggest otherwise.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "security/cors": { "allow_origins": ["*"], "allow_credentials": true } } }
//! ```
//!
//! ## How to fix it
//! List the origins that may send credentials
//! (`"allow_origins": ["https://app.example.com"]`): CE then echoes the
//! caller's origin. Or drop `allow_credentials` if no call sends any.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::security::Cors;

/// The rule's code.
pub const CODE: &str = "GW613";

/// Reports credentials with an any-origin policy.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(cors) = &cx.config.extra.cors else { return };
    let Some(credentials) = cors.allow_credentials.as_ref().filter(|c| c.value) else { return };
    if !cors.allows_any_origin() {
        return;
    }
    let d = cx
        .diag(CODE, credentials.span, "`allow_credentials` with every origin allowed: browsers reject the answer")
        .with_label("sent as `Access-Control-Allow-Credentials: true` beside `Access-Control-Allow-Origin: *`");
    let d = match Cors::items(&cors.allow_origins).iter().find(|o| o.value == "*") {
        Some(star) => d.with_secondary(star.span, "every origin allowed here"),
        None => d.with_secondary(cors.key_span, "no `allow_origins`: KrakenD CE allows every origin (`*`)"),
    };
    out.push(
        d.with_help("list the origins allowed to send credentials, e.g. `\"allow_origins\": [\"https://app.example.com\"]`, or remove `allow_credentials`")
            .with_note("browsers refuse a credentialed response whose `Access-Control-Allow-Origin` is `*` (Fetch standard)"),
    );
}
