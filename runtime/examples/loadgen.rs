//! Load and attack traffic for the bench scripts (a tool, not a test):
//! `bench/upgrade.sh` and `bench/hostile.sh` drive it. Every mode talks
//! HTTP/1.1 over raw sockets on the address it is given and prints one JSON
//! line of counts when it ends.
//!
//! - `upstream PORTFILE`: a keep-alive upstream on 127.0.0.1:0 (its port
//!   written to PORTFILE). `GET /bomb` answers a gzip bomb (about 1 MB that
//!   inflates to 1 GiB of JSON-looking bytes); every other request answers
//!   `{"fast":1}`.
//! - `rate ADDR PATH RATE SECONDS`: open loop, RATE requests a second for
//!   SECONDS, one new connection per request (`Connection: close`), no
//!   retries. Counts 2xx, other statuses, refused connections, resets, cut
//!   answers (closed before the whole body), timeouts (5 s); the
//!   `X-KrakenD` values answered; latency percentiles.
//! - `steady ADDR PATH RATE SECONDS CONNS`: the normal load of
//!   `bench/hostile.sh`: CONNS keep-alive connections, opened first, that
//!   together send RATE requests a second for SECONDS on a fixed schedule
//!   (open loop per connection). A request's latency counts from the time it
//!   was due, not from when it was sent, so a stall delays every request
//!   behind it (no coordinated omission, as wrk2). Prints percentiles, the
//!   errors, and the p99 of each second (to see when a tail happened).
//! - `slowloris ADDR N GAP_MS SECONDS`: N connections opened at up to 2,000
//!   a second, each sending an endless request head one byte every GAP_MS.
//!   For each, the time from its connect to the gateway closing it; counts
//!   the ones answered (a 503 past the connection cap) and the ones still
//!   open after SECONDS.
//! - `idle ADDR PATH N SECONDS`: N connections that each send one
//!   keep-alive request, read the answer and then stay silent. For each,
//!   the time from its answer to the gateway closing it; counts the ones
//!   still open after SECONDS.
//! - `get ADDR PATH N`: N requests, N at once, one connection each;
//!   statuses and times (the bomb requests of `bench/hostile.sh`).
//!
//! `cargo run --release -p gw-runtime --example loadgen -- rate 127.0.0.1:8080 /fast 2000 30`
#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_secs(5);
const OPEN_RATE: u64 = 2000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let usage = "loadgen upstream PORTFILE | rate ADDR PATH RATE SECONDS | steady ADDR PATH RATE SECONDS CONNS | slowloris ADDR N GAP_MS SECONDS | idle ADDR PATH N SECONDS | get ADDR PATH N";
    let arg = |i: usize| -> &str {
        args.get(i)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{usage}"))
    };
    let num = |i: usize| -> u64 { arg(i).parse().unwrap_or_else(|_| panic!("{usage}")) };
    let out = match arg(0) {
        "upstream" => rt.block_on(upstream(arg(1).to_owned())),
        "rate" => rt.block_on(rate(addr(arg(1)), arg(2).to_owned(), num(3), num(4))),
        "steady" => rt.block_on(steady(
            addr(arg(1)),
            arg(2).to_owned(),
            num(3),
            num(4),
            num(5),
        )),
        "slowloris" => rt.block_on(slowloris(addr(arg(1)), num(2), num(3), num(4))),
        "idle" => rt.block_on(idle(addr(arg(1)), arg(2).to_owned(), num(3), num(4))),
        "get" => rt.block_on(get(addr(arg(1)), arg(2).to_owned(), num(3))),
        _ => panic!("{usage}"),
    };
    println!("{out}");
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap_or_else(|_| panic!("not an address: {s}"))
}

// ---------------------------------------------------------------- upstream

/// About 1 MB of gzip that inflates to 1 GiB: one member over 1 MiB of
/// spaces, repeated (a gzip stream may hold several members).
fn bomb() -> Vec<u8> {
    use flate2::{Compression, write::GzEncoder};
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    let mib = vec![b' '; 1 << 20];
    enc.write_all(b"[").unwrap();
    enc.write_all(&mib).unwrap();
    let member = enc.finish().unwrap();
    member.repeat(1024)
}

