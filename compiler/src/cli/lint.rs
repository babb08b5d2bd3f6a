//! `gwc lint`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{ColorChoice, EXIT_FINDINGS, EXIT_OK};
use crate::diag::render;

/// Output formats.
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// rustc-style text with source snippets.
    #[default]
    Human,
    /// The versioned JSON report (DESIGN.md §3).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
}

/// Arguments of `gwc lint`.
#[derive(Args, Debug)]
pub struct LintArgs {
    /// Config files (the extension picks JSON, YAML or TOML, as in KrakenD).
    #[arg(required = true, value_name = "CONFIG")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Exit with 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Colour the human format.
    #[arg(long, value_enum, default_value_t)]
    pub color: ColorChoice,
    /// Also check what `gwc build` cannot compile yet (GW9xx).
    #[arg(long)]
    pub build: bool,
    /// With `--build`: accept that the gateway runs without this namespace
    /// or setting (repeatable; adds to the config's
    /// `gwc/build.allow_unsupported`).
    #[arg(long, value_name = "NAME", requires = "build")]
    pub allow_unsupported: Vec<String>,
}

/// Runs `gwc lint`.
pub fn run(args: LintArgs) -> miette::Result<u8> {
    let files = super::read_files(&args.files)?;
    let options = crate::check::CheckOptions {
        build: args.build,
        allow_unsupported: args.allow_unsupported,
    };
    let diags = crate::lint_with(&files, &options);
    let out = match args.format {
        Format::Human => render::human::render(&files, &diags, args.color.enabled()),
        Format::Json => render::json::render(&files, &diags),
        Format::Sarif => render::sarif::render(&files, &diags),
        Format::Github => render::github::render(&files, &diags),
    };
    super::print(&out)?;
    let failing = diags.iter().any(|d| d.is_error() || args.deny_warnings);
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}
