//! Zero-downtime binary upgrade on SIGHUP or SIGUSR2 (nginx's USR2).
//!
//! The running gateway (the *old* process) starts the binary now at the
//! path it was started from, with the same arguments, and hands it every
//! listening socket it has (the public listener, the admin listener,
//! `/__stats`, the Prometheus exporters). Both processes then hold the same
//! kernel sockets, so the accept queue is never closed and no connection
//! is refused; the old process stops accepting only once the new one
//! serves, and drains as on SIGTERM.
//!
//! The sockets travel over a Unix socket as `SCM_RIGHTS` messages, not by
//! descriptor inheritance: adopting an inherited descriptor *number* needs
//! `unsafe` (`FromRawFd`), which the workspace forbids, while a received
//! `SCM_RIGHTS` descriptor arrives owned (rustix). HAProxy's
//! `expose-fd listeners` and Envoy's hot restart pass listeners the same
//! way. The steps:
//!
//! 1. the old process binds an abstract Unix socket
//!    `gwc-upgrade-<pid>-<random>` and starts the new binary with
//!    [`SOCKET_ENV`] naming it;
//! 2. the new process connects; each side checks the other's process id
//!    (`SO_PEERCRED`): the old one talks only to its child, the new one
//!    only to its parent;
//! 3. the old process sends `gwc-listeners public admin stats metrics.0\n`
//!    with the descriptors in that order;
//! 4. the new process adopts each socket whose address its arguments still
//!    name (and binds the others), serves, prints its `listening on`
//!    lines, rewrites the pid file and writes `ready\n`;
//! 5. the old process stops accepting, drains and exits 0.
//!
//! Any failure before step 4 (the binary cannot be executed, exits, or is
//! not ready within [`READY_BOUND`]) leaves the old process serving: it
//! kills the child if it still runs, puts its own pid back in the pid
//! file, and logs why.

