//! a martian modifier that writes a header no request can carry
//!
//! ## What it does
//! Reports a martian modifier that writes a header KrakenD CE cannot send:
//! - a header name that is empty or not an HTTP token (`X Tenant`,
//!   `X-Tenant:`), in `header.Modifier`, `header.Append`, `header.Copy`'s
//!   `to`, `header.Id`'s `header` or `stash.Modifier`'s `headerName`;
//! - a value with a control character (a line break) in `header.Modifier`,
//!   `header.Append` or `body.Modifier`'s `contentType`;
//! - a `Content-Length` that is not an integer;
//! - `header.Append` of `Host` on the request, which always has one.
//!
//! ## Why is this bad?
//! The modifier fails, or Go's HTTP client refuses the request it made
//! (`net/http: invalid header field name`): every request to the backend
//! fails with a 500, and with the modifier in a `fifo.Group` the modifiers
//! after it do not run. (A missing `name` is an empty one: Go's decoder
//! leaves it empty.)
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "header.Modifier": { "scope": ["request"], "name": "X Tenant", "value": "acme" } } }
//! ```
//!
//! ## How to fix it
//! Name the header with letters, digits and `-` (`X-Tenant`); write values
//! on one line; set `Host` with `header.Modifier`, not `header.Append`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::{Kind, Modifier};
use crate::plan::canonical_header_key;

/// The rule's code.
pub const CODE: &str = "GW732";

/// Reports each header a modifier cannot write.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            let Some(kind) = md.kind else { continue };
            if md.active.is_empty() {
                continue;
            }
            let names: &[&str] = match kind {
                Kind::HeaderModifier | Kind::HeaderAppend => &["name"],
                Kind::HeaderCopy => &["to"],
                Kind::StashModifier => &["headerName"],
                _ => &[],
            };
            for key in names {
                if let Some(problem) = bad_name(md, key, true) {
                    out.push(problem.report(cx));
                }
            }
            if kind == Kind::HeaderId
                && let Some(problem) = bad_name(md, "header", false)
            {
                out.push(problem.report(cx));
            }
            let values: &[&str] = match kind {
                Kind::HeaderModifier | Kind::HeaderAppend => &["value"],
                Kind::BodyModifier => &["contentType"],
                _ => &[],
            };
            for key in values {
                let Some(f) = md.field(key) else { continue };
                let Some(v) = f.value.as_str() else { continue };
                if v.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f)) {
                    continue;
                }
                out.push(
                    cx.diag(CODE, f.value.span, format!("`{}.{key}` has a control character", md.name))
                        .with_label("Go's HTTP client refuses the header: every request to the backend fails")
                        .with_help("write the value on one line, without control characters"),
                );
            }
            if matches!(kind, Kind::HeaderModifier | Kind::HeaderAppend) {
                let name = md.str_field("name").map(canonical_header_key).unwrap_or_default();
                let value = md.str_field("value").unwrap_or_default();
                let span = md.field("value").map_or(md.name_span, |f| f.value.span);
                if name == "Content-Length" && value.parse::<i64>().is_err() {
                    out.push(
                        cx.diag(CODE, span, format!("`{}` sets `Content-Length` to `{value}`, not an integer", md.name))
                            .with_label("the modifier fails on every request and response it runs on")
                            .with_help("remove it: the gateway frames every body itself"),
                    );
                }
                if kind == Kind::HeaderAppend && name == "Host" && md.active.request {
                    out.push(
                        cx.diag(CODE, md.name_span, "`header.Append` of `Host` on the request")
                            .with_label("the request always has a `Host`: the modifier fails (`illegal header multiple: Host`)")
                            .with_help("use `header.Modifier` to replace the `Host` header"),
                    );
                }
            }
        }
    }
}

/// What is wrong with a header name field.
struct BadName {
    span: crate::syntax::Span,
    message: String,
}

impl BadName {
    fn report(self, cx: &Context<'_>) -> Diagnostic {
        cx.diag(CODE, self.span, self.message)
            .with_label("Go's HTTP client refuses the header: every request to the backend fails")
            .with_help("name the header with letters, digits and `-` (an HTTP token)")
    }
}

/// The name in field `key` when it is not a header name (`required`: an
/// absent or empty one counts).
fn bad_name(md: &Modifier<'_>, key: &str, required: bool) -> Option<BadName> {
    let f = md.field(key);
    let name = f.and_then(|f| f.value.as_str()).unwrap_or_default();
    if name.is_empty() {
        return required.then(|| BadName {
            span: f.map_or(md.name_span, |f| f.value.span),
            message: format!("`{}` has no header `{key}`", md.name),
        });
    }
    if is_token(name) {
        return None;
    }
    Some(BadName {
        span: f.map_or(md.name_span, |f| f.value.span),
        message: format!("`{}.{key}` `{name}` is not a header name", md.name),
    })
}

/// An HTTP token (RFC 9110 `tchar`s), what a header name must be.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
