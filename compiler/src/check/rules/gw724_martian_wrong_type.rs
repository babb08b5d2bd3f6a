//! a martian field whose value KrakenD CE cannot decode
//!
//! ## What it does
//! Reports each field of a martian modifier whose JSON value Go's
//! `encoding/json` cannot decode into the modifier's field: a string where
//! a number goes (`"statusCode": "200"`), a fraction for an integer
//! (`"port": 80.5`), a string for a list (`"scope": "request"`), a
//! `cookie.Modifier.expires` that is not an RFC 3339 time, a modifier's
//! value that is not an object.
//!
//! ## Why is this bad?
//! The decoder fails the whole parse, and KrakenD CE runs the backend
//! **without any of its modifiers**, logging the error once at start.
//! (`null` is accepted anywhere: it leaves the field empty.)
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "status.Modifier": { "scope": ["response"], "statusCode": "200" } } }
//! ```
//!
//! ## How to fix it
//! Write the value with the type the field takes: `"statusCode": 200`,
//! `"scope": ["request"]`, `"expires": "2030-01-01T00:00:00Z"`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW724";

/// Reports each value the decoder rejects.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            for e in md.type_errors() {
                let message = if e.key.is_empty() {
                    format!("`{}` is {}, not an object of fields", md.name, article(e.node.type_name()))
                } else {
                    format!("`{}.{}` takes {}, not {}", md.name, e.key, e.expected, shown(cx, e.node))
                };
                out.push(
                    cx.diag(CODE, e.node.span, message)
                        .with_label("KrakenD CE's decoder fails on this value")
                        .with_secondary(m.key_span, "KrakenD CE runs this backend without any of these modifiers")
                        .with_help(format!("write {}", e.expected)),
                );
            }
        }
    }
}

/// A short scalar as written (`"200"`, `80.5`), else its type.
fn shown(cx: &Context<'_>, node: &crate::syntax::Node) -> String {
    let text = cx.text.get(node.span.start..node.span.end).unwrap_or_default();
    let scalar = !matches!(
        node.kind,
        crate::syntax::NodeKind::Array(_) | crate::syntax::NodeKind::Object(_)
    );
    if scalar && !text.is_empty() && text.len() <= 40 && !text.contains('\n') {
        format!("`{text}`")
    } else {
        article(node.type_name())
    }
}

fn article(type_name: &str) -> String {
    match type_name {
        "array" | "object" => format!("an {type_name}"),
        "null" => "null".to_string(),
        _ => format!("a {type_name}"),
    }
}
