//! `--format json`: the versioned public contract of DESIGN.md §3.

use serde::Serialize;

use super::Summary;
use crate::diag::{Diagnostic, Files, Label, LineCol};

/// The version of this format. Bump it on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    file: &'a str,
    range: Range,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    range: Range,
    message: &'a str,
    primary: bool,
}

/// A range as both line/column and bytes.
#[derive(Serialize)]
pub(crate) struct Range {
    pub start: LineCol,
    pub end: LineCol,
    pub start_byte: usize,
    pub end_byte: usize,
}

impl Range {
    pub(crate) fn of(files: &Files, label: &Label) -> Self {
        let f = files.get(label.file);
        Range {
            start: f.index.line_col(&f.text, label.span.start),
            end: f.index.line_col(&f.text, label.span.end),
            start_byte: label.span.start,
            end_byte: label.span.end,
        }
    }
}

/// Renders the JSON report (pretty-printed, with a trailing newline).
pub fn render(files: &Files, diags: &[Diagnostic]) -> String {
    let report = Report {
        version: FORMAT_VERSION,
        diagnostics: diags
            .iter()
            .map(|d| {
                fn label<'a>(files: &'a Files, l: &'a Label, primary: bool) -> JsonLabel<'a> {
                    JsonLabel {
                        file: &files.get(l.file).name,
                        range: Range::of(files, l),
                        message: &l.message,
                        primary,
                    }
                }
                let mut labels = vec![label(files, &d.primary, true)];
                labels.extend(d.secondary.iter().map(|l| label(files, l, false)));
                JsonDiagnostic {
                    code: d.code,
                    severity: d.severity.as_str(),
                    message: &d.message,
                    file: &files.get(d.primary.file).name,
                    range: Range::of(files, &d.primary),
                    labels,
                    help: d.help.as_deref(),
                    notes: &d.notes,
                }
            })
            .collect(),
        summary: Summary::of(files.len(), diags),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}
