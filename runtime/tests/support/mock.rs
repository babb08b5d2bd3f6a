//! A programmable mock upstream for the fault-injection scenarios
//! (research/lb-failover-health.md §8): one per host, bound to
//! 127.0.0.1:0, recording every request with monotonic timestamps.
//!
//! Modes (per request class: probes — paths containing `/health` or
//! `/status` — and traffic — everything else):
//! - `Mode::Status(n)` (`ok()` is 200), optionally after a delay;
//! - `Mode::ResetAfterRead`: read the whole request, close without answering;
//! - `Mode::ResetMidBody(k)`: read k bytes of the request body, close;
//! - `Mode::Cycle(modes)`: the modes in turn, one per request.
//!
//! Per host: `refuse()` closes the listening socket and every open
//! connection (the port was bound, then closed: connects are refused);
//! `listen()` binds the same port again. `h2c_only` hosts speak HTTP/2 with
//! prior knowledge only. Every reply body is the host's name.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the mock does with a request.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Answer with this status after this delay.
    Reply { status: u16, delay: Duration },
    /// Read the full request, then close without responding.
    ResetAfterRead,
    /// Read this many bytes of the body (or all of it), then close.
    ResetMidBody(usize),
    /// One mode per request, in turn.
    Cycle(Vec<Mode>),
}

pub fn ok() -> Mode {
    status(200)
}

pub fn status(s: u16) -> Mode {
    Mode::Reply {
        status: s,
        delay: Duration::ZERO,
    }
}

pub fn delay(ms: u64, s: u16) -> Mode {
    Mode::Reply {
        status: s,
        delay: Duration::from_millis(ms),
    }
}

/// One request the mock saw.
#[derive(Clone, Debug)]
pub struct Record {
    /// When its head arrived.
    pub at: Instant,
    /// When the mock answered (or reset).
    pub done: Instant,
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub version: Version,
    /// Which connection (1-based, per mock).
    pub conn: usize,
    /// Whether it was answered (false: reset).
    pub answered: bool,
}

impl Record {
    pub fn is_probe(&self) -> bool {
        self.path.contains("/health") || self.path.contains("/status")
    }

    /// `X-Gwc-Attempt`, when sent.
    pub fn attempt(&self) -> Option<u32> {
        self.headers
            .get("x-gwc-attempt")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }
}

struct Inner {
    name: String,
    addr: SocketAddr,
    h2c_only: bool,
    work: Mutex<(Mode, usize)>,
    probe: Mutex<(Mode, usize)>,
    records: Mutex<Vec<Record>>,
    conns: AtomicUsize,
    open: AtomicUsize,
    max_open: AtomicUsize,
    /// Bumped on `refuse` to close every connection.
    kill: watch::Sender<u64>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

/// A mock host. Clones share it.
#[derive(Clone)]
pub struct Mock(Arc<Inner>);

impl Mock {
    /// An HTTP/1.1 mock answering 200 to everything.
    pub async fn start(name: &str) -> Mock {
        Self::start_with(name, false).await
    }

    /// A mock that speaks only h2c (HTTP/2 with prior knowledge).
    pub async fn start_h2c(name: &str) -> Mock {
        Self::start_with(name, true).await
    }

    async fn start_with(name: &str, h2c_only: bool) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (kill, _) = watch::channel(0);
        let m = Mock(Arc::new(Inner {
            name: name.to_owned(),
            addr,
            h2c_only,
            work: Mutex::new((ok(), 0)),
            probe: Mutex::new((ok(), 0)),
            records: Mutex::default(),
            conns: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            max_open: AtomicUsize::new(0),
            kill,
            accept: Mutex::new(None),
        }));
        m.spawn_accept(listener);
        m
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.0.addr)
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Sets the traffic mode.
    pub fn work(&self, m: Mode) -> &Self {
        *self.0.work.lock().unwrap() = (m, 0);
        self
    }

    /// Sets the probe mode.
    pub fn probe(&self, m: Mode) -> &Self {
        *self.0.probe.lock().unwrap() = (m, 0);
        self
    }

    /// Both.
    pub fn both(&self, m: Mode) -> &Self {
        self.work(m.clone());
        self.probe(m)
    }

    /// Closes the port and every connection: connects are refused.
    pub fn refuse(&self) {
        if let Some(h) = self.0.accept.lock().unwrap().take() {
            h.abort();
        }
        self.0.kill.send_modify(|g| *g += 1);
    }

    /// Listens again on the same port.
    pub async fn listen(&self) {
        if self.0.accept.lock().unwrap().is_some() {
            return;
        }
        // The aborted accept task drops its listener asynchronously.
        let mut tries = 0;
        let listener = loop {
            let sock = TcpSocket::new_v4().unwrap();
            sock.set_reuseaddr(true).unwrap();
            match sock.bind(self.0.addr).and_then(|()| sock.listen(1024)) {
                Ok(l) => break l,
                Err(e) if tries < 100 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(e) => panic!("rebinding {}: {e}", self.0.addr),
            }
        };
        self.spawn_accept(listener);
    }

