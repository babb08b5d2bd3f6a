//! a host that KrakenD's host check rejects or rewrites
//!
//! ## What it does
//! Replays lura's `SafeCleanHost` on every root host and on every backend
//! host (unless the backend sets `disable_host_sanitize: true`): the text
//! must hold exactly one `(https?://)?[a-zA-Z0-9._-]+(:[0-9]{2,6})?/?`.
//! It reports base paths (`http://h/api`), credentials (`user:pw@`), IPv6
//! literals, upper-case or non-HTTP schemes (`ws://`, `amqp://`), bad ports
//! and anything else that does not fit.
//!
//! ## Why is this bad?
//! KrakenD refuses to start: `host http://h/api not valid: invalid host`.
//! A few shapes pass the check but are silently rewritten, because the text
//! around a single match is dropped: `kafka://` becomes `http://kafka`,
//! `:8080` becomes `http://8080`.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users", "host": ["http://users:8080/api"] }
//! ```
//!
//! ## How to fix it
//! Move a base path to the front of `url_pattern` (`"/api/users"`). For a
//! non-HTTP backend (AMQP, Kafka, WebSocket, gRPC…) or a host that must be
//! used verbatim, set `"disable_host_sanitize": true` on the backend. Root
//! hosts are always checked: move such hosts to the backends that need them.

use std::ops::Range;

use crate::check::{Context, edits};
use crate::diag::{Diagnostic, Edit, Fix};
use crate::model::host::{Sanitized, host_entries, sanitize_host, written_scheme};
use crate::syntax::{Format, Member, Node};

/// The rule's code.
pub const CODE: &str = "GW404";

/// Where a host list is.
enum Owner<'a> {
    /// The root `host` list (always sanitised).
    Root,
    /// A backend, with its `url_pattern` node when it has one.
    Backend { url_pattern: Option<&'a Node> },
}

/// Reports each invalid host.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if let Some((member, hosts)) = host_entries(cx.root) {
        for host in &hosts {
            report(cx, out, host, &Owner::Root, member, hosts.len());
        }
    }
    let agent_backends =
        cx.root.get("async_agent").and_then(Node::as_array).unwrap_or_default().iter().filter_map(|a| a.get("backend"));
    let endpoint_backends = cx.config.endpoints.iter().filter_map(|ep| ep.raw.get("backend"));
    for list in endpoint_backends.chain(agent_backends) {
        for object in list.as_array().unwrap_or_default() {
            if object.get("disable_host_sanitize").and_then(Node::as_bool) == Some(true) {
                continue;
            }
            let Some((member, hosts)) = host_entries(object) else { continue };
            let owner = Owner::Backend { url_pattern: object.get("url_pattern") };
            for host in &hosts {
                report(cx, out, host, &owner, member, hosts.len());
            }
        }
    }
}

/// What is wrong with one host.
enum Problem {
    Empty,
    Scheme { scheme: String },
    UpperScheme { scheme: String },
    Credentials { range: Range<usize> },
    Ipv6 { range: Range<usize> },
    Glued { second: usize },
    BasePath { base: String, path: String, range: Range<usize> },
    Port { range: Range<usize> },
    Other,
}

fn diagnose(host: &str) -> Problem {
    if host.trim().is_empty() {
        return Problem::Empty;
    }
    if let Some(scheme) = written_scheme(host) {
        let lower = scheme.to_ascii_lowercase();
        if lower != "http" && lower != "https" {
            return Problem::Scheme { scheme: scheme.to_string() };
        }
        if scheme != lower {
            return Problem::UpperScheme { scheme: scheme.to_string() };
        }
    }
    let after_scheme = host.find("://").map_or(0, |i| i + 3);
    let rest = &host[after_scheme..];
    if let Some(i) = rest.find("://") {
        let second = rest[..i].rfind(|c: char| !c.is_ascii_alphabetic()).map_or(0, |j| j + 1);
        return Problem::Glued { second: after_scheme + second };
    }
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    if let Some(at) = authority.rfind('@') {
        return Problem::Credentials { range: after_scheme..after_scheme + at + 1 };
    }
    if authority.starts_with('[') {
        let end = authority.find(']').map_or(authority.len(), |i| i + 1);
        return Problem::Ipv6 { range: after_scheme..after_scheme + end };
    }
    let base = &host[..after_scheme + authority_len];
    let path = rest[authority_len..].trim_end_matches('/');
    if !path.is_empty()
        && let Sanitized::Valid { found, .. } = sanitize_host(base)
        && found.range == (0..base.len())
    {
        let start = after_scheme + authority_len;
        return Problem::BasePath { base: base.to_string(), path: path.to_string(), range: start..start + path.len() };
    }
    if let Some(colon) = authority.find(':') {
        let port = &authority[colon + 1..];
        if !(2..=6).contains(&port.len()) || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Problem::Port { range: after_scheme + colon..after_scheme + authority_len };
        }
    }
    Problem::Other
}

