//! a value of the wrong JSON type
//!
//! ## What it does
//! Reports a value whose JSON type is not the one the setting takes: a
//! string where a number is expected (`"max_idle_connections": "100"`), a single string
//! where a list is expected (`"host": "http://users"`), an array where an
//! object is expected. When the value converts cleanly (quotes around a
//! number, a single value for a list), the fix rewrites it.
//!
//! ## Why is this bad?
//! gwc reads values as written, so a value of the wrong type is ignored and
//! the default applies instead. KrakenD CE is inconsistent: its loader
//! converts some of these for root, endpoint and backend settings ("weak
//! typing": `"100"` becomes 100, a single host becomes a one-item list),
//! `krakend check --lint` rejects them, and the `extra_config` components
//! mostly ignore a value of the wrong type (the whole `router` namespace is
//! dropped when one of its values has the wrong type). In `auth/validator`
//! it is worse: CE cannot decode the namespace, and the endpoint answers
//! 401 to every request, forever (`"alg": ["RS256"]`, `"audience": "api"`,
//! `"cache_duration": "15m"`, `"leeway": 1`).
//!
//! ## Example
//! ```json
//! { "version": 3, "max_idle_connections": "100", "host": "http://users.internal", "endpoints": [] }
//! ```
//!
//! ## How to fix it
//! Write the value with the type the setting takes: `"max_idle_connections": 100`,
//! `"host": ["http://users.internal"]`.

use crate::check::Context;
use crate::check::schema::{self, ViolationKind};
use crate::diag::Diagnostic;
use crate::syntax::{Node, NodeKind};

/// The rule's code.
pub const CODE: &str = "GW802";

/// Reports each type mismatch the schema check found.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for v in schema::violations(cx) {
        let ViolationKind::WrongType { expected } = &v.kind else { continue };
        // CE panics on this one: GW610 says so instead.
        if super::gw610_cors_max_age_not_string::POINTERS.contains(&v.pointer.as_str()) {
            continue;
        }
        let Some((node, _)) = cx.root.pointer(&v.pointer) else { continue };
        let wanted: Vec<String> = expected.iter().map(|t| schema::with_article(t)).collect();
        let found = schema::with_article(node.type_name());
        let mut d = cx
            .diag(CODE, v.span, format!("{} must be {}, found {found}", schema::value_name(&v.pointer), schema::join_or(&wanted)))
            .with_label(format!("this is {found}"));
        let raw = cx.text.get(v.span.start..v.span.end).unwrap_or_default();
        match conversion(node, expected, raw) {
            Some((title, replacement)) => {
                if loaded_with_weak_typing(&v.schema_location) {
                    d = d.with_note(
                        "KrakenD CE converts this value when it loads the file (weak typing), \
                         but `krakend check --lint` rejects it and gwc does not convert it",
                    );
                }
                d = d.with_help(format!("write it as `{replacement}`")).with_fix(title, v.span, replacement);
            }
            None => d = d.with_help(format!("write {} here", schema::join_or(&wanted))),
        }
        if v.schema_location.starts_with("/$defs/auth_validator/") {
            d = d.with_note(
                "KrakenD CE cannot decode an `auth/validator` holding this value: it logs `Unable to parse the configuration` \
                 and the endpoint answers 401 to every request, forever",
            );
        } else if is_namespace_setting(&v.schema_location) {
            d = d.with_note("KrakenD's components do not convert `extra_config` values: this one is ignored");
        }
        out.push(d);
    }
}

/// The rewrite that gives the value the expected type, when there is an
/// obvious one: (fix title, replacement text).
fn conversion(node: &Node, expected: &[String], raw: &str) -> Option<(&'static str, String)> {
    let wants = |t: &str| expected.iter().any(|e| e == t);
    match &node.kind {
        NodeKind::String(s) if (wants("integer") && s.parse::<i64>().is_ok()) || (wants("number") && s.parse::<f64>().is_ok_and(f64::is_finite)) => {
            Some(("remove the quotes", s.clone()))
        }
        NodeKind::String(s) if wants("boolean") && (s == "true" || s == "false") => Some(("remove the quotes", s.clone())),
        NodeKind::Number(_) | NodeKind::Bool(_) if wants("string") => Some(("quote the value", format!("\"{raw}\""))),
        NodeKind::String(_) | NodeKind::Number(_) | NodeKind::Bool(_) if wants("array") && !raw.contains('\n') => {
            Some(("wrap the value in a list", format!("[{raw}]")))
        }
        _ => None,
    }
}

/// Whether KrakenD decodes the setting with its weakly typed loader (the
/// root, endpoint, backend, TLS, plugin and async agent settings), as
/// opposed to an `extra_config` component.
fn loaded_with_weak_typing(location: &str) -> bool {
    ["/properties/", "/$defs/endpoint/", "/$defs/backend/", "/$defs/tls", "/$defs/client_tls", "/$defs/plugin", "/$defs/async_agent/"]
        .iter()
        .any(|p| location.starts_with(p))
}

/// Whether the setting belongs to an `extra_config` component gwc models.
fn is_namespace_setting(location: &str) -> bool {
    ["/$defs/router/", "/$defs/cors/", "/$defs/circuit_breaker/", "/$defs/backend_http/", "/$defs/proxy_", "/$defs/flatmap_filter/"]
        .iter()
        .any(|p| location.starts_with(p))
}