    fn spawn_accept(&self, listener: TcpListener) {
        let inner = Arc::clone(&self.0);
        let h = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let _ = stream.set_nodelay(true);
                let conn = inner.conns.fetch_add(1, Ordering::SeqCst) + 1;
                let open = inner.open.fetch_add(1, Ordering::SeqCst) + 1;
                inner.max_open.fetch_max(open, Ordering::SeqCst);
                let inner = Arc::clone(&inner);
                let mut kill = inner.kill.subscribe();
                tokio::spawn(async move {
                    let svc = {
                        let inner = Arc::clone(&inner);
                        service_fn(move |req| {
                            let inner = Arc::clone(&inner);
                            async move { serve(&inner, req, conn).await }
                        })
                    };
                    let io = TokioIo::new(stream);
                    if inner.h2c_only {
                        let c = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .serve_connection(io, svc);
                        tokio::select! {
                            _ = c => {}
                            _ = kill.changed() => {}
                        }
                    } else {
                        let c =
                            hyper::server::conn::http1::Builder::new().serve_connection(io, svc);
                        tokio::select! {
                            _ = c => {}
                            _ = kill.changed() => {}
                        }
                    }
                    inner.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        *self.0.accept.lock().unwrap() = Some(h);
    }

    /// Every request so far.
    pub fn records(&self) -> Vec<Record> {
        self.0.records.lock().unwrap().clone()
    }

    /// Traffic (non-probe) requests so far.
    pub fn work_records(&self) -> Vec<Record> {
        self.records()
            .into_iter()
            .filter(|r| !r.is_probe())
            .collect()
    }

    pub fn probe_records(&self) -> Vec<Record> {
        self.records()
            .into_iter()
            .filter(|r| r.is_probe())
            .collect()
    }

    pub fn work_count(&self) -> usize {
        self.work_records().len()
    }

    /// Forgets the records so far (requests still in flight stamp a
    /// record that is gone: harmless).
    pub fn clear(&self) {
        self.0.records.lock().unwrap().clear();
    }

    /// The most connections open at once.
    pub fn max_open_connections(&self) -> usize {
        self.0.max_open.load(Ordering::SeqCst)
    }

    pub fn reset_max_open(&self) {
        let open = self.0.open.load(Ordering::SeqCst);
        self.0.max_open.store(open, Ordering::SeqCst);
    }
}

fn next_mode(cell: &Mutex<(Mode, usize)>) -> Mode {
    let mut g = cell.lock().unwrap();
    let (mode, i) = &mut *g;
    match mode {
        Mode::Cycle(list) if !list.is_empty() => {
            let m = list[*i % list.len()].clone();
            *i += 1;
            m
        }
        m => m.clone(),
    }
}

async fn serve(
    inner: &Inner,
    req: Request<Incoming>,
    conn: usize,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let at = Instant::now();
    let (parts, mut body) = req.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut rec = Record {
        at,
        done: at,
        method: parts.method.to_string(),
        path,
        headers: parts.headers,
        body: Bytes::new(),
        version: parts.version,
        conn,
        answered: false,
    };
    let mode = if rec.is_probe() {
        next_mode(&inner.probe)
    } else {
        next_mode(&inner.work)
    };
    let limit = match mode {
        Mode::ResetMidBody(k) => k,
        _ => usize::MAX,
    };
    let mut buf = Vec::new();
    while buf.len() < limit {
        match body.frame().await {
            Some(Ok(f)) => {
                if let Some(d) = f.data_ref() {
                    buf.extend_from_slice(d);
                }
            }
            Some(Err(_)) | None => break,
        }
    }
    rec.body = Bytes::from(buf);
    // Logged now; `done` is set when it is answered, reset, or abandoned
    // (the gateway closed the connection: hyper drops this future).
    let slot = {
        let mut recs = inner.records.lock().unwrap();
        recs.push(rec);
        recs.len() - 1
    };
    let mut done = Done {
        inner,
        slot,
        answered: false,
    };
    match mode {
        Mode::Reply { status, delay } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            done.answered = true;
            drop(done);
            let mut resp = Response::new(Full::new(Bytes::from(inner.name.clone())));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap();
            Ok(resp)
        }
        _ => Err(std::io::Error::other("reset")),
    }
}

/// Stamps a record's `done` when its request ends, however it ends.
struct Done<'a> {
    inner: &'a Inner,
    slot: usize,
    answered: bool,
}

impl Drop for Done<'_> {
    fn drop(&mut self) {
        if let Ok(mut recs) = self.inner.records.lock()
            && let Some(r) = recs.get_mut(self.slot)
        {
            r.done = Instant::now();
            r.answered = self.answered;
        }
    }
}

/// A sequential HTTP/1.1 client with one kept-alive connection pool, every
/// wait bounded.
#[derive(Clone)]
pub struct Client {
    inner: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Full<Bytes>,
    >,
    base: String,
}

/// A response as the client saw it.
#[derive(Debug)]
pub struct Got {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// When the request was sent and the whole response read.
    pub sent: Instant,
    pub done: Instant,
}

impl Got {
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.get(k).and_then(|v| v.to_str().ok())
    }
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("")
    }
    pub fn took(&self) -> Duration {
        self.done - self.sent
    }
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            inner: hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http(),
            base: format!("http://{addr}"),
        }
    }

    pub async fn send(&self, method: &str, path: &str, body: Bytes) -> Got {
        let req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .body(Full::new(body))
            .unwrap();
        let sent = Instant::now();
        let fut = async {
            let resp = self.inner.request(req).await.unwrap();
            let (parts, body) = resp.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Got {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
                sent,
                done: Instant::now(),
            }
        };
        tokio::time::timeout(Duration::from_secs(10), fut)
            .await
            .expect("request timed out")
    }

    pub async fn get(&self, path: &str) -> Got {
        self.send("GET", path, Bytes::new()).await
    }
}