use std::ffi::OsString;
use std::io::{IoSlice, IoSliceMut, Read as _, Write as _};
use std::mem::MaybeUninit;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::linux::net::SocketAddrExt as _;
use std::os::unix::net::{SocketAddr as UnixAddr, UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

use crate::telemetry::logging::{Level, log};

/// The environment variable that tells a new process it replaces a running
/// one, and names the abstract Unix socket the sockets come from.
pub const SOCKET_ENV: &str = "GWC_UPGRADE_SOCKET";

/// How long the new process has, from its start, to serve and say so;
/// past it the old process kills it and keeps serving.
pub const READY_BOUND: Duration = Duration::from_secs(10);

/// The first word of the message that carries the sockets.
const HEADER: &str = "gwc-listeners";

/// At most this many sockets are received (a gateway has four kinds).
const MAX_SOCKETS: usize = 64;

/// The message the new process sends once it serves.
const READY: &[u8] = b"ready\n";

fn service(msg: &str) -> String {
    format!("[SERVICE: gwc] {msg}")
}

/// The process id of the other end of a Unix socket.
fn peer_pid(s: &UnixStream) -> Result<u32, String> {
    let cred = rustix::net::sockopt::socket_peercred(s).map_err(|e| e.to_string())?;
    u32::try_from(cred.pid.as_raw_nonzero().get()).map_err(|e| e.to_string())
}

/// The listening sockets this process received from the one it replaces
/// (none when it was not started by an upgrade).
#[derive(Default)]
pub struct Inherited {
    sockets: Vec<(String, OwnedFd)>,
    channel: Option<UnixStream>,
}

impl Inherited {
    /// Receives the old process's sockets when [`SOCKET_ENV`] is set;
    /// nothing otherwise. A failure here ends the new process (the old
    /// one, seeing it exit, keeps serving).
    pub fn from_env() -> Result<Inherited, String> {
        let Some(name) = std::env::var_os(SOCKET_ENV) else {
            return Ok(Inherited::default());
        };
        Self::receive(&name)
            .map_err(|e| format!("upgrade: cannot take over the old process's sockets: {e}"))
    }

    fn receive(name: &OsString) -> Result<Inherited, String> {
        let addr = UnixAddr::from_abstract_name(name.as_encoded_bytes())
            .map_err(|e| format!("`{SOCKET_ENV}`: {e}"))?;
        let stream = UnixStream::connect_addr(&addr).map_err(|e| format!("connect: {e}"))?;
        let parent = std::os::unix::process::parent_id();
        let peer = peer_pid(&stream)?;
        if peer != parent {
            return Err(format!(
                "the socket is held by process {peer}, not by the parent process {parent}"
            ));
        }
        stream
            .set_read_timeout(Some(READY_BOUND))
            .map_err(|e| e.to_string())?;
        let mut buf = [0u8; 4096];
        let mut space =
            vec![MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_SOCKETS))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let got = rustix::net::recvmsg(
            &stream,
            &mut [IoSliceMut::new(&mut buf)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        )
        .map_err(|e| format!("receive: {e}"))?;
        let mut fds = Vec::new();
        for m in control.drain() {
            if let RecvAncillaryMessage::ScmRights(r) = m {
                fds.extend(r);
            }
        }
        let text = std::str::from_utf8(buf.get(..got.bytes).unwrap_or_default())
            .ok()
            .and_then(|t| t.strip_suffix('\n'))
            .ok_or("the message is cut or not text")?;
        let mut words = text.split(' ');
        if words.next() != Some(HEADER) {
            return Err(format!("unexpected message `{text}`"));
        }
        let roles: Vec<String> = words.map(str::to_owned).collect();
        if roles.len() != fds.len() {
            return Err(format!(
                "{} roles for {} sockets (`{text}`)",
                roles.len(),
                fds.len()
            ));
        }
        Ok(Inherited {
            sockets: roles.into_iter().zip(fds).collect(),
            channel: Some(stream),
        })
    }

    /// The received listener of `role` when it listens where `addr` asks
    /// (the same address, or the same IP with port 0); `None` otherwise,
    /// and the caller binds `addr` (a new binary may listen elsewhere).
    pub fn take(&mut self, role: &str, addr: &str) -> Option<std::net::TcpListener> {
        let i = self.sockets.iter().position(|(r, _)| r == role)?;
        let (_, fd) = self.sockets.remove(i);
        let l = std::net::TcpListener::from(fd);
        let local = l.local_addr().ok()?;
        let wanted: Vec<SocketAddr> = addr.to_socket_addrs().ok()?.collect();
        let same = wanted
            .iter()
            .any(|a| a.ip() == local.ip() && (a.port() == 0 || a.port() == local.port()));
        if !same {
            log(
                Level::Info,
                &service(&format!(
                    "upgrade: `{role}` listened on {local}, now on `{addr}`: binding it"
                )),
            );
            return None;
        }
        l.set_nonblocking(true).ok()?;
        Some(l)
    }

    /// Closes the received sockets nothing took (the new binary has fewer
    /// listeners than the old one).
    pub fn close_unused(&mut self) {
        self.sockets.clear();
    }

    /// Tells the old process that every listener serves: it stops
    /// accepting and drains. Nothing without an old process.
    pub fn ready(&mut self) {
        if let Some(mut c) = self.channel.take()
            && let Err(e) = c.write_all(READY)
        {
            log(
                Level::Error,
                &service(&format!(
                    "upgrade: cannot tell the old process this one is ready: {e}"
                )),
            );
        }
    }
}

/// The path to re-execute: argv\[0\] made absolute at start-up when it
/// names a path (so a symlink swapped to a new build is followed), else
/// the executable's path as the kernel reports it at start-up (once the
/// file is replaced, `/proc/self/exe` names the old, deleted inode).
pub fn executable_path() -> Result<PathBuf, String> {
    if let Some(argv0) = std::env::args_os().next() {
        let p = PathBuf::from(&argv0);
        if p.components().count() > 1 {
            return std::path::absolute(&p)
                .map_err(|e| format!("cannot resolve `{}`: {e}", p.display()));
        }
    }
    std::env::current_exe().map_err(|e| format!("cannot find the executable's path: {e}"))
}

/// Writes this process's id to `path` (a temporary file beside it, then a
/// rename, so a reader never sees it half-written).
pub fn write_pid_file(path: &Path) -> Result<(), String> {
    let name = path
        .file_name()
        .ok_or_else(|| format!("`--pid-file {}`: not a file name", path.display()))?;
    let mut tmp_name = OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, format!("{}\n", std::process::id()))
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot write the pid file `{}`: {e}", path.display())
        })
}

/// Removes the pid file at exit when it still names this process (after
/// an upgrade it names the new one).
pub fn remove_pid_file(path: &Path) {
    let ours =
        std::fs::read_to_string(path).is_ok_and(|s| s.trim() == std::process::id().to_string());
    if ours {
        let _ = std::fs::remove_file(path);
    }
}

