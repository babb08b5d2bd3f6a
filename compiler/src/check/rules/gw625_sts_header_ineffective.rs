//! a `security/http` HSTS setting that sends no usable header
//!
//! ## What it does
//! Reports the `Strict-Transport-Security` settings of `security/http`
//! that do not produce a working header:
//! - `sts_seconds` when KrakenD CE cannot see any request as HTTPS (no
//!   root `tls`, no `ssl_proxy_headers`) and `force_sts_header` is off;
//! - a negative `sts_seconds`;
//! - `sts_include_subdomains` or `force_sts_header` without `sts_seconds`.
//!
//! ## Why is this bad?
//! `unrolled/secure` sends `Strict-Transport-Security: max-age=N` only
//! when `sts_seconds` is not 0, and only on requests it sees as HTTPS
//! (RFC 6797 §7.2) unless `force_sts_header`. So without a way to see
//! HTTPS the header is never sent; with `sts_seconds` 0 the other two
//! options do nothing. A negative value is sent as written
//! (`max-age=-1`), which browsers ignore.
//!
//! ## Example
//! ```json
//! { "security/http": { "sts_seconds": 31536000, "sts_include_subdomains": true } }
//! ```
//!
//! ## How to fix it
//! Behind a TLS-terminating proxy, add `"ssl_proxy_headers":
//! {"X-Forwarded-Proto": "https"}` (or `force_sts_header`). Give
//! `sts_seconds` a positive number of seconds.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::security::HttpSecurity;

/// The rule's code.
pub const CODE: &str = "GW625";

/// Reports each setting.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(s) = &cx.config.extra.http_security else {
        return;
    };
    let seconds = s.sts_seconds.as_ref().map(|v| (v, v.value.trunc() as i64));
    match seconds {
        Some((v, n)) if n < 0 => out.push(
            cx.diag(CODE, v.span, format!("`sts_seconds` is negative ({n})"))
                .with_label(format!("KrakenD CE sends `max-age={n}`, which browsers ignore"))
                .with_help("give the number of seconds browsers should keep to HTTPS, e.g. `31536000` (a year)"),
        ),
        Some((v, n)) if n != 0 => {
            if !s.is_development()
                && !HttpSecurity::on(&s.force_sts_header)
                && !s.https_known(cx.root)
            {
                out.push(
                    cx.diag(CODE, v.full_span(), "`Strict-Transport-Security` is never sent")
                        .with_label("sent on HTTPS requests only, and no root `tls` or `ssl_proxy_headers` marks one")
                        .with_help("behind a TLS-terminating proxy, add `\"ssl_proxy_headers\": {\"X-Forwarded-Proto\": \"https\"}` (or set `force_sts_header`)"),
                );
            }
        }
        _ => {
            for (name, flag) in [
                ("sts_include_subdomains", &s.sts_include_subdomains),
                ("force_sts_header", &s.force_sts_header),
            ] {
                let Some(f) = flag.as_ref().filter(|f| f.value) else {
                    continue;
                };
                out.push(
                    cx.diag(CODE, f.full_span(), format!("`{name}` has no effect without `sts_seconds`"))
                        .with_label("KrakenD CE sends no `Strict-Transport-Security` header when `sts_seconds` is 0")
                        .with_help("set `sts_seconds` (e.g. `31536000`), or remove this option"),
                );
            }
        }
    }
}
