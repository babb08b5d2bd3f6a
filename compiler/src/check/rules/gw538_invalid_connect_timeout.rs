//! a `gwc/http-client.connect_timeout` that is not positive
//!
//! ## What it does
//! Reports a `connect_timeout` of zero or less, in `gwc/http-client` or in
//! a host's `http` options.
//!
//! ## Why is this bad?
//! No connection can be opened in no time, so every request to the hosts
//! would fail before anything is sent. (Go's `net.Dialer` reads 0 as "no
//! timeout"; gwc does not, to keep the meaning of a written value obvious.)
//!
//! ## Example
//! ```json
//! { "gwc/http-client": { "connect_timeout": "0s" } }
//! ```
//!
//! ## How to fix it
//! Use a positive duration (`"250ms"`, `"1s"`), or remove the key to use
//! the root `dialer_timeout`, else 5s.

use crate::check::Context;
use crate::check::gwc::{self, nanos, show};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW538";

/// Reports each non-positive connect timeout.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        for (client, host) in gwc::http_clients(b.backend) {
            let (Some(t), Some(n)) = (&client.connect_timeout, nanos(&client.connect_timeout)) else { continue };
            if n > 0 {
                continue;
            }
            let whose = host.map_or_else(|| b.name(), |h| format!("host `{}`", h.url.value));
            out.push(
                cx.diag(CODE, t.span, format!("`connect_timeout` of {whose} is {}", show(n)))
                    .with_label("no connection can open in no time")
                    .with_help("use a positive duration such as `\"1s\"`, or remove it to use the root `dialer_timeout`, else 5s"),
            );
        }
    }
}
