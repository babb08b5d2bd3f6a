//! an `output_encoding` KrakenD does not know
//!
//! ## What it does
//! Checks the endpoint and root `output_encoding` against the renderers
//! KrakenD CE registers: `json`, `json-collection`, `xml`, `yaml`,
//! `negotiate`, `string` and `no-op`. Names are case-sensitive.
//! (`fast-json`, from KrakenD Enterprise, is GW308.) `yaml` is accepted at
//! the root too: the JSON schema leaves it out there, but KrakenD copies the
//! root value to every endpoint without one, where it is valid.
//!
//! ## Why is this bad?
//! KrakenD does not reject an unknown name: it silently renders `json`
//! instead (or, for an endpoint with one backend, that backend's encoding
//! when it is also a renderer), so clients get a different format than the
//! config says.
//!
//! ## Example
//! ```json
//! { "endpoint": "/feed", "output_encoding": "XML", "backend": [{ "url_pattern": "/feed" }] }
//! ```
//!
//! ## How to fix it
//! Use one of the names above (`xml`).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::Spanned;
use crate::model::encoding::{FAST_JSON, OUTPUT_ENCODINGS};

/// The rule's code.
pub const CODE: &str = "GW301";

/// Checks the root and every endpoint.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if let Some(enc) = &cx.config.output_encoding {
        report(cx, enc, "endpoints that inherit it render", out);
    }
    for ep in &cx.config.endpoints {
        if let Some(enc) = &ep.output_encoding {
            report(cx, enc, "this endpoint renders", out);
        }
    }
}

fn report(cx: &Context<'_>, enc: &Spanned<String>, whose: &str, out: &mut Vec<Diagnostic>) {
    let value = enc.value.as_str();
    if value.is_empty() || value == FAST_JSON || OUTPUT_ENCODINGS.contains(&value) {
        return;
    }
    let known = OUTPUT_ENCODINGS.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
    let mut d = cx
        .diag(CODE, enc.span, format!("unknown output encoding `{value}`"))
        .with_label(format!("KrakenD has no renderer with this name, so {whose} `json`"))
        .with_note(format!("KrakenD CE renders {known}; the names are case-sensitive"));
    match suggestion(value) {
        Some(s) => {
            d = d.did_you_mean(s, enc.inner_span());
        }
        None => d = d.with_help(format!("use one of {known}")),
    }
    out.push(d);
}

fn suggestion(value: &str) -> Option<&'static str> {
    let alias = match value.to_ascii_lowercase().as_str() {
        "noop" | "no_op" | "none" | "raw" | "passthrough" => Some("no-op"),
        "text" | "plain" | "txt" => Some("string"),
        "yml" => Some("yaml"),
        // `FAST-JSON`: the Enterprise codec renders the same as `json`.
        "fast-json" => Some("json"),
        _ => None,
    };
    alias.or_else(|| did_you_mean(value, OUTPUT_ENCODINGS))
}
