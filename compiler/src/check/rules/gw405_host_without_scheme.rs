//! a host without `http://` or `https://`: KrakenD prepends `http://`
//!
//! ## What it does
//! Reports a root or backend host that passes KrakenD's host check but has
//! no scheme (`"users:8080"`). Skipped where the host is not an HTTP
//! address: backends with `disable_host_sanitize: true` (used verbatim, as
//! gRPC `host:port` or AMQP URLs are) and backends with `sd: "dns"` (the
//! host is an SRV name).
//!
//! ## Why is this bad?
//! KrakenD silently prepends `http://`, so `"users:8443"` is called over
//! plain HTTP even when the service expects TLS, and the file does not say
//! which scheme is used.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users", "host": ["users:8080"] }
//! ```
//!
//! ## How to fix it
//! Write the scheme: `"http://users:8080"` (or `https://` if the service
//! speaks TLS).

use crate::check::{Context, edits};
use crate::diag::{Diagnostic, Fix};
use crate::model::host::{Sanitized, host_entries, sanitize_host, written_scheme};
use crate::syntax::Node;

/// The rule's code.
pub const CODE: &str = "GW405";

/// Reports each host without a scheme.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut lists: Vec<&Node> = vec![cx.root];
    let endpoint_backends = cx.config.endpoints.iter().filter_map(|ep| ep.raw.get("backend"));
    let agent_backends =
        cx.root.get("async_agent").and_then(Node::as_array).unwrap_or_default().iter().filter_map(|a| a.get("backend"));
    for list in endpoint_backends.chain(agent_backends) {
        for object in list.as_array().unwrap_or_default() {
            let verbatim = object.get("disable_host_sanitize").and_then(Node::as_bool) == Some(true);
            let dns = object.get("sd").and_then(Node::as_str).is_some_and(|s| s.starts_with("dns"));
            if !verbatim && !dns {
                lists.push(object);
            }
        }
    }
    for object in lists {
        let Some((_, hosts)) = host_entries(object) else { continue };
        for host in hosts {
            let Some(text) = host.as_str() else { continue };
            // `kafka://` also passes as `http://kafka`: GW404 reports that.
            if written_scheme(text).is_some() {
                continue;
            }
            let Sanitized::Valid { found, cleaned } = sanitize_host(text) else { continue };
            // Dropped text around the match is GW404's (a rewritten host).
            let whole = text[..found.range.start].trim().is_empty() && text[found.range.end..].trim().is_empty();
            if found.scheme.is_some() || !whole {
                continue;
            }
            let https = cleaned.replacen("http://", "https://", 1);
            let mut d = cx
                .diag(CODE, host.span, format!("host `{text}` has no scheme: KrakenD calls `{cleaned}`"))
                .with_label("`http://` is prepended here")
                .with_help(format!("write the scheme: `{cleaned}`, or `{https}` if the service speaks TLS"));
            d.fixes.push(Fix { title: format!("write `{cleaned}`"), edits: vec![edits::replace_string(host, &cleaned)] });
            d.fixes.push(Fix { title: format!("write `{https}`"), edits: vec![edits::replace_string(host, &https)] });
            out.push(d);
        }
    }
}
