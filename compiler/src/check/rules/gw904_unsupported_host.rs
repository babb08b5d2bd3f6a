//! a backend host that `gwc build` gateways cannot call yet
//!
//! ## What it does
//! When building (`gwc build`, `gwc lint --build`), reports backend hosts
//! the gateway runtime cannot call:
//! a scheme other than `http://` and `https://` (`ws://`, `amqp://`,
//! `kafka://`, written with `disable_host_sanitize`), or a verbatim host
//! without any scheme. (`https://` hosts are called over TLS with Mozilla's
//! roots, or the root `client_tls` settings.)
//!
//! ## Why is this bad?
//! A non-HTTP host cannot work in a gwc gateway at all. gwc refuses instead of compiling a
//! gateway that breaks on its first request.
//!
//! ## Example
//! ```json
//! { "endpoint": "/ws", "backend": [{ "url_pattern": "/", "disable_host_sanitize": true, "host": ["ws://chat:5678"] }] }
//! ```
//!
//! ## How to fix it
//! Point the backend at an `http://` or `https://` host, or accept running
//! without it: list the host as written in the
//! root's `"extra_config": { "gwc/build": { "allow_unsupported": [...] } }`
//! or pass `gwc build --allow-unsupported ws://chat:5678`. An accepted
//! non-HTTP host leaves its endpoint out of the gateway (404).

use crate::check::Context;
use crate::check::unsupported::{self, Kind};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW904";

/// Reports each host gwc cannot call that nobody accepted.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for f in unsupported::unaccepted(cx, Kind::Host) {
        out.push(
            cx.diag(
                CODE,
                f.span,
                format!("host `{}`{} is not supported by `gwc build`", f.name, f.level.suffix()),
            )
            .with_label(f.consequence)
            .with_help(unsupported::accept_help(&f)),
        );
    }
}
