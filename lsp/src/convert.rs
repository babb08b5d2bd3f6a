//! Byte offsets ↔ LSP positions, and gwc diagnostics → LSP diagnostics.
//!
//! The compiler speaks byte ranges; the LSP speaks 0-based lines and
//! columns counted in the negotiated `positionEncoding` (UTF-16 unless the
//! client offers UTF-8 or UTF-32). [`gwc::diag::LineIndex`] does both
//! directions, so the server never counts columns itself.

use gwc::diag::{Diagnostic, LineIndex, Severity};
use gwc::syntax::Span;
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, Location, NumberOrString, Position,
    PositionEncodingKind, Range, Uri,
};

/// How columns are counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 code units (bytes).
    Utf8,
    /// UTF-16 code units: the LSP default.
    #[default]
    Utf16,
    /// Unicode scalar values.
    Utf32,
}

impl Encoding {
    /// Picks from what the client offers (`general.positionEncodings`):
    /// UTF-8 first (byte offsets are what gwc's spans already are), then
    /// UTF-32, else the mandatory UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        let offered = offered.unwrap_or_default();
        let has = |k: &PositionEncodingKind| offered.iter().any(|o| o == k);
        if has(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if has(&PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    /// The LSP name of the encoding.
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    fn units(self) -> fn(char) -> usize {
        match self {
            Encoding::Utf8 => char::len_utf8,
            Encoding::Utf16 => char::len_utf16,
            Encoding::Utf32 => |_| 1,
        }
    }
}

/// A text with its line index, for conversions.
#[derive(Clone, Copy, Debug)]
pub struct Text<'a> {
    /// The text.
    pub text: &'a str,
    /// Its line index.
    pub index: &'a LineIndex,
    /// The negotiated encoding.
    pub encoding: Encoding,
}

impl Text<'_> {
    /// The LSP position of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let (line, character) = match self.encoding {
            Encoding::Utf8 => self.index.utf8(self.text, offset),
            Encoding::Utf16 => self.index.utf16(self.text, offset),
            Encoding::Utf32 => self.index.utf32(self.text, offset),
        };
        Position { line, character }
    }

    /// The LSP range of a byte span.
    pub fn range(&self, span: Span) -> Range {
        Range {
            start: self.position(span.start),
            end: self.position(span.end.max(span.start)),
        }
    }

    /// The byte offset of an LSP position; a position past the end of its
    /// line is the line's end, a line past the end is the text's end.
    pub fn offset(&self, position: Position) -> usize {
        self.index.offset(
            self.text,
            position.line,
            position.character,
            self.encoding.units(),
        )
    }

    /// The byte span of an LSP range (start and end in order).
    pub fn span(&self, range: Range) -> Span {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        Span::new(a.min(b), a.max(b))
    }
}

/// What the client can show in a diagnostic.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiagnosticSupport {
    /// `relatedInformation` is shown (else the places go into the message).
    pub related_information: bool,
}

/// Converts a gwc diagnostic. The message's first line is gwc's message;
/// the primary label, `help` and `notes` follow, one line each, as rustc
/// prints them. The secondary labels become `relatedInformation` (or more
/// lines of the message when the client cannot show it).
pub fn diagnostic(
    d: &Diagnostic,
    text: &Text<'_>,
    uri: &Uri,
    support: DiagnosticSupport,
) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!("\n{}", d.primary.message));
    }
    let mut related = Vec::new();
    for label in &d.secondary {
        let range = text.range(label.span);
        if support.related_information {
            related.push(DiagnosticRelatedInformation {
                location: Location {
                    uri: uri.clone(),
                    range,
                },
                message: if label.message.is_empty() {
                    "related".to_string()
                } else {
                    label.message.clone()
                },
            });
        } else {
            message.push_str(&format!(
                "\n{}:{}: {}",
                range.start.line + 1,
                range.start.character + 1,
                label.message
            ));
        }
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    lsp::Diagnostic {
        range: text.range(d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: None,
        source: Some("gwc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_every_encoding() {
        let text = "{\n  \"é😀\": \"x\"\n}";
        let index = LineIndex::new(text);
        let x = text.find("\"x\"").expect("x");
        // (encoding, the column of `"x"` on line 1)
        let cases = [
            (Encoding::Utf8, 12),
            (Encoding::Utf16, 9),
            (Encoding::Utf32, 8),
        ];
        for (encoding, col) in cases {
            let t = Text {
                text,
                index: &index,
                encoding,
            };
            assert_eq!(t.position(x), Position::new(1, col), "{encoding:?}");
            assert_eq!(t.offset(Position::new(1, col)), x, "{encoding:?}");
            // Past the end of a line or of the text: clamped.
            assert_eq!(t.offset(Position::new(0, 99)), 1, "{encoding:?}");
            assert_eq!(t.offset(Position::new(99, 0)), text.len(), "{encoding:?}");
        }
    }

    #[test]
    fn negotiation() {
        let k = |s: &'static str| PositionEncodingKind::new(s);
        let cases = [
            (None, Encoding::Utf16),
            (Some(vec![]), Encoding::Utf16),
            (Some(vec![k("utf-16")]), Encoding::Utf16),
            (Some(vec![k("utf-32"), k("utf-16")]), Encoding::Utf32),
            (
                Some(vec![k("utf-16"), k("utf-8"), k("utf-32")]),
                Encoding::Utf8,
            ),
            (Some(vec![k("utf-7")]), Encoding::Utf16),
        ];
        for (offered, want) in cases {
            assert_eq!(Encoding::negotiate(offered.as_deref()), want, "{offered:?}");
        }
    }
}
