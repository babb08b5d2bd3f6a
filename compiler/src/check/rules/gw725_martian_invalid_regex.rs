//! a martian regex filter whose `regex` does not compile
//!
//! ## What it does
//! Reports the `regex` of a `header.RegexFilter` or `url.RegexFilter`
//! that is not a valid regular expression. gwc checks it with Rust's
//! `regex`, of the same RE2 family as Go's `regexp` (no look-around, no
//! backreferences).
//!
//! ## Why is this bad?
//! google/martian compiles the pattern when it parses the filter; a
//! failure fails the parse, and KrakenD CE runs the backend **without any
//! of its modifiers**, logging the error once at start.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "header.RegexFilter": { "scope": ["request"], "header": "X-App-Version", "regex": ".*-(alpha|beta", "modifier": { "querystring.Modifier": { "name": "testing", "value": "1" } } } } }
//! ```
//!
//! ## How to fix it
//! Fix the pattern (`.*-(alpha|beta)$`). It matches anywhere in the value
//! unless anchored with `^…$`.

use crate::check::Context;
use crate::check::rules::gw601_invalid_bot_pattern::first_line;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::Kind;

/// The rule's code.
pub const CODE: &str = "GW725";

/// Compiles every filter's pattern.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            if !matches!(md.kind, Some(Kind::HeaderRegexFilter | Kind::UrlRegexFilter)) {
                continue;
            }
            let Some(r) = md.field("regex") else { continue };
            let Some(text) = r.value.as_str() else { continue };
            let Err(e) = regex::Regex::new(text) else { continue };
            out.push(
                cx.diag(CODE, r.value.span, format!("`{}` pattern `{text}` does not compile", md.name))
                    .with_label(first_line(&e))
                    .with_secondary(m.key_span, "KrakenD CE runs this backend without any of these modifiers")
                    .with_help("fix the pattern (Go's RE2 syntax: no look-around, no backreferences)"),
            );
        }
    }
}
