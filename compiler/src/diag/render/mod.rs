//! Renderers: one module per output format, each a pure function of the
//! files and the diagnostics.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use super::{Diagnostic, Severity};

/// Counts of findings, for summaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files checked.
    pub files: usize,
    /// Errors found.
    pub errors: usize,
    /// Warnings found.
    pub warnings: usize,
}

impl Summary {
    /// Counts `diags` over `files` files.
    pub fn of(files: usize, diags: &[Diagnostic]) -> Self {
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        Summary {
            files,
            errors,
            warnings: diags.len() - errors,
        }
    }
}
