//! Requests a hostile or broken client sends over raw sockets, and the
//! bounded answer each gets (issue 15's hostile-traffic suite).
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use gw_runtime::spec::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

/// Writes `raw` on a new connection and reads until the gateway closes it
/// (bounded); returns what it answered.
async fn exchange_until_close(addr: std::net::SocketAddr, raw: &str) -> String {
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(raw.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut buf))
        .await
        .expect("the gateway did not close the connection")
        .unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

/// An HTTP/1.1 request needs exactly one Host header (RFC 9112 §3.2): Go's
/// server answers a missing or repeated one with its 400 and closes the
/// connection before KrakenD sees the request; so does the gateway, and the
/// backend is never called. HTTP/1.0 needs none.
#[tokio::test]
async fn missing_or_repeated_host_is_a_400() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let b = backend(h, leak_slice(vec![UrlPiece::Literal("/u")]));
    let gw = start(gateway(vec![endpoint(
        Method::Get,
        "/u",
        leak_slice(vec![Segment::Static("u")]),
        &[],
        vec![b],
    )]))
    .await;
    let cases = [
        ("GET /u HTTP/1.1\r\n\r\n", "missing required Host header"),
        (
            "GET /u HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "too many Host headers",
        ),
        (
            "GET http://a/u HTTP/1.1\r\n\r\n",
            "missing required Host header",
        ),
    ];
    for (raw, what) in cases {
        let answer = exchange_until_close(gw.addr, raw).await;
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{raw:?}: {answer}"
        );
        let lower = answer.to_ascii_lowercase();
        assert!(
            lower.contains("\r\nconnection: close\r\n"),
            "{raw:?}: {answer}"
        );
        assert!(
            lower.contains("\r\ncontent-type: text/plain; charset=utf-8\r\n"),
            "{raw:?}: {answer}"
        );
        assert!(
            answer.ends_with(&format!("\r\n\r\n400 Bad Request: {what}")),
            "{raw:?}: {answer}"
        );
    }
    assert!(log.lock().unwrap().is_empty(), "the backend was called");
    // One Host, or HTTP/1.0 without one: served.
    for raw in [
        "GET /u HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET /u HTTP/1.0\r\n\r\n",
    ] {
        let answer = exchange_until_close(gw.addr, raw).await;
        assert!(answer.contains(" 200 OK\r\n"), "{raw:?}: {answer}");
        assert!(answer.ends_with(r#"{"ok":true}"#), "{raw:?}: {answer}");
    }
}

/// An absolute-form target (RFC 9112 §3.2.2): its authority, not the Host
/// header, is the request's host (Go: `req.Host = req.URL.Host`), so it is
/// what the backend reads in `X-Forwarded-Host`; the userinfo is dropped.
/// The path routes as in origin form.
#[tokio::test]
async fn an_absolute_form_targets_host_wins_over_the_host_header() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let b = backend(h, leak_slice(vec![UrlPiece::Literal("/u")]));
    let gw = start(gateway(vec![endpoint(
        Method::Get,
        "/u",
        leak_slice(vec![Segment::Static("u")]),
        &[],
        vec![b],
    )]))
    .await;
    for (raw, want) in [
        (
            "GET http://target.example:8080/u HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n",
            "target.example:8080",
        ),
        (
            "GET http://user:pw@target.example/u?x=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n",
            "target.example",
        ),
        (
            "GET /u HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n",
            "other",
        ),
    ] {
        let answer = exchange_until_close(gw.addr, raw).await;
        assert!(answer.contains(" 200 OK\r\n"), "{raw:?}: {answer}");
        let seen = log.lock().unwrap().pop().expect("the backend was called");
        assert_eq!(
            seen.headers
                .get("x-forwarded-host")
                .and_then(|v| v.to_str().ok()),
            Some(want),
            "{raw:?}"
        );
    }
}

