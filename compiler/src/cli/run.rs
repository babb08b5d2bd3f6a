//! `gwc run CONFIG [--watch] [-- GATEWAY ARGS]`: build (as `gwc build`,
//! into the crate's cache directory) then serve, like `krakend run`.
//!
//! Without `--watch` gwc becomes the gateway (exec): signals reach it
//! directly. With `--watch` gwc stays as the gateway's parent, checks the
//! config file every [`POLL`], and after a quiet [`DEBOUNCE`] re-lints it:
//! findings are printed as `gwc build` prints them and the running gateway
//! keeps serving; a clean config is rebuilt and swapped in with the
//! gateway's binary upgrade (SIGHUP, no request refused or cut). SIGINT or
//! SIGTERM stops the gateway (by the pid its `--pid-file` names) and gwc.
//!
//! The file is polled (its inode, size, modification time and bytes), not
//! watched with inotify: an editor that saves by renaming a new file over
//! the old one is seen like one that writes in place, and no crate or
//! directory watch is needed for one file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use miette::{IntoDiagnostic, miette};
use rustix::process::Signal;

use super::build::{BuildArgs, Built};
use super::replace;
use super::{ColorChoice, EXIT_FINDINGS, EXIT_OK};
use crate::codegen::project;

/// How often `--watch` looks at the config file.
const POLL: Duration = Duration::from_millis(100);
/// How long the file must stay unchanged before a rebuild.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// How long a stopping gateway may drain before it is killed.
const STOP_BOUND: Duration = Duration::from_secs(15);

/// Arguments of `gwc run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The config file (the extension picks JSON, YAML or TOML).
    #[arg(value_name = "CONFIG")]
    pub file: PathBuf,
    /// Rebuild on every change of CONFIG and swap the running gateway (a
    /// config with errors is reported and the old gateway keeps serving).
    #[arg(long)]
    pub watch: bool,
    /// Accept that the gateway runs without this namespace or setting
    /// (repeatable, as `gwc build`).
    #[arg(long, value_name = "NAME")]
    pub allow_unsupported: Vec<String>,
    /// Only show cargo's errors and warnings.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub color: ColorChoice,
    /// The gateway's own arguments (`-- --listen 127.0.0.1:8080`).
    #[arg(last = true, value_name = "GATEWAY ARGS")]
    pub gateway_args: Vec<String>,
}

/// Runs `gwc run`.
pub fn run(args: RunArgs) -> miette::Result<u8> {
    let name = project::package_name(&args.file);
    let dir = project::default_crate_dir(&name).map_err(|e| miette!("{e}"))?;
    let build_args = BuildArgs {
        file: args.file.clone(),
        output: Some(dir.join("gateway")),
        emit_crate: None,
        dist: false,
        allow_unsupported: args.allow_unsupported.clone(),
        quiet: args.quiet,
        color: args.color,
        replace: None,
    };
    if !args.watch {
        let bin = match super::build::build(&build_args)? {
            Built::Binary(bin) => bin,
            Built::Findings => return Ok(EXIT_FINDINGS),
        };
        use std::os::unix::process::CommandExt as _;
        let e = Command::new(&bin).args(&args.gateway_args).exec();
        return Err(miette!("cannot start `{}`: {e}", bin.display()));
    }
    watch(&args, &build_args, &dir.join("gateway.pid"))
}

/// What changes when the config file is saved.
#[derive(PartialEq, Eq, Clone, Debug)]
struct Stamp(Option<(u64, u64, Option<std::time::SystemTime>, u64)>);

fn stamp(path: &Path) -> Stamp {
    use std::os::unix::fs::MetadataExt as _;
    Stamp(std::fs::metadata(path).ok().map(|m| {
        let hash = std::fs::read(path)
            .map(|b| project::fnv1a64(&b))
            .unwrap_or(0);
        (m.ino(), m.len(), m.modified().ok(), hash)
    }))
}

/// The gateway `gwc run --watch` started: the first process is gwc's
/// child; after a swap the pid file names its successor.
struct Gateway {
    first: Child,
    pid_file: PathBuf,
}

