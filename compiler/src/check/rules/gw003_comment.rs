//! a comment in a JSON config, which KrakenD rejects
//!
//! ## What it does
//! Reports `//` and `/* */` comments in a JSON file. gwc reads past them so
//! the editor keeps working, but the file is not valid JSON.
//!
//! ## Why is this bad?
//! KrakenD's JSON parser (Go `encoding/json`) refuses the file at start:
//! `invalid character '/' looking for beginning of object key string`.
//!
//! ## Example
//! ```json
//! {
//!   // our public API
//!   "version": 3
//! }
//! ```
//!
//! ## How to fix it
//! Remove the comment. To document an endpoint, use a key KrakenD ignores
//! such as `"@comment": "our public API"`, or write the config in YAML.

use crate::check::SyntaxContext;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW003";

/// Reports each comment.
pub fn check(cx: &SyntaxContext<'_>, out: &mut Vec<Diagnostic>) {
    for &span in &cx.parsed.comments {
        out.push(
            Diagnostic::new(CODE, cx.file, span, "comments are not allowed in a KrakenD JSON config")
                .with_label("KrakenD refuses to load a file with this")
                .with_help("remove the comment, or keep the text in an `\"@comment\"` key")
                .with_fix("remove the comment", span, ""),
        );
    }
}
