//! lists of client-IP settings beside `forwarded_by_client_ip: false`: they have no effect
//!
//! ## What it does
//! Reports a non-empty `trusted_proxies` or `remote_ip_headers` in the root
//! `router` when `forwarded_by_client_ip` is false.
//!
//! ## Why is this bad?
//! gin reads the client-IP headers only when `ForwardedByClientIP` is on:
//! with it off, the client IP is the connection's address and both lists
//! are dead settings. The config looks as if it believed its proxies; it
//! does not.
//!
//! ## Example
//! ```json
//! { "router": { "forwarded_by_client_ip": false, "trusted_proxies": ["10.0.0.0/8"] } }
//! ```
//!
//! ## How to fix it
//! Behind the listed proxies, remove `forwarded_by_client_ip` (gin's
//! default is on) or set it to true. Otherwise remove the lists.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW743";

/// Reports each list `forwarded_by_client_ip: false` makes useless.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(router) = &cx.config.extra.router else { return };
    let Some(off) = router.forwarded_by_client_ip.as_ref().filter(|f| !f.value) else { return };
    for (name, list) in [("trusted_proxies", &router.trusted_proxies), ("remote_ip_headers", &router.remote_ip_headers)] {
        let Some(list) = list.as_ref().filter(|l| !l.value.is_empty()) else { continue };
        out.push(
            cx.diag(CODE, list.key_span, format!("`{name}` has no effect: `forwarded_by_client_ip` is false"))
                .with_label("gin never reads the client-IP headers: the client IP is the connection's address")
                .with_secondary(off.full_span(), "the headers are turned off here")
                .with_help("behind these proxies, remove `forwarded_by_client_ip` (gin's default is on); otherwise remove the list"),
        );
    }
}
