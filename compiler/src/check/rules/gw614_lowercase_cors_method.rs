//! a `security/cors` `allow_methods` entry not in upper case, which matches no request
//!
//! ## What it does
//! Reports an entry of the root `security/cors` `allow_methods` that is an
//! HTTP method written with lower-case letters (`"get"`, `"Post"`).
//!
//! ## Why is this bad?
//! KrakenD CE (rs/cors) compares the request's method, and the method a
//! preflight asks for, with these entries exactly, case included. Browsers
//! send `GET`, `POST`, `PUT`, `DELETE`, `HEAD` and `OPTIONS` in upper case,
//! so `"get"` matches nothing: actual `GET` requests get no CORS headers
//! (the browser hides the answer) and preflights asking for `GET` are
//! refused, while the config seems to allow it.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "security/cors": { "allow_methods": ["get", "post"] } } }
//! ```
//!
//! ## How to fix it
//! Write the methods in upper case: `["GET", "POST"]`.

use crate::check::{Context, edits};
use crate::diag::Diagnostic;
use crate::model::security::Cors;

/// The rule's code.
pub const CODE: &str = "GW614";

/// The methods a browser may send (upper case).
const METHODS: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"];

/// Reports each such entry.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(cors) = &cx.config.extra.cors else { return };
    for m in Cors::items(&cors.allow_methods) {
        let upper = m.value.to_ascii_uppercase();
        if upper == m.value || !METHODS.contains(&upper.as_str()) {
            continue;
        }
        out.push(
            cx.diag(CODE, m.span, format!("`allow_methods` entry `{}` never matches: methods are compared case-sensitively", m.value))
                .with_label(format!("browsers send `{upper}`"))
                .with_help(format!("write `\"{upper}\"`"))
                .with_fix(format!("write `\"{upper}\"`"), m.span, edits::json_string(&upper))
                .with_note(format!(
                    "`{upper}` requests get no CORS headers and preflights asking for `{upper}` are refused"
                )),
        );
    }
}
