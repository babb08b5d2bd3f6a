//! a backend that calls the gateway's own `/__debug/` or `/__echo/`, which is off
//!
//! ## What it does
//! Reports a backend whose host is the gateway itself (a loopback address,
//! `localhost` or `0.0.0.0` on the config's `port`, 8080 by default) and
//! whose `url_pattern` starts with `/__debug` or `/__echo`, when the root
//! `debug_endpoint` or `echo_endpoint` is not on.
//!
//! ## Why is this bad?
//! Pointing a backend at the gateway's own `/__echo/` shows what a backend
//! receives, and `/__debug/` is a handy fake backend; but they exist only
//! when turned on. Without the flag every call is a 404 and the endpoint
//! fails. KrakenD's `krakend run -d` turns `/__debug/` on from the command
//! line; a gwc gateway has no such flag.
//!
//! ## Example
//! ```json
//! { "version": 3, "endpoints": [{ "endpoint": "/test", "backend": [{ "host": ["http://localhost:8080"], "url_pattern": "/__echo/test" }] }] }
//! ```
//!
//! ## How to fix it
//! Add `"echo_endpoint": true` (or `"debug_endpoint": true`) at the root.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::host::{Sanitized, sanitize_host};
use crate::model::weak::decode_weak_int;

/// The rule's code.
pub const CODE: &str = "GW748";

/// Reports each backend calling a route the gateway does not have.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let port = match cx.root.get("port").and_then(decode_weak_int) {
        None | Some(0) => 8080,
        Some(p) => p,
    };
    let root_hosts = cx.config.host.as_ref();
    for ep in &cx.config.endpoints {
        for b in &ep.backends {
            let Some(url) = &b.url_pattern else { continue };
            let (key, flag_on) = if url.value.starts_with("/__debug") {
                ("debug_endpoint", cx.config.debug_endpoint)
            } else if url.value.starts_with("/__echo") {
                ("echo_endpoint", cx.config.echo_endpoint)
            } else {
                continue;
            };
            if flag_on {
                continue;
            }
            let hosts = b.host.as_ref().filter(|h| !h.value.is_empty()).or(root_hosts);
            let own = hosts.is_some_and(|h| {
                h.value.iter().any(|host| match sanitize_host(&host.value) {
                    Sanitized::Valid { cleaned, .. } => is_self(&cleaned, port),
                    Sanitized::Invalid { .. } => false,
                })
            });
            if !own {
                continue;
            }
            let route = if key == "debug_endpoint" { "/__debug/" } else { "/__echo/" };
            out.push(
                cx.diag(CODE, url.span, format!("this backend calls the gateway's own `{route}`, which is off"))
                    .with_label(format!("without `{key}` the gateway answers 404 here"))
                    .with_help(format!("add `\"{key}\": true` at the root")),
            );
        }
    }
}

/// Whether a sanitised host URL is the gateway on `port`.
fn is_self(url: &str, port: i64) -> bool {
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, p) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && !p.contains(']') => (h, p.parse::<i64>().ok()),
        _ => (authority, Some(80)),
    };
    let local = matches!(host, "localhost" | "0.0.0.0" | "[::1]" | "[::]") || host.starts_with("127.");
    local && p == Some(port)
}

#[cfg(test)]
mod tests {
    use super::is_self;

    #[test]
    fn own_hosts() {
        for (url, port, want) in [
            ("http://127.0.0.1:8080", 8080, true),
            ("http://localhost:8080", 8080, true),
            ("http://[::1]:8080", 8080, true),
            ("http://0.0.0.0:9000", 9000, true),
            ("http://localhost", 80, true),
            ("http://localhost:8081", 8080, false),
            ("http://backend:8080", 8080, false),
            ("https://localhost:8080", 8080, false),
        ] {
            assert_eq!(is_self(url, port), want, "{url}");
        }
    }
}
