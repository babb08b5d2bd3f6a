//! The hyper floor (a benchmark tool, not a test): the leanest reverse proxy
//! that can be written with the stack the runtime uses (tokio, hyper 1's
//! HTTP/1 server and client), so `bench/proxy-bench.sh` can show how much
//! of the gateway's CPU per request is hyper and tokio, and how much is the
//! gateway itself.
//!
//! It has the gateway's shape and nothing else: one single-threaded tokio
//! runtime per worker thread, every worker accepting from one listener, a
//! per-worker pool of upstream HTTP/1.1 connections (hyper's
//! `client::conn::http1`, each driven by its own task as the gateway's
//! pool does), the upstream body read whole and sent on with its status
//! and `Content-Type`. No routing table, no header allowlists, no JSON
//! check, no timeouts, no metrics, no logs.
//!
//! `GET /v1/PATH` is proxied to `GET /PATH` on the upstream; a failed
//! upstream call is a 502.
//!
//! ```console
//! $ cargo run --release -p gw-runtime --example hyper_floor -- \
//!     --listen 127.0.0.1:0 --upstream 127.0.0.1:8081 [--client own]
//! listening on 127.0.0.1:40123
//! ```
//!
//! `TOKIO_WORKER_THREADS=N` sets the worker count (default: one per core).
//!
//! `--client own` swaps hyper's client for [`own`], a minimal HTTP/1.1
//! client over `httparse` (the parser hyper uses): the request written
//! straight to the pooled connection and the answer read back in the same
//! task, with no connection task, channel or body stream between them. It
//! is a measurement aid for the question "what would an own upstream
//! client save", not a client: it only speaks `GET` and reads only
//! `Content-Length` bodies.
#![allow(missing_docs)]

use std::cell::RefCell;
use std::net::SocketAddr;
use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

type Body = Full<Bytes>;

thread_local! {
    /// This worker's idle upstream connections.
    static IDLE: RefCell<Vec<SendRequest<Body>>> = const { RefCell::new(Vec::new()) };
}

/// The upstream's address, set once before the workers start.
static UPSTREAM: std::sync::OnceLock<(SocketAddr, String)> = std::sync::OnceLock::new();

/// `--client own`: upstream calls go through [`own`].
static OWN_CLIENT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn main() -> ExitCode {
    match start() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hyper_floor: {e}");
            ExitCode::FAILURE
        }
    }
}

fn arg(args: &[String], name: &str) -> Result<String, String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .ok_or_else(|| format!("missing {name} ADDR (usage: --listen ADDR --upstream ADDR)"))
}

fn start() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let listen = arg(&args, "--listen")?;
    let upstream = arg(&args, "--upstream")?;
    let addr: SocketAddr = upstream
        .parse()
        .map_err(|e| format!("--upstream {upstream}: {e}"))?;
    let _ = UPSTREAM.set((addr, upstream));
    match args
        .iter()
        .position(|a| a == "--client")
        .map(|i| args.get(i + 1))
    {
        None => {}
        Some(Some(c)) if c == "hyper" => {}
        Some(Some(c)) if c == "own" => OWN_CLIENT.store(true, std::sync::atomic::Ordering::Relaxed),
        Some(other) => {
            return Err(format!(
                "--client {}: expected `hyper` or `own`",
                other.map_or("", String::as_str)
            ));
        }
    }

    let listener = std::net::TcpListener::bind(&listen)
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("listener: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("listener: {e}"))?;

    let workers = gw_runtime::worker::configured();
    let mut threads = Vec::with_capacity(workers);
    for i in 0..workers {
        let listener = listener.try_clone().map_err(|e| format!("listener: {e}"))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        let thread = std::thread::Builder::new()
            .name(format!("floor-{i}"))
            .spawn(move || rt.block_on(accept(listener)))
            .map_err(|e| format!("worker thread: {e}"))?;
        threads.push(thread);
    }
    println!("listening on {local}");
    for t in threads {
        match t.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err("a worker thread panicked".into()),
        }
    }
    Ok(())
}

