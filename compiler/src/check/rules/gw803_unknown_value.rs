//! a value outside the closed set a setting accepts
//!
//! ## What it does
//! Reports a value that is not one of the values a setting accepts, for the
//! settings with a closed set that gwc's schema checks: the backend's service
//! discovery (`sd`), the TLS versions of `tls` and `client_tls`, and the async
//! agents' `backoff_strategy`. It names the closest accepted value and offers
//! it as a fix. (Methods, encodings, flatmap operations and static
//! strategies have their own rules: GW110, GW301, GW302, GW309, GW310.)
//!
//! ## Why is this bad?
//! KrakenD does not reject an unknown `sd`: it falls back to the static host
//! list without a word, so the hosts are never resolved as DNS SRV records.
//! An unknown TLS version or backoff strategy is likewise replaced by the
//! default. The gateway then behaves differently from what the file says.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/users", "host": ["users.service.consul"], "sd": "dsn" }
//! ```
//!
//! ## How to fix it
//! Use one of the accepted values (`"sd": "dns"`).

use crate::check::Context;
use crate::check::schema::{self, ViolationKind};
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW803";

/// Reports each value outside its enumeration.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for v in schema::violations(cx) {
        let ViolationKind::NotInEnum { options } = &v.kind else { continue };
        let Some((node, _)) = cx.root.pointer(&v.pointer) else { continue };
        let shown: Vec<String> = options.iter().map(|o| format!("`{}`", display(o))).collect();
        let value = node.as_str().map_or_else(|| cx.text.get(v.span.start..v.span.end).unwrap_or_default().to_string(), str::to_string);
        let mut d = cx
            .diag(CODE, v.span, format!("unknown value `{value}` for {}", schema::value_name(&v.pointer)))
            .with_label(format!("not {}", schema::join_or(&shown)));
        let strings: Vec<&str> = options.iter().filter_map(|o| o.as_str()).collect();
        d = match node.as_str().and_then(|s| did_you_mean(s, strings.iter().copied())) {
            Some(best) => d.did_you_mean(best, node.inner_span()),
            None => d.with_help(format!("use {}", schema::join_or(&shown))),
        };
        if let Some(text) = schema::description(&v.schema_location) {
            d = d.with_note(format!("{}: {}", schema::value_name(&v.pointer), crate::syntax::style_message(text)));
        }
        out.push(d);
    }
}

/// An option as written in JSON, strings without quotes.
fn display(value: &serde_json::Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_string)
}
