//! a martian `header.Verifier`, which does nothing in KrakenD
//!
//! ## What it does
//! Reports every `header.Verifier` that runs (in a scope its group or
//! filter runs).
//!
//! ## Why is this bad?
//! A verifier records the requests or responses that lack a header, for
//! google/martian's own proxy to report on a `/verify` call. KrakenD has
//! no such call: the check changes nothing and nobody reads its results,
//! while KrakenD CE keeps every failed check in a list that is never
//! cleared (its memory grows with each mismatch). gwc compiles it as a
//! no-op.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "header.Verifier": { "scope": ["request"], "name": "Authorization" } } }
//! ```
//!
//! ## How to fix it
//! Remove it. To act when a header is there, use `header.Filter` with a
//! modifier; to require it, check it before the gateway (a JWT validator,
//! CEL).

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::Kind;

/// The rule's code.
pub const CODE: &str = "GW731";

/// Reports each header verifier that runs.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            if md.kind != Some(Kind::HeaderVerifier) || md.active.is_empty() {
                continue;
            }
            out.push(
                cx.diag(CODE, md.name_span, "`header.Verifier` has no effect in KrakenD")
                    .with_label("its findings are only reported by google/martian's own proxy; KrakenD CE keeps them forever")
                    .with_help("remove it, or use `header.Filter` to act on the header"),
            );
        }
    }
}
