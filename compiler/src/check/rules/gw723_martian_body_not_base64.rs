//! a martian `body.Modifier` whose `body` is not base64
//!
//! ## What it does
//! Reports the `body` of a `body.Modifier` that is not standard base64
//! with its `=` padding (the JSON text itself, say).
//!
//! ## Why is this bad?
//! The field is a Go `[]byte`, which `encoding/json` reads as base64.
//! Anything else fails the parse, and KrakenD CE runs the backend
//! **without any of its modifiers**, logging the error once at start.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "body.Modifier": { "scope": ["request"], "contentType": "application/json", "body": "{\"msg\": \"you rock!\"}" } } }
//! ```
//!
//! ## How to fix it
//! Encode the body: `printf '%s' '{"msg":"you rock!"}' | base64` gives
//! `eyJtc2ciOiJ5b3Ugcm9jayEifQ==`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::{Kind, decode_base64};

/// The rule's code.
pub const CODE: &str = "GW723";

/// Reports each body that does not decode.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            if md.kind != Some(Kind::BodyModifier) {
                continue;
            }
            let Some(body) = md.field("body") else { continue };
            let Some(text) = body.value.as_str() else { continue };
            if decode_base64(text).is_some() {
                continue;
            }
            out.push(
                cx.diag(CODE, body.value.span, "`body.Modifier`'s `body` is not base64")
                    .with_label("KrakenD CE's parser fails: the field is read as base64 bytes")
                    .with_secondary(m.key_span, "KrakenD CE runs this backend without any of these modifiers")
                    .with_help("write the body base64-encoded (standard alphabet, `=` padding), e.g. `printf '%s' 'BODY' | base64`"),
            );
        }
    }
}
