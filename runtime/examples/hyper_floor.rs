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
//!     --listen 127.0.0.1:0 --upstream 127.0.0.1:8081
//! listening on 127.0.0.1:40123
//! ```
//!
//! `TOKIO_WORKER_THREADS=N` sets the worker count (default: one per core).
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
    Ok(match forward(path).await {
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
