//! a `gwc/http-client.max_response_bytes` that is not positive
//!
//! ## What it does
//! Reports a `max_response_bytes` of zero or less, in `gwc/http-client` or
//! in a host's `http` options.
//!
//! ## Why is this bad?
//! `max_response_bytes` is the most of a response body a decoded (non
//! no-op) backend reads, counted after gunzipping; past it the backend
//! fails with a 502. No body fits in zero bytes, so every answer with a
//! body would fail. The gateway ignores the value and keeps the next layer's
//! (the backend's, then the default of 64 MiB), which is not what the file
//! says either.
//!
//! ## Example
//! ```json
//! { "gwc/http-client": { "max_response_bytes": 0 } }
//! ```
//!
//! ## How to fix it
//! Use a positive number of bytes (`1048576` for 1 MiB), or remove the key
//! to use the default, 67108864 (64 MiB).

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW549";

/// Reports each non-positive `max_response_bytes`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        for (client, host) in gwc::http_clients(b.backend) {
            let Some(m) = client.max_response_bytes.as_ref().filter(|m| m.value < 1) else { continue };
            let whose = host.map_or_else(|| b.name(), |h| format!("host `{}`", h.url.value));
            out.push(
                cx.diag(CODE, m.span, format!("`max_response_bytes` of {whose} is {}", m.value))
                    .with_label("no response body fits in this")
                    .with_help("use a positive number of bytes such as `1048576` (1 MiB), or remove it to use the default, 67108864 (64 MiB)"),
            );
        }
    }
}
