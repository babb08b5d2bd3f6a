//! a `security/bot-detector` `allow` or `deny` entry written as a pattern
//!
//! ## What it does
//! Reports an entry of a bot detector's `allow` or `deny` list that holds
//! regular-expression syntax (`*`, `+`, `?`, `^`, `$`, `(`, `[`, `{`, `|`
//! or `\`).
//!
//! ## Why is this bad?
//! KrakenD CE compares `allow` and `deny` entries with the whole
//! `User-Agent`, exactly and case-sensitively (`krakend-botdetector`'s
//! `detector.go`); only `patterns` are regular expressions. So
//! `"Googlebot.*"` in `deny` stops nothing but a client whose user agent is
//! literally `Googlebot.*`, and in `allow` it saves nobody.
//!
//! ## Example
//! ```json
//! { "security/bot-detector": { "allow": ["Pingdom.*"], "deny": ["^curl"] } }
//! ```
//!
//! ## How to fix it
//! Move a `deny` entry meant as a pattern to `patterns` (`"^curl"`), or
//! write the exact user agent. `allow` has no pattern form: list each exact
//! value to let through.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW602";

/// Characters that only mean something in a pattern. A `.` alone is too
/// common in real user agents (`Pingdom.com_bot_version_1.1`) to count.
const PATTERN_CHARS: [char; 10] = ['*', '+', '?', '^', '$', '(', '[', '{', '|', '\\'];

/// Reports each such entry.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for d in cx.config.bot_detectors() {
        for (list, entries) in [("allow", &d.allow), ("deny", &d.deny)] {
            for e in entries {
                let Some(c) = e.value.chars().find(|c| PATTERN_CHARS.contains(c)) else {
                    continue;
                };
                let help = if list == "deny" {
                    format!("move `{}` to `patterns` if it is meant as a regular expression", e.value)
                } else {
                    "list the exact user agents to let through: `allow` has no pattern form".to_string()
                };
                out.push(
                    cx.diag(
                        CODE,
                        e.span,
                        format!("`{list}` entry `{}` is compared exactly, not as a pattern", e.value),
                    )
                    .with_label(format!("`{c}` here only matches a user agent that holds `{c}` literally"))
                    .with_help(help),
                );
            }
        }
    }
}
