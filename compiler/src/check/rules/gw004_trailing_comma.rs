//! a trailing comma in a JSON config, which KrakenD rejects
//!
//! ## What it does
//! Reports a comma right before a closing `}` or `]`.
//!
//! ## Why is this bad?
//! JSON has no trailing commas; KrakenD refuses the file at start with
//! `invalid character '}' looking for beginning of object key string`.
//!
//! ## Example
//! ```json
//! { "version": 3, "endpoints": [], }
//! ```
//!
//! ## How to fix it
//! Delete the comma.

use crate::check::SyntaxContext;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW004";

/// Reports each trailing comma.
pub fn check(cx: &SyntaxContext<'_>, out: &mut Vec<Diagnostic>) {
    for &span in &cx.parsed.trailing_commas {
        out.push(
            Diagnostic::new(CODE, cx.file, span, "trailing comma")
                .with_label("KrakenD refuses to load a file with this")
                .with_help("delete the comma")
                .with_fix("delete the trailing comma", span, ""),
        );
    }
}
