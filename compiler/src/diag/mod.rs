//! Diagnostics as data: what rules produce and every renderer consumes.
//!
//! No check prints. A [`Diagnostic`] carries byte ranges into a file of the
//! [`Files`] set; renderers (human, json, sarif, github, and the LSP) turn
//! those into lines and columns with [`LineIndex`].

pub mod files;
pub mod render;

pub use files::{FileId, Files, LineCol, LineIndex, SourceFile};

use crate::syntax::Span;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The config is wrong, or KrakenD/gwc would misread it: blocks `gwc build`.
    Error,
    /// Probably a mistake, or dead config; fails CI only with `--deny-warnings`.
    Warning,
}

impl Severity {
    /// `error` / `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A place in a file with something to say about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// The byte range.
    pub span: Span,
    /// What this place is (may be empty on a primary label).
    pub message: String,
}

/// A text edit that fixes the finding (used by LSP quick fixes).
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// What the fix does, imperative (`replace with \`backend\``).
    pub title: String,
    /// The edits, all in the diagnostic's file.
    pub edits: Vec<Edit>,
}

/// Replace `span` with `text`.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// What to replace.
    pub span: Span,
    /// The new text.
    pub text: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The stable rule code (`GW101`).
    pub code: &'static str,
    /// The severity (the rule's default unless configured otherwise).
    pub severity: Severity,
    /// One line: lowercase start, no trailing period, names in backticks.
    pub message: String,
    /// The place to change.
    pub primary: Label,
    /// Other places that explain it ("declared here").
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// Extra context.
    pub notes: Vec<String>,
    /// Machine-applicable fixes.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// A diagnostic for `code` at `span`; the severity is the registry's
    /// default for the code (errors for codes not in the registry).
    pub fn new(code: &'static str, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: crate::check::registry::default_severity(code),
            message: message.into(),
            primary: Label {
                file,
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
            fixes: Vec::new(),
        }
    }

    /// Sets the primary label's text.
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    /// Adds a secondary label in the same file.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file: self.primary.file,
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds a one-edit fix.
    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        text: impl Into<String>,
    ) -> Self {
        self.fixes.push(Fix {
            title: title.into(),
            edits: vec![Edit {
                span,
                text: text.into(),
            }],
        });
        self
    }

    /// The "did you mean" help with its fix: replace `span` (usually a
    /// string's [`inner_span`](crate::syntax::Node::inner_span)) with `suggestion`.
    pub fn did_you_mean(self, suggestion: &str, span: Span) -> Self {
        self.with_help(format!("did you mean `{suggestion}`?"))
            .with_fix(format!("replace with `{suggestion}`"), span, suggestion)
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into the order every renderer prints them: by file,
/// then position, then code.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (
            a.primary.file,
            a.primary.span.start,
            a.primary.span.end,
            a.code,
            &a.message,
        )
            .cmp(&(
                b.primary.file,
                b.primary.span.start,
                b.primary.span.end,
                b.code,
                &b.message,
            ))
    });
}
