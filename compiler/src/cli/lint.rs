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
    /// Config files (the extension picks JSON, YAML or TOML, as in KrakenD),
    /// or directories: the KrakenD configs in them, recursively.
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
    let mut paths = Vec::new();
    for path in &args.files {
        if path.is_dir() {
            let found = configs_in(path)?;
            if found.is_empty() {
                return Err(miette::miette!(
                    help = "a KrakenD config is a .json, .yaml, .yml or .toml file named \
                            `krakend.*`, or one with a numeric `version` and `endpoints`",
                    "no KrakenD config found in `{}`",
                    path.display()
                ));
            }
            let names: Vec<String> = found
                .iter()
                .map(|f| f.strip_prefix(path).unwrap_or(f).display().to_string())
                .collect();
            super::eprint(&format!(
                "gwc: {} KrakenD config{} in `{}`: {}\n",
                found.len(),
                if found.len() == 1 { "" } else { "s" },
                path.display(),
                names.join(", ")
            ));
            paths.extend(found);
        } else {
            paths.push(path.clone());
        }
    }
    let files = super::read_files(&paths)?;
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

/// The KrakenD configs under `dir`, recursively, sorted: `.json`, `.yaml`,
/// `.yml` and `.toml` files named `krakend.*`, or whose document is an object
/// with a numeric `version` and `endpoints` (as ruff and actionlint find
/// their files). Hidden entries, `node_modules` and `target` are skipped and
/// symbolic links to directories are not followed.
fn configs_in(dir: &std::path::Path) -> miette::Result<Vec<PathBuf>> {
    use miette::{IntoDiagnostic, WrapErr};
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = std::fs::read_dir(&d)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read `{}`", d.display()))?;
        for entry in entries {
            let entry = entry
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot read `{}`", d.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "node_modules" || name == "target" {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                todo.push(path);
            } else if is_config(&path, &name) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Whether the file `name` at `path` is a KrakenD config ([`configs_in`]).
fn is_config(path: &std::path::Path, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some((stem, ext)) = lower.rsplit_once('.') else {
        return false;
    };
    if !matches!(ext, "json" | "yaml" | "yml" | "toml") {
        return false;
    }
    if stem == "krakend" {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let parsed = crate::syntax::parse(&text, crate::syntax::Format::from_path(name));
    parsed.root.is_some_and(|root| {
        root.get("version").and_then(|v| v.as_number()).is_some() && root.get("endpoints").is_some()
    })
}
