//! Fuzz the gateway's request path with arbitrary request heads (issue 15
//! item 7): hyper's HTTP/1.1 server, the Host check, the router (path
//! cleaning, redirects, parameters), the backend request built from the
//! path variables, the query and header allowlists, and the proxy — the
//! whole in-process gateway over loopback sockets, against an upstream
//! that records what reaches it.
//!
//! The input is written to a fresh connection as is, then the write side
//! is closed and the answer read (bounded). No input may panic (libFuzzer's
//! panic hook aborts, whatever the thread), and whatever reaches the
//! upstream must keep the gateway's promises, checked after each input:
//! - `/v/{id}` → `/b/{id}/tail?q={id}`: the variable stays one path
//!   segment (no `/`, no `;` or `..` a backend could read as a delimiter or
//!   a parent) and the backend path keeps its prefix and suffix;
//! - `input_headers: ["X-A"]`, `input_query_strings: ["a"]`: no other
//!   client header or query key reaches the upstream;
//! - no header value carries CR, LF or NUL.
#![no_main]

#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../runtime/tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use common::*;
use gw_runtime::spec::*;
use libfuzzer_sys::fuzz_target;

struct Env {
    rt: tokio::runtime::Runtime,
    gw: SocketAddr,
    log: Log,
    _running: Running,
}

/// Headers the gateway itself adds to a backend request (KrakenD's set),
/// beside the allowlisted `X-A`.
const GATEWAY_HEADERS: &[&str] = &[
    "host",
    "user-agent",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-via",
    "accept-encoding",
    "content-length",
    "content-type",
    "transfer-encoding",
    "x-a",
];

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        // A Rust `main` ignores SIGPIPE; libFuzzer's does not, and a write
        // to a socket the peer closed (the gateway to a client, or to an
        // upstream) would kill the process instead of failing the write.
        // SAFETY: called once, before any thread of ours starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let (gw, log, running) = rt.block_on(async {
            let (h, log) = upstream(|_| Reply::json(r#"{"n":1.10,"s":"x"}"#)).await;
            let mut one = backend(
                h,
                leak_slice(vec![
                    UrlPiece::Literal("/b/"),
                    UrlPiece::Param(0),
                    UrlPiece::Literal("/tail?q="),
                    UrlPiece::Param(0),
                ]),
            );
            one.input_headers = None;
            let mut v = endpoint(
                Method::Get,
                "/v/{id}",
                leak_slice(vec![Segment::Static("v"), Segment::Param("id")]),
                leak_slice(vec!["id"]),
                vec![one],
            );
            v.input_headers = Forward::Only(leak_slice(vec!["X-A"]));
            v.input_query_strings = Forward::Only(leak_slice(vec!["a"]));
            let mut raw = backend(h, leak_slice(vec![UrlPiece::Literal("/raw")]));
            raw.encoding = Encoding::NoOp;
            let mut n = endpoint(
                Method::Post,
                "/n",
                leak_slice(vec![Segment::Static("n")]),
                &[],
                vec![raw],
            );
            n.output = OutputEncoding::NoOp;
            n.input_headers = Forward::Only(leak_slice(vec!["X-A"]));
            let agg = endpoint(
                Method::Put,
                "/agg/{a}/",
                leak_slice(vec![Segment::Static("agg"), Segment::Param("a"), Segment::Static("")]),
                leak_slice(vec!["a"]),
                vec![
                    backend(h, leak_slice(vec![UrlPiece::Literal("/b/"), UrlPiece::Param(0)])),
                    backend(h, leak_slice(vec![UrlPiece::Literal("/c")])),
                ],
            );
            let running = start(gateway(vec![v, n, agg])).await;
            (running.addr, log, running)
        });
        Env {
            rt,
            gw,
            log,
            _running: running,
        }
    })
}

/// Writes `data` on a new connection, closes the write side and reads the
/// answer until the gateway closes (or 5 s pass).
fn exchange(addr: SocketAddr, data: &[u8]) {
    let Ok(mut c) = TcpStream::connect(addr) else {
        panic!("the gateway refused a connection");
    };
    let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = c.set_write_timeout(Some(Duration::from_secs(5)));
    let _ = c.write_all(data);
    let _ = c.shutdown(Shutdown::Write);
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = c.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

fn check(seen: &Seen) {
    let uri = &seen.uri;
    let (path, query) = uri.split_once('?').unwrap_or((uri.as_str(), ""));
    if let Some(rest) = path.strip_prefix("/b/") {
        let (seg, tail) = rest.split_once('/').unwrap_or((rest, ""));
        assert!(
            tail.is_empty() || tail == "tail",
            "a path variable changed the backend path: {uri}"
        );
        assert!(
            !seg.contains(';') && seg != ".." && seg != ".",
            "a path variable reached the backend as a delimiter: {uri}"
        );
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            assert!(key == "q" || key == "a", "query key {key:?} passed the allowlist: {uri}");
        }
    }
    for (name, value) in &seen.headers {
        assert!(
            GATEWAY_HEADERS.contains(&name.as_str()),
            "header {name} passed the allowlist: {uri}"
        );
        assert!(
            !value.as_bytes().iter().any(|b| matches!(b, b'\r' | b'\n' | 0)),
            "header {name} carries CR, LF or NUL"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let e = env();
    exchange(e.gw, data);
    // The upstream logs after the gateway answered; give a late request
    // (a shadow or a cancelled one) no chance to be missed next time.
    let seen: Vec<Seen> = std::mem::take(&mut *e.log.lock().expect("log"));
    for s in &seen {
        check(s);
    }
    let _ = &e.rt;
});
