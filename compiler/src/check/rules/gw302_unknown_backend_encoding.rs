//! a backend `encoding` KrakenD does not know
//!
//! ## What it does
//! Checks each backend `encoding` against the decoders KrakenD CE
//! registers: `json`, `safejson`, `string`, `no-op`, `xml` and `rss`
//! (compared in lower case, so `JSON` is fine). `no-op` must be written in
//! lower case. `yaml` exists only in KrakenD Enterprise; `fast-json` is
//! GW308. Backends of a `no-op` endpoint are skipped: KrakenD forces them
//! to `no-op` whatever they say.
//!
//! ## Why is this bad?
//! KrakenD does not reject an unknown name: it silently decodes the
//! response as `json`, which fails on any other format. `NO-OP` picks the
//! no-op decoder but not the no-op proxy, so the response body is lost.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/report", "encoding": "no_op" }
//! ```
//!
//! ## How to fix it
//! Use one of the names above (`no-op`).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::encoding::{BACKEND_ENCODINGS, ENTERPRISE_BACKEND_ENCODINGS, FAST_JSON, NOOP};

/// The rule's code.
pub const CODE: &str = "GW302";

/// Checks every backend of every endpoint that is not `no-op`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let known = BACKEND_ENCODINGS.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
    for ep in &cx.config.endpoints {
        if cx.config.is_noop_endpoint(ep) {
            continue;
        }
        for b in &ep.backends {
            let Some(enc) = &b.encoding else { continue };
            let value = enc.value.as_str();
            let lower = value.to_ascii_lowercase();
            if value.is_empty() || lower == FAST_JSON || value == NOOP {
                continue;
            }
            let d = if lower == NOOP {
                cx.diag(CODE, enc.span, format!("`{value}` must be written `no-op`"))
                    .with_label("KrakenD picks the no-op proxy only for the exact text `no-op`")
                    .with_help("write `no-op` in lower case")
                    .with_note(
                        "with any other case KrakenD neither streams the response nor decodes it: the body is lost",
                    )
                    .with_fix("replace with `no-op`", enc.inner_span(), NOOP)
            } else if BACKEND_ENCODINGS.contains(&lower.as_str()) {
                continue;
            } else if ENTERPRISE_BACKEND_ENCODINGS.contains(&lower.as_str()) {
                cx.diag(CODE, enc.span, format!("`{value}` is a KrakenD Enterprise encoding"))
                    .with_label("KrakenD CE decodes this response as `json` instead")
                    .with_help(format!(
                        "have the backend answer in a format CE decodes ({known}), or run KrakenD Enterprise"
                    ))
            } else {
                let mut d = cx
                    .diag(CODE, enc.span, format!("unknown backend encoding `{value}`"))
                    .with_label("KrakenD has no decoder with this name, so it decodes the response as `json`")
                    .with_note(format!("KrakenD CE decodes {known}"));
                match suggestion(value) {
                    Some(s) => {
                        d = d.did_you_mean(s, enc.inner_span());
                    }
                    None => d = d.with_help(format!("use one of {known}")),
                }
                d
            };
            out.push(d);
        }
    }
}

fn suggestion(value: &str) -> Option<&'static str> {
    let alias = match value.to_ascii_lowercase().as_str() {
        "noop" | "no_op" | "none" | "raw" | "passthrough" => Some("no-op"),
        "text" | "plain" | "txt" => Some("string"),
        "safe-json" | "safe_json" => Some("safejson"),
        _ => None,
    };
    alias.or_else(|| did_you_mean(value, BACKEND_ENCODINGS))
}

#[cfg(test)]
mod tests {
    /// Cases the schema rejects, so they cannot live in `testdata/ok`, but
    /// that KrakenD runs as intended: decoder names are case-insensitive,
    /// and a `no-op` endpoint overrides whatever its backend says.
    #[test]
    fn accepted_by_krakend() {
        let text = r#"{"version": 3, "host": ["http://a:8080"], "endpoints": [
            {"endpoint": "/a", "backend": [{"url_pattern": "/a", "encoding": "JSON"}]},
            {"endpoint": "/b", "output_encoding": "no-op", "backend": [{"url_pattern": "/b", "encoding": "anything"}]}
        ]}"#;
        let (_, diags) = crate::lint_text("t.json", text);
        assert!(diags.iter().all(|d| d.code != super::CODE), "{diags:?}");
    }
}
