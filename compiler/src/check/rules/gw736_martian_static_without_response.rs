//! a martian `static.Modifier` that never serves its files
//!
//! ## What it does
//! Reports a `static.Modifier` that runs on the request but not on the
//! response (`"scope": ["request"]`, or a group or filter that runs only
//! on requests).
//!
//! ## Why is this bad?
//! On the request, KrakenD's `static.Modifier` only marks the round trip
//! to the backend as skipped; it is the response side that reads the file.
//! Without it, the backend is never called and every request gets an
//! empty 200.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "static.Modifier": { "scope": ["request"], "rootPath": "/var/www/static" } } }
//! ```
//!
//! ## How to fix it
//! Scope it to both roles (`"scope": ["request", "response"]`), or leave
//! `scope` out.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::Kind;

/// The rule's code.
pub const CODE: &str = "GW736";

/// Reports each static modifier without its response side.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            if md.kind != Some(Kind::StaticModifier) || !md.active.request || md.active.response {
                continue;
            }
            out.push(
                cx.diag(CODE, md.name_span, "`static.Modifier` runs on the request only")
                    .with_label("the backend is skipped and no file is read: every answer is an empty 200")
                    .with_help("scope it to `[\"request\", \"response\"]`, or leave `scope` out"),
            );
        }
    }
}
