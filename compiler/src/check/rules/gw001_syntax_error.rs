//! the file is not valid JSON, YAML or TOML
//!
//! ## What it does
//! Reports the place where the parser stopped, with what it expected there.
//! The format follows the file extension, as in KrakenD: `.yaml`/`.yml` is
//! YAML, `.toml` is TOML, anything else JSON.
//!
//! ## Why is this bad?
//! KrakenD refuses to start, and says only `invalid character 'h' looking for
//! beginning of object key string`, without a line or column.
//!
//! ## Example
//! ```json
//! { "version": 3, "endpoints": [ { "endpoint": "/a" } }
//! ```
//!
//! ## How to fix it
//! Fix the syntax at the reported place (here: close the array with `]`).
//! Nothing else in the file is checked until it parses.

use crate::check::SyntaxContext;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW001";

/// Reports the parse error (unless the file is a template: GW002 says that).
pub fn check(cx: &SyntaxContext<'_>, out: &mut Vec<Diagnostic>) {
    let (Some(err), None) = (&cx.parsed.error, cx.parsed.template) else { return };
    let format = match cx.format {
        crate::syntax::Format::Json => "JSON",
        crate::syntax::Format::Yaml => "YAML",
        crate::syntax::Format::Toml => "TOML",
    };
    out.push(
        Diagnostic::new(CODE, cx.file, err.span, format!("invalid {format}: {}", err.message))
            .with_label(err.message.clone())
            .with_help(format!("fix the {format} syntax here; the rest of the file is checked once it parses")),
    );
}