fn report(cx: &Context<'_>, out: &mut Vec<Diagnostic>, host_node: &Node, owner: &Owner<'_>, list: &Member, count: usize) {
    let Some(host) = host_node.as_str() else { return };
    let sanitized = sanitize_host(host);
    let problem = diagnose(host);
    let rewritten = match &sanitized {
        Sanitized::Invalid { .. } => None,
        Sanitized::Valid { found, cleaned } => {
            // One match is accepted and the text around it silently dropped:
            // harmless for surrounding blanks, a different host otherwise.
            let dropped = !(host[..found.range.start].trim().is_empty() && host[found.range.end..].trim().is_empty());
            if !dropped && !matches!(problem, Problem::Scheme { .. }) {
                return;
            }
            Some(cleaned.clone())
        }
    };
    let is_root = matches!(owner, Owner::Root);
    let verbatim = if is_root {
        "root hosts are always checked: move this host to the backends that need it and set `\"disable_host_sanitize\": true` there"
            .to_string()
    } else {
        "or set `\"disable_host_sanitize\": true` on this backend to use the host verbatim".to_string()
    };
    let sub = |r: &Range<usize>| host_node.sub_span(r.clone());
    let (span, label, help) = match &problem {
        Problem::Empty => (host_node.span, "an empty host".to_string(), "remove it, or write `http://service:8080`".to_string()),
        Problem::Scheme { scheme } => (
            sub(&(0..scheme.len() + 3)),
            format!("`{scheme}://` is not `http://` or `https://`"),
            if is_root {
                verbatim.clone()
            } else {
                format!("non-HTTP backends need `\"disable_host_sanitize\": true` to keep `{scheme}://`")
            },
        ),
        Problem::UpperScheme { scheme } => (
            sub(&(0..scheme.len() + 3)),
            "KrakenD only recognises a lower-case scheme".to_string(),
            format!("write `{}://`", scheme.to_ascii_lowercase()),
        ),
        Problem::Credentials { range } => (
            sub(range),
            "a host cannot carry credentials".to_string(),
            format!("remove `{}` and send the credentials as a header (e.g. with `modifier/martian`), {verbatim}", &host[range.clone()]),
        ),
        Problem::Ipv6 { range } => (
            sub(range),
            "IPv6 literals do not pass KrakenD's host check".to_string(),
            format!("use a host name that resolves to this address, {verbatim}"),
        ),
        Problem::Glued { second } => (
            sub(&(*second..host.len())),
            "a second host starts here".to_string(),
            "write each host as its own string in the `host` list".to_string(),
        ),
        Problem::BasePath { path, range, .. } => (
            sub(range),
            format!("a host cannot carry a path (`{path}`)"),
            if is_root {
                format!("move `{path}` to the front of the `url_pattern` of every backend that uses the root hosts")
            } else {
                format!("move `{path}` to the front of `url_pattern`, {verbatim}")
            },
        ),
        Problem::Port { range } => (
            sub(range),
            "a port needs 2 to 6 digits".to_string(),
            "write the port as `:8080`, or leave it out".to_string(),
        ),
        Problem::Other => (
            host_node.span,
            match &sanitized {
                Sanitized::Invalid { matches } if matches.is_empty() => "nothing here looks like a host".to_string(),
                Sanitized::Invalid { matches } => format!("KrakenD reads {} separate pieces here, and needs exactly one", matches.len()),
                Sanitized::Valid { found, .. } => format!("only `{}` is kept", &host[found.range.clone()]),
            },
            "write `http://` or `https://`, a host name or IPv4 address, and an optional `:port`".to_string(),
        ),
    };
    let message = match &rewritten {
        Some(cleaned) => format!("host `{host}` is read as `{cleaned}`"),
        None => format!("invalid host `{host}`"),
    };
    let mut d = cx.diag(CODE, span, message).with_label(label).with_help(help);
    d = d.with_note(match &rewritten {
        Some(_) => "KrakenD's host check keeps only the part that looks like an HTTP host, without a word".to_string(),
        None => format!("KrakenD refuses to start: `host {host} not valid: invalid host`"),
    });
    if let Some(fix) = fix(cx, &problem, host, host_node, owner, list, count) {
        d.fixes.push(fix);
    }
    out.push(d);
}

fn fix(
    cx: &Context<'_>,
    problem: &Problem,
    host: &str,
    host_node: &Node,
    owner: &Owner<'_>,
    list: &Member,
    count: usize,
) -> Option<Fix> {
    match (problem, owner) {
        (Problem::UpperScheme { scheme }, _) => {
            let lower = format!("{}{}", scheme.to_ascii_lowercase(), &host[scheme.len()..]);
            Some(Fix { title: format!("write `{}://`", scheme.to_ascii_lowercase()), edits: vec![edits::replace_string(host_node, &lower)] })
        }
        (Problem::Scheme { .. }, Owner::Backend { .. }) if cx.format == Format::Json => {
            let edit = edits::insert_member_before(cx.text, list.key_span, "\"disable_host_sanitize\": true")?;
            Some(Fix { title: "set `disable_host_sanitize: true` on this backend".into(), edits: vec![edit] })
        }
        (Problem::BasePath { base, path, .. }, Owner::Backend { url_pattern: Some(url), .. }) if count == 1 => {
            let pattern = url.as_str()?;
            let prefix = if pattern.starts_with('/') { path.clone() } else { format!("{path}/") };
            let at = url.sub_span(0..0);
            if at == url.span {
                return None;
            }
            Some(Fix {
                title: format!("move `{path}` into `url_pattern`"),
                edits: vec![edits::replace_string(host_node, base), Edit { span: at, text: prefix }],
            })
        }
        _ => None,
    }
}
