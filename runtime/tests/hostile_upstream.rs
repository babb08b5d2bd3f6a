//! Hostile or broken upstreams (issue 15's upstream findings): raw
//! `TcpListener`s on 127.0.0.1:0 writing exact bytes, and the bounded
//! answer the gateway gives for each. The tests run on tokio's
//! current-thread runtime: the gateway, the upstreams and the clients share
//! one thread, so work that never yields would stall all of them.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::future::Future;
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use gw_runtime::spec::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------------------
// Harness

/// Every log record of this test process, read from a syslog socket of its
/// own (the logger is one per process: each test installs it first).
fn log_records() -> &'static Mutex<Vec<String>> {
    static RECORDS: OnceLock<&'static Mutex<Vec<String>>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let records: &'static Mutex<Vec<String>> = leak(Mutex::new(Vec::new()));
        let dir = std::env::temp_dir().join(format!("gwc-hostile-upstream-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("log.sock");
        let _ = std::fs::remove_file(&path);
        let socket = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n) = socket.recv(&mut buf) {
                let line = String::from_utf8_lossy(&buf[..n]).into_owned();
                records.lock().unwrap().push(line);
            }
        });
        gw_runtime::telemetry::logging::install(
            &gw_runtime::telemetry::logging::Logging {
                stdout: false,
                syslog: Some(gw_runtime::telemetry::logging::Syslog {
                    priority: 8 * 16 + 3,
                }),
                ..gw_runtime::telemetry::logging::Logging::BASIC
            },
            path.to_str(),
        );
        records
    })
}

/// The bomb tests measure the process's peak memory: one at a time.
static BOMBS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Reads one request head (up to the blank line); `None` at EOF.
async fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte).await {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// An upstream that hands each request head to `serve` with its
/// connection; `serve` writes the answer and gives the connection back to
/// keep it (another head is read) or `None` to close it. Returns the host
/// and the number of connections accepted.
async fn raw_upstream<F, Fut>(serve: F) -> (&'static str, Arc<AtomicUsize>)
where
    F: Fn(TcpStream, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<TcpStream>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    let serve = Arc::new(serve);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let serve = Arc::clone(&serve);
            tokio::spawn(async move {
                while let Some(head) = read_head(&mut stream).await {
                    match serve(stream, head).await {
                        Some(s) => stream = s,
                        None => return,
                    }
                }
            });
        }
    });
    (leak_str(format!("http://{addr}")), accepted)
}

/// An upstream writing `bytes` for every request, then closing.
async fn canned(bytes: Vec<u8>) -> &'static str {
    let bytes = Arc::new(bytes);
    raw_upstream(move |mut s, _| {
        let bytes = Arc::clone(&bytes);
        async move {
            let _ = s.write_all(&bytes).await;
            let _ = s.shutdown().await;
            None
        }
    })
    .await
    .0
}

/// A GET endpoint `path` calling `/x` on `host`.
fn ep(path: &'static str, host: &'static str, noop: bool, timeout_ms: u64) -> Endpoint {
    ep_capped(path, host, noop, timeout_ms, None)
}

/// [`ep`], with the backend's `gwc/http-client.max_response_bytes` set
/// when `max_response_bytes` is.
fn ep_capped(
    path: &'static str,
    host: &'static str,
    noop: bool,
    timeout_ms: u64,
    max_response_bytes: Option<u64>,
) -> Endpoint {
    let mut b = backend(host, leak_slice(vec![UrlPiece::Literal("/x")]));
    if let Some(max_response_bytes) = max_response_bytes {
        b.lb = Some(leak(PoolPolicy {
            algorithm: Algorithm::RoundRobin,
            hosts: leak_slice(vec![HostPolicy {
                name: host,
                weight: 1,
                backup: false,
                http: HttpOptions {
                    max_response_bytes,
                    ..HttpOptions::DEFAULT
                },
                active: None,
            }]),
            schedule: &[],
            backup_schedule: &[],
            all_unhealthy: AllUnhealthy::FailOpen,
            passive: None,
            failover: None,
            debug_headers: false,
        }));
    }
    if noop {
        b.encoding = Encoding::NoOp;
    }
    let mut e = endpoint(
        Method::Get,
        path,
        leak_slice(vec![Segment::Static(&path[1..])]),
        &[],
        vec![b],
    );
    if noop {
        e.output = OutputEncoding::NoOp;
    }
    e.timeout_ms = timeout_ms;
    e.input_query_strings = Forward::All;
    e
}