async fn upstream(portfile: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    std::fs::write(&portfile, port.to_string()).unwrap();
    let fast: &'static [u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"fast\":1}";
    let bomb = bomb();
    let mut head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        bomb.len()
    )
    .into_bytes();
    head.extend_from_slice(&bomb);
    let bomb: &'static [u8] = Box::leak(head.into_boxed_slice());
    loop {
        let Ok((mut c, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let _ = c.set_nodelay(true);
            let mut buf = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
            loop {
                // One request head at a time; bodies are not expected.
                let end = loop {
                    if let Some(i) = find(&buf, b"\r\n\r\n") {
                        break i + 4;
                    }
                    match c.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    if buf.len() > 64 * 1024 {
                        return;
                    }
                };
                let reply = if buf.starts_with(b"GET /bomb ") {
                    bomb
                } else {
                    fast
                };
                buf.drain(..end);
                if c.write_all(reply).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------- rate

#[derive(Default)]
struct Counts {
    sent: AtomicU64,
    ok: AtomicU64,
    other_status: AtomicU64,
    refused: AtomicU64,
    reset: AtomicU64,
    cut: AtomicU64,
    timeouts: AtomicU64,
    other: AtomicU64,
}

/// One `Connection: close` exchange: the status, the `X-KrakenD` value and
/// whether the body was whole, or the failure's class.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Result<(u16, String), &'static str> {
    let mut c = match TcpStream::connect(addr).await {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return Err("refused"),
        Err(_) => return Err("other"),
    };
    let io_class = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::BrokenPipe
        | std::io::ErrorKind::ConnectionAborted => "reset",
        _ => "other",
    };
    c.write_all(request).await.map_err(io_class)?;
    let mut buf = Vec::with_capacity(1024);
    c.read_to_end(&mut buf).await.map_err(io_class)?;
    let Some(end) = find(&buf, b"\r\n\r\n") else {
        return Err("cut");
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).ok_or("cut")?;
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let body = &buf[end + 4..];
    let whole = match header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(len) => body.len() == len,
        None => header("transfer-encoding").is_none_or(|_| body.ends_with(b"0\r\n\r\n")),
    };
    if !whole {
        return Err("cut");
    }
    Ok((status, header("x-krakend").unwrap_or_default()))
}

fn percentiles(mut v: Vec<f64>) -> serde_json::Value {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        (v[i] * 100.0).round() / 100.0
    };
    serde_json::json!({"n": v.len(), "min": at(0.0), "p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "p999": at(0.999), "max": at(1.0)})
}

async fn rate(addr: SocketAddr, path: String, rate: u64, seconds: u64) -> String {
    let counts = Arc::new(Counts::default());
    let versions = Arc::new(std::sync::Mutex::new(BTreeMap::<String, u64>::new()));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let request: &'static [u8] = Box::leak(
        format!("GET {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
            .into_bytes()
            .into_boxed_slice(),
    );
    let start = Instant::now();
    let total = rate * seconds;
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        // Open loop: request i starts at i / rate seconds, whatever the
        // earlier ones are doing.
        let due = start + Duration::from_nanos(i * 1_000_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (counts, versions, latencies) = (counts.clone(), versions.clone(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            counts.sent.fetch_add(1, Ordering::Relaxed);
            let t0 = Instant::now();
            match tokio::time::timeout(TIMEOUT, exchange(addr, request)).await {
                Err(_) => counts.timeouts.fetch_add(1, Ordering::Relaxed),
                Ok(Ok((status, version))) => {
                    latencies
                        .lock()
                        .unwrap()
                        .push(t0.elapsed().as_secs_f64() * 1000.0);
                    *versions.lock().unwrap().entry(version).or_default() += 1;
                    if (200..300).contains(&status) {
                        counts.ok.fetch_add(1, Ordering::Relaxed)
                    } else {
                        counts.other_status.fetch_add(1, Ordering::Relaxed)
                    }
                }
                Ok(Err("refused")) => counts.refused.fetch_add(1, Ordering::Relaxed),
                Ok(Err("reset")) => counts.reset.fetch_add(1, Ordering::Relaxed),
                Ok(Err("cut")) => counts.cut.fetch_add(1, Ordering::Relaxed),
                Ok(Err(_)) => counts.other.fetch_add(1, Ordering::Relaxed),
            };
        }));
    }
    let sending = start.elapsed().as_secs_f64();
    for t in tasks {
        let _ = t.await;
    }
    let c = |a: &AtomicU64| a.load(Ordering::Relaxed);
    serde_json::json!({
        "mode": "rate",
        "rate": rate,
        "seconds": seconds,
        "achieved_rate": (c(&counts.sent) as f64 / sending).round(),
        "sent": c(&counts.sent),
        "ok": c(&counts.ok),
        "other_status": c(&counts.other_status),
        "refused": c(&counts.refused),
        "reset": c(&counts.reset),
        "cut": c(&counts.cut),
        "timeouts": c(&counts.timeouts),
        "other": c(&counts.other),
        "versions": *versions.lock().unwrap(),
        "latency_ms": percentiles(std::mem::take(&mut *latencies.lock().unwrap())),
    })
    .to_string()
}

/// Reads one keep-alive answer (a head and a `Content-Length` body) off
/// `c`; `buf` keeps what follows it. The status, or `None` on a close or
/// an error.
async fn read_answer(c: &mut TcpStream, buf: &mut Vec<u8>) -> Option<u16> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(e) = find(buf, b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..e]).ok()?;
            let len = head
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= e + 4 + len {
                let status = head.get(9..12)?.parse().ok();
                buf.drain(..e + 4 + len);
                return status;
            }
        }
        match c.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn steady(addr: SocketAddr, path: String, rate: u64, seconds: u64, conns: u64) -> String {
    let request: &'static [u8] = Box::leak(
        format!("GET {path} HTTP/1.1\r\nHost: gw\r\n\r\n")
            .into_bytes()
            .into_boxed_slice(),
    );
    let mut open = Vec::new();
    for _ in 0..conns {
        open.push(TcpStream::connect(addr).await.unwrap());
    }
    let interval = Duration::from_nanos(conns * 1_000_000_000 / rate.max(1));
    let start = Instant::now() + Duration::from_millis(10);
    let end = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = open
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            let offset = interval * i as u32 / conns as u32;
            tokio::spawn(async move {
                // (second, latency in ms) of each answer; errors.
                let mut seen: Vec<(u64, f64)> = Vec::new();
                let (mut errors, mut statuses) = (0u64, 0u64);
                let mut buf = Vec::new();
                let mut due = start + offset;
                while due < end {
                    tokio::time::sleep_until(due.into()).await;
                    let answered = match c.write_all(request).await {
                        Ok(()) => tokio::time::timeout(TIMEOUT, read_answer(&mut c, &mut buf))
                            .await
                            .ok()
                            .flatten(),
                        Err(_) => None,
                    };
                    match answered {
                        Some(200) => seen.push((
                            (due - start).as_secs(),
                            due.elapsed().as_secs_f64() * 1000.0,
                        )),
                        Some(_) => statuses += 1,
                        None => {
                            errors += 1;
                            buf.clear();
                            match TcpStream::connect(addr).await {
                                Ok(n) => c = n,
                                Err(_) => break,
                            }
                        }
                    }
                    due += interval;
                }
                (seen, errors, statuses)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut per_second = vec![Vec::new(); seconds as usize + 1];
    let (mut errors, mut statuses) = (0, 0);
    for t in tasks {
        let (seen, e, s) = t.await.unwrap();
        errors += e;
        statuses += s;
        for (sec, ms) in seen {
            per_second[sec as usize].push(ms);
            all.push(ms);
        }
    }
    let p99_each_second: Vec<f64> = per_second
        .into_iter()
        .filter(|v| !v.is_empty())
        .map(|v| percentiles(v)["p99"].as_f64().unwrap_or(0.0))
        .collect();
    let n = all.len();
    serde_json::json!({
        "mode": "steady",
        "rate": rate,
        "achieved_rate": (n as f64 / seconds as f64).round(),
        "ok": n,
        "other_status": statuses,
        "errors": errors,
        "latency_ms": percentiles(all),
        "p99_each_second_ms": p99_each_second,
    })
    .to_string()
}

// ---------------------------------------------------------------- attacks

/// How one attacking connection ended.
enum Fate {
    /// Closed by the gateway after this long (from the mode's reference
    /// point), without an answer.
    Closed(f64),
    /// Answered (a 503 past the connection cap), then closed.
    Answered(u16),
    /// Still open when the run ended.
    Open,
    /// Could not connect.
    NoConnect,
}

fn fates_json(mode: &str, fates: Vec<Fate>) -> String {
    let mut closed = Vec::new();
    let (mut answered, mut open, mut no_connect) = (BTreeMap::<u16, u64>::new(), 0, 0);
    for f in fates {
        match f {
            Fate::Closed(s) => closed.push(s),
            Fate::Answered(code) => *answered.entry(code).or_default() += 1,
            Fate::Open => open += 1,
            Fate::NoConnect => no_connect += 1,
        }
    }
    serde_json::json!({
        "mode": mode,
        "closed_after_s": percentiles(closed),
        "answered": answered,
        "still_open": open,
        "no_connect": no_connect,
    })
    .to_string()
}

/// Reads until EOF or error within `bound`: the status of an answer if any
/// came, `None` for a silent close; `Err` when still open at the bound.
async fn until_closed(
    c: &mut tokio::net::tcp::OwnedReadHalf,
    bound: Instant,
) -> Result<Option<u16>, ()> {
    let mut got = Vec::new();
    let mut chunk = [0u8; 1024];
    let read = async {
        loop {
            match c.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) if got.len() < 4096 => got.extend_from_slice(&chunk[..n]),
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout_at(bound.into(), read)
        .await
        .map_err(|_| ())?;
    Ok(std::str::from_utf8(got.get(9..12).unwrap_or_default())
        .ok()
        .and_then(|s| s.parse().ok()))
}

async fn slowloris(addr: SocketAddr, n: u64, gap_ms: u64, seconds: u64) -> String {
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for i in 0..n {
        tokio::time::sleep_until(
            (start + Duration::from_nanos(i * 1_000_000_000 / OPEN_RATE)).into(),
        )
        .await;
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let Ok(c) = TcpStream::connect(addr).await else {
                return Fate::NoConnect;
            };
            let (mut r, mut w) = c.into_split();
            let drip = tokio::spawn(async move {
                let head = b"GET /fast HTTP/1.1\r\nHost: gw\r\nX-Slow: ";
                for b in head.iter().chain(std::iter::repeat(&b'a')) {
                    if w.write_all(&[*b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(gap_ms)).await;
                }
            });
            let fate = match until_closed(&mut r, end).await {
                Ok(None) => Fate::Closed(t0.elapsed().as_secs_f64()),
                Ok(Some(code)) => Fate::Answered(code),
                Err(()) => Fate::Open,
            };
            drip.abort();
            fate
        }));
    }
    let mut fates = Vec::new();
    for t in tasks {
        fates.push(t.await.unwrap_or(Fate::NoConnect));
    }
    fates_json("slowloris", fates)
}

