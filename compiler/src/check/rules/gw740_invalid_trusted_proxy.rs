//! a `trusted_proxies` entry that is not an IP address or network: gin stops reading the list there
//!
//! ## What it does
//! Reports the first entry of the root `router.trusted_proxies` that gin
//! cannot parse: neither an address (`10.0.0.1`, `2001:db8::1`) nor a
//! network in CIDR form (`10.0.0.0/8`, `2001:db8::/32`). Host names, ports,
//! zones (`fe80::1%eth0`), IPv4 parts with leading zeros and prefixes
//! longer than the address are all refused.
//!
//! ## Why is this bad?
//! gin (`SetTrustedProxies`) parses the list in order and stops at the
//! first entry it cannot read; lura ignores the error. The entries before
//! it are trusted, this one and every one after it are dropped without a
//! word. When it is the first entry, no proxy is trusted at all, so the
//! client IP is always the connection's address, for the rate limit's `ip`
//! key, the backends' `X-Forwarded-For` and the logs alike.
//!
//! ## Example
//! ```json
//! { "router": { "trusted_proxies": ["lb.internal", "10.0.0.0/8"] } }
//! ```
//!
//! ## How to fix it
//! Write addresses or CIDR networks only: `"10.0.0.0/8"`, `"192.0.2.10"`.
//! gin does not resolve names.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::client_ip::gin_trusted_proxies;

/// The rule's code.
pub const CODE: &str = "GW740";

/// Reports the entry gin stops at.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(list) = cx.config.extra.router.as_ref().and_then(|r| r.trusted_proxies.as_ref()) else { return };
    let (_, Some(bad)) = gin_trusted_proxies(list.value.iter().map(|e| e.value.as_str())) else { return };
    let Some(entry) = list.value.get(bad) else { return };
    let after = list.value.len() - bad - 1;
    let label = match (bad, after) {
        (0, _) => "gin stops reading the list here: no proxy is trusted, so the client-IP headers are never read".to_string(),
        (_, 0) => "gin stops reading the list here: this entry is ignored".to_string(),
        (_, 1) => "gin stops reading the list here: this entry and the one after it are ignored".to_string(),
        (_, n) => format!("gin stops reading the list here: this entry and the {n} after it are ignored"),
    };
    out.push(
        cx.diag(CODE, entry.span, format!("`trusted_proxies` entry `{}` is not an IP address or network", entry.value))
            .with_label(label)
            .with_help("write an address (`10.0.0.1`, `2001:db8::1`) or a CIDR network (`10.0.0.0/8`); names are not resolved"),
    );
}
