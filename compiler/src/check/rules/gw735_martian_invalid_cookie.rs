//! a martian `cookie.Modifier` whose cookie name is not valid
//!
//! ## What it does
//! Reports a `cookie.Modifier` whose `name` is missing, or is not an HTTP
//! token (a space, `=`, `;`, a quote…).
//!
//! ## Why is this bad?
//! Go's `net/http` does not check it when martian adds the cookie: on a
//! response KrakenD CE sends an empty `Set-Cookie` header (the cookie's
//! text is empty when its name is invalid), and on a request the backend
//! receives a cookie it cannot parse. The cookie never arrives as meant.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "cookie.Modifier": { "scope": ["response"], "name": "accept cookies", "value": "yes" } } }
//! ```
//!
//! ## How to fix it
//! Name the cookie with letters, digits and `-`/`_` (`accept_cookies`).

use crate::check::Context;
use crate::check::rules::gw732_martian_invalid_header::is_token;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::Kind;

/// The rule's code.
pub const CODE: &str = "GW735";

/// Reports each cookie with an invalid name.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            if md.kind != Some(Kind::CookieModifier) || md.active.is_empty() {
                continue;
            }
            let field = md.field("name");
            let name = field.and_then(|f| f.value.as_str()).unwrap_or_default();
            if is_token(name) {
                continue;
            }
            let span = field.map_or(md.name_span, |f| f.value.span);
            let message = if name.is_empty() {
                "`cookie.Modifier` has no cookie `name`".to_string()
            } else {
                format!("`cookie.Modifier` name `{name}` is not a cookie name")
            };
            out.push(
                cx.diag(CODE, span, message)
                    .with_label("KrakenD CE sends an empty `Set-Cookie`, or a cookie the backend cannot read")
                    .with_help("name the cookie with letters, digits, `-` and `_`"),
            );
        }
    }
}
