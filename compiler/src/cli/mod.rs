//! The `gwc` command line: argument parsing and the commands.
//!
//! Exit codes, for every command (DESIGN.md §1): 0 success / no errors,
//! 1 the config has errors (or warnings with `--deny-warnings`), 2 usage,
//! I/O or internal failure. The CLI's own failures are miette reports;
//! lint findings are never miette errors.

mod build;
mod explain;
mod lint;
pub mod lsp;
#[cfg(unix)]
mod replace;
pub mod routes;
#[cfg(unix)]
mod run;

pub use explain::explain_text;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code: success, no errors.
pub const EXIT_OK: u8 = 0;
/// Exit code: the config has errors.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage, I/O or internal failure.
pub const EXIT_FAILURE: u8 = 2;

/// gwc: lint, compile and serve KrakenD-style gateway configs.
#[derive(Parser, Debug)]
#[command(name = "gwc", version, about, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check configs and report every problem found.
    Lint(lint::LintArgs),
    /// Compile a config into a gateway binary.
    Build(build::BuildArgs),
    /// Build a config, then serve it (`--watch`: rebuild and swap on every save).
    #[cfg(unix)]
    Run(run::RunArgs),
    /// Print the documentation of a rule (`gwc explain GW101`), or list all rules.
    Explain(explain::ExplainArgs),
    /// Print the route table per method, as gwc compiles it.
    Routes(routes::RoutesArgs),
    /// Run the language server over stdio (the `gwc-lsp` executable).
    Lsp(lsp::LspArgs),
}

/// When to colour terminal output.
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// When stdout is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    pub(crate) fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

/// A language server linked into the binary: runs it over stdio with these
/// arguments (`--stdio` and what follows `gwc lsp`) and returns the exit
/// code. The `gwc` package's binary passes `gwc_lsp::main_with_args`.
pub type LinkedServer = fn(Vec<String>) -> u8;

/// Runs the CLI with the process arguments; `gwc lsp` looks for the
/// `gwc-lsp` executable (see [`main_with`]).
pub fn main() -> ExitCode {
    main_with(None)
}

/// Runs the CLI with the process arguments; `gwc lsp` runs `server` in this
/// process when given, else the `gwc-lsp` executable.
pub fn main_with(server: Option<LinkedServer>) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Lint(args) => lint::run(args),
        Command::Build(args) => build::run(args),
        #[cfg(unix)]
        Command::Run(args) => run::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Routes(args) => routes::run(args),
        Command::Lsp(args) => match server {
            Some(serve) => Ok(serve(lsp::server_args(args))),
            None => lsp::run(args),
        },
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            use std::io::Write as _;
            // Not `eprintln!`: a closed stderr must not turn into a panic.
            let _ = writeln!(std::io::stderr(), "{report:?}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Writes `text` to stdout. A reader that has gone away (`gwc explain |
/// head`) is not an error: the rest is dropped quietly and the command keeps
/// its exit code, as ripgrep and ruff do; any other write error is reported.
pub(crate) fn print(text: &str) -> miette::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(miette::miette!("cannot write to stdout: {e}"))
        }
        _ => Ok(()),
    }
}

/// Writes `text` to stderr, a closed stderr ignored (see [`print`]).
pub(crate) fn eprint(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Reads the files named on the command line into a [`crate::diag::Files`].
pub(crate) fn read_files(paths: &[std::path::PathBuf]) -> miette::Result<crate::diag::Files> {
    use miette::{IntoDiagnostic, WrapErr};
    let mut files = crate::diag::Files::new();
    for path in paths {
        let bytes = std::fs::read(path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read `{}`", path.display()))?;
        // Invalid UTF-8 is a finding about the file, not a crash: decode
        // lossily and let the parser point at the replacement character.
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        files.add(path.display().to_string(), text);
    }
    Ok(files)
}