/// Sends `raw` on a new connection and reads until the gateway closes it
/// (bounded).
async fn raw_exchange(addr: std::net::SocketAddr, raw: &[u8]) -> Vec<u8> {
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(raw).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(WAIT, c.read_to_end(&mut buf))
        .await
        .expect("the gateway did not close the connection");
    buf
}

/// One GET with `Connection: close`, raw.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    let raw = format!("GET {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    String::from_utf8_lossy(&raw_exchange(addr, raw.as_bytes()).await).into_owned()
}

/// 1 GiB of zeros as 1024 gzip members of 1 MiB each (a gzip body may
/// hold several members; Go's reader and gwc read them all): about 1 MB.
fn gzip_bomb() -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![0u8; 1 << 20]).unwrap();
    let member = enc.finish().unwrap();
    member.repeat(1024)
}

fn bomb_reply(bomb: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        bomb.len()
    )
    .into_bytes();
    r.extend_from_slice(bomb);
    r
}

/// The process's peak resident set (`VmHWM`), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The bound the bomb tests hold the whole test process to: the tests'
/// own baseline plus a few capped (64 MiB) bodies. Before the cap one bomb
/// took 2 GB.
const PEAK_RSS_BOUND: u64 = 640 << 20;

// ---------------------------------------------------------------------------
// Response-body cap and gzip bombs

/// A 1 MB gzip reply inflating to 1 GiB: the decoded backend stops at its
/// cap (64 MiB by default) and fails, a 502 for the endpoint's lone
/// backend, well within the endpoint's 3 s, and memory stays bounded.
#[tokio::test]
async fn a_gzip_bomb_is_a_502_within_the_deadline_in_bounded_memory() {
    let _records = log_records();
    let _one = BOMBS.lock().await;
    let bomb = gzip_bomb();
    assert!(bomb.len() < 1_200_000, "{}", bomb.len());
    let h = canned(bomb_reply(&bomb)).await;
    let gw = start(gateway(vec![ep("/bomb", h, false, 3000)])).await;
    let t0 = Instant::now();
    let r = get(gw.addr, "/bomb").await;
    let took = t0.elapsed();
    assert_eq!(r.status, 502, "{}", r.text());
    assert!(took < Duration::from_millis(3000 + 1000), "{took:?}");
    if let Some(peak) = peak_rss() {
        assert!(peak < PEAK_RSS_BOUND, "peak RSS {} MiB", peak >> 20);
    }
}

/// Two bombs at once do not stall a normal request on another endpoint:
/// the gunzip yields between steps of about 1 MiB, and everything here
/// shares one thread.
#[tokio::test]
async fn two_gzip_bombs_do_not_stall_another_endpoint() {
    let _records = log_records();
    let _one = BOMBS.lock().await;
    let bomb = gzip_bomb();
    let h = canned(bomb_reply(&bomb)).await;
    let (ok, _) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let gw = start(gateway(vec![
        ep("/bomb", h, false, 3000),
        ep("/ok", ok, false, 3000),
    ]))
    .await;
    let addr = gw.addr;
    let bombs: Vec<_> = (0..2)
        .map(|_| {
            tokio::spawn(async move {
                let t0 = Instant::now();
                let r = get(addr, "/bomb").await;
                (r.status, t0.elapsed())
            })
        })
        .collect();
    // Let both bombs start inflating.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let t0 = Instant::now();
    let r = get(addr, "/ok").await;
    let normal = t0.elapsed();
    assert_eq!(r.status, 200);
    for b in bombs {
        let (status, took) = b.await.unwrap();
        assert_eq!(status, 502);
        assert!(took < Duration::from_millis(3000 + 1000), "{took:?}");
    }
    // Not a speed figure: before the fix the normal request waited for
    // both bombs to inflate whole (seconds); now it interleaves with them.
    assert!(normal < Duration::from_millis(1500), "{normal:?}");
    if let Some(peak) = peak_rss() {
        assert!(peak < PEAK_RSS_BOUND, "peak RSS {} MiB", peak >> 20);
    }
}

