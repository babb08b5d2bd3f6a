//! a `security/http` option left to a default KrakenD CE does not apply
//!
//! ## What it does
//! Reports a service-level `security/http` that does not write
//! `ssl_redirect` or `referrer_policy`.
//!
//! ## Why is this bad?
//! KrakenD's schema and docs give `ssl_redirect` the default `true` and
//! `referrer_policy` the default `same-origin`, but KrakenD CE does not
//! apply them: `krakend-httpsecure` copies only the keys written into
//! `unrolled/secure`'s options, whose defaults are Go's zero values. So
//! without `ssl_redirect`, plain HTTP requests are served, not redirected,
//! and without `referrer_policy` no `Referrer-Policy` header is sent. A
//! reader who trusts the schema expects the opposite. (The finding is
//! informational; gwc's two severities make it a warning, silenced by
//! writing the key.)
//!
//! ## Example
//! ```json
//! { "security/http": { "frame_deny": true, "content_type_nosniff": true } }
//! ```
//!
//! ## How to fix it
//! Write the value you mean: `"ssl_redirect": false` keeps CE's behaviour
//! and `true` redirects; `"referrer_policy": "same-origin"` sends the
//! header and `""` says none is wanted.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW621";

/// (key, the schema's default, what CE does without the key, the help).
const DEFAULTS: [(&str, &str, &str, &str); 2] = [
    (
        "ssl_redirect",
        "true",
        "does not redirect plain HTTP to HTTPS",
        "write `\"ssl_redirect\": false` to keep this behaviour, or `true` to redirect",
    ),
    (
        "referrer_policy",
        "\"same-origin\"",
        "sends no `Referrer-Policy` header",
        "write `\"referrer_policy\": \"same-origin\"` (or another policy) to send one, or `\"\"` for none",
    ),
];

/// Reports each key left out.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(s) = &cx.config.extra.http_security else {
        return;
    };
    let Some((_, _, node)) = cx
        .config
        .extra
        .namespaces
        .iter()
        .find(|(_, span, _)| *span == s.key_span)
    else {
        return;
    };
    for (key, schema, effect, help) in DEFAULTS {
        if node.member(key).is_some() {
            continue;
        }
        out.push(
            cx.diag(
                CODE,
                s.key_span,
                format!("`security/http` without `{key}` {effect}"),
            )
            .with_label(format!(
                "KrakenD CE does not apply the schema's default `{key}: {schema}`"
            ))
            .with_help(help),
        );
    }
}
