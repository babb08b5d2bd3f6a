//! The zero-downtime binary upgrade (SIGHUP, SIGUSR2), through the demo
//! gateways `gw-demo` and `gw-demo-b` (the same gateway answering
//! `X-KrakenD: Version demo` and `Version demo-b`) copied over one path:
//! closed-loop clients see no failed request and no refused connection
//! across three swaps, the answers follow each swap, and a binary that
//! exits at once or never becomes ready leaves the old gateway serving.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const OLD: &str = "Version demo";
const NEW: &str = "Version demo-b";

fn demo(which: &str) -> PathBuf {
    match which {
        OLD => PathBuf::from(env!("CARGO_BIN_EXE_gw-demo")),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_gw-demo-b")),
    }
}

/// A directory with the gateway's path and pid file; every gateway
/// process ever named by the pid file (and the first one) is killed when
/// it is dropped, so a failing assertion leaves nothing running.
struct Site {
    dir: PathBuf,
    first: Child,
    pids: Mutex<Vec<u32>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.first.kill();
        let _ = self.first.wait();
        for pid in self.pids.lock().map(|p| p.clone()).unwrap_or_default() {
            if alive(pid) {
                let _fork = fork_lock();
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `pid` runs (a zombie, ended but not reaped yet, does not).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

/// Held while this test process writes an executable and while it
/// starts a process: a child forked while another thread has the file open
/// for writing would keep it open until its exec, and executing the file
/// then fails with "Text file busy" (ETXTBSY).
static FORK: Mutex<()> = Mutex::new(());

fn fork_lock() -> std::sync::MutexGuard<'static, ()> {
    FORK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Copies `from` beside `to` and renames it over `to`, as `gwc build`
/// installs a binary: the running executable is never written in place.
fn install(from: &Path, to: &Path) {
    let _fork = fork_lock();
    let tmp = to.with_extension("tmp");
    std::fs::copy(from, &tmp).unwrap();
    std::fs::rename(&tmp, to).unwrap();
}

fn install_script(text: &str, to: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let _fork = fork_lock();
    let tmp = to.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(&tmp, to).unwrap();
}

fn signal(sig: &str, pid: u32) {
    let _fork = fork_lock();
    assert!(
        Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

impl Site {
    /// Starts `gw-demo` from a path of its own with a pid file; returns the
    /// site and the public address.
    fn start(upstream: &str, tag: &str) -> (Site, SocketAddr) {
        let dir = std::env::temp_dir().join(format!("gw-upgrade-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join("gateway");
        install(&demo(OLD), &bin);
        let fork = fork_lock();
        let mut first = Command::new(&bin)
            .args(["--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"])
            .arg("--pid-file")
            .arg(dir.join("gateway.pid"))
            .env("GW_DEMO_UPSTREAM", upstream)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(fork);
        // Every process of the chain writes to these pipes: one thread
        // each collects the lines.
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let out = first.stdout.take().unwrap();
        let err = first.stderr.take().unwrap();
        for r in [
            Box::new(out) as Box<dyn std::io::Read + Send>,
            Box::new(err) as Box<dyn std::io::Read + Send>,
        ] {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for l in BufReader::new(r).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(l);
                }
            });
        }
        let pid = first.id();
        let site = Site {
            dir,
            first,
            pids: Mutex::new(vec![pid]),
            log,
        };
        let addr = site.wait_line(0, "listening on ");
        (site, addr.parse().unwrap())
    }

    fn bin(&self) -> PathBuf {
        self.dir.join("gateway")
    }

    /// The first log line from index `from` on that starts with `prefix`
    /// (the rest of it), waiting at most [`WAIT`].
    fn wait_line(&self, from: usize, prefix: &str) -> String {
        let t = Instant::now();
        loop {
            if let Some(l) = self
                .log
                .lock()
                .unwrap()
                .iter()
                .skip(from)
                .find_map(|l| l.strip_prefix(prefix))
            {
                return l.to_owned();
            }
            assert!(
                t.elapsed() < WAIT,
                "no `{prefix}` line: {:#?}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until a line from index `from` on contains `text`; the line.
    fn wait_contains(&self, from: usize, text: &str) -> String {
        let t = Instant::now();
        loop {
            if let Some(l) = self
                .log
                .lock()
                .unwrap()
                .iter()
                .skip(from)
                .find(|l| l.contains(text))
            {
                return l.clone();
            }
            assert!(
                t.elapsed() < WAIT * 2,
                "no line with `{text}`: {}",
                self.log_since(from)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn log_len(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    fn log_since(&self, from: usize) -> String {
        self.log.lock().unwrap()[from..].join("\n")
    }

    /// The pid the pid file names.
    fn pid(&self) -> u32 {
        // Written just after the `listening on` lines.
        let t = Instant::now();
        let text = loop {
            match std::fs::read_to_string(self.dir.join("gateway.pid")) {
                Ok(text) => break text,
                Err(e) => assert!(t.elapsed() < WAIT, "no pid file: {e}"),
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let pid = text.trim().parse().unwrap();
        let mut pids = self.pids.lock().unwrap();
        if !pids.contains(&pid) {
            pids.push(pid);
        }
        pid
    }

    /// Waits until the pid file names a process other than `old`.
    fn wait_new_pid(&self, old: u32) -> u32 {
        let t = Instant::now();
        loop {
            let pid = self.pid();
            if pid != old {
                return pid;
            }
            assert!(t.elapsed() < WAIT, "the pid file still names {old}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until `pid` has exited (reaping it when it is our child).
    fn wait_gone(&mut self, pid: u32) {
        let t = Instant::now();
        loop {
            if pid == self.first.id() {
                if self.first.try_wait().unwrap().is_some() {
                    return;
                }
            } else if !alive(pid) {
                return;
            }
            assert!(t.elapsed() < WAIT * 2, "process {pid} did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// One request's outcome as a client saw it.
#[derive(Debug)]
struct Outcome {
    started: Instant,
    result: Result<String, String>,
}

/// One request on a new connection (`Connection: close`), no retry: the
/// `X-KrakenD` version of a 200, or what went wrong.
async fn one_request(addr: SocketAddr) -> Result<String, String> {
    let mut s = match tokio::net::TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(format!("refused: {e}"));
        }
        Err(e) => return Err(format!("connect: {e}")),
    };
    s.write_all(b"GET /fast HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)
        .await
        .map_err(|e| format!("read: {e}"))?;
    let text = String::from_utf8_lossy(&buf);
    if !text.starts_with("HTTP/1.1 200 ") {
        return Err(format!("answer: {text:?}"));
    }
    if !text.ends_with(r#"{"fast":1}"#) {
        return Err(format!("cut answer: {text:?}"));
    }
    text.lines()
        .find_map(|l| l.strip_prefix("x-krakend: "))
        .map(str::to_owned)
        .ok_or_else(|| format!("no version: {text:?}"))
}

/// Closed-loop clients, each sending one request after the other until
/// `stop`; every outcome is recorded.
fn clients(
    addr: SocketAddr,
    n: usize,
    stop: &Arc<AtomicBool>,
    outcomes: &Arc<Mutex<Vec<Outcome>>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let (stop, outcomes) = (Arc::clone(stop), Arc::clone(outcomes));
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let started = Instant::now();
                    let result = match tokio::time::timeout(WAIT, one_request(addr)).await {
                        Ok(r) => r,
                        Err(_) => Err("timed out".into()),
                    };
                    outcomes.lock().unwrap().push(Outcome { started, result });
                }
            })
        })
        .collect()
}

/// Three swaps (SIGHUP, SIGUSR2, SIGHUP) between the two binaries while
/// four closed-loop clients send requests without retries: not one
/// failed request or refused connection, the pid file names each new
/// process once it serves, and every request started after the old
/// process exited got the new binary's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_swaps_under_load_lose_no_request() {
    let (host, _) = upstream(|_| Reply::json(r#"{"fast":1}"#)).await;
    let (mut site, addr) = Site::start(host, "swaps");
    let stop = Arc::new(AtomicBool::new(false));
    let outcomes: Arc<Mutex<Vec<Outcome>>> = Arc::default();
    let tasks = clients(addr, 4, &stop, &outcomes);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut serving = OLD;
    // (when the old process was gone, the version expected from then on)
    let mut swaps: Vec<(Instant, &str)> = Vec::new();
    let mut signalled: Vec<Instant> = Vec::new();
    for sig in ["HUP", "USR2", "HUP"] {
        let next = if serving == OLD { NEW } else { OLD };
        let old = site.pid();
        install(&demo(next), &site.bin());
        let from = site.log_len();
        signalled.push(Instant::now());
        signal(sig, old);
        let new = tokio::task::block_in_place(|| site.wait_new_pid(old));
        tokio::task::block_in_place(|| site.wait_gone(old));
        swaps.push((Instant::now(), next));
        serving = next;
        // The lines of both processes (the pipes are read by threads).
        tokio::task::block_in_place(|| {
            site.wait_contains(from, &format!("SIG{sig} received: starting"));
            site.wait_contains(
                from,
                &format!(
                    "upgrade: process {new} serves; this process ({old}) stops accepting and drains"
                ),
            );
            site.wait_line(from, "listening on ");
        });
        // Traffic on the new process before the next swap.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        timed(t).await.unwrap();
    }

    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| o.result.is_err()).collect();
    assert!(failed.is_empty(), "{} failed: {failed:#?}", failed.len());
    assert!(outcomes.len() >= 40, "only {} requests", outcomes.len());
    for (k, (gone, version)) in swaps.iter().enumerate() {
        // Until the next signal: from then on both processes may answer.
        let until = signalled.get(k + 1).copied();
        let after: Vec<&str> = outcomes
            .iter()
            .filter(|o| o.started > *gone && until.is_none_or(|u| o.started < u))
            .filter_map(|o| o.result.as_deref().ok())
            .collect();
        assert!(!after.is_empty(), "no request after swap {k}");
        assert!(
            after.iter().all(|v| v == version),
            "swap {k}: answers after the old process exited: {:?}",
            after.iter().filter(|v| *v != version).collect::<Vec<_>>()
        );
    }
    let first: Vec<&str> = outcomes
        .iter()
        .take(4)
        .filter_map(|o| o.result.as_deref().ok())
        .collect();
    assert_eq!(first, [OLD; 4]);

    // SIGTERM stops the last process; its pid file goes with it.
    let last = site.pid();
    signal("TERM", last);
    tokio::task::block_in_place(|| site.wait_gone(last));
    assert!(!site.dir.join("gateway.pid").exists());
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// A binary that exits at once, and one that never becomes ready, leave
/// the old gateway serving: it says why, kills the one still running
/// after the bound, keeps its pid in the pid file, and ignores a second
/// SIGHUP while an upgrade is in progress. SIGUSR1 stays logged and
/// ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_swap_leaves_the_old_gateway_serving() {
    let (host, _) = upstream(|_| Reply::json(r#"{"fast":1}"#)).await;
    let (mut site, addr) = Site::start(host, "failed");
    let pid = site.pid();
    assert_eq!(one_request(addr).await.unwrap(), OLD);

    // Exits at once.
    install_script("#!/bin/sh\nexit 3\n", &site.bin());
    let from = site.log_len();
    signal("HUP", pid);
    let failure = tokio::task::block_in_place(|| site.wait_contains(from, "upgrade failed"));
    assert!(
        failure.contains("it exited (exit status: 3) before it was ready")
            && failure.contains(&format!("this process ({pid}) keeps serving")),
        "{failure}"
    );
    assert_eq!(one_request(addr).await.unwrap(), OLD);
    assert_eq!(site.pid(), pid);

    // Never ready: killed after the bound; a second SIGHUP meanwhile is
    // ignored.
    install_script("#!/bin/sh\nexec sleep 60\n", &site.bin());
    let from = site.log_len();
    let sent = Instant::now();
    signal("HUP", pid);
    tokio::time::sleep(Duration::from_millis(200)).await;
    signal("HUP", pid);
    signal("USR1", pid);
    let mut during = 0;
    let failure = loop {
        assert_eq!(one_request(addr).await.unwrap(), OLD);
        during += 1;
        let text = site.log_since(from);
        if let Some(l) = text.lines().find(|l| l.contains("upgrade failed")) {
            break l.to_owned();
        }
        assert!(sent.elapsed() < WAIT * 2, "{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = sent.elapsed();
    assert!(
        failure.contains("it was not ready within 10 s"),
        "{failure}"
    );
    assert!(took >= Duration::from_secs(10), "{took:?}");
    assert!(during > 10);
    let text = site.log_since(from);
    assert!(
        text.contains("SIGHUP received during an upgrade in progress: ignored"),
        "{text}"
    );
    assert!(
        text.contains("SIGUSR1 received and ignored: the gateway keeps serving"),
        "{text}"
    );
    // The child named in the failure was killed.
    let child: u32 = failure
        .split("new process ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{failure}"));
    site.pids.lock().unwrap().push(child);
    assert!(!alive(child), "process {child} still runs");
    assert_eq!(site.pid(), pid);
    assert!(site.first.try_wait().unwrap().is_none());

    // A good binary again: the swap succeeds.
    install(&demo(NEW), &site.bin());
    signal("HUP", pid);
    let new = tokio::task::block_in_place(|| site.wait_new_pid(pid));
    tokio::task::block_in_place(|| site.wait_gone(pid));
    assert_eq!(one_request(addr).await.unwrap(), NEW);
    signal("TERM", new);
    tokio::task::block_in_place(|| site.wait_gone(new));
}