/// What a serving gateway needs to start its successor: the path and
/// arguments it was started with, and a copy of each listening socket.
pub struct Upgrader {
    exe: PathBuf,
    args: Vec<OsString>,
    sockets: Arc<Vec<(String, OwnedFd)>>,
    pid_file: Option<PathBuf>,
    /// An upgrade runs (or succeeded: the process is draining).
    busy: Arc<AtomicBool>,
    /// The upgrade thread still runs.
    running: Arc<AtomicBool>,
    /// SIGTERM or SIGINT arrived: an upgrade in progress kills its child.
    cancel: Arc<AtomicBool>,
}

impl Upgrader {
    /// Records the executable's path and arguments (call it at start-up)
    /// and copies the listening sockets, each with its role.
    pub fn new(
        sockets: &[(String, &std::net::TcpListener)],
        pid_file: Option<PathBuf>,
    ) -> Result<Upgrader, String> {
        let exe = executable_path()?;
        let mut copies = Vec::with_capacity(sockets.len());
        for (role, l) in sockets {
            let c = l
                .try_clone()
                .map_err(|e| format!("cannot keep the `{role}` listener for upgrades: {e}"))?;
            copies.push((role.clone(), OwnedFd::from(c)));
        }
        Ok(Upgrader {
            exe,
            args: std::env::args_os().skip(1).collect(),
            sockets: Arc::new(copies),
            pid_file,
            busy: Arc::new(AtomicBool::new(false)),
            running: Arc::new(AtomicBool::new(false)),
            cancel: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Starts an upgrade on a thread of its own, unless one is in progress
    /// (then `signal` is logged and ignored). `on_ready` runs once the new
    /// process serves: the caller stops this one.
    pub fn start(&self, signal: &str, on_ready: impl FnOnce() + Send + 'static) {
        if self.busy.swap(true, Ordering::SeqCst) {
            log(
                Level::Warning,
                &service(&format!(
                    "{signal} received during an upgrade in progress: ignored"
                )),
            );
            return;
        }
        log(
            Level::Info,
            &service(&format!(
                "{signal} received: starting `{}` to take over the listeners",
                self.exe.display()
            )),
        );
        let job = Job {
            exe: self.exe.clone(),
            args: self.args.clone(),
            sockets: Arc::clone(&self.sockets),
            cancel: Arc::clone(&self.cancel),
        };
        let (busy, running, pid_file) = (
            Arc::clone(&self.busy),
            Arc::clone(&self.running),
            self.pid_file.clone(),
        );
        running.store(true, Ordering::SeqCst);
        let spawned = std::thread::Builder::new()
            .name("gw-upgrade".into())
            .spawn({
                let running = Arc::clone(&running);
                move || {
                    match job.run() {
                        Ok(pid) => {
                            log(
                                Level::Info,
                                &service(&format!(
                                    "upgrade: process {pid} serves; this process ({}) stops accepting and drains",
                                    std::process::id()
                                )),
                            );
                            on_ready();
                        }
                        Err(e) => {
                            log(
                                Level::Error,
                                &service(&format!(
                                    "upgrade failed: {e}; this process ({}) keeps serving",
                                    std::process::id()
                                )),
                            );
                            if let Some(p) = &pid_file
                                && let Err(e) = write_pid_file(p)
                            {
                                log(Level::Error, &service(&e));
                            }
                            busy.store(false, Ordering::SeqCst);
                        }
                    }
                    running.store(false, Ordering::SeqCst);
                }
            });
        if let Err(e) = spawned {
            log(
                Level::Error,
                &service(&format!("upgrade failed: cannot start a thread: {e}")),
            );
            running.store(false, Ordering::SeqCst);
            self.busy.store(false, Ordering::SeqCst);
        }
    }

    /// SIGTERM or SIGINT: an upgrade in progress kills its child; waits
    /// (bounded) for that so that no new process outlives this one.
    pub async fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
        let t = Instant::now();
        while self.running.load(Ordering::SeqCst) && t.elapsed() < Duration::from_secs(2) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// One upgrade attempt.
struct Job {
    exe: PathBuf,
    args: Vec<OsString>,
    sockets: Arc<Vec<(String, OwnedFd)>>,
    cancel: Arc<AtomicBool>,
}

impl Job {
    /// Starts the new process and hands it the sockets; its pid once it
    /// serves. On failure the child, if it still runs, is killed.
    fn run(&self) -> Result<u32, String> {
        let name = format!(
            "gwc-upgrade-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        );
        let addr = UnixAddr::from_abstract_name(name.as_bytes())
            .map_err(|e| format!("cannot name the upgrade socket: {e}"))?;
        let listener = UnixListener::bind_addr(&addr)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| format!("cannot open the upgrade socket: {e}"))?;
        let mut child = Command::new(&self.exe)
            .args(&self.args)
            .env(SOCKET_ENV, &name)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", self.exe.display()))?;
        let pid = child.id();
        match self.hand_over(&listener, &mut child) {
            Ok(()) => Ok(pid),
            Err(e) => {
                if matches!(child.try_wait(), Ok(None)) {
                    let _ = child.kill();
                }
                let _ = child.wait();
                Err(format!("new process {pid}: {e}"))
            }
        }
    }

    fn hand_over(&self, listener: &UnixListener, child: &mut Child) -> Result<(), String> {
        let deadline = Instant::now() + READY_BOUND;
        let check = |child: &mut Child| -> Result<(), String> {
            if self.cancel.load(Ordering::SeqCst) {
                return Err("SIGTERM or SIGINT arrived during the upgrade".into());
            }
            match child.try_wait() {
                Ok(Some(status)) => Err(format!("it exited ({status}) before it was ready")),
                Ok(None) if Instant::now() > deadline => Err(format!(
                    "it was not ready within {} s",
                    READY_BOUND.as_secs()
                )),
                Ok(None) => Ok(()),
                Err(e) => Err(format!("cannot watch it: {e}")),
            }
        };
        let stream = loop {
            check(child)?;
            match listener.accept() {
                Ok((s, _)) => match peer_pid(&s) {
                    Ok(p) if p == child.id() => break s,
                    Ok(p) => log(
                        Level::Warning,
                        &service(&format!(
                            "upgrade: refused the upgrade socket to process {p}, not the new process"
                        )),
                    ),
                    Err(e) => log(
                        Level::Warning,
                        &service(&format!("upgrade: cannot check a peer: {e}")),
                    ),
                },
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(format!("upgrade socket: {e}")),
            }
        };
        self.send_sockets(&stream)?;
        stream
            .set_nonblocking(false)
            .and_then(|()| stream.set_read_timeout(Some(Duration::from_millis(50))))
            .map_err(|e| format!("upgrade socket: {e}"))?;
        let mut got = Vec::new();
        let mut stream = stream;
        loop {
            check(child)?;
            let mut buf = [0u8; 16];
            match stream.read(&mut buf) {
                Ok(0) => {
                    // Most likely it is exiting: report its status.
                    let t = Instant::now();
                    while t.elapsed() < Duration::from_millis(500) {
                        check(child)?;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    return Err("it closed the upgrade socket before it was ready".into());
                }
                Ok(n) => {
                    got.extend_from_slice(buf.get(..n).unwrap_or_default());
                    if got == READY {
                        return Ok(());
                    }
                    if !READY.starts_with(&got) {
                        return Err(format!(
                            "unexpected message `{}`",
                            String::from_utf8_lossy(&got)
                        ));
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(format!("upgrade socket: {e}")),
            }
        }
    }

    /// One message: the roles as text, the descriptors as `SCM_RIGHTS`.
    fn send_sockets(&self, stream: &UnixStream) -> Result<(), String> {
        let roles: Vec<&str> = self.sockets.iter().map(|(r, _)| r.as_str()).collect();
        let text = format!("{HEADER} {}\n", roles.join(" "));
        let fds: Vec<BorrowedFd<'_>> = self.sockets.iter().map(|(_, f)| f.as_fd()).collect();
        let mut space =
            vec![MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(fds.len()))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
            return Err("too many sockets for one message".into());
        }
        stream
            .set_nonblocking(false)
            .map_err(|e| format!("upgrade socket: {e}"))?;
        let sent = rustix::net::sendmsg(
            stream,
            &[IoSlice::new(text.as_bytes())],
            &mut control,
            SendFlags::NOSIGNAL,
        )
        .map_err(|e| format!("cannot send the sockets: {e}"))?;
        if sent != text.len() {
            return Err("the sockets' message was cut".into());
        }
        Ok(())
    }
}
