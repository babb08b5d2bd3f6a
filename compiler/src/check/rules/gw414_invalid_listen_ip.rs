//! the `listen_ip` is not an IP address
//!
//! ## What it does
//! Reports a non-empty `listen_ip` that is not a literal IPv4 or IPv6
//! address (`localhost`, a host name, an address with a port).
//!
//! ## Why is this bad?
//! KrakenD refuses to start: `invalid ip address localhost` (lura checks
//! the value with Go's `net.ParseIP`, which takes no names and no ports).
//!
//! ## Example
//! ```json
//! { "version": 3, "listen_ip": "localhost" }
//! ```
//!
//! ## How to fix it
//! Write an address: `127.0.0.1` for loopback only, `0.0.0.0` (the default)
//! for every interface. Put the port in `port`.

use std::net::IpAddr;

use crate::check::{Context, edits};
use crate::diag::{Diagnostic, Fix};

/// The rule's code.
pub const CODE: &str = "GW414";

/// Reports a `listen_ip` that is not an IP literal.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(member) = cx.root.member("listen_ip") else { return };
    let node = &member.value;
    let Some(text) = node.as_str() else { return };
    if text.is_empty() || text.parse::<IpAddr>().is_ok() {
        return;
    }
    let (label, suggestion) = if text.eq_ignore_ascii_case("localhost") {
        ("a host name, not an address", Some("127.0.0.1".to_string()))
    } else if let Some((ip, port)) = text.rsplit_once(':')
        && ip.trim_matches(['[', ']']).parse::<IpAddr>().is_ok()
        && port.bytes().all(|b| b.is_ascii_digit())
    {
        ("an address with a port: the port goes in `port`", Some(ip.trim_matches(['[', ']']).to_string()))
    } else if text == "*" {
        ("not an address", Some("0.0.0.0".to_string()))
    } else {
        ("not an IPv4 or IPv6 address", None)
    };
    let mut d = cx
        .diag(CODE, node.span, format!("`listen_ip` `{text}` is not an IP address"))
        .with_label(label)
        .with_note(format!("KrakenD refuses to start: `invalid ip address {text}`"));
    match suggestion {
        Some(ip) => {
            d = d.with_help(format!("write `\"{ip}\"`"));
            d.fixes.push(Fix { title: format!("write `\"{ip}\"`"), edits: vec![edits::replace_string(node, &ip)] });
        }
        None => d = d.with_help("write `127.0.0.1` for loopback only, or `0.0.0.0` (the default) for every interface"),
    }
    out.push(d);
}
