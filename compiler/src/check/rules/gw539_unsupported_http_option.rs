//! a `gwc/http-client` option gwc does not implement yet
//!
//! ## What it does
//! Reports the HTTP-client options that exist in Gravitee but that gwc
//! does not implement yet: `clear_text_upgrade`, `use_compression`,
//! `propagate_client_accept_encoding`, `proxy`, and the HTTP/2 tuning
//! options `http2_multiplexing_limit`, `http2_connection_window_size`,
//! `http2_stream_window_size` and `http2_max_frame_size`.
//!
//! ## Why is this bad?
//! The gateway would run without the behaviour the setting asks for (no
//! forward proxy, no compression), which is worse than refusing the file.
//!
//! ## Example
//! ```json
//! { "gwc/http-client": { "use_compression": true } }
//! ```
//!
//! ## How to fix it
//! Remove the option. For cleartext HTTP/2, use `"version": "h2c"` (prior
//! knowledge) instead of `clear_text_upgrade`.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::lb::DEFERRED_HTTP_OPTIONS;

/// The rule's code.
pub const CODE: &str = "GW539";

/// Reports each deferred option.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        for (client, _) in gwc::http_clients(b.backend) {
            for m in client.raw.as_object().unwrap_or_default() {
                if !DEFERRED_HTTP_OPTIONS.contains(&m.key.as_str()) {
                    continue;
                }
                let help = if m.key == "clear_text_upgrade" {
                    "remove it; for cleartext HTTP/2 use `\"version\": \"h2c\"` (prior knowledge)"
                } else {
                    "remove it"
                };
                out.push(
                    cx.diag(CODE, m.key_span, format!("HTTP-client option `{}` is not supported yet ({})", m.key, b.name()))
                        .with_label("gwc would run without it")
                        .with_help(help),
                );
            }
        }
    }
}
