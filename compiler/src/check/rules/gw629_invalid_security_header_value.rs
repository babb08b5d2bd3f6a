//! a `security/http` value KrakenD CE sends as a broken header
//!
//! ## What it does
//! Reports a `security/http` value that becomes a response header
//! (`custom_frame_options_value`, `content_security_policy`,
//! `referrer_policy`, `ssl_host` in the redirect's `Location`) and holds a
//! control character, and a `content_security_policy` with `$NONCE` that
//! also holds `%`.
//!
//! ## Why is this bad?
//! Go's server writes header values as they are, turning only line breaks
//! into spaces: a NUL or another control character goes out raw, and
//! clients refuse the response. With `$NONCE`, `unrolled/secure` builds
//! the policy with Go's `fmt.Sprintf`, so any other `%` in it is read as a
//! formatting verb and the policy comes out garbled (`%!s(BADINDEX)`).
//!
//! ## Example
//! ```json
//! { "security/http": { "content_security_policy": "script-src $NONCE https://cdn.example.com/a%20b/" } }
//! ```
//!
//! ## How to fix it
//! Remove the control character; in a policy with `$NONCE`, avoid `%`
//! (or drop `$NONCE`: the nonce is random on every response and never
//! reaches the backend, so no page can carry it).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::Spanned;
use crate::plan::security::http::{NONCE, wire_value};

/// The rule's code.
pub const CODE: &str = "GW629";

/// Reports each such value.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(s) = &cx.config.extra.http_security else {
        return;
    };
    let fields: [(&str, &Option<Spanned<String>>); 4] = [
        ("custom_frame_options_value", &s.custom_frame_options_value),
        ("content_security_policy", &s.content_security_policy),
        ("referrer_policy", &s.referrer_policy),
        ("ssl_host", &s.ssl_host),
    ];
    for (name, field) in fields {
        let Some(v) = field else { continue };
        let wire = wire_value(&v.value);
        if let Some(c) = wire.chars().find(|c| *c != '\t' && (*c < ' ' || *c == '\u{7f}')) {
            out.push(
                cx.diag(CODE, v.span, format!("`{name}` holds a control character (U+{:04X})", c as u32))
                    .with_label("KrakenD CE sends it raw in the header, and clients refuse the response")
                    .with_help("remove the control character"),
            );
        }
    }
    if let Some(p) = &s.content_security_policy
        && p.value.contains(NONCE)
        && p.value.replace(NONCE, "").contains('%')
    {
        out.push(
            cx.diag(CODE, p.span, "`content_security_policy` with `$NONCE` also holds `%`")
                .with_label("KrakenD CE formats this policy with Go's `Sprintf`, which garbles the `%`")
                .with_help("remove the `%`, or `$NONCE` (the nonce is random on every response and never reaches the backend)"),
        );
    }
}
