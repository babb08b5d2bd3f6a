//! Running cargo on the generated crate, its output streamed through.

use std::collections::VecDeque;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::project::Profile;

/// A cargo build of the generated crate.
#[derive(Clone, Debug)]
pub struct CargoBuild {
    /// The crate's `Cargo.toml`.
    pub manifest: PathBuf,
    /// The shared target dir.
    pub target_dir: PathBuf,
    /// The profile.
    pub profile: Profile,
    /// Pass `--locked` to the build (the lock was settled from gwc's own).
    pub locked: bool,
    /// Pass `--offline` from the start.
    pub offline: bool,
    /// Pass `--quiet`.
    pub quiet: bool,
}

/// Why cargo did not produce the binary.
#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    /// cargo could not be started.
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// cargo failed (its messages were shown as they came).
    #[error("cargo failed to build the gateway ({status})")]
    Failed {
        /// The exit status, as text.
        status: String,
    },
}

/// What cargo is asked to do.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// `cargo metadata`, which writes the lock.
    Lock,
    /// `cargo build`.
    Build,
}

/// Output that means cargo needed the network and could not reach it.
const NETWORK_FAILURES: [&str; 6] = [
    "failed to download",
    "Unable to update registry",
    "failed to query replaced source registry",
    "Couldn't resolve host",
    "network failure",
    "failed to get `",
];

impl CargoBuild {
    /// The cargo program: `$CARGO` (set when gwc itself runs under cargo),
    /// else `cargo` from `PATH`.
    pub fn program() -> String {
        std::env::var("CARGO")
            .ok()
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "cargo".to_string())
    }

    /// Where cargo puts the binary of package `name`.
    pub fn binary(&self, name: &str) -> PathBuf {
        self.target_dir
            .join(self.profile.name())
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    }

    /// Runs the build, streaming cargo's stderr (progress and errors) to
    /// ours.
    pub fn run(&self) -> Result<(), CargoError> {
        self.with_offline_retry(Step::Build)
    }

    /// Settles the crate's `Cargo.lock` after gwc seeded it with its own:
    /// cargo drops what the gateway does not use and keeps every other
    /// version as locked (no `--locked` here: this is the one step allowed
    /// to change the lock; the build then runs `--locked`).
    pub fn settle_lock(&self) -> Result<(), CargoError> {
        self.with_offline_retry(Step::Lock)
    }

    /// A step that fails because the network is unreachable is retried once
    /// with `--offline` (every crate may be cached already).
    fn with_offline_retry(&self, step: Step) -> Result<(), CargoError> {
        match self.run_once(step, self.offline) {
            Err((_, tail)) if !self.offline && is_network_failure(&tail) => {
                eprintln!("gwc: the network is unreachable; retrying offline (`--offline`)");
                self.run_once(step, true).map_err(|(e, _)| e)
            }
            other => other.map_err(|(e, _)| e),
        }
    }

    fn run_once(&self, step: Step, offline: bool) -> Result<(), (CargoError, String)> {
        let program = Self::program();
        let mut cmd = Command::new(&program);
        match step {
            Step::Lock => {
                cmd.args(["metadata", "--format-version", "1"])
                    .arg("--manifest-path")
                    .arg(&self.manifest)
                    .stdout(Stdio::null());
            }
            Step::Build => {
                cmd.arg("build")
                    .arg("--manifest-path")
                    .arg(&self.manifest)
                    .arg("--profile")
                    .arg(self.profile.name())
                    .arg("--target-dir")
                    .arg(&self.target_dir)
                    .stdout(Stdio::inherit());
                if self.locked {
                    cmd.arg("--locked");
                }
                if self.quiet {
                    cmd.arg("--quiet");
                }
            }
        }
        if offline {
            cmd.arg("--offline");
        }
        if std::io::stderr().is_terminal() {
            // cargo sees a pipe: keep its colours and progress bar anyway.
            cmd.env("CARGO_TERM_COLOR", "always")
                .env("CARGO_TERM_PROGRESS_WHEN", "always")
                .env("CARGO_TERM_PROGRESS_WIDTH", "80");
        }
        // The generated crate is its own workspace: nothing of an enclosing
        // cargo invocation (when gwc runs under `cargo run`/`cargo test`)
        // may leak into it.
        for var in [
            "CARGO_MANIFEST_DIR",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_DIR",
        ] {
            cmd.env_remove(var);
        }
        cmd.stdin(Stdio::null()).stderr(Stdio::piped());
        let spawn_err = |source| {
            (
                CargoError::Spawn {
                    program: program.clone(),
                    source,
                },
                String::new(),
            )
        };
        let mut child = cmd.spawn().map_err(spawn_err)?;
        let tail = child.stderr.take().map(forward).unwrap_or_default();
        let status = child.wait().map_err(spawn_err)?;
        if status.success() {
            Ok(())
        } else {
            Err((
                CargoError::Failed {
                    status: status.to_string(),
                },
                tail,
            ))
        }
    }
}

/// Copies everything from `from` to our stderr as it comes (bytes, so
/// progress bars redraw), and returns the last few KiB as text.
fn forward(mut from: impl Read) -> String {
    const KEEP: usize = 16 * 1024;
    let mut tail: VecDeque<u8> = VecDeque::with_capacity(KEEP);
    let mut buf = [0u8; 4096];
    let stderr = std::io::stderr();
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let chunk = &buf[..n];
                let mut err = stderr.lock();
                let _ = err.write_all(chunk);
                let _ = err.flush();
                tail.extend(chunk);
                while tail.len() > KEEP {
                    tail.pop_front();
                }
            }
        }
    }
    String::from_utf8_lossy(&tail.into_iter().collect::<Vec<u8>>()).into_owned()
}

fn is_network_failure(output: &str) -> bool {
    NETWORK_FAILURES.iter().any(|m| output.contains(m))
}

/// Copies the built binary to `to`, replacing it (via a sibling, so a
/// running old binary is not overwritten in place).
pub fn install(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = to.with_extension("gwc-tmp");
    std::fs::copy(from, &tmp)?;
    std::fs::rename(&tmp, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_failures_are_recognised() {
        let cases = [
            (
                "error: failed to download from `https://static.crates.io/...`",
                true,
            ),
            (
                "warning: spurious network error ... Couldn't resolve host name",
                true,
            ),
            ("error[E0308]: mismatched types", false),
        ];
        for (text, want) in cases {
            assert_eq!(is_network_failure(text), want, "{text}");
        }
    }
}
