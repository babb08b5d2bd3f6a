//! `gw_runtime::serve_workers`, the worker model a built binary runs, in
//! process: it serves from several threads until told to stop, drains an
//! in-flight request, and a start-up failure leaves nothing serving.
//!
//! Its own test binary: `serve_workers` sets the process-wide worker count.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use gw_runtime::spec::*;
use gw_runtime::state::Gw;

const WORKERS: usize = 2;

/// A gateway on 127.0.0.1:0 with `GET /slow` (the upstream answers after
/// 300 ms) and `GET /fast`, served by `serve_workers` on a thread of its
/// own. Returns the address, the stop switch, the state `ready` was given
/// and the serving thread.
async fn serve(
    ready_fails: bool,
) -> (
    std::net::SocketAddr,
    tokio::sync::watch::Sender<bool>,
    std::sync::mpsc::Receiver<Arc<Gw>>,
    std::thread::JoinHandle<Result<ExitCode, String>>,
) {
    let (h, _log) = upstream(|seen| {
        let r = Reply::json(r#"{"ok":true}"#);
        if seen.uri == "/slow" {
            r.delay(Duration::from_millis(300))
        } else {
            r
        }
    })
    .await;
    let slow = endpoint(
        Method::Get,
        "/slow",
        &[Segment::Static("slow")],
        &[],
        vec![backend(h, &[UrlPiece::Literal("/slow")])],
    );
    let fast = endpoint(
        Method::Get,
        "/fast",
        &[Segment::Static("fast")],
        &[],
        vec![backend(h, &[UrlPiece::Literal("/fast")])],
    );
    let spec = leak(gateway(vec![slow, fast]));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (gw_tx, gw_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        gw_runtime::serve_workers(spec, listener, None, WORKERS, stop_rx, move |gw| {
            if ready_fails {
                return Err("not ready".into());
            }
            gw_tx.send(Arc::clone(gw)).map_err(|e| e.to_string())
        })
    });
    (addr, stop_tx, gw_rx, thread)
}

/// Waits (bounded) for the serving thread to return.
async fn joined(
    thread: std::thread::JoinHandle<Result<ExitCode, String>>,
) -> Result<ExitCode, String> {
    let joined = tokio::task::spawn_blocking(move || thread.join());
    tokio::time::timeout(Duration::from_secs(10), joined)
        .await
        .expect("serve_workers did not return within 10 s")
        .unwrap()
        .expect("serve_workers panicked")
}

#[tokio::test]
async fn serves_from_every_worker_then_drains_an_in_flight_request_on_stop() {
    let (addr, stop, gw, thread) = serve(false).await;
    let gw = tokio::task::spawn_blocking(move || gw.recv_timeout(Duration::from_secs(10)))
        .await
        .unwrap()
        .expect("ready was not called");

    // Connections opened one at a time go to the less busy worker, so two
    // kept open land one on each.
    let mut open = Vec::new();
    for _ in 0..WORKERS {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert_eq!(keep_alive_get(&mut s, "/fast").await, 200);
        open.push(s);
    }
    let per_worker: Vec<usize> = (0..WORKERS)
        .map(|w| {
            gw.connections
                .at(w)
                .load(std::sync::atomic::Ordering::Relaxed)
        })
        .collect();
    assert_eq!(per_worker, vec![1; WORKERS], "connections per worker");

    // A request in flight when the stop comes is answered, then it returns.
    let in_flight = tokio::spawn(timed(get(addr, "/slow")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(true).unwrap();
    let r = in_flight.await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"ok": true}));
    drop(open);
    assert_eq!(joined(thread).await, Ok(ExitCode::SUCCESS));
    // Nothing listens any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// A connection accepted before the stop whose first request arrives after
/// the drain's 500 ms grace (a client slow to send, or a process too busy
/// to read it: the upgrade bench under load) is still answered, with
/// `Connection: close`; hyper's graceful shutdown alone would close it
/// unanswered.
#[tokio::test]
async fn a_connection_accepted_before_the_stop_gets_its_first_request_answered() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (addr, stop, gw, thread) = serve(false).await;
    tokio::task::spawn_blocking(move || gw.recv_timeout(Duration::from_secs(10)))
        .await
        .unwrap()
        .expect("ready was not called");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Accepted by a worker, silent so far.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(true).unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    s.write_all(b"GET /fast HTTP/1.1\r\nHost: gw\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    timed(s.read_to_end(&mut got)).await.unwrap();
    let got = String::from_utf8_lossy(&got).to_lowercase();
    assert!(got.starts_with("http/1.1 200"), "{got}");
    assert!(got.contains("connection: close"), "{got}");
    assert_eq!(joined(thread).await, Ok(ExitCode::SUCCESS));
}

#[tokio::test]
async fn a_failing_ready_returns_its_error_and_serves_nothing() {
    let (addr, _stop, gw, thread) = serve(true).await;
    assert_eq!(joined(thread).await, Err("not ready".to_owned()));
    assert!(gw.try_recv().is_err());
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// One `GET` on a kept-open connection; returns the status.
async fn keep_alive_get(s: &mut tokio::net::TcpStream, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let req = format!("GET {path} HTTP/1.1\r\nHost: gw\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // The answer is small: read until the head and the declared body are in.
    timed(async {
        loop {
            let n = s.read(&mut chunk).await.unwrap();
            assert!(n > 0, "connection closed");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf);
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    return text[9..12].parse::<u16>().unwrap();
                }
            }
        }
    })
    .await
}