impl Gateway {
    /// The serving process.
    fn pid(&self) -> u32 {
        replace::read_pid(&self.pid_file).unwrap_or_else(|_| self.first.id())
    }

    /// Reaps the first process once it has drained after a swap.
    fn reap(&mut self) {
        let _ = self.first.try_wait();
    }

    /// Whether the serving process still runs.
    fn running(&mut self) -> bool {
        let pid = self.pid();
        if pid == self.first.id() {
            matches!(self.first.try_wait(), Ok(None))
        } else {
            replace::exists(pid)
        }
    }

    /// SIGTERM to the serving process, then waits (bounded; SIGKILL past
    /// the bound).
    fn stop(&mut self) {
        let pid = self.pid();
        let _ = replace::signal(pid, Signal::TERM);
        let t = Instant::now();
        while t.elapsed() < STOP_BOUND {
            self.reap();
            if !self.running() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.running() {
            let _ = replace::signal(pid, Signal::KILL);
        }
        if matches!(self.first.try_wait(), Ok(None)) {
            let _ = self.first.kill();
        }
        let _ = self.first.wait();
    }
}

fn watch(args: &RunArgs, build_args: &BuildArgs, pid_file: &Path) -> miette::Result<u8> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop)).into_diagnostic()?;
    }
    let _ = std::fs::remove_file(pid_file);
    let mut seen = stamp(&args.file);
    let mut gateway: Option<Gateway> = None;
    let mut pending = true;
    let mut changed_at = Instant::now() - DEBOUNCE;
    loop {
        if stop.load(Ordering::SeqCst) {
            if let Some(mut g) = gateway.take() {
                eprintln!("gwc: stopping the gateway (process {})", g.pid());
                g.stop();
            }
            return Ok(EXIT_OK);
        }
        if let Some(g) = &mut gateway {
            g.reap();
            if !g.running() {
                return Err(miette!(
                    "the gateway (process {}) exited; see its output above",
                    g.pid()
                ));
            }
        }
        let now = stamp(&args.file);
        if now != seen {
            seen = now;
            pending = true;
            changed_at = Instant::now();
        }
        if pending && changed_at.elapsed() >= DEBOUNCE {
            pending = false;
            rebuild(args, build_args, pid_file, &mut gateway)?;
            eprintln!("gwc: watching `{}` for changes", args.file.display());
        }
        std::thread::sleep(POLL);
    }
}

/// One rebuild: findings keep the running gateway; a new binary starts
/// the gateway the first time and replaces it after.
fn rebuild(
    args: &RunArgs,
    build_args: &BuildArgs,
    pid_file: &Path,
    gateway: &mut Option<Gateway>,
) -> miette::Result<()> {
    let bin = match super::build::build(build_args) {
        Ok(Built::Binary(bin)) => bin,
        Ok(Built::Findings) => {
            if gateway.is_some() {
                eprintln!("gwc: the running gateway keeps serving the last good config");
            }
            return Ok(());
        }
        Err(e) => {
            // A cargo failure: report it, keep serving, wait for an edit.
            eprintln!("{e:?}");
            return Ok(());
        }
    };
    match gateway {
        None => {
            let first = Command::new(&bin)
                .args(&args.gateway_args)
                .arg("--pid-file")
                .arg(pid_file)
                .spawn()
                .map_err(|e| miette!("cannot start `{}`: {e}", bin.display()))?;
            eprintln!("gwc: started the gateway (process {})", first.id());
            *gateway = Some(Gateway {
                first,
                pid_file: pid_file.to_owned(),
            });
            // The pid file appears once it serves.
            let t = Instant::now();
            while !pid_file.exists() && t.elapsed() < replace::SWAP_BOUND {
                if let Some(g) = gateway.as_mut()
                    && !g.running()
                {
                    return Err(miette!("the gateway exited at start; see its output above"));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Some(g) => {
            let old = g.pid();
            match replace::replace(pid_file) {
                Ok(new) => {
                    eprintln!("gwc: process {new} serves the new config; process {old} drains")
                }
                Err(e) => eprintln!("gwc: cannot swap the gateway: {e}"),
            }
        }
    }
    Ok(())
}
