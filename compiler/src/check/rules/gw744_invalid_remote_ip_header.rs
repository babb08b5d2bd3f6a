//! a `remote_ip_headers` entry that is not a header name: gin never finds it
//!
//! ## What it does
//! Reports an entry of the root `router.remote_ip_headers` that is not an
//! HTTP header name: empty, or holding spaces, `:`, or characters outside
//! ASCII letters, digits and ``!#$%&'*+-.^_`|~``.
//!
//! ## Why is this bad?
//! gin looks the client's IP up in the request headers under each name in
//! turn. No request can carry a header with such a name (Go's server refuses
//! it), so the entry is silently skipped; when it is the only one, the
//! client IP is always the connection's address.
//!
//! ## Example
//! ```json
//! { "router": { "remote_ip_headers": ["X Real IP"] } }
//! ```
//!
//! ## How to fix it
//! Write the header's name as the proxy sends it: `"X-Real-IP"`,
//! `"CF-Connecting-IP"`. Case does not matter.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::client_ip::is_header_name;

/// The rule's code.
pub const CODE: &str = "GW744";

/// Reports each entry that names no header.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(list) = cx.config.extra.router.as_ref().and_then(|r| r.remote_ip_headers.as_ref()) else { return };
    for entry in list.value.iter().filter(|e| !is_header_name(&e.value)) {
        let message = if entry.value.is_empty() {
            "an empty `remote_ip_headers` entry is not a header name".to_string()
        } else {
            format!("`remote_ip_headers` entry `{}` is not a header name", entry.value)
        };
        out.push(
            cx.diag(CODE, entry.span, message)
                .with_label("no request header can have this name: gin never reads it")
                .with_help("write the header's name as your proxy sends it, e.g. `X-Real-IP` or `CF-Connecting-IP`"),
        );
    }
}