/// An endless chunked reply: cut by the cap when it comes fast (502), by
/// the endpoint deadline when it trickles (the timeout's 500), and the
/// upstream sees its connection closed either way.
#[tokio::test]
async fn an_endless_chunked_reply_is_cut_by_the_cap_or_the_deadline() {
    let _records = log_records();
    let endless = |pause: Duration| {
        let closed = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&closed);
        let serve = move |mut s: TcpStream, _head: String| {
            let c = Arc::clone(&c);
            async move {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                if s.write_all(head.as_bytes()).await.is_err() {
                    return None;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, " ".repeat(16 * 1024));
                let t0 = Instant::now();
                while t0.elapsed() < WAIT {
                    if s.write_all(chunk.as_bytes()).await.is_err() {
                        c.fetch_add(1, Ordering::SeqCst);
                        return None;
                    }
                    if !pause.is_zero() {
                        tokio::time::sleep(pause).await;
                    }
                }
                None
            }
        };
        (closed, serve)
    };
    // Fast: the cap (1 MiB here) cuts it.
    let (closed_fast, serve) = endless(Duration::ZERO);
    let (fast, _) = raw_upstream(serve).await;
    // Slow: 16 KiB every 20 ms never reaches 64 MiB in 600 ms.
    let (closed_slow, serve) = endless(Duration::from_millis(20));
    let (slow, _) = raw_upstream(serve).await;
    let gw = start(gateway(vec![
        ep_capped("/fast", fast, false, 3000, Some(1 << 20)),
        ep("/slow", slow, false, 600),
    ]))
    .await;
    let t0 = Instant::now();
    let r = get(gw.addr, "/fast").await;
    assert_eq!(r.status, 502);
    assert!(
        t0.elapsed() < Duration::from_millis(3000),
        "{:?}",
        t0.elapsed()
    );
    let t0 = Instant::now();
    let r = get(gw.addr, "/slow").await;
    let took = t0.elapsed();
    assert_eq!(r.status, 500);
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_millis(600 + 1000), "{took:?}");
    // Both upstreams find their connection closed (bounded wait).
    let t0 = Instant::now();
    while (closed_fast.load(Ordering::SeqCst) == 0 || closed_slow.load(Ordering::SeqCst) == 0)
        && t0.elapsed() < WAIT
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(closed_fast.load(Ordering::SeqCst), 1);
    assert_eq!(closed_slow.load(Ordering::SeqCst), 1);
}

/// A plain body over the cap (with a length, or chunked) is a 502; the next
/// request is served, on a new upstream connection: the one holding the
/// unread rest was closed, not pooled.
#[tokio::test]
async fn an_oversize_body_is_a_502_and_its_connection_is_not_reused() {
    let _records = log_records();
    let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(100 * 1024));
    let (h, accepted) = raw_upstream(move |mut s, head| {
        let big = big.clone();
        async move {
            let answer = if head.starts_with("GET /x?big=length ") {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{big}",
                    big.len()
                )
            } else if head.starts_with("GET /x?big=chunked ") {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
                    big.len()
                )
            } else {
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
                    .to_owned()
            };
            s.write_all(answer.as_bytes()).await.ok()?;
            Some(s)
        }
    })
    .await;
    let gw = start(gateway(vec![ep_capped(
        "/c",
        h,
        false,
        3000,
        Some(64 * 1024),
    )]))
    .await;
    // Served and pooled: one connection.
    assert_eq!(get(gw.addr, "/c").await.status, 200);
    assert_eq!(get(gw.addr, "/c").await.status, 200);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    for (i, big) in ["length", "chunked"].into_iter().enumerate() {
        let r = get(gw.addr, &format!("/c?big={big}")).await;
        assert_eq!(r.status, 502, "{big}: {:.200}", r.text());
        let r = get(gw.addr, "/c").await;
        assert_eq!(r.status, 200, "{big}");
        assert_eq!(r.text(), r#"{"ok":true}"#);
        // The refused answer's connection was closed: a new one served.
        assert_eq!(accepted.load(Ordering::SeqCst), 2 + i, "{big}");
    }
}

