//! the own HTTP/1.1 client asked for (`"implementation": "gwc"`) on a host it cannot serve
//!
//! ## What it does
//! Reports `"implementation": "gwc"` (in `gwc/http-client` or a host's
//! `http`) that applies to a host the gateway's own HTTP/1.1 client does
//! not serve: an `https://` host, or a host whose effective `version` is
//! `h2`, `h2c` or `auto`. The effective values follow the inheritance of
//! `gwc/loadbalancer.hosts.*.http` (`inherit`).
//!
//! ## Why is this bad?
//! The own client speaks plain-text HTTP/1.1 only. TLS hosts and HTTP/2
//! (`h2`, `h2c`, `auto`) stay on hyper's clients, so the setting has no
//! effect there: the gateway falls back to hyper, and the config says
//! something that does not happen.
//!
//! ## Example
//! ```json
//! { "host": ["https://api.example.com"], "extra_config": { "gwc/http-client": { "implementation": "gwc" } } }
//! ```
//!
//! ## How to fix it
//! Remove `implementation` (the default picks the right client for each
//! host), or set it to `"hyper"`, which is what such hosts use.

use crate::check::Context;
use crate::check::gwc;
use crate::diag::Diagnostic;
use crate::model::Spanned;
use crate::model::lb::{
    HttpImplementation, HttpVersion, effective_implementation, effective_version, pool_hosts,
};

/// The rule's code.
pub const CODE: &str = "GW542";

/// One `implementation: gwc` value, the hosts (and why) it cannot apply to,
/// and whether some host it applies to is served by the own client.
type Group<'s> = (&'s Spanned<String>, Vec<(&'s Spanned<String>, String)>, bool);

/// Reports each `implementation: gwc` that reaches a TLS or HTTP/2 host.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let backend_client = b.gwc().http_client.as_ref();
        let pool = pool_hosts(cx.config, b.backend);
        let mut groups: Vec<Group<'_>> = Vec::new();
        for host in &pool {
            let attrs = host.attrs.as_ref();
            let Some(imp) = effective_implementation(backend_client, attrs) else { continue };
            if HttpImplementation::parse(&imp.value) != Some(HttpImplementation::Gwc) {
                continue;
            }
            let version = effective_version(backend_client, attrs)
                .and_then(|v| HttpVersion::parse(&v.value))
                .unwrap_or(HttpVersion::Http11);
            let why = if host.url.value.starts_with("https://") {
                Some("an `https://` host".to_string())
            } else if version != HttpVersion::Http11 {
                Some(format!("`version` `{}`", version.as_str()))
            } else {
                None
            };
            let group = match groups.iter_mut().position(|g| g.0.span == imp.span) {
                Some(i) => &mut groups[i],
                None => {
                    groups.push((imp, Vec::new(), false));
                    let last = groups.len() - 1;
                    &mut groups[last]
                }
            };
            match why {
                Some(w) => group.1.push((&host.url, w)),
                None => group.2 = true,
            }
        }
        for (imp, hosts, some_fit) in groups {
            let Some((first, _)) = hosts.first() else { continue };
            let names = if hosts.len() == 1 { format!("host `{}`", first.value) } else { format!("{} hosts", hosts.len()) };
            let mut d = cx
                .diag(CODE, imp.span, format!("the own HTTP/1.1 client cannot serve {names} of {}", b.name()))
                .with_label("`gwc` speaks plain-text HTTP/1.1 only");
            for (h, why) in &hosts {
                d = d.with_secondary(h.span, format!("{why}: hyper's client is used here"));
            }
            d = d
                .with_help("remove `implementation` (each host then gets the client that fits it) or set it to `\"hyper\"`")
                .with_note("TLS hosts and `h2`, `h2c` and `auto` always use hyper's clients: the setting has no effect there");
            // Other hosts rely on the value: only offer the fix when none does.
            if !some_fit {
                d = d.with_fix("replace with `hyper`", imp.inner_span(), "hyper");
            }
            out.push(d);
        }
    }
}