/// A request head over the limit (`max_header_bytes`, else hyper's 408 KiB)
/// gets a 431 and the connection closed, whether it arrives in pieces or in
/// one write: hyper never reads more than its buffer cap before the head is
/// complete. (Issue 15 reported a 1 MiB value in one read accepted; with
/// hyper 1.x as locked here that does not reproduce: this pins it.) The
/// backend is never called and a head under the limit is served.
#[tokio::test]
async fn an_oversized_head_is_a_431_however_it_arrives() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let ep = || {
        endpoint(
            Method::Get,
            "/u",
            leak_slice(vec![Segment::Static("u")]),
            &[],
            vec![backend(h, leak_slice(vec![UrlPiece::Literal("/u")]))],
        )
    };
    let capped = start(Gateway {
        server: ServerOptions {
            max_header_bytes: 16 * 1024,
            ..ServerOptions::DEFAULT
        },
        ..gateway(vec![ep()])
    })
    .await;
    let default = start(gateway(vec![ep()])).await;
    let head = |value_len: usize| {
        format!(
            "GET /u HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
            "v".repeat(value_len)
        )
    };
    for (addr, value_len) in [(capped.addr, 20 * 1024), (default.addr, 1024 * 1024)] {
        // One write: the whole head in the first read.
        let answer = exchange_until_close(addr, &head(value_len)).await;
        assert!(
            answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{value_len}: {}",
            &answer[..answer.len().min(200)]
        );
    }
    // In pieces: hyper refuses once its buffer is full.
    let mut c = tokio::net::TcpStream::connect(capped.addr).await.unwrap();
    let big = head(40 * 1024);
    let mut refused = false;
    for piece in big.as_bytes().chunks(1024) {
        if c.write_all(piece).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut buf))
        .await
        .expect("the gateway did not close the connection");
    let text = String::from_utf8_lossy(&buf);
    assert!(refused || text.starts_with("HTTP/1.1 431"), "{text}");
    assert!(log.lock().unwrap().is_empty(), "the backend was called");
    // Under the limit: served.
    for (addr, value_len) in [(capped.addr, 8 * 1024), (default.addr, 300 * 1024)] {
        let answer = exchange_until_close(addr, &head(value_len)).await;
        assert!(answer.contains(" 200 OK\r\n"), "{value_len}: {answer}");
    }
}

/// A JSON endpoint `GET /u` on `h`.
fn plain_ep(h: &'static str) -> Endpoint {
    endpoint(
        Method::Get,
        "/u",
        leak_slice(vec![Segment::Static("u")]),
        &[],
        vec![backend(h, leak_slice(vec![UrlPiece::Literal("/u")]))],
    )
}

/// A gateway with `server` options.
async fn start_with(server: ServerOptions, endpoints: Vec<Endpoint>) -> Running {
    start(Gateway {
        server,
        ..gateway(endpoints)
    })
    .await
}

/// Reads until the gateway closes the connection (EOF or reset), at most
/// `bound`; returns what it read and when it was closed.
async fn until_closed(
    c: &mut tokio::net::tcp::OwnedReadHalf,
    bound: Duration,
) -> (Vec<u8>, Instant) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let read = async {
        loop {
            match c.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(bound, read)
        .await
        .expect("the gateway did not close the connection in time");
    (buf, Instant::now())
}

/// Reads one response with a `Content-Length` (keep-alive) and returns it.
async fn read_response(c: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    timed(async {
        loop {
            let text = String::from_utf8_lossy(&buf).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text[..end]
                    .to_ascii_lowercase()
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix("content-length: ")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    return text;
                }
            }
            let n = c.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed mid-response: {text}");
            buf.extend_from_slice(&chunk[..n]);
        }
    })
    .await
}

/// Sends `Connection: close` requests for `GET /u` until one is served
/// (bounded): the gateway serves normal traffic again.
async fn served_again(addr: std::net::SocketAddr) {
    served_again_at(addr, "/u").await;
}

/// `GET path` with `Connection: close` until one is served (bounded).
async fn served_again_at(addr: std::net::SocketAddr, path: &str) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    let served = async {
        loop {
            let answer = exchange_until_close(addr, &request).await;
            if answer.starts_with("HTTP/1.1 200 OK\r\n") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), served)
        .await
        .expect("a normal request was not served again");
}

