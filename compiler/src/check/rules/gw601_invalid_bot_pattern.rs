//! a `security/bot-detector` pattern that does not compile
//!
//! ## What it does
//! Reports each entry of a bot detector's `patterns` (service or endpoint
//! level) that is not a valid regular expression.
//!
//! ## Why is this bad?
//! KrakenD CE compiles the patterns when it builds the detector, and when
//! one fails it logs a warning (`Unable to create the bot detector`) and
//! runs without any detector at all (`krakend-botdetector`'s
//! `gin/detector.go`): every bot, including the ones the `deny` list and the
//! other patterns name, gets through. gwc checks the patterns with Rust's
//! `regex`, of the same RE2 family as Go's `regexp` (same syntax for the
//! usual constructs, no look-around, no backreferences).
//!
//! ## Example
//! ```json
//! { "security/bot-detector": { "patterns": ["(Googlebot/.*", "facebookexternalhit/.*"] } }
//! ```
//!
//! ## How to fix it
//! Fix the pattern (`Googlebot/.*`). Patterns match anywhere in the
//! `User-Agent`, so `bot` alone catches `Googlebot`; escape a literal dot
//! as `\.` when it matters.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW601";

/// Compiles every pattern of every detector.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for d in cx.config.bot_detectors() {
        for p in &d.patterns {
            let Err(e) = regex::Regex::new(&p.value) else {
                continue;
            };
            out.push(
                cx.diag(
                    CODE,
                    p.span,
                    format!("bot-detector pattern `{}` does not compile", p.value),
                )
                .with_label(first_line(&e))
                .with_help("fix the pattern: KrakenD CE drops the whole bot detector when one pattern fails, and lets every bot through")
                .with_secondary(d.key_span, "this detector"),
            );
        }
    }
}

/// The regex error's own message, without its drawing of the pattern.
pub(crate) fn first_line(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or("invalid regular expression")
            .to_string(),
        regex::Error::CompiledTooBig(limit) => {
            format!("the compiled pattern exceeds the size limit of {limit} bytes")
        }
        _ => "invalid regular expression".to_string(),
    }
}
