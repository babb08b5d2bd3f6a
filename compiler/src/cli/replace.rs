//! Replacing a running gateway (`gwc build --replace PIDFILE`, `gwc run
//! --watch`): SIGHUP to the process a gateway's `--pid-file` names, which
//! re-executes the binary now at its path and hands over its listeners
//! (README, "Replacing a running gateway"); the swap is done when the pid
//! file names a new, live process.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use rustix::process::{Pid, Signal};

/// How long a swap may take: the gateway's own 10 s bound for the new
/// process to serve, and some slack.
pub(crate) const SWAP_BOUND: Duration = Duration::from_secs(15);

/// The process id a pid file names.
pub(crate) fn read_pid(path: &Path) -> Result<u32, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the pid file `{}`: {e}", path.display()))?;
    text.trim()
        .parse()
        .map_err(|_| format!("`{}` holds no process id", path.display()))
}

fn pid_of(pid: u32) -> Result<Pid, String> {
    i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| format!("`{pid}` is not a process id"))
}

/// Sends `sig` to `pid`.
pub(crate) fn signal(pid: u32, sig: Signal) -> Result<(), String> {
    rustix::process::kill_process(pid_of(pid)?, sig)
        .map_err(|e| format!("cannot signal process {pid}: {e}"))
}

/// Whether `pid` exists (a zombie not yet reaped counts).
pub(crate) fn exists(pid: u32) -> bool {
    pid_of(pid).is_ok_and(|p| rustix::process::test_kill_process(p).is_ok())
}

/// What identifies one writing of the pid file: the gateway writes it by
/// renaming a new file over it, so a rewrite changes the inode.
fn stamp(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    use std::os::unix::fs::MetadataExt as _;
    let m = std::fs::metadata(path).ok()?;
    Some((m.ino(), m.modified().ok()))
}

/// Sends SIGHUP to the gateway `pid_file` names and waits until the pid
/// file names a new live process (its id), or reports why not: the old
/// process rewrote the file with its own id (the new binary failed; the
/// gateway's log says why), the process is gone, or nothing happened
/// within [`SWAP_BOUND`].
pub(crate) fn replace(pid_file: &Path) -> Result<u32, String> {
    let old = read_pid(pid_file)?;
    let before = stamp(pid_file);
    signal(old, Signal::HUP).map_err(|e| {
        format!(
            "{e} (from `{}`): is the gateway running with `--pid-file`?",
            pid_file.display()
        )
    })?;
    let started = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        match read_pid(pid_file) {
            Ok(pid) if pid != old && exists(pid) => return Ok(pid),
            Ok(pid) if pid == old && stamp(pid_file) != before => {
                return Err(format!(
                    "the new binary did not take over: process {old} keeps serving the old one (its log says why)"
                ));
            }
            _ => {}
        }
        if !exists(old) && read_pid(pid_file).is_ok_and(|p| p == old) {
            return Err(format!("process {old} exited without a successor"));
        }
        if started.elapsed() > SWAP_BOUND {
            return Err(format!(
                "no new process within {} s (process {old} still named by `{}`)",
                SWAP_BOUND.as_secs(),
                pid_file.display()
            ));
        }
    }
}
