//! `gwc lsp`: runs the language server.
//!
//! The server (package `gwc-lsp`) needs tokio and depends on this crate, so
//! this library cannot link it (cargo forbids the package cycle, and the
//! compiler stays free of tokio). The `gwc` binary (package `gwc`, `cli/`)
//! depends on both and hands the server to [`super::main_with`], so an
//! installed `gwc` runs it in-process. Without a linked server (a program
//! calling [`super::main`]), like cargo's external subcommands, `gwc lsp`
//! runs the `gwc-lsp` executable found next to the current executable, else
//! on `PATH`, with stdio passed through, and returns its exit code. On Unix
//! the process is replaced (`exec`), so the editor's signals and pipes reach
//! the server directly.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;
use miette::{IntoDiagnostic, WrapErr, miette};

/// The executable's file name.
pub const SERVER_EXE: &str = if cfg!(windows) {
    "gwc-lsp.exe"
} else {
    "gwc-lsp"
};

/// Arguments of `gwc lsp`.
#[derive(Args, Debug)]
pub struct LspArgs {
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
    /// Arguments passed on to `gwc-lsp`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

/// The server's arguments for `args` (`--stdio` when given, then the rest).
pub fn server_args(args: LspArgs) -> Vec<String> {
    let mut out = Vec::with_capacity(args.rest.len() + 1);
    if args.stdio {
        out.push("--stdio".to_owned());
    }
    out.extend(args.rest);
    out
}

/// Runs `gwc lsp` through the `gwc-lsp` executable.
pub fn run(args: LspArgs) -> miette::Result<u8> {
    let exe = std::env::current_exe().ok();
    let Some(server) = find_server(exe.as_deref(), std::env::var_os("PATH")) else {
        return Err(miette!(
            help = "install gwc with `cargo install --path cli` (from the gwc repository), whose `gwc lsp` runs the server itself, or put `gwc-lsp` on PATH",
            "cannot find the language server executable `{SERVER_EXE}` next to `gwc` or on PATH"
        ));
    };
    let mut cmd = Command::new(&server);
    if args.stdio {
        cmd.arg("--stdio");
    }
    cmd.args(&args.rest);
    hand_over(cmd, &server)
}

/// Unix: replaces this process with the server (only returns on failure).
#[cfg(unix)]
fn hand_over(mut cmd: Command, server: &Path) -> miette::Result<u8> {
    use std::os::unix::process::CommandExt;
    Err(cmd.exec())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot run `{}`", server.display()))
}

/// Elsewhere: runs the server with stdio inherited and returns its code.
#[cfg(not(unix))]
fn hand_over(mut cmd: Command, server: &Path) -> miette::Result<u8> {
    let status = cmd
        .status()
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot run `{}`", server.display()))?;
    Ok(status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(super::EXIT_FAILURE))
}

/// The `gwc-lsp` executable: beside `current_exe`, else the first one on
/// `path` (a `PATH`-style list).
pub fn find_server(
    current_exe: Option<&Path>,
    path: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    let beside = current_exe
        .and_then(Path::parent)
        .map(|dir| dir.join(SERVER_EXE))
        .filter(|p| p.is_file());
    beside.or_else(|| {
        std::env::split_paths(&path?)
            .map(|dir| dir.join(SERVER_EXE))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_server_beside_then_on_path() {
        let root = std::env::temp_dir().join(format!("gwc-lsp-find-{}", std::process::id()));
        let (bin, other) = (root.join("bin"), root.join("other"));
        for d in [&bin, &other] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        let gwc = bin.join("gwc");
        let path = std::env::join_paths([&other]).ok();
        // Nowhere yet.
        assert_eq!(find_server(Some(&gwc), path.clone()), None);
        // On PATH.
        std::fs::write(other.join(SERVER_EXE), "").expect("write");
        assert_eq!(
            find_server(Some(&gwc), path.clone()),
            Some(other.join(SERVER_EXE))
        );
        // Beside `gwc` wins.
        std::fs::write(bin.join(SERVER_EXE), "").expect("write");
        assert_eq!(
            find_server(Some(&gwc), path.clone()),
            Some(bin.join(SERVER_EXE))
        );
        assert_eq!(find_server(None, None), None);
        let _ = std::fs::remove_dir_all(&root);
    }
}
