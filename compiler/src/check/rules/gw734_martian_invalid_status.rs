//! a martian `status.Modifier` whose status cannot be answered
//!
//! ## What it does
//! Reports a `status.Modifier` whose `statusCode` is missing or outside
//! 200–999.
//!
//! ## Why is this bad?
//! The modifier sets the status as written (0 when missing). Below 100 or
//! above 999 Go's server refuses to write it and panics: a `no-op` endpoint
//! answers nothing, and any other endpoint fails with a 500. A 1xx status
//! is informational, never a final answer (gwc refuses it too).
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "status.Modifier": { "scope": ["response"], "statusCode": 20 } } }
//! ```
//!
//! ## How to fix it
//! Write the final status you want (`"statusCode": 200`).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::{Kind, go_int};

/// The rule's code.
pub const CODE: &str = "GW734";

/// Reports each status no answer can carry.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            if md.kind != Some(Kind::StatusModifier) || md.active.is_empty() {
                continue;
            }
            let field = md.field("statusCode");
            let code = field.map_or(Some(0), |f| match f.value.kind {
                crate::syntax::NodeKind::Null => Some(0),
                _ => go_int(f.value.as_number().and_then(|n| n.as_f64())),
            });
            // Another type is GW724's.
            let Some(code) = code else { continue };
            if (200..=999).contains(&code) {
                continue;
            }
            let span = field.map_or(md.name_span, |f| f.value.span);
            let message = if field.is_none() {
                "`status.Modifier` has no `statusCode`".to_string()
            } else {
                format!("`status.Modifier` sets status {code}")
            };
            out.push(
                cx.diag(CODE, span, message)
                    .with_label(if (100..200).contains(&code) {
                        "an informational status is not a final answer"
                    } else {
                        "not an HTTP status: the answer fails (Go's server panics on it)"
                    })
                    .with_help("write a final status from 200 to 999"),
            );
        }
    }
}