/// `gwc/server.max_buffered_responses` bounds what backend bodies being
/// read whole hold at once, over every request: while one slow answer holds
/// 5 MiB of an 8 MiB budget, a 4 MiB answer elsewhere is a 502 (its
/// connection closed) and a small one is served; once the slow one ends
/// (200, its body whole) the budget is back and the 4 MiB answer is
/// served. Ten gzip bombs at once (each would reach its 64 MiB cap) with
/// the default 64 MiB budget all fail, within the endpoint's deadline.
#[tokio::test]
async fn the_buffered_response_budget_is_shared_by_every_request() {
    let _records = log_records();
    let _one = BOMBS.lock().await;
    const MIB: usize = 1024 * 1024;
    let release = Arc::new(tokio::sync::Notify::new());
    let release_up = Arc::clone(&release);
    let (h, accepted) = raw_upstream(move |mut s, head| {
        let release = Arc::clone(&release_up);
        async move {
            let size = if head.starts_with("GET /x?size=slow ") {
                5 * MIB
            } else if head.starts_with("GET /x?size=4 ") {
                4 * MIB
            } else {
                0
            };
            let body = format!(r#"{{"a":"{}"}}"#, "x".repeat(size));
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            s.write_all(answer.as_bytes()).await.ok()?;
            if size == 5 * MIB {
                // All but the last 100 bytes, then wait.
                s.write_all(&body.as_bytes()[..body.len() - 100])
                    .await
                    .ok()?;
                release.notified().await;
                s.write_all(&body.as_bytes()[body.len() - 100..])
                    .await
                    .ok()?;
            } else {
                s.write_all(body.as_bytes()).await.ok()?;
            }
            Some(s)
        }
    })
    .await;
    let gw = start(Gateway {
        server: ServerOptions {
            max_buffered_responses: 8 * MIB as u64,
            ..ServerOptions::DEFAULT
        },
        ..gateway(vec![ep("/c", h, false, 10_000)])
    })
    .await;
    let addr = gw.addr;
    let slow = tokio::spawn(async move { get(addr, "/c?size=slow").await });
    // Once the slow body is nearly all read (asked again until then,
    // bounded), the 4 MiB answer does not fit.
    let t0 = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let r = get(gw.addr, "/c?size=4").await;
        if r.status == 502 {
            break;
        }
        assert_eq!(r.status, 200, "{:.200}", r.text());
        assert!(t0.elapsed() < Duration::from_secs(5), "never refused");
    }
    assert_eq!(get(gw.addr, "/c").await.status, 200, "a small answer fits");
    // The log line arrives over a socket: bounded wait.
    let t0 = Instant::now();
    while !log_records()
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("max_buffered_responses (8388608 bytes)"))
    {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "no log line names the budget: {:?}",
            log_records().lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    release.notify_one();
    let r = tokio::time::timeout(Duration::from_secs(10), slow)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.text().len(), 5 * MIB + 8);
    let r = get(gw.addr, "/c?size=4").await;
    assert_eq!(r.status, 200, "the budget came back");
    assert_eq!(r.text().len(), 4 * MIB + 8);
    assert!(
        accepted.load(Ordering::SeqCst) >= 2,
        "the refused answer's connection was closed"
    );

    // Ten bombs at once against the default budget.
    let bomb = bomb_reply(&gzip_bomb());
    let hb = canned(bomb).await;
    let gw = start(gateway(vec![ep("/bomb", hb, false, 3000)])).await;
    let t0 = Instant::now();
    let answers: Vec<_> = (0..10)
        .map(|_| {
            let addr = gw.addr;
            tokio::spawn(async move { get(addr, "/bomb").await.status })
        })
        .collect();
    for a in answers {
        assert_eq!(a.await.unwrap(), 502);
    }
    assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
    if let Some(peak) = peak_rss() {
        assert!(peak < PEAK_RSS_BOUND, "peak RSS {} MiB", peak >> 20);
    }
}

// ---------------------------------------------------------------------------
// Framing and 1xx