/// A slowloris client (one header byte every 50 ms, never a whole head)
/// is closed by the header-read deadline without an answer, measured from
/// the connection's start, however it keeps sending; the next normal
/// request is served. (Issue 15: 1,000 such connections held 79 s.)
#[tokio::test]
async fn slowloris_is_closed_by_the_header_read_deadline() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let gw = start_with(
        ServerOptions {
            read_header_timeout_ms: 300,
            ..ServerOptions::DEFAULT
        },
        vec![plain_ep(h)],
    )
    .await;
    let t0 = Instant::now();
    let (mut r, mut w) = tokio::net::TcpStream::connect(gw.addr)
        .await
        .unwrap()
        .into_split();
    let drip = tokio::spawn(async move {
        let head = b"GET /u HTTP/1.1\r\nHost: a\r\nX-Slow: ";
        for b in head.iter().chain(std::iter::repeat(&b'a')) {
            if w.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let (answer, closed) = until_closed(&mut r, Duration::from_secs(5)).await;
    let took = closed - t0;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(took >= Duration::from_millis(280), "closed after {took:?}");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
    drip.abort();
    served_again(gw.addr).await;
    assert_eq!(
        log.lock().unwrap().len(),
        1,
        "only the normal request reached the backend"
    );
}

/// The header-read timeout is on without any setting (gwc's default, 10
/// s; KrakenD CE has none): a connection that never completes its head is
/// closed after about 10 s.
#[tokio::test]
async fn the_header_read_timeout_is_on_by_default() {
    let (h, _log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let gw = start_with(ServerOptions::DEFAULT, vec![plain_ep(h)]).await;
    let t0 = Instant::now();
    let (mut r, mut w) = tokio::net::TcpStream::connect(gw.addr)
        .await
        .unwrap()
        .into_split();
    let drip = tokio::spawn(async move {
        let head = b"GET /u HTTP/1.1\r\nHost: a\r\nX-Slow: ";
        for b in head.iter().chain(std::iter::repeat(&b'a')) {
            if w.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    let (answer, closed) = until_closed(&mut r, Duration::from_secs(20)).await;
    let took = closed - t0;
    assert!(answer.is_empty());
    assert!(
        took >= Duration::from_millis(9_900),
        "closed after {took:?}"
    );
    assert!(took < Duration::from_secs(15), "closed after {took:?}");
    drip.abort();
    served_again(gw.addr).await;
}

/// Idle keep-alive and header reading are separate bounds: an idle spell
/// longer than the header-read timeout (but shorter than the idle one)
/// keeps the connection, and a connection idle for the idle timeout is
/// closed, measured from the end of its last response. (Issue 15: 10,000
/// idle connections stayed open past 65 s.)
#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let (h, _log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let gw = start_with(
        ServerOptions {
            read_header_timeout_ms: 200,
            idle_timeout_ms: 1_000,
            ..ServerOptions::DEFAULT
        },
        vec![plain_ep(h)],
    )
    .await;
    let mut c = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let req = b"GET /u HTTP/1.1\r\nHost: a\r\n\r\n";
    c.write_all(req).await.unwrap();
    assert!(
        read_response(&mut c)
            .await
            .starts_with("HTTP/1.1 200 OK\r\n")
    );
    // Idle for longer than the header-read timeout: still open.
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.write_all(req).await.unwrap();
    assert!(
        read_response(&mut c)
            .await
            .starts_with("HTTP/1.1 200 OK\r\n")
    );
    let t0 = Instant::now();
    let (mut r, _w) = c.into_split();
    let (answer, closed) = until_closed(&mut r, Duration::from_secs(5)).await;
    let took = closed - t0;
    assert!(answer.is_empty());
    assert!(took >= Duration::from_millis(950), "closed after {took:?}");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
    served_again(gw.addr).await;
}

/// The header-read deadline ends with the head: an answer slower than it
/// is served, and so is the next request on the same connection.
#[tokio::test]
async fn a_slow_answer_is_not_cut_by_the_header_read_timeout() {
    let (h, _log) = upstream(|_| {
        let mut r = Reply::json(r#"{"ok":true}"#);
        r.delay = Duration::from_millis(500);
        r
    })
    .await;
    let gw = start_with(
        ServerOptions {
            read_header_timeout_ms: 200,
            idle_timeout_ms: 5_000,
            ..ServerOptions::DEFAULT
        },
        vec![plain_ep(h)],
    )
    .await;
    let mut c = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    for _ in 0..2 {
        c_request(&mut c, b"GET /u HTTP/1.1\r\nHost: a\r\n\r\n").await;
    }
}

/// Past `gwc/server.max_connections` a new client reads a 503 with
/// `Connection: close` and is closed at once (never queued, never
/// served); the connections already open keep working, and once one
/// closes a new client is served.
#[tokio::test]
async fn connections_past_the_cap_get_a_503_and_are_served_once_load_drops() {
    let (h, _log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let gw = start_with(
        ServerOptions {
            max_connections: 2,
            ..ServerOptions::DEFAULT
        },
        vec![plain_ep(h)],
    )
    .await;
    let req = b"GET /u HTTP/1.1\r\nHost: a\r\n\r\n";
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut c = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
        c.write_all(req).await.unwrap();
        assert!(
            read_response(&mut c)
                .await
                .starts_with("HTTP/1.1 200 OK\r\n")
        );
        open.push(c);
    }
    for _ in 0..3 {
        let c = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
        let (mut r, _w) = c.into_split();
        let (answer, _) = until_closed(&mut r, Duration::from_secs(5)).await;
        assert_eq!(
            String::from_utf8_lossy(&answer),
            "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n"
        );
    }
    // The open ones are still served.
    c_request(&mut open[1], req).await;
    // One closes: a new client is served.
    drop(open.remove(0));
    served_again(gw.addr).await;
}

async fn c_request(c: &mut tokio::net::TcpStream, req: &[u8]) {
    c.write_all(req).await.unwrap();
    assert!(read_response(c).await.starts_with("HTTP/1.1 200 OK\r\n"));
}

/// A request body over `gwc/server.max_request_body` on an endpoint that
/// reads it whole (two backends) is a 413, refused at once when its
/// `Content-Length` says so and after the cap when chunked: the gateway
/// never reads it to its end (the client cannot even send it all), no
/// backend is called, and the next request is served. (Issue 15: five
/// 100 MiB uploads to an aggregation endpoint peaked at 857 MB.)
#[tokio::test]
async fn an_oversized_body_on_a_merging_endpoint_is_a_413_never_buffered() {
    let (h1, log1) = upstream(|_| Reply::json(r#"{"a":1}"#)).await;
    let (h2, log2) = upstream(|_| Reply::json(r#"{"b":2}"#)).await;
    let mut backends = vec![
        backend(h1, leak_slice(vec![UrlPiece::Literal("/a")])),
        backend(h2, leak_slice(vec![UrlPiece::Literal("/b")])),
    ];
    for b in &mut backends {
        b.method = Method::Post;
    }
    let ep = endpoint(
        Method::Post,
        "/agg",
        leak_slice(vec![Segment::Static("agg")]),
        &[],
        backends,
    );
    let gw = start_with(
        ServerOptions {
            max_request_body: 1024 * 1024,
            ..ServerOptions::DEFAULT
        },
        vec![ep, plain_ep(h1)],
    )
    .await;
    const TOTAL: usize = 100 * 1024 * 1024;
    for chunked in [false, true] {
        let (mut r, mut w) = tokio::net::TcpStream::connect(gw.addr)
            .await
            .unwrap()
            .into_split();
        let head = if chunked {
            "POST /agg HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_string()
        } else {
            format!("POST /agg HTTP/1.1\r\nHost: a\r\nContent-Length: {TOTAL}\r\n\r\n")
        };
        let writer = tokio::spawn(async move {
            let mut sent = 0usize;
            if w.write_all(head.as_bytes()).await.is_err() {
                return sent;
            }
            let piece = vec![b'x'; 64 * 1024];
            while sent < TOTAL {
                let res = if chunked {
                    let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
                    framed.extend_from_slice(&piece);
                    framed.extend_from_slice(b"\r\n");
                    w.write_all(&framed).await
                } else {
                    w.write_all(&piece).await
                };
                if res.is_err() {
                    break;
                }
                sent += piece.len();
            }
            sent
        });
        let (answer, _) = until_closed(&mut r, Duration::from_secs(10)).await;
        let answer = String::from_utf8_lossy(&answer).into_owned();
        assert!(
            answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
            "chunked {chunked}: {answer}"
        );
        let sent = timed(writer).await.unwrap();
        assert!(sent < TOTAL, "chunked {chunked}: the whole body was read");
    }
    assert!(log1.lock().unwrap().is_empty() && log2.lock().unwrap().is_empty());
    // Under the cap: merged.
    let got = send(gw.addr, "POST", "/agg", &[], &"y".repeat(512 * 1024)).await;
    assert_eq!((got.status, got.text()), (200, r#"{"a":1,"b":2}"#));
    assert_eq!(log1.lock().unwrap()[0].body.len(), 512 * 1024);
    served_again(gw.addr).await;
}

/// A client that never reads a streamed (no-op) response is dropped once
/// a write to it makes no progress for `gwc/server.send_timeout`, and the
/// upstream connection feeding it is closed with it; the next request is
/// served. (Issue 15: such a client pinned the upstream connection
/// indefinitely.)
#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_by_the_send_timeout() {
    // An upstream that streams without end until its connection fails;
    // it reports when its last write succeeded and when one failed.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = leak_str(format!("http://{}", listener.local_addr().unwrap()));
    let (tx, rx) = tokio::sync::oneshot::channel::<(Instant, Instant)>();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut b).await.unwrap();
            head.extend_from_slice(&b[..n]);
        }
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await
            .unwrap();
        let mut chunk = b"10000\r\n".to_vec();
        chunk.extend_from_slice(&[b'z'; 0x10000]);
        chunk.extend_from_slice(b"\r\n");
        let mut last = Instant::now();
        while s.write_all(&chunk).await.is_ok() {
            last = Instant::now();
        }
        let _ = tx.send((last, Instant::now()));
    });
    let mut b = backend(up, leak_slice(vec![UrlPiece::Literal("/s")]));
    b.encoding = Encoding::NoOp;
    let mut stream_ep = endpoint(
        Method::Get,
        "/s",
        leak_slice(vec![Segment::Static("s")]),
        &[],
        vec![b],
    );
    stream_ep.output = OutputEncoding::NoOp;
    stream_ep.timeout_ms = 60_000;
    let (h, _log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let gw = start_with(
        ServerOptions {
            send_timeout_ms: 500,
            ..ServerOptions::DEFAULT
        },
        vec![stream_ep, plain_ep(h)],
    )
    .await;
    let mut c = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let sent = Instant::now();
    c.write_all(b"GET /s HTTP/1.1\r\nHost: a\r\n\r\n")
        .await
        .unwrap();
    // Never read: the upstream's connection fails within the bound.
    let (last_write, failed) = tokio::time::timeout(Duration::from_secs(10), rx)
        .await
        .expect("the upstream connection was never released")
        .unwrap();
    assert!(
        failed - sent >= Duration::from_millis(500),
        "{:?}",
        failed - sent
    );
    assert!(
        failed - last_write < Duration::from_millis(2_500),
        "released {:?} after the stream stalled",
        failed - last_write
    );
    // The client's connection was closed: what is buffered, then the end.
    let (mut r, _w) = c.into_split();
    let (answer, _) = until_closed(&mut r, Duration::from_secs(10)).await;
    assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"));
    served_again(gw.addr).await;
}

/// At the file-descriptor limit (a gateway process started with
/// `ulimit -n 48`), accepting fails with EMFILE: the worker backs off
/// instead of spinning, logs one line when the failures start and one
/// with their count once accepting works again (a second after the last
/// failure), and serves the next client once descriptors are free. (Issue 15: `accept failed: Too many
/// open files` was logged ~45 times a second while new clients hung.)
#[tokio::test]
async fn accept_backs_off_at_the_descriptor_limit_and_logs_once() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    struct Proc(std::process::Child);
    impl Drop for Proc {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Proc(
        Command::new("sh")
            .args(["-c", "ulimit -n 48 && exec \"$0\" --listen 127.0.0.1:0"])
            .arg(env!("CARGO_BIN_EXE_gw-demo"))
            .env("GW_DEMO_UPSTREAM", "http://127.0.0.1:9")
            .env("TOKIO_WORKER_THREADS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // Every line the gateway writes, from both streams.
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel::<String>();
    let out = child.0.stdout.take().unwrap();
    let err = child.0.stderr.take().unwrap();
    for (stream, addr_tx) in [
        (
            Box::new(out) as Box<dyn std::io::Read + Send>,
            Some(addr_tx),
        ),
        (Box::new(err), None),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let (Some(tx), Some(a)) = (&addr_tx, line.strip_prefix("listening on ")) {
                    let _ = tx.send(a.to_string());
                }
                lines.lock().unwrap().push(line);
            }
        });
    }
    let addr: std::net::SocketAddr = addr_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the gateway did not start")
        .parse()
        .unwrap();
    // More clients than descriptors: the gateway runs out.
    let mut held = Vec::new();
    for _ in 0..80 {
        held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    let count = |what: &str| {
        lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(what))
            .count()
    };
    timed(async {
        while count("accept failed: ") == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    // Over a second at the limit: still one line, not one per failure.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(count("accept failed: "), 1, "{:?}", lines.lock().unwrap());
    drop(held);
    served_again_health(addr).await;
    // The episode ends with an accept a second after its last failure.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    served_again_health(addr).await;
    timed(async {
        while count("accepting again after ") == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let all = lines.lock().unwrap().clone();
    let again = all
        .iter()
        .find_map(|l| l.split("accepting again after ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    // 10 ms doubling to 1 s over ~1.5 s (starting over at 10 ms after
    // each accept a freed descriptor allows): a handful of failed accepts,
    // not hundreds.
    assert!((2..=40).contains(&again), "{all:?}");
    // Freeing the held descriptors races with accepting the clients still
    // in the backlog, which may start one more short episode, still one
    // line each.
    assert!(count("accept failed: ") <= 3, "{all:?}");
}

/// `GET /__health` until one is served (bounded).
async fn served_again_health(addr: std::net::SocketAddr) {
    served_again_at(addr, "/__health").await;
}

/// KrakenD's `read_timeout` is Go's read deadline: counted from the
/// request's start, it ends the head read when `read_header_timeout` is
/// unset, and a body still arriving after it fails (the connection is
/// closed); a request read in time is served.
#[tokio::test]
async fn read_timeout_bounds_the_head_and_the_body() {
    let (h, _log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let mut post = plain_ep(h);
    post.method = Method::Post;
    let gw = start_with(
        ServerOptions {
            read_timeout_ms: 500,
            ..ServerOptions::DEFAULT
        },
        vec![plain_ep(h), post],
    )
    .await;
    // A head that never ends.
    let (answer, took) = written_then_closed(gw.addr, b"GET /u HTTP/1.1\r\nHost: a\r\n").await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(took >= Duration::from_millis(450), "closed after {took:?}");
    assert!(took < Duration::from_millis(2500), "closed after {took:?}");
    // A body that stops halfway.
    let (_, took) = written_then_closed(gw.addr, b"POST /u HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":").await;
    assert!(took >= Duration::from_millis(450), "closed after {took:?}");
    assert!(took < Duration::from_millis(2500), "closed after {took:?}");
    served_again(gw.addr).await;
}

/// KrakenD's `write_timeout` is Go's write deadline: counted from the
/// request's head, a response not written by then is never sent (the
/// connection is closed), whatever the endpoint's own timeout; a fast one
/// is served.
#[tokio::test]
async fn write_timeout_cuts_an_answer_written_after_it() {
    let (h, _log) = upstream(|s| {
        if s.uri.contains("slow") {
            Reply::json(r#"{"ok":true}"#).delay(Duration::from_millis(800))
        } else {
            Reply::json(r#"{"ok":true}"#)
        }
    })
    .await;
    let slow = endpoint(
        Method::Get,
        "/slow",
        leak_slice(vec![Segment::Static("slow")]),
        &[],
        vec![backend(h, leak_slice(vec![UrlPiece::Literal("/slow")]))],
    );
    let gw = start_with(
        ServerOptions {
            write_timeout_ms: 300,
            ..ServerOptions::DEFAULT
        },
        vec![plain_ep(h), slow],
    )
    .await;
    let (answer, took) =
        written_then_closed(gw.addr, b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(took >= Duration::from_millis(750), "closed after {took:?}");
    assert!(took < Duration::from_millis(3000), "closed after {took:?}");
    // Keep-alive: each request gets its own deadline.
    let mut c = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    for _ in 0..3 {
        c_request(&mut c, b"GET /u HTTP/1.1\r\nHost: a\r\n\r\n").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Opens a connection, writes `raw` and reads until the gateway closes it
/// (at most 5 s): what it answered, and how long after the connect.
async fn written_then_closed(addr: std::net::SocketAddr, raw: &[u8]) -> (Vec<u8>, Duration) {
    let t0 = Instant::now();
    let (mut r, mut w) = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap()
        .into_split();
    w.write_all(raw).await.unwrap();
    let (answer, closed) = until_closed(&mut r, Duration::from_secs(5)).await;
    (answer, closed - t0)
}
