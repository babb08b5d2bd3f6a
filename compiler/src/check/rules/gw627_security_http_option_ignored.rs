//! a `security/http` option that has no effect
//!
//! ## What it does
//! Reports `security/http` options that KrakenD CE or browsers ignore:
//! - `hpkp_public_key`, which CE no longer reads;
//! - `frame_deny` together with a `custom_frame_options_value`, which
//!   replaces its `DENY`;
//! - a `custom_frame_options_value` of `ALLOW-FROM …`, which current
//!   browsers ignore;
//! - `is_development: true` next to `allowed_hosts`, `ssl_redirect` or
//!   `sts_seconds`, which it turns off.
//!
//! ## Why is this bad?
//! Each of these reads like protection the gateway does not give:
//! `krakend-httpsecure` dropped HTTP public key pinning (and so did
//! browsers); `unrolled/secure` sends the custom frame value instead of
//! `DENY`; browsers that see `X-Frame-Options: ALLOW-FROM` let any site
//! frame the page; `is_development` skips the host check, the redirect to
//! HTTPS and HSTS.
//!
//! ## Example
//! ```json
//! {
//!   "security/http": {
//!     "frame_deny": true,
//!     "custom_frame_options_value": "ALLOW-FROM https://example.com",
//!     "hpkp_public_key": "pin-sha256=\"base64==\"",
//!     "is_development": true,
//!     "allowed_hosts": ["api.example.com"]
//!   }
//! }
//! ```
//!
//! ## How to fix it
//! Remove `hpkp_public_key`. Keep either `frame_deny` or a custom value;
//! to allow one framing site, use `content_security_policy` with
//! `frame-ancestors https://example.com`. Remove `is_development` from
//! production configs.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW627";

/// Reports each ignored option.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(s) = &cx.config.extra.http_security else {
        return;
    };
    if let Some(span) = s.hpkp_public_key {
        out.push(
            cx.diag(CODE, span, "`hpkp_public_key` is ignored")
                .with_label("KrakenD CE no longer reads it: public key pinning was removed")
                .with_help("remove it (browsers dropped HPKP too)"),
        );
    }
    let custom = s
        .custom_frame_options_value
        .as_ref()
        .filter(|c| !c.value.is_empty());
    if let (Some(deny), Some(custom)) = (s.frame_deny.as_ref().filter(|d| d.value), custom) {
        out.push(
            cx.diag(CODE, deny.full_span(), "`frame_deny` has no effect")
                .with_label("`X-Frame-Options: DENY` is not sent")
                .with_secondary(custom.span, "this value is sent instead")
                .with_help("remove `frame_deny`, or remove the custom value to send `DENY`"),
        );
    }
    if let Some(custom) = custom.filter(|c| {
        c.value
            .trim_start()
            .get(..10)
            .is_some_and(|p| p.eq_ignore_ascii_case("ALLOW-FROM"))
    }) {
        out.push(
            cx.diag(CODE, custom.span, "`X-Frame-Options: ALLOW-FROM` is ignored by browsers")
                .with_label("current browsers drop the header, so any site may frame the page")
                .with_help("use `content_security_policy` with `frame-ancestors` naming the sites allowed to frame it"),
        );
    }
    if let Some(dev) = s.is_development.as_ref().filter(|d| d.value) {
        let mut turned_off = Vec::new();
        if let Some(h) = s.allowed_hosts.as_ref().filter(|h| !h.value.is_empty()) {
            turned_off.push(("allowed_hosts", h.key_span));
        }
        if let Some(r) = s.ssl_redirect.as_ref().filter(|r| r.value) {
            turned_off.push(("ssl_redirect", r.key_span));
        }
        if let Some(n) = s.sts_seconds.as_ref().filter(|n| n.value.trunc() != 0.0) {
            turned_off.push(("sts_seconds", n.key_span));
        }
        if turned_off.is_empty() {
            return;
        }
        let names: Vec<String> = turned_off.iter().map(|(n, _)| format!("`{n}`")).collect();
        let mut d = cx
            .diag(
                CODE,
                dev.full_span(),
                format!("`is_development` turns off {}", names.join(", ")),
            )
            .with_label("KrakenD CE skips the host check, the redirect to HTTPS and HSTS")
            .with_help("remove `is_development` (or set it to false) outside development");
        for (name, span) in turned_off {
            d = d.with_secondary(span, format!("`{name}` is ignored"));
        }
        out.push(d);
    }
}