/// `Content-Length` with `Transfer-Encoding: chunked`: hyper reads the
/// chunks but keeps both headers; the gateway refuses the answer, on a
/// no-op endpoint (where the client got a complete-looking 1-byte body) and
/// on a JSON one.
#[tokio::test]
async fn content_length_with_transfer_encoding_is_a_502() {
    let _records = log_records();
    let h = canned(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n\
          b\r\n{\"ok\":true}\r\n0\r\n\r\n"
            .to_vec(),
    )
    .await;
    let gw = start(gateway(vec![
        ep("/noop", h, true, 3000),
        ep("/json", h, false, 3000),
    ]))
    .await;
    for path in ["/noop", "/json"] {
        let answer = raw_get(gw.addr, path).await;
        assert!(answer.starts_with("HTTP/1.1 502 "), "{path}: {answer}");
        assert!(!answer.contains("{\"ok\":true}"), "{path}: {answer}");
    }
}

/// Two `Content-Length`s that differ (two headers, or one list): a 502.
#[tokio::test]
async fn differing_content_lengths_are_a_502() {
    let _records = log_records();
    let two = canned(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nContent-Length: 2\r\n\r\n{\"ok\":true}"
            .to_vec(),
    )
    .await;
    let list = canned(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11, 2\r\n\r\n{\"ok\":true}"
            .to_vec(),
    )
    .await;
    let same = canned(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
            .to_vec(),
    )
    .await;
    let gw = start(gateway(vec![
        ep("/two", two, true, 3000),
        ep("/list", list, false, 3000),
        ep("/same", same, false, 3000),
    ]))
    .await;
    for path in ["/two", "/list"] {
        let answer = raw_get(gw.addr, path).await;
        assert!(answer.starts_with("HTTP/1.1 502 "), "{path}: {answer}");
    }
    // Equal values are one length (RFC 9110 §8.6).
    let answer = raw_get(gw.addr, "/same").await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(answer.ends_with("{\"ok\":true}"), "{answer}");
}

/// A `101 Switching Protocols` to a GET that asked for no upgrade: a 502,
/// not forwarded.
#[tokio::test]
async fn an_unsolicited_101_is_a_502() {
    let _records = log_records();
    let h = canned(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nraw bytes of another protocol"
            .to_vec(),
    )
    .await;
    let gw = start(gateway(vec![
        ep("/noop", h, true, 3000),
        ep("/json", h, false, 3000),
    ]))
    .await;
    for path in ["/noop", "/json"] {
        let answer = raw_get(gw.addr, path).await;
        assert!(answer.starts_with("HTTP/1.1 502 "), "{path}: {answer}");
        assert!(!answer.contains("101"), "{path}: {answer}");
    }
}

/// Informational answers before the final one (100, 102, 103) are dropped:
/// the client gets the 200 alone (RFC 9110 §15.2). hyper's client already
/// skips them; this pins it.
#[tokio::test]
async fn interim_1xx_answers_are_dropped_and_the_final_one_forwarded() {
    let _records = log_records();
    let h = canned(
        b"HTTP/1.1 100 Continue\r\n\r\n\
          HTTP/1.1 102 Processing\r\n\r\n\
          HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n\
          HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
            .to_vec(),
    )
    .await;
    let gw = start(gateway(vec![
        ep("/noop", h, true, 3000),
        ep("/json", h, false, 3000),
    ]))
    .await;
    for path in ["/noop", "/json"] {
        let answer = raw_get(gw.addr, path).await;
        assert!(
            answer.starts_with("HTTP/1.1 200 OK\r\n"),
            "{path}: {answer}"
        );
        assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{path}: {answer}");
        assert!(
            !answer.to_ascii_lowercase().contains("link:"),
            "{path}: {answer}"
        );
        assert!(answer.ends_with("{\"ok\":true}"), "{path}: {answer}");
    }
}

// ---------------------------------------------------------------------------
// Streamed responses and request bodies

/// An upstream that dies in the middle of a no-op body: the client's
/// connection is cut (no complete-looking body), the gateway logs a line
/// naming the endpoint and counts it in `gwc_stream_failures_total`.
#[tokio::test]
async fn an_upstream_dying_mid_stream_is_logged_and_counted() {
    let records = log_records();
    let h = canned(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n{}",
            "a".repeat(1000)
        )
        .into_bytes(),
    )
    .await;
    let spec = leak(gateway(vec![ep("/dies", h, true, 3000)]));
    let before = gw_runtime::body::stream_failures();
    let gw = start(gateway(vec![ep("/dies", h, true, 3000)])).await;
    let answer = raw_get(gw.addr, "/dies").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    assert!(body.len() < 100_000, "{}", body.len());
    // The log line, written by the log thread (bounded wait).
    let t0 = Instant::now();
    let found = loop {
        let line = records
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains("[ENDPOINT: /dies] streaming the backend response failed"))
            .cloned();
        if line.is_some() || t0.elapsed() > WAIT {
            break line;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let line = found.expect("no log line for the cut stream");
    assert!(line.contains("ERROR"), "{line}");
    assert!(gw_runtime::body::stream_failures() > before);
    // The admin `/metrics` series.
    let state = gw_runtime::state::Gw::build(spec).unwrap();
    let metrics = gw_runtime::metrics::render(&state);
    let series = metrics
        .lines()
        .find(|l| l.starts_with("gwc_stream_failures_total "))
        .unwrap_or_else(|| panic!("{metrics}"));
    let n: u64 = series["gwc_stream_failures_total ".len()..]
        .parse()
        .unwrap();
    assert!(n > before, "{series}");
}

/// A chunked request body on a GET reaches the (lone) backend, streamed,
/// on a JSON and on a no-op endpoint.
#[tokio::test]
async fn a_chunked_get_body_reaches_the_backend() {
    let _records = log_records();
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let gw = start(gateway(vec![
        ep("/json", h, false, 3000),
        ep("/noop", h, true, 3000),
    ]))
    .await;
    for path in ["/json", "/noop"] {
        let raw = format!(
            "GET {path} HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
             5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        );
        let answer =
            String::from_utf8_lossy(&raw_exchange(gw.addr, raw.as_bytes()).await).into_owned();
        assert!(
            answer.starts_with("HTTP/1.1 200 OK\r\n"),
            "{path}: {answer}"
        );
        let seen = log
            .lock()
            .unwrap()
            .pop()
            .expect("the backend was not called");
        assert_eq!(seen.method, "GET");
        assert_eq!(&seen.body[..], b"hello world", "{path}");
    }
}

/// An upstream answer the own HTTP/1.1 client refuses (`Content-Length`
/// with `Transfer-Encoding`) is a `reset`-class failure like hyper's
/// errors: the failover loop retries it on the next host, and passive
/// health counts it, so the refusing host is ejected after one failure and
/// not called again.
#[tokio::test]
async fn a_framing_reject_fails_over_and_ejects_the_host() {
    let _records = log_records();
    let (bad, bad_calls) = raw_upstream(|mut s, _| async move {
        let _ = s
            .write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n",
            )
            .await;
        Some(s)
    })
    .await;
    let (good, _) = raw_upstream(|mut s, _| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"ok\":1}")
            .await;
        Some(s)
    })
    .await;
    let host = |name: &'static str| HostPolicy {
        name,
        weight: 1,
        backup: false,
        http: HttpOptions::DEFAULT,
        active: None,
    };
    let reset = FailureClasses(FailureClasses::RESET);
    let mut b = backend(bad, leak_slice(vec![UrlPiece::Literal("/x")]));
    b.hosts = leak_slice(vec![bad, good]);
    b.lb = Some(leak(PoolPolicy {
        algorithm: Algorithm::RoundRobin,
        hosts: leak_slice(vec![host(bad), host(good)]),
        schedule: &[],
        backup_schedule: &[],
        all_unhealthy: AllUnhealthy::FailOpen,
        passive: Some(PassiveCheck {
            consecutive_failures: 1,
            failure_on: reset,
            ejection_time_ms: 60_000,
            max_ejection_time_ms: 60_000,
            max_ejection_percent: 50,
        }),
        failover: Some(Failover {
            max_attempts: 2,
            retry_on: reset,
            ..Failover::DEFAULT
        }),
        debug_headers: false,
    }));
    let mut e = endpoint(
        Method::Get,
        "/pool",
        leak_slice(vec![Segment::Static("pool")]),
        &[],
        vec![b],
    );
    e.timeout_ms = 3000;
    let gw = start(gateway(vec![e])).await;
    for i in 0..6 {
        let answer = raw_get(gw.addr, "/pool").await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{i}: {answer}");
        assert!(answer.ends_with(r#"{"ok":1}"#), "{i}: {answer}");
    }
    assert_eq!(bad_calls.load(Ordering::SeqCst), 1);
}
