//! pipelining turned on in `gwc/http-client`, which gwc's HTTP client cannot do
//!
//! ## What it does
//! Reports `"pipelining": true` in `gwc/http-client` or in a host's
//! `http` options, with the fix that sets it to `false`.
//!
//! ## Why is this bad?
//! HTTP/1.1 pipelining (Gravitee's `pipelining` option) writes requests on
//! a connection without waiting for the previous responses. gwc's HTTP
//! client (hyper) does not pipeline, and pipelining is widely broken in
//! servers and proxies; the setting cannot be honoured.
//!
//! ## Example
//! ```json
//! { "gwc/http-client": { "pipelining": true } }
//! ```
//!
//! ## How to fix it
//! Remove it or set it to `false`. For more throughput per host, raise
//! `max_connections_per_host` or use HTTP/2 (`"version": "h2"` or `"h2c"`).

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW536";

/// Reports each `pipelining: true`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        for (client, host) in gwc::http_clients(b.backend) {
            let Some(p) = client.pipelining.as_ref().filter(|p| p.value) else { continue };
            let whose = host.map_or_else(|| b.name(), |h| format!("host `{}`", h.url.value));
            out.push(
                cx.diag(CODE, p.span, format!("HTTP pipelining is not supported ({whose})"))
                    .with_label("gwc's HTTP client does not pipeline requests")
                    .with_help("set it to `false` or remove it; for more throughput raise `max_connections_per_host` or use HTTP/2 (`\"version\": \"h2\"` or `\"h2c\"`)")
                    .with_fix("set `pipelining` to `false`", p.span, "false"),
            );
        }
    }
}
