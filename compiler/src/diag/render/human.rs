//! Terminal rendering, rustc style, with codespan-reporting.

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::files::{Error as FilesError, Files as CsFiles};
use codespan_reporting::term::{self, Config, termcolor};

use super::Summary;
use crate::diag::{Diagnostic, Files, Severity};

/// Renders `diags` with a closing summary line. `color` adds ANSI colours.
pub fn render(files: &Files, diags: &[Diagnostic], color: bool) -> String {
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let config = Config::default();
    for d in diags {
        // The only error codespan can raise is a label outside its file,
        // which our spans never are; degrade to the message alone if it does.
        if term::emit_to_write_style(&mut buffer, &config, &CodespanFiles(files), &to_codespan(d))
            .is_err()
        {
            use std::io::Write;
            let _ = writeln!(buffer, "{}[{}]: {}", d.severity.as_str(), d.code, d.message);
        }
    }
    let mut out = String::from_utf8_lossy(buffer.as_slice()).into_owned();
    out.push_str(&summary_line(Summary::of(files.len(), diags)));
    out.push('\n');
    out
}

/// `2 errors, 1 warning in 1 file` / `no problems found in 3 files`.
pub fn summary_line(s: Summary) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if s.errors == 0 && s.warnings == 0 {
        format!("no problems found in {}", plural(s.files, "file"))
    } else {
        format!(
            "{}, {} in {}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.files, "file")
        )
    }
}

fn to_codespan(d: &Diagnostic) -> CsDiagnostic<usize> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let mut labels = vec![
        CsLabel::primary(d.primary.file, d.primary.span.start..d.primary.span.end)
            .with_message(d.primary.message.clone()),
    ];
    labels.extend(d.secondary.iter().map(|l| {
        CsLabel::secondary(l.file, l.span.start..l.span.end).with_message(l.message.clone())
    }));
    let mut notes: Vec<String> = d.help.iter().map(|h| format!("help: {h}")).collect();
    notes.extend(d.notes.iter().map(|n| format!("note: {n}")));
    CsDiagnostic::new(severity)
        .with_code(d.code)
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

/// Adapts our [`Files`] to codespan's trait, so texts are not copied.
struct CodespanFiles<'a>(&'a Files);

impl<'a> CsFiles<'a> for CodespanFiles<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        self.check(id)?;
        Ok(&self.0.get(id).name)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        self.check(id)?;
        Ok(&self.0.get(id).text)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        self.check(id)?;
        Ok(self.0.get(id).index.line_of(byte_index))
    }

    fn line_range(
        &'a self,
        id: usize,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, FilesError> {
        self.check(id)?;
        let f = self.0.get(id);
        let start = f
            .index
            .line_start(line_index)
            .ok_or(FilesError::LineTooLarge {
                given: line_index,
                max: f.index.line_count().saturating_sub(1),
            })?;
        let end = f.index.line_start(line_index + 1).unwrap_or(f.text.len());
        Ok(start..end)
    }
}

impl CodespanFiles<'_> {
    fn check(&self, id: usize) -> Result<(), FilesError> {
        if id < self.0.len() {
            Ok(())
        } else {
            Err(FilesError::FileMissing)
        }
    }
}
