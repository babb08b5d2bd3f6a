//! client-IP headers turned on without `trusted_proxies`: they are believed from any client
//!
//! ## What it does
//! Reports `"forwarded_by_client_ip": true` or a `remote_ip_headers` list
//! in the root `router` when `trusted_proxies` is missing or empty.
//!
//! ## Why is this bad?
//! KrakenD's documentation says `trusted_proxies` must come with these,
//! but nothing enforces it: lura hands gin the list only when it is not
//! empty, and gin's own default trusts every address. So the headers are
//! read from any peer, and since gin reads them from the right skipping
//! trusted addresses, the leftmost entry wins: any client picks the IP the
//! rate limit keys on, the backends receive in `X-Forwarded-For` and the
//! logs show. (Without these settings gin does the same; this rule reports
//! the configs that turn them on explicitly.)
//!
//! ## Example
//! ```json
//! { "router": { "forwarded_by_client_ip": true, "remote_ip_headers": ["X-Real-IP"] } }
//! ```
//!
//! ## How to fix it
//! List your load balancers: `"trusted_proxies": ["10.0.0.0/8"]`. When
//! clients connect directly, set `"forwarded_by_client_ip": false`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW742";

/// Reports the setting that turns the headers on.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(router) = &cx.config.extra.router else { return };
    if router.has_trusted_proxies() || !router.forwards_client_ip() {
        return;
    }
    let forwarded = router.forwarded_by_client_ip.as_ref().map(|f| f.key_span);
    let headers = router.remote_ip_headers.as_ref().filter(|h| !h.value.is_empty()).map(|h| h.key_span);
    let Some(span) = forwarded.or(headers) else { return };
    out.push(
        cx.diag(CODE, span, "client-IP headers are believed from any client: `router.trusted_proxies` is not set")
            .with_label("gin trusts every address when `trusted_proxies` is empty: any client sets its own IP")
            .with_help("list your load balancers in `trusted_proxies` (`[\"10.0.0.0/8\"]`), or set `forwarded_by_client_ip` to false when clients connect directly"),
    );
}