async fn accept(listener: std::net::TcpListener) -> Result<(), String> {
    let listener =
        tokio::net::TcpListener::from_std(listener).map_err(|e| format!("listener: {e}"))?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(c) => c,
            // Out of descriptors and the like: this connection is lost, the
            // listener is not.
            Err(e) => {
                eprintln!("hyper_floor: accept: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(proxy);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn proxy(req: Request<Incoming>) -> Result<Response<Body>, hyper::Error> {
    let path = req.uri().path().strip_prefix("/v1").unwrap_or("/");
    let answer = if OWN_CLIENT.load(std::sync::atomic::Ordering::Relaxed) {
        own::forward(path).await
    } else {
        forward(path).await
    };
    Ok(match answer {
        Ok(resp) => resp,
        Err(e) => {
            let mut resp = Response::new(Body::new(Bytes::from(format!("{e}\n"))));
            *resp.status_mut() = StatusCode::BAD_GATEWAY;
            resp
        }
    })
}

async fn forward(path: &str) -> Result<Response<Body>, String> {
    let Some((addr, authority)) = UPSTREAM.get() else {
        return Err("no upstream".into());
    };
    let mut req = Request::get(path)
        .header(hyper::header::HOST, authority.as_str())
        .body(Body::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    // An idle connection the upstream has closed (its keep-alive timeout)
    // fails before the request is written: that request goes on a new one,
    // as any pooling client does.
    loop {
        let idle = IDLE.with(|idle| idle.borrow_mut().pop());
        let reused = idle.is_some();
        let mut sender = match idle {
            Some(sender) if sender.is_closed() => continue,
            Some(sender) => sender,
            None => connect(*addr).await?,
        };
        if let Err(e) = sender.ready().await {
            if reused {
                continue;
            }
            return Err(e.to_string());
        }
        match sender.try_send_request(req).await {
            Ok(resp) => {
                let (parts, body) = resp.into_parts();
                let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
                IDLE.with(|idle| idle.borrow_mut().push(sender));
                let mut out = Response::new(Body::new(body));
                *out.status_mut() = parts.status;
                if let Some(ct) = parts.headers.get(hyper::header::CONTENT_TYPE) {
                    out.headers_mut()
                        .insert(hyper::header::CONTENT_TYPE, ct.clone());
                }
                return Ok(out);
            }
            Err(mut e) => match e.take_message() {
                Some(unsent) if reused => req = unsent,
                _ => return Err(e.into_error().to_string()),
            },
        }
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Body>, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake {addr}: {e}"))?;
    tokio::spawn(conn);
    Ok(sender)
}

/// The minimal upstream client of `--client own` (see the module docs).
mod own {
    use std::cell::RefCell;
    use std::net::SocketAddr;

    use bytes::{Buf, Bytes, BytesMut};
    use hyper::header::{CONTENT_TYPE, HeaderValue};
    use hyper::{Response, StatusCode};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::{Body, UPSTREAM};

    /// The largest response head read.
    const MAX_HEAD: usize = 64 * 1024;

    /// A pooled connection and what was read from it past the last answer.
    struct Conn {
        stream: TcpStream,
        buf: BytesMut,
    }

    thread_local! {
        /// This worker's idle connections.
        static IDLE: RefCell<Vec<Conn>> = const { RefCell::new(Vec::new()) };
    }

    /// A parsed response head: its length, status, `Content-Type`,
    /// `Content-Length` and whether the connection stays open.
    struct Head {
        len: usize,
        status: u16,
        content_type: Option<Bytes>,
        content_length: usize,
        keep_alive: bool,
    }

    /// `GET path` on the upstream. A pooled connection that fails before
    /// any byte of an answer (closed while idle) is replaced once.
    pub async fn forward(path: &str) -> Result<Response<Body>, String> {
        let Some((addr, authority)) = UPSTREAM.get() else {
            return Err("no upstream".into());
        };
        let mut req = Vec::with_capacity(64 + path.len() + authority.len());
        req.extend_from_slice(b"GET ");
        req.extend_from_slice(path.as_bytes());
        req.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        req.extend_from_slice(authority.as_bytes());
        req.extend_from_slice(b"\r\n\r\n");
        loop {
            let idle = IDLE.with(|idle| idle.borrow_mut().pop());
            let reused = idle.is_some();
            let mut conn = match idle {
                Some(conn) => conn,
                None => connect(*addr).await?,
            };
            match exchange(&mut conn, &req).await {
                Ok((head, body)) => {
                    if head.keep_alive {
                        IDLE.with(|idle| idle.borrow_mut().push(conn));
                    }
                    let mut resp = Response::new(Body::new(body));
                    *resp.status_mut() =
                        StatusCode::from_u16(head.status).map_err(|e| e.to_string())?;
                    if let Some(ct) = head.content_type
                        && let Ok(v) = HeaderValue::from_maybe_shared(ct)
                    {
                        resp.headers_mut().insert(CONTENT_TYPE, v);
                    }
                    return Ok(resp);
                }
                Err(Failure::BeforeAnswer(_)) if reused => continue,
                Err(Failure::BeforeAnswer(e) | Failure::Answer(e)) => return Err(e),
            }
        }
    }

    async fn connect(addr: SocketAddr) -> Result<Conn, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            buf: BytesMut::with_capacity(4096),
        })
    }

    enum Failure {
        /// Nothing of an answer arrived (the request may be sent again).
        BeforeAnswer(String),
        /// The answer was cut or malformed.
        Answer(String),
    }

    /// Writes the request and reads one whole answer.
    async fn exchange(conn: &mut Conn, req: &[u8]) -> Result<(Head, Bytes), Failure> {
        conn.stream
            .write_all(req)
            .await
            .map_err(|e| Failure::BeforeAnswer(format!("write: {e}")))?;
        let head = loop {
            if let Some(head) = parse_head(&conn.buf).map_err(Failure::Answer)? {
                break head;
            }
            if conn.buf.len() > MAX_HEAD {
                return Err(Failure::Answer("response head over 64 KiB".into()));
            }
            let started = conn.buf.is_empty();
            match conn.stream.read_buf(&mut conn.buf).await {
                Ok(0) | Err(_) if started => {
                    return Err(Failure::BeforeAnswer("closed before an answer".into()));
                }
                Ok(0) => return Err(Failure::Answer("closed inside the head".into())),
                Ok(_) => {}
                Err(e) => return Err(Failure::Answer(format!("read: {e}"))),
            }
        };
        conn.buf.advance(head.len);
        while conn.buf.len() < head.content_length {
            match conn.stream.read_buf(&mut conn.buf).await {
                Ok(0) => return Err(Failure::Answer("closed inside the body".into())),
                Ok(_) => {}
                Err(e) => return Err(Failure::Answer(format!("read: {e}"))),
            }
        }
        let body = conn.buf.split_to(head.content_length).freeze();
        Ok((head, body))
    }

    /// The head at the start of `buf`, `None` while incomplete.
    fn parse_head(buf: &[u8]) -> Result<Option<Head>, String> {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        let len = match resp.parse(buf).map_err(|e| format!("response head: {e}"))? {
            httparse::Status::Complete(len) => len,
            httparse::Status::Partial => return Ok(None),
        };
        let mut head = Head {
            len,
            status: resp.code.unwrap_or(0),
            content_type: None,
            content_length: 0,
            keep_alive: resp.version == Some(1),
        };
        let mut sized = false;
        for h in resp.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                head.content_length = std::str::from_utf8(h.value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .ok_or("a bad Content-Length")?;
                sized = true;
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(
                    "a chunked answer (this measurement client reads Content-Length bodies only)"
                        .into(),
                );
            } else if h.name.eq_ignore_ascii_case("content-type") {
                head.content_type = Some(Bytes::copy_from_slice(h.value));
            } else if h.name.eq_ignore_ascii_case("connection") {
                head.keep_alive = !h.value.eq_ignore_ascii_case(b"close");
            }
        }
        if !sized && !matches!(head.status, 100..=199 | 204 | 304) {
            return Err("an answer without Content-Length (this measurement client reads Content-Length bodies only)".into());
        }
        Ok(Some(head))
    }
}
