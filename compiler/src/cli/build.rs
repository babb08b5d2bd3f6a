//! `gwc build`: config → checked model → plan → generated crate → cargo →
//! gateway binary (DESIGN.md §1, §5).
//!
//! Progress goes to stderr as `gwc: …` phase lines around cargo's own
//! output; stdout stays empty. A config with errors (lint errors, or a
//! GW9xx build limit) is refused with exit 1, showing every finding; a
//! cargo failure is exit 2 after cargo's messages.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use miette::{IntoDiagnostic, WrapErr, miette};

use super::{ColorChoice, EXIT_FINDINGS, EXIT_OK};
use crate::check::CheckOptions;
use crate::codegen::cargo::{self, CargoBuild};
use crate::codegen::project::{self, Profile};
use crate::codegen::runtime::{self, Origin};
use crate::diag::render;
use crate::model::Config;
use crate::plan::{self, PlanOptions};
use crate::syntax::{self, Format};

/// Arguments of `gwc build`.
#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The config file (the extension picks JSON, YAML or TOML).
    #[arg(value_name = "CONFIG")]
    pub file: PathBuf,
    /// Where to write the gateway binary [default: ./<config file stem>].
    #[arg(short = 'o', long = "output", value_name = "BIN")]
    pub output: Option<PathBuf>,
    /// Generate the crate in DIR [default: a per-project directory under
    /// `~/.cache/gwc/build/`].
    #[arg(long, value_name = "DIR")]
    pub emit_crate: Option<PathBuf>,
    /// Build a release artifact: fat LTO, one codegen unit, stripped.
    /// Smaller and a little faster, but every build takes the full link time.
    #[arg(long)]
    pub dist: bool,
    /// Accept that the gateway runs without this namespace or setting
    /// (repeatable; adds to the config's `gwc/build.allow_unsupported`).
    #[arg(long, value_name = "NAME")]
    pub allow_unsupported: Vec<String>,
    /// Only show cargo's errors and warnings.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub color: ColorChoice,
    /// Then replace the running gateway whose `--pid-file` is PIDFILE with
    /// the new binary (SIGHUP: no request is refused or cut), and wait
    /// until the new process serves. BIN must be the path that gateway was
    /// started from.
    #[cfg(unix)]
    #[arg(long, value_name = "PIDFILE")]
    pub replace: Option<PathBuf>,
}

/// Runs `gwc build`.
pub fn run(args: BuildArgs) -> miette::Result<u8> {
    let output = match build(&args)? {
        Built::Binary(output) => output,
        Built::Findings => return Ok(EXIT_FINDINGS),
    };
    #[cfg(unix)]
    if let Some(pid_file) = &args.replace {
        let old = super::replace::read_pid(pid_file).map_err(|e| miette!("{e}"))?;
        eprintln!(
            "gwc: replacing gateway process {old} with `{}` (SIGHUP)",
            output.display()
        );
        let new = super::replace::replace(pid_file)
            .map_err(|e| miette!("cannot replace the running gateway: {e}"))?;
        eprintln!(
            "gwc: process {new} serves `{}`; process {old} drains and exits",
            output.display()
        );
    }
    #[cfg(not(unix))]
    let _ = output;
    Ok(EXIT_OK)
}

/// What [`build`] made.
pub(crate) enum Built {
    /// The binary, installed at this path.
    Binary(PathBuf),
    /// The config has errors: they were printed, nothing was built.
    Findings,
}

