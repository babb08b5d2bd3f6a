//! an unknown `gwc/http-client.version`, or a version that does not fit the host's scheme
//!
//! ## What it does
//! Reports a `version` other than `http/1.1`, `h2`, `h2c` and `auto` (in
//! `gwc/http-client` or a host's `http`), and a host whose effective
//! version does not fit its scheme: `h2c` (cleartext HTTP/2) for an
//! `https://` host, or `h2` (HTTP/2 negotiated over TLS) for an `http://`
//! host. The effective version follows the inheritance of
//! `gwc/loadbalancer.hosts.*.http` (`inherit`).
//!
//! ## Why is this bad?
//! gwc cannot guess the protocol, and the mismatches cannot connect: `h2`
//! needs TLS to negotiate HTTP/2, and `h2c` speaks cleartext to a TLS port.
//! Every request to that host would fail.
//!
//! ## Example
//! ```json
//! { "host": ["https://api.example.com"], "extra_config": { "gwc/http-client": { "version": "h2c" } } }
//! ```
//!
//! ## How to fix it
//! Use `h2` for `https://` hosts, `h2c` for `http://` hosts that speak
//! HTTP/2 with prior knowledge, `auto` to let TLS decide, or `http/1.1`.
//! Gravitee's `HTTP_1_1` is `http/1.1`; its `HTTP_2` is `h2` (or `h2c`).

use crate::check::Context;
use crate::check::gwc;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::Spanned;
use crate::model::lb::{HttpVersion, effective_version, pool_hosts};

/// One `version` value, its parsed version, the hosts it cannot reach, and
/// whether some host it applies to is fine.
type Group<'s> = (&'s Spanned<String>, HttpVersion, Vec<&'s Spanned<String>>, bool);

/// The rule's code.
pub const CODE: &str = "GW537";

/// Reports each unknown version and each version the host's scheme rules out.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = HttpVersion::ALL.iter().map(|v| v.as_str()).collect();
    for b in gwc::backends(cx.config) {
        let pool = pool_hosts(cx.config, b.backend);
        let all_https = !pool.is_empty() && pool.iter().all(|h| h.url.value.starts_with("https://"));
        for (client, _) in gwc::http_clients(b.backend) {
            let Some(v) = &client.version else { continue };
            if HttpVersion::parse(&v.value).is_some() {
                continue;
            }
            // Gravitee's `HttpVersion` names: HTTP/2 is `h2` over TLS, `h2c` in clear.
            let gravitee = match v.value.to_ascii_uppercase().as_str() {
                "HTTP_1_1" | "HTTP/1" | "HTTP1.1" | "HTTP_1_0" => Some("http/1.1"),
                "HTTP_2" | "HTTP/2" | "HTTP2" => Some(if all_https { "h2" } else { "h2c" }),
                _ => None,
            };
            let mut d = cx
                .diag(CODE, v.span, format!("unknown HTTP `version` `{}` in {}", v.value, b.name()))
                .with_label("not `http/1.1`, `h2`, `h2c` or `auto`");
            if gravitee.is_some() {
                d = d.with_note("Gravitee's `HTTP_2` is `h2` over TLS and `h2c` (prior knowledge) in cleartext");
            }
            d = match gravitee.or_else(|| did_you_mean(&v.value, names.iter().copied())) {
                Some(best) => d.did_you_mean(best, v.inner_span()),
                None => d.with_help("use `http/1.1` (the default), `h2` for HTTPS hosts, `h2c` for cleartext HTTP/2, or `auto`"),
            };
            out.push(d);
        }
        // Hosts whose effective version does not fit their scheme, grouped
        // by the `version` value that decides it.
        let backend_client = b.gwc().http_client.as_ref();
        let mut groups: Vec<Group<'_>> = Vec::new();
        for host in &pool {
            let Some(v) = effective_version(backend_client, host.attrs.as_ref()) else { continue };
            let Some(version) = HttpVersion::parse(&v.value) else { continue };
            let https = host.url.value.starts_with("https://");
            let fits = match version {
                HttpVersion::H2c => !https,
                HttpVersion::H2 => https,
                _ => true,
            };
            match groups.iter_mut().find(|g| g.0.span == v.span) {
                Some(g) if fits => g.3 = true,
                Some(g) => g.2.push(&host.url),
                None => groups.push((v, version, if fits { Vec::new() } else { vec![&host.url] }, fits)),
            }
        }
        for (v, version, hosts, some_fit) in groups {
            let Some(first) = hosts.first() else { continue };
            let (why, help, fix) = if version == HttpVersion::H2c {
                (
                    "cleartext HTTP/2, for `http://` hosts",
                    "use `\"version\": \"h2\"` (or `\"auto\"`) for HTTPS hosts",
                    "h2",
                )
            } else {
                (
                    "HTTP/2 negotiated during the TLS handshake, for `https://` hosts",
                    "use `\"version\": \"h2c\"` for cleartext HTTP/2 with prior knowledge, or `https://` hosts",
                    "h2c",
                )
            };
            let names = if hosts.len() == 1 { format!("host `{}`", first.value) } else { format!("{} hosts", hosts.len()) };
            let mut d = cx
                .diag(CODE, v.span, format!("HTTP `version` `{}` cannot reach {names} of {}", v.value, b.name()))
                .with_label(why);
            for h in &hosts {
                let scheme = if h.value.starts_with("https://") { "TLS" } else { "no TLS" };
                d = d.with_secondary(h.span, format!("{scheme} here"));
            }
            d = d.with_help(help).with_note("every request to such a host would fail to connect");
            // Changing a value other hosts rely on would break them.
            if !some_fit {
                d = d.with_fix(format!("replace with `{fix}`"), v.inner_span(), fix);
            }
            out.push(d);
        }
    }
}
