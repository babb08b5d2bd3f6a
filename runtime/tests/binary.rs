//! The binary contract (DESIGN.md §5), through the `gw-demo` binary:
//! `--listen 127.0.0.1:0`, the `listening on` lines, the admin listener,
//! bad arguments, and SIGTERM draining an in-flight request.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The demo gateway binary cargo built for these tests.
fn demo_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_gw-demo"))
}

/// A gateway process, killed and reaped when dropped, so a failing
/// assertion leaves nothing running.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Proc {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Proc {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

fn spawn(upstream: &str, args: &[&str]) -> Proc {
    spawn_with(upstream, args, &[])
}

fn spawn_with(upstream: &str, args: &[&str], env: &[(&str, &str)]) -> Proc {
    Proc(
        Command::new(demo_bin())
            .args(args)
            .envs(env.iter().copied())
            .env("GW_DEMO_UPSTREAM", upstream)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

fn read_addr(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    prefix: &str,
) -> SocketAddr {
    let line = lines.next().unwrap().unwrap();
    line.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        .parse()
        .unwrap()
}

/// Waits for the child to exit, at most `WAIT`.
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if t.elapsed() > WAIT {
            let _ = child.kill();
            panic!("the gateway did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_an_in_flight_request_and_exits_0() {
    let (host, log) = upstream(|s| {
        if s.uri == "/slow" {
            Reply::json(r#"{"slow":"done"}"#).delay(Duration::from_millis(1200))
        } else {
            Reply::json(r#"{"fast":1}"#)
        }
    })
    .await;
    let mut child = spawn(host, &["--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = read_addr(&mut lines, "listening on ");
    let admin = read_addr(&mut lines, "admin listening on ");
    assert_ne!(addr.port(), 0);

    // The admin listener counts what the gateway served.
    assert_eq!(
        get(addr, "/fast").await.json(),
        serde_json::json!({"fast": 1})
    );
    let m = get(admin, "/metrics").await;
    assert_eq!(m.status, 200);
    let text = m.text();
    assert!(
        text.contains(r#"gw_requests_total{endpoint="/fast",method="GET",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"gw_request_duration_seconds_count{endpoint="/fast",method="GET"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            r#"gw_upstream_requests_total{{endpoint="/fast",backend="/fast",host="{host}",result="ok"}} 1"#
        )),
        "{text}"
    );
    let u = get(admin, "/upstreams").await.json();
    assert_eq!(u["upstreams"][1]["state"], "unknown");
    assert_eq!(u["upstreams"][1]["ok"], 1);

    // A slow request is in flight when SIGTERM arrives.
    let inflight = tokio::spawn(async move { get(addr, "/slow").await });
    timed(async {
        while !log.lock().unwrap().iter().any(|s| s.uri == "/slow") {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let r = timed(inflight).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"slow": "done"}));
    let (status, lines) =
        tokio::task::spawn_blocking(move || (wait_exit(&mut child), lines.collect::<Vec<_>>()))
            .await
            .unwrap();
    assert_eq!(status.code(), Some(0));
    // One access-log line per request, gin's format, on stdout (written
    // before the exit).
    let log_text: String = lines.into_iter().map(|l| l.unwrap() + "\n").collect();
    let fast_line = log_text
        .lines()
        .find(|l| l.ends_with(r#"GET     "/fast""#))
        .unwrap_or_else(|| panic!("{log_text}"));
    let fields: Vec<&str> = fast_line.split(" | ").collect();
    assert_eq!(fields.len(), 5, "{fast_line}");
    assert!(fields[0].starts_with("[GIN] "), "{fast_line}");
    assert_eq!(fields[1], "200", "{fast_line}");
    assert_eq!(
        fields[2].len(),
        13 + fields[2].matches('µ').count(),
        "{fast_line}"
    );
    assert_eq!(fields[3], "      127.0.0.1", "{fast_line}");
    assert!(
        log_text
            .lines()
            .any(|l| l.contains(r#""/slow""#) && l.contains("| 200 |")),
        "{log_text}"
    );
    // Nothing listens any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// Kills the process a pid file names when dropped (the new process of a
/// binary upgrade is not this test's child).
struct PidFileGuard(PathBuf);

impl PidFileGuard {
    fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(&self.0).ok()?.trim().parse().ok()
    }
}

impl Drop for PidFileGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// SIGUSR1 (a log rotation signal) would end the process by default: the
/// gateway catches it, logs a warning, keeps the request in flight and
/// goes on serving. SIGHUP and SIGUSR2 (a process manager's reload) start
/// a binary upgrade (tests/upgrade.rs): a request in flight on the old
/// process still completes while the new one takes over, and the gateway
/// goes on serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_and_user_signals_leave_the_gateway_serving() {
    let (host, log) = upstream(|s| {
        if s.uri == "/slow" {
            Reply::json(r#"{"slow":"done"}"#).delay(Duration::from_millis(600))
        } else {
            Reply::json(r#"{"fast":1}"#)
        }
    })
    .await;
    let dir = std::env::temp_dir().join(format!("gw-binary-signals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let guard = PidFileGuard(dir.join("gw.pid"));
    let pid_file = guard.0.to_str().unwrap().to_owned();
    let mut child = spawn(host, &["--listen", "127.0.0.1:0", "--pid-file", &pid_file]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = read_addr(&mut lines, "listening on ");
    let sigs = ["USR1", "HUP", "USR2"];
    for (i, sig) in sigs.into_iter().enumerate() {
        let pid = timed(async {
            loop {
                if let Some(p) = guard.pid() {
                    break p;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        let inflight = tokio::spawn(async move { get(addr, "/slow").await });
        timed(async {
            while log
                .lock()
                .unwrap()
                .iter()
                .filter(|s| s.uri == "/slow")
                .count()
                < i + 1
            {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        let sent = Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let r = timed(inflight).await.unwrap();
        assert_eq!(r.status, 200, "SIG{sig}");
        assert_eq!(r.json(), serde_json::json!({"slow": "done"}), "SIG{sig}");
        if sig == "USR1" {
            assert!(
                child.try_wait().unwrap().is_none(),
                "SIG{sig} ended the gateway"
            );
        } else {
            // The pid file names the new process once it serves.
            timed(async {
                while guard.pid() == Some(pid) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
            .await;
        }
        assert_eq!(get(addr, "/fast").await.status, 200, "after SIG{sig}");
    }
    // The first process drained and exited 0 after the first upgrade.
    let (status, first_lines) = tokio::task::spawn_blocking(move || {
        let s = wait_exit(&mut child);
        (s, lines)
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0));
    let last = guard.pid().unwrap();
    Command::new("kill")
        .args(["-TERM", &last.to_string()])
        .status()
        .unwrap();
    // Every process of the chain wrote to the same stdout; it ends when
    // the last one exits.
    let text = tokio::task::spawn_blocking(move || {
        first_lines
            .map_while(Result::ok)
            .collect::<Vec<_>>()
            .join("\n")
    });
    let text = timed(text).await.unwrap();
    assert!(text.contains("SIGUSR1 received and ignored"), "{text}");
    for sig in ["SIGHUP", "SIGUSR2"] {
        assert!(
            text.contains(&format!("{sig} received: starting")),
            "{text}"
        );
    }
    assert_eq!(
        text.matches("stops accepting and drains").count(),
        2,
        "{text}"
    );
}

/// Sends `GET path` on an open keep-alive connection and reads the whole
/// answer (head and `Content-Length` body); returns the status line.
async fn exchange(c: &mut tokio::net::TcpStream, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let req = format!("GET {path} HTTP/1.1\r\nHost: gw\r\n\r\n");
    c.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let n = c.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "connection closed: {}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |v| v.trim().parse().unwrap());
            if buf.len() >= end + 4 + len {
                return text.lines().next().unwrap_or_default().to_owned();
            }
        }
    }
}

/// Each worker thread serves its share of the connections, whichever
/// worker accepted them: 2 × workers keep-alive connections end up two on
/// each (`gw_connections` per worker), and each serves requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_spread_over_the_workers() {
    let (host, _log) = upstream(|_| Reply::json(r#"{"fast":1}"#)).await;
    for workers in [1usize, 3] {
        let n = workers.to_string();
        let mut child = spawn_with(
            host,
            &["--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"],
            &[("TOKIO_WORKER_THREADS", &n)],
        );
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = read_addr(&mut lines, "listening on ");
        let admin = read_addr(&mut lines, "admin listening on ");
        let mut conns = Vec::new();
        for _ in 0..2 * workers {
            // One at a time: each is counted before the next one arrives.
            let mut c = timed(tokio::net::TcpStream::connect(addr)).await.unwrap();
            assert_eq!(timed(exchange(&mut c, "/fast")).await, "HTTP/1.1 200 OK");
            conns.push(c);
        }
        for c in &mut conns {
            assert_eq!(timed(exchange(c, "/fast")).await, "HTTP/1.1 200 OK");
        }
        let text = get(admin, "/metrics").await.text().to_owned();
        let gauges: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("gw_connections{"))
            .collect();
        let want: Vec<String> = (0..workers)
            .map(|i| format!(r#"gw_connections{{worker="{i}"}} 2"#))
            .collect();
        assert_eq!(gauges, want, "{text}");
        let served = 4 * workers;
        assert!(
            text.contains(&format!(
                r#"gw_requests_total{{endpoint="/fast",method="GET",status="200"}} {served}"#
            )),
            "{text}"
        );
        drop(conns);
        drop(child);
    }
}

/// 32 connections at once (whichever worker wins each accept) still end
/// up about half on each of 2 workers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_connections_is_spread_over_the_workers() {
    let (host, _log) = upstream(|_| Reply::json(r#"{"fast":1}"#)).await;
    let mut child = spawn_with(
        host,
        &["--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"],
        &[("TOKIO_WORKER_THREADS", "2")],
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = read_addr(&mut lines, "listening on ");
    let admin = read_addr(&mut lines, "admin listening on ");
    let opened: Vec<_> = (0..32)
        .map(|_| tokio::spawn(tokio::net::TcpStream::connect(addr)))
        .collect();
    let mut conns = Vec::new();
    for c in opened {
        conns.push(timed(c).await.unwrap().unwrap());
    }
    let answers: Vec<_> = conns
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                let status = exchange(&mut c, "/fast").await;
                (status, c)
            })
        })
        .collect();
    let mut conns = Vec::new();
    for a in answers {
        let (status, c) = timed(a).await.unwrap();
        assert_eq!(status, "HTTP/1.1 200 OK");
        conns.push(c);
    }
    let text = get(admin, "/metrics").await.text().to_owned();
    let per_worker: Vec<u64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("gw_connections{worker=\""))
        .filter_map(|l| l.split_once("\"} "))
        .map(|(_, n)| n.parse().unwrap())
        .collect();
    assert_eq!(per_worker.len(), 2, "{text}");
    assert_eq!(per_worker.iter().sum::<u64>(), 32, "{text}");
    assert!(
        per_worker.iter().all(|n| (14..=18).contains(n)),
        "{per_worker:?}"
    );
    drop(conns);
    drop(child);
}

#[test]
fn bad_arguments_exit_2_and_help_exits_0() {
    let out = Command::new(demo_bin()).arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument `--bogus`"));
    let out = Command::new(demo_bin()).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--listen HOST:PORT"));
}

#[test]
fn bind_failure_exits_1_without_panicking() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(demo_bin())
        .args(["--listen", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot listen on"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn gelf_flag_without_telemetry_gelf_exits_1() {
    let out = Command::new(demo_bin())
        .args(["--listen", "127.0.0.1:0", "--gelf", "127.0.0.1:12201"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`--gelf`: the gateway has no telemetry/gelf"),
        "{err}"
    );
}