async fn idle(addr: SocketAddr, path: String, n: u64, seconds: u64) -> String {
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let request: &'static [u8] = Box::leak(
        format!("GET {path} HTTP/1.1\r\nHost: gw\r\n\r\n")
            .into_bytes()
            .into_boxed_slice(),
    );
    let mut tasks = Vec::new();
    for i in 0..n {
        tokio::time::sleep_until(
            (start + Duration::from_nanos(i * 1_000_000_000 / OPEN_RATE)).into(),
        )
        .await;
        tasks.push(tokio::spawn(async move {
            let Ok(mut c) = TcpStream::connect(addr).await else {
                return Fate::NoConnect;
            };
            if c.write_all(request).await.is_err() {
                return Fate::NoConnect;
            }
            // The answer: a head and a Content-Length body.
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let answered = tokio::time::timeout(TIMEOUT, async {
                loop {
                    if let Some(e) = find(&buf, b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..e]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if buf.len() >= e + 4 + len {
                            return Some(
                                String::from_utf8_lossy(&buf[9..12])
                                    .parse::<u16>()
                                    .unwrap_or(0),
                            );
                        }
                    }
                    match c.read(&mut chunk).await {
                        Ok(0) | Err(_) => return None,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            })
            .await;
            match answered {
                Ok(Some(200)) => {}
                Ok(Some(code)) => return Fate::Answered(code),
                _ => return Fate::NoConnect,
            }
            let t0 = Instant::now();
            let (mut r, _w) = c.into_split();
            match until_closed(&mut r, end).await {
                Ok(_) => Fate::Closed(t0.elapsed().as_secs_f64()),
                Err(()) => Fate::Open,
            }
        }));
    }
    let mut fates = Vec::new();
    for t in tasks {
        fates.push(t.await.unwrap_or(Fate::NoConnect));
    }
    fates_json("idle", fates)
}

async fn get(addr: SocketAddr, path: String, n: u64) -> String {
    let request: &'static [u8] = Box::leak(
        format!("GET {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
            .into_bytes()
            .into_boxed_slice(),
    );
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            tokio::spawn(async move {
                let t0 = Instant::now();
                let r =
                    tokio::time::timeout(Duration::from_secs(30), exchange(addr, request)).await;
                let ms = (t0.elapsed().as_secs_f64() * 1000.0).round();
                match r {
                    Ok(Ok((status, _))) => serde_json::json!({"status": status, "ms": ms}),
                    Ok(Err(class)) => serde_json::json!({"error": class, "ms": ms}),
                    Err(_) => serde_json::json!({"error": "timeout", "ms": ms}),
                }
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap_or(serde_json::json!({"error": "panicked"})));
    }
    serde_json::json!({"mode": "get", "answers": out}).to_string()
}
