//! gwc: a compiler toolchain for KrakenD-style API gateway configs.
//!
//! Data flows one way (DESIGN.md §2): [`syntax`] (text → span-exact tree) →
//! [`model`] (typed config) → [`check`] (rules → [`diag::Diagnostic`]s) →
//! [`diag::render`] (human, json, sarif, github); and for `gwc build`,
//! [`plan`] (defaults applied, everything precomputed) → `codegen`
//! (the generated crate) → cargo. [`docs`] reads the schema for editors
//! (hover, completion).

pub mod check;
pub mod cli;
pub mod codegen;
pub mod diag;
pub mod docs;
pub mod model;
pub mod plan;
pub mod syntax;

use diag::{Diagnostic, Files};

/// Lints every file of `files`; the diagnostics of all files, sorted.
pub fn lint(files: &Files) -> Vec<Diagnostic> {
    lint_with(files, &check::CheckOptions::default())
}

/// [`lint`] with options (`gwc build` and `gwc lint --build` add the build
/// rules).
pub fn lint_with(files: &Files, options: &check::CheckOptions) -> Vec<Diagnostic> {
    let mut all: Vec<Diagnostic> = files
        .iter()
        .flat_map(|(id, _)| check::check_file_with(files, id, options))
        .collect();
    diag::sort(&mut all);
    all
}

/// Lints one text as if read from `name` (the extension picks the format).
pub fn lint_text(name: &str, text: &str) -> (Files, Vec<Diagnostic>) {
    lint_text_with(name, text, &check::CheckOptions::default())
}

/// [`lint_text`] with options.
pub fn lint_text_with(
    name: &str,
    text: &str,
    options: &check::CheckOptions,
) -> (Files, Vec<Diagnostic>) {
    let mut files = Files::new();
    files.add(name, text);
    let diags = lint_with(&files, options);
    (files, diags)
}
