//! the Enterprise-only `fast-json` encoding, which KrakenD CE replaces with `json`
//!
//! ## What it does
//! Reports `fast-json` as a root or endpoint `output_encoding` or as a
//! backend `encoding`.
//!
//! ## Why is this bad?
//! KrakenD CE (which gwc follows) has no `fast-json` codec and silently
//! falls back to `json`. The documents are the same, so nothing breaks,
//! but the config promises a codec that is not used.
//!
//! ## Example
//! ```json
//! { "version": 3, "output_encoding": "fast-json", "endpoints": [] }
//! ```
//!
//! ## How to fix it
//! Write `json`, or keep `fast-json` when the config runs on KrakenD
//! Enterprise.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::Spanned;
use crate::model::encoding::FAST_JSON;

/// The rule's code.
pub const CODE: &str = "GW308";

/// Checks the root, every endpoint and every backend.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut report = |enc: &Spanned<String>, what: &str| {
        out.push(
            cx.diag(CODE, enc.span, format!("`{}` is a KrakenD Enterprise {what}", enc.value))
                .with_label("KrakenD CE uses `json` instead (same output)")
                .with_help("write `json`, unless this config runs on KrakenD Enterprise")
                .with_fix("replace with `json`", enc.inner_span(), "json"),
        );
    };
    if let Some(enc) = cx.config.output_encoding.as_ref().filter(|e| e.value == FAST_JSON) {
        report(enc, "output encoding");
    }
    for ep in &cx.config.endpoints {
        if let Some(enc) = ep.output_encoding.as_ref().filter(|e| e.value == FAST_JSON) {
            report(enc, "output encoding");
        }
        if cx.config.is_noop_endpoint(ep) {
            continue;
        }
        for b in &ep.backends {
            if let Some(enc) = b.encoding.as_ref().filter(|e| e.value.eq_ignore_ascii_case(FAST_JSON)) {
                report(enc, "encoding");
            }
        }
    }
}
