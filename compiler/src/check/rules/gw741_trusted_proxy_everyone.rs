//! a `trusted_proxies` network that holds every address: any client can set its own IP
//!
//! ## What it does
//! Reports a root `router.trusted_proxies` entry with a `/0` prefix
//! (`0.0.0.0/0`, `::/0`, or `::ffff:0:0/96`, which Go compares as every
//! IPv4 address).
//!
//! ## Why is this bad?
//! gin believes the client-IP headers (`X-Forwarded-For`…) of a trusted
//! peer, and reads them from the right, skipping trusted addresses. When
//! every address is trusted, the leftmost entry wins, which the client
//! writes itself: it chooses the IP the rate limit keys on, the backends
//! receive and the logs show. This is gin's behaviour without
//! `trusted_proxies`, written out, and it silences GW709.
//!
//! ## Example
//! ```json
//! { "router": { "trusted_proxies": ["0.0.0.0/0"] } }
//! ```
//!
//! ## How to fix it
//! List only your load balancers' addresses or networks
//! (`"10.0.0.0/8"`). When clients connect directly, set
//! `"forwarded_by_client_ip": false` instead.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::client_ip::{TrustedNet, gin_trusted_proxies};

/// The rule's code.
pub const CODE: &str = "GW741";

/// Reports each network of every address.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(router) = &cx.config.extra.router else { return };
    let Some(list) = &router.trusted_proxies else { return };
    if !router.forwards_client_ip() {
        return;
    }
    // Only the entries gin reads (up to a bad one, GW740).
    let (nets, _) = gin_trusted_proxies(list.value.iter().map(|e| e.value.as_str()));
    for (entry, net) in list.value.iter().zip(nets) {
        if !net.is_everyone() {
            continue;
        }
        let family = match net {
            TrustedNet::V4 { .. } => "IPv4",
            TrustedNet::V6 { .. } => "IPv6",
        };
        out.push(
            cx.diag(CODE, entry.span, format!("`trusted_proxies` entry `{}` trusts every {family} address", entry.value))
                .with_label("any client sets its own IP with `X-Forwarded-For`, as with no `trusted_proxies` at all")
                .with_help("list only your load balancers (`10.0.0.0/8`), or set `forwarded_by_client_ip` to false when clients connect directly"),
        );
    }
}