/// Lints, generates, compiles and installs the binary (a temporary file
/// beside the output, renamed over it: a running gateway's executable is
/// never written in place).
pub(crate) fn build(args: &BuildArgs) -> miette::Result<Built> {
    let started = Instant::now();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let files = super::read_files(std::slice::from_ref(&args.file))?;
    let options = CheckOptions {
        build: true,
        allow_unsupported: args.allow_unsupported.clone(),
    };
    let diags = crate::lint_with(&files, &options);
    if !diags.is_empty() {
        eprint!("{}", render::human::render(&files, &diags, color));
    }
    if diags.iter().any(|d| d.is_error()) {
        eprintln!(
            "gwc: not building `{}`: fix the errors above first",
            args.file.display()
        );
        return Ok(Built::Findings);
    }

    let source = files.get(0);
    let parsed = syntax::parse(&source.text, Format::from_path(&source.name));
    let root = parsed.root.as_ref().ok_or_else(|| {
        miette!(
            "internal error: `{}` linted clean but does not parse",
            source.name
        )
    })?;
    let config = Config::from_tree(root);
    let plan = plan::plan(&config, &PlanOptions::default()).map_err(|e| {
        miette!("internal error: the config linted clean but cannot be planned: {e}")
    })?;
    let generated =
        crate::codegen::generated_rs(&plan, &source.name).map_err(|e| miette!("{e}"))?;

    let name = project::package_name(&args.file);
    let dir = match &args.emit_crate {
        Some(dir) => absolute(dir)?,
        None => project::default_crate_dir(&name).map_err(|e| miette!("{e}"))?,
    };
    let runtime = runtime::locate().map_err(|e| miette!("{e}"))?;
    if runtime.origin != Origin::Repository {
        eprintln!(
            "gwc: runtime sources: {} ({})",
            runtime.dir.display(),
            match runtime.origin {
                Origin::Override => "GWC_RUNTIME_DIR",
                Origin::Embedded => "embedded in gwc",
                Origin::Repository => "repository",
            }
        );
    }
    let files_out = [
        (
            "Cargo.toml",
            project::cargo_toml(&name, &runtime.dir, &plan.runtime_features()),
        ),
        ("src/main.rs", crate::codegen::main_rs()),
        ("src/generated.rs", generated),
    ];
    let written = project::write_files(&dir, &files_out).map_err(|e| miette!("{e}"))?;
    eprintln!(
        "gwc: {} endpoint{} → crate {name} in {} ({})",
        plan.endpoints.len(),
        if plan.endpoints.len() == 1 { "" } else { "s" },
        dir.display(),
        if written.is_empty() {
            "unchanged".to_string()
        } else {
            format!("wrote {}", written.join(", "))
        }
    );

    let target_dir = project::target_dir().map_err(|e| miette!("{e}"))?;
    let profile = if args.dist {
        Profile::Dist
    } else {
        Profile::Release
    };
    let mut build = CargoBuild {
        manifest: dir.join("Cargo.toml"),
        target_dir,
        profile,
        locked: false,
        offline: std::env::var("GWC_OFFLINE").is_ok_and(|v| v == "1"),
        quiet: args.quiet,
    };
    if let Some(lock) = &runtime.workspace_lock {
        let manifest = std::fs::read_to_string(runtime.dir.join("Cargo.toml")).unwrap_or_default();
        seed_lock(&dir, lock, &manifest, &build)?;
        build.locked = true;
    }
    eprintln!(
        "gwc: compiling gateway {name} (cargo, {} profile, target dir {})",
        profile.name(),
        build.target_dir.display()
    );
    build.run().map_err(|e| {
        miette!(
            help = "cargo's messages are above; `--emit-crate DIR` keeps the generated crate where you can read it",
            "{e}"
        )
    })?;

    let output = match &args.output {
        Some(o) => o.clone(),
        None => default_output(&args.file)?,
    };
    let binary = build.binary(&name);
    cargo::install(&binary, &output)
        .into_diagnostic()
        .wrap_err_with(|| {
            format!(
                "cannot copy `{}` to `{}`",
                binary.display(),
                output.display()
            )
        })?;
    let size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "gwc: wrote {} ({:.1} MB) in {:.1}s",
        output.display(),
        size as f64 / 1_000_000.0,
        started.elapsed().as_secs_f64()
    );
    Ok(Built::Binary(output))
}

/// Seeds the crate's `Cargo.lock` with the runtime workspace's lock, and
/// lets cargo settle it, when the crate has no lock yet or the workspace
/// lock or the runtime's manifest changed since (a stamp file remembers
/// which seeded it: a dependency the runtime moved from its dev-
/// dependencies to its dependencies changes no workspace lock, but the
/// settled lock of a crate built before lacks it, and `--locked` fails).
fn seed_lock(
    dir: &Path,
    workspace_lock: &str,
    runtime_manifest: &str,
    build: &CargoBuild,
) -> miette::Result<()> {
    let stamp = format!(
        "{:016x} {:016x}\n",
        project::fnv1a64(workspace_lock.as_bytes()),
        project::fnv1a64(runtime_manifest.as_bytes())
    );
    let stamp_path = dir.join(".gwc-lock-seed");
    let lock_path = dir.join("Cargo.lock");
    if lock_path.is_file() && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        return Ok(());
    }
    eprintln!("gwc: locking dependencies to gwc's Cargo.lock");
    project::write_if_changed(&lock_path, workspace_lock).map_err(|e| miette!("{e}"))?;
    build.settle_lock().map_err(|e| miette!("{e}"))?;
    project::write_if_changed(&stamp_path, &stamp).map_err(|e| miette!("{e}"))?;
    Ok(())
}

/// `./<stem of the config file>`, refusing to overwrite the config itself.
fn default_output(config: &Path) -> miette::Result<PathBuf> {
    default_output_in(Path::new("."), config)
}

/// `<dir>/<stem of the config file>`, unless that is the config.
fn default_output_in(dir: &Path, config: &Path) -> miette::Result<PathBuf> {
    let stem = config
        .file_stem()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            miette!(
                "cannot name the binary after `{}`: pass `-o BIN`",
                config.display()
            )
        })?;
    let out = dir.join(stem);
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(&out, config) {
        return Err(miette!(
            "the default output `{}` is the config itself: pass `-o BIN`",
            out.display()
        ));
    }
    Ok(out)
}

fn absolute(dir: &Path) -> miette::Result<PathBuf> {
    std::path::absolute(dir)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot resolve `{}`", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_output_is_the_config_stem_and_never_the_config() {
        assert_eq!(
            default_output(Path::new("conf/krakend.json")).ok(),
            Some(PathBuf::from("./krakend"))
        );
        let dir = std::env::temp_dir().join(format!("gwc-output-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let config = dir.join("gateway");
        let _ = std::fs::write(&config, "{}");
        assert!(default_output_in(&dir, &config).is_err());
        assert!(default_output_in(&dir, &dir.join("gateway.json")).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
