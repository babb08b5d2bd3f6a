//! a setting that `gwc build` cannot honour yet
//!
//! ## What it does
//! When building (`gwc build`, `gwc lint --build`), reports root and
//! backend settings gwc does not implement yet, and fields of the
//! namespaces it does implement that it cannot honour:
//! - root: `tls`, `plugin`, `async_agent`;
//! - TLS towards backends (the root `client_tls` and `gwc/http-client`'s
//!   `tls`): a `min_version` or `max_version` below `TLS12` (rustls speaks
//!   TLS 1.2 and 1.3 only), `curve_preferences`, `cipher_suites`;
//! - backend: an `sd` other than `static`, a `method` gwc cannot send,
//!   `proxy.shadow_timeout`;
//! - `router`: `app_engine` (gin's deprecated App Engine header),
//!   `decompress_gzip`, `max_payload` (Enterprise);
//! - endpoint `proxy`: `combiner`, a custom `strategy`, `decompress_gzip`,
//!   `max_payload`.
//!
//! Settings that only tune performance (`max_idle_connections`,
//! `dialer_fallback_delay`, `router.max_multipart_memory`, …) are not
//! reported.
//!
//! ## Why is this bad?
//! The compiled gateway would run without it: `tls` ignored means plain
//! HTTP, `sd: "dns"` ignored means the SRV names are called as hosts. gwc
//! refuses instead, until you say the gateway may run without it.
//!
//! ## Example
//! ```json
//! { "version": 3, "tls": { "public_key": "cert.pem", "private_key": "key.pem" }, "endpoints": [] }
//! ```
//!
//! ## How to fix it
//! Remove the setting, or accept running without it: list its name
//! (`tls`, `sd`, `router.app_engine`, `proxy.combiner`, as the
//! message says) at the root in `"extra_config": { "gwc/build": {
//! "allow_unsupported": ["tls"] } }`, or pass `gwc build
//! --allow-unsupported tls`.

use crate::check::Context;
use crate::check::unsupported::{self, Kind};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW902";

/// Reports each setting gwc cannot honour that nobody accepted.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for f in unsupported::unaccepted(cx, Kind::Option) {
        out.push(
            cx.diag(
                CODE,
                f.span,
                format!("`{}`{} is not supported by `gwc build`", f.name, f.level.suffix()),
            )
            .with_label(f.consequence)
            .with_help(unsupported::accept_help(&f)),
        );
    }
}
