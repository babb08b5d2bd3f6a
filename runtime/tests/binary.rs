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

fn spawn(upstream: &str, args: &[&str]) -> Child {
    Command::new(demo_bin())
        .args(args)
        .env("GW_DEMO_UPSTREAM", upstream)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
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
    let (status, mut child) = tokio::task::spawn_blocking(move || (wait_exit(&mut child), child))
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    // One structured access-log line per request, on stderr.
    let mut log_text = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log_text).unwrap();
    let fast_line = log_text
        .lines()
        .find(|l| l.contains(r#"path="/fast""#))
        .unwrap_or_else(|| panic!("{log_text}"));
    assert!(
        fast_line.contains("level=info msg=request method=GET"),
        "{fast_line}"
    );
    assert!(fast_line.contains("status=200"), "{fast_line}");
    assert!(fast_line.contains("completed=true"), "{fast_line}");
    assert!(fast_line.contains("duration_ms="), "{fast_line}");
    assert!(
        log_text
            .lines()
            .any(|l| l.contains(r#"path="/slow""#) && l.contains("status=200")),
        "{log_text}"
    );
    // Nothing listens any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
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
