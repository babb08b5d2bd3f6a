//! The HTTP/1.1 connection pool of one host, over hyper's
//! `client::conn::http1`: `https://` HTTP/1.1 hosts, hosts whose
//! `gwc/http-client` says `implementation: hyper` (the escape hatch from
//! the own client, [`crate::http1`]), and the requests an own client hands
//! over (another authority, a `Host` of their own; see
//! [`super::client`]). hyper-util's pooled client stays for h2, h2c and
//! ALPN `auto` hosts.
//!
//! Why not hyper-util's client here: per request it hashes the pool key
//! (SipHash over scheme and authority) under a pool-wide mutex, formats the
//! `Host` header, boxes and moves its large futures, and spawns a task that
//! puts the connection back once its body is read. A pool that belongs to
//! one host needs none of that: a short list under a mutex, checked from
//! the oldest entry.
//!
//! How a connection lives: it is made by the host's connector (TCP, then
//! TLS for `https`, with the connect timeout), handed to hyper, and its
//! driver runs as its own task. After a response head it goes back on the
//! list at once, still busy with its body; a checkout takes the first
//! entry that is ready for a new request (its body was read), drops the
//! closed ones and the ones idle longer than the idle timeout, and leaves
//! the busy ones. A background sweep closes idle ones that nobody asks for.
//! Keep-alive off (`max_idle` 0) puts nothing back: one connection per
//! request. A request that a reused connection dropped unsent (the server
//! closed it meanwhile) is sent again on another connection, as hyper-util
//! does.
//!
//! Each worker thread has a list of its own ([`crate::worker`]): a
//! connection's driver task runs on the worker that made it, so a request
//! only takes connections its own thread drives. `max_idle` is split
//! between the workers (rounded up).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HOST, HeaderValue};
use hyper::http::uri::{Authority, PathAndQuery, Scheme};
use hyper::{Request, Response, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use tower_service::Service;

use crate::body::GwBody;
use crate::lb::framing::ConnKill;
use crate::worker::PerWorker;

/// Why a request through a pool failed.
#[derive(Debug)]
pub enum H1Error {
    /// No connection could be made (TCP, TLS, timeout).
    Connect(Box<dyn std::error::Error + Send + Sync>),
    /// The exchange failed on an open connection.
    Send(hyper::Error),
    /// The request cannot go through this pool (its URI has no authority).
    Request(&'static str),
}

impl std::fmt::Display for H1Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // hyper-util's wording, so logs read the same for every client.
        match self {
            H1Error::Connect(_) => f.write_str("client error (Connect)"),
            H1Error::Send(_) => f.write_str("client error (SendRequest)"),
            H1Error::Request(what) => write!(f, "client error ({what})"),
        }
    }
}

impl std::error::Error for H1Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            H1Error::Connect(e) => Some(&**e),
            H1Error::Send(e) => Some(e),
            H1Error::Request(_) => None,
        }
    }
}

/// A connection on the list, and when it went there.
struct Entry {
    conn: Conn,
    since: Instant,
}

/// A connection: its request handle, and the handle that ends its driver
/// (given to each of its responses as a [`ConnKill`]).
struct Conn {
    send: SendRequest<GwBody>,
    kill: ConnKill,
}

/// One host's HTTP/1.1 connections.
pub struct H1Pool {
    connector: HttpsConnector<HttpConnector>,
    /// Per worker: connections, oldest first (busy ones included).
    lists: PerWorker<Mutex<VecDeque<Entry>>>,
    /// The most each list keeps (`max_idle` split between the workers).
    max_idle: usize,
    idle_timeout: Duration,
    /// The authority this pool connects to, set by its first request (a
    /// request for another one is sent on a connection of its own), and
    /// the `Host` header it takes.
    target: std::sync::OnceLock<(Scheme, Authority, Option<HeaderValue>)>,
    sweeping: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for H1Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H1Pool")
            .field("max_idle", &self.max_idle)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl H1Pool {
    /// A pool keeping up to `max_idle` connections (0: keep-alive off) for
    /// at most `idle_timeout` each.
    pub fn new(
        connector: HttpsConnector<HttpConnector>,
        max_idle: usize,
        idle_timeout: Duration,
    ) -> Arc<H1Pool> {
        Arc::new(H1Pool {
            connector,
            lists: PerWorker::default(),
            max_idle: max_idle.div_ceil(crate::worker::count()),
            idle_timeout,
            target: std::sync::OnceLock::new(),
            sweeping: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Sends a request (absolute URI) and returns the response head; the
    /// body streams from the connection.
    pub async fn request(
        self: &Arc<Self>,
        mut req: Request<GwBody>,
    ) -> Result<Response<Incoming>, H1Error> {
        let (scheme, authority) = match (req.uri().scheme(), req.uri().authority()) {
            (Some(s), Some(a)) => (s.clone(), a.clone()),
            _ => return Err(H1Error::Request("the URI has no scheme or authority")),
        };
        let target = self.target.get_or_init(|| {
            let host = host_header(&scheme, &authority);
            (scheme.clone(), authority.clone(), host)
        });
        let pooled = target.0 == scheme && target.1.as_str() == authority.as_str();
        let host = if pooled {
            target.2.clone()
        } else {
            host_header(&scheme, &authority)
        };
        let uri = std::mem::take(req.uri_mut());
        prepare(&mut req, &uri, &authority, host);
        loop {
            let (mut conn, reused) = match pooled.then(|| self.checkout()).flatten() {
                Some(c) => (c, true),
                // Boxed: only a miss pays for the connect state.
                None => (Box::pin(self.connect(&uri)).await?, false),
            };
            match conn.send.try_send_request(req).await {
                Ok(mut resp) => {
                    // Whoever refuses this answer can close its connection.
                    resp.extensions_mut().insert(conn.kill.clone());
                    if pooled {
                        self.checkin(conn);
                    }
                    return Ok(resp);
                }
                Err(mut e) => match e.take_message() {
                    // The connection closed before sending it: another one.
                    Some(r) if reused => req = r,
                    _ => return Err(H1Error::Send(e.into_error())),
                },
            }
        }
    }

    /// The oldest connection ready for a request; drops the closed and the
    /// expired ones on the way.
    fn checkout(&self) -> Option<Conn> {
        let mut list = self.lists.get().lock().ok()?;
        let now = Instant::now();
        let mut i = 0;
        while let Some(e) = list.get(i) {
            if self.stale(e, now) {
                list.remove(i);
                continue;
            }
            if e.conn.send.is_ready() {
                return list.remove(i).map(|e| e.conn);
            }
            i += 1;
        }
        None
    }

    /// Puts a connection back (busy until its body is read), unless the
    /// list is full or keep-alive is off.
    fn checkin(self: &Arc<Self>, conn: Conn) {
        if self.max_idle == 0 || conn.send.is_closed() {
            return;
        }
        let Ok(mut list) = self.lists.get().lock() else {
            return;
        };
        if list.len() < self.max_idle {
            list.push_back(Entry {
                conn,
                since: Instant::now(),
            });
        }
        drop(list);
        self.start_sweep();
    }

    /// Starts the background sweep of idle connections (once, and only
    /// inside a runtime). It stops when the pool is dropped.
    fn start_sweep(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        if self.sweeping.load(Ordering::Relaxed) || self.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            self.sweeping.store(false, Ordering::Release);
            return;
        };
        let pool: Weak<H1Pool> = Arc::downgrade(self);
        let every = self.idle_timeout.max(Duration::from_millis(100));
        rt.spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(pool) = pool.upgrade() else { return };
                pool.sweep();
            }
        });
    }

    /// Drops the closed connections and the idle ones past the timeout.
    fn sweep(&self) {
        let now = Instant::now();
        for list in self.lists.iter() {
            if let Ok(mut list) = list.lock() {
                list.retain(|e| !self.stale(e, now));
            }
        }
    }

    /// Closed, or idle (ready) for longer than the idle timeout.
    fn stale(&self, e: &Entry, now: Instant) -> bool {
        e.conn.send.is_closed()
            || (e.conn.send.is_ready() && now.duration_since(e.since) > self.idle_timeout)
    }

    /// A new connection to the request's host, its driver spawned.
    async fn connect(&self, uri: &Uri) -> Result<Conn, H1Error> {
        let mut connector = self.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(H1Error::Connect)?;
        let io = connector
            .call(uri.clone())
            .await
            .map_err(H1Error::Connect)?;
        let (conn, driver) = http1::Builder::new()
            .handshake(io)
            .await
            .map_err(|e| H1Error::Connect(Box::new(e)))?;
        let task = tokio::spawn(async move {
            // Its errors reach the request that was on it.
            let _ = driver.await;
        });
        Ok(Conn {
            send: conn,
            kill: ConnKill(task.abort_handle()),
        })
    }

    /// Connections on the list (busy or idle), for tests.
    pub fn len(&self) -> usize {
        self.lists
            .iter()
            .map(|l| l.lock().map_or(0, |l| l.len()))
            .sum()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The `Host` header hyper-util sends for an authority: the port only
/// when it is not the scheme's default.
fn host_header(scheme: &Scheme, authority: &Authority) -> Option<HeaderValue> {
    let default_port = if *scheme == Scheme::HTTPS { 443 } else { 80 };
    match authority.port_u16() {
        Some(p) if p != default_port => HeaderValue::from_str(authority.as_str()),
        _ => HeaderValue::from_str(authority.host()),
    }
    .ok()
}

/// What hyper-util does to a request before an HTTP/1 exchange: `host`
/// (from [`host_header`]) when the request has no `Host` header, and the
/// origin form of the URI (`/path?query`).
fn prepare(req: &mut Request<GwBody>, uri: &Uri, authority: &Authority, host: Option<HeaderValue>) {
    if !req.headers().contains_key(HOST)
        && let Some(v) = host
    {
        req.headers_mut().insert(HOST, v);
    }
    // CONNECT takes the authority form; everything else the origin form.
    if req.method() == hyper::Method::CONNECT {
        let mut parts = hyper::http::uri::Parts::default();
        parts.authority = Some(authority.clone());
        if let Ok(u) = Uri::from_parts(parts) {
            *req.uri_mut() = u;
        }
        return;
    }
    let pq = uri
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *req.uri_mut() = Uri::from(pq);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lb::client::{ClientError, HttpClient, root_hyper_pool, tls_config};
    use crate::spec::ClientOptions;
    use http_body_util::BodyExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// An upstream on 127.0.0.1 answering `ok`; counts its connections.
    /// `keep_alive: false` closes each connection after one answer.
    async fn upstream(keep_alive: bool) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("test setup");
        let addr = listener.local_addr().expect("test setup");
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(|req: Request<Incoming>| async move {
                        let host = req.headers().get(HOST).cloned();
                        let mut r =
                            Response::new(http_body_util::Full::new(bytes::Bytes::from(format!(
                                "{} {}",
                                req.uri(),
                                host.as_ref().and_then(|h| h.to_str().ok()).unwrap_or("-")
                            ))));
                        *r.status_mut() = hyper::StatusCode::OK;
                        Ok::<_, std::convert::Infallible>(r)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(keep_alive)
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        (format!("http://{addr}"), accepted)
    }

    fn pool(o: &ClientOptions) -> Arc<H1Pool> {
        root_hyper_pool(o, tls_config(o.tls).expect("test tls"))
    }

    async fn get(p: &Arc<H1Pool>, url: &str) -> Result<String, H1Error> {
        let mut req = Request::new(GwBody::Empty);
        *req.uri_mut() = url.parse().expect("test setup");
        let resp = p.request(req).await?;
        let body = resp.into_body().collect().await.map_err(H1Error::Send)?;
        Ok(String::from_utf8_lossy(&body.to_bytes()).into_owned())
    }

    #[tokio::test]
    async fn reuses_connections_and_sends_origin_form_with_host() {
        let (url, accepted) = upstream(true).await;
        let p = pool(&ClientOptions::DEFAULT);
        let authority = url.trim_start_matches("http://").to_owned();
        for i in 0..5 {
            let got = get(&p, &format!("{url}/r/{i}?q=1"))
                .await
                .expect("test setup");
            assert_eq!(got, format!("/r/{i}?q=1 {authority}"));
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        assert_eq!(p.len(), 1);
    }

    #[tokio::test]
    async fn keep_alive_off_connects_per_request() {
        let (url, accepted) = upstream(true).await;
        let p = pool(&ClientOptions {
            disable_keep_alives: true,
            ..ClientOptions::DEFAULT
        });
        for _ in 0..3 {
            get(&p, &format!("{url}/")).await.expect("test setup");
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
        assert!(p.is_empty());
    }

    #[tokio::test]
    async fn connections_the_server_closes_are_not_reused() {
        let (url, accepted) = upstream(false).await;
        let p = pool(&ClientOptions::DEFAULT);
        for _ in 0..3 {
            get(&p, &format!("{url}/")).await.expect("test setup");
            // Let the driver see the close.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn idle_connections_expire() {
        let (url, accepted) = upstream(true).await;
        let p = pool(&ClientOptions {
            idle_connection_timeout_ms: 50,
            ..ClientOptions::DEFAULT
        });
        get(&p, &format!("{url}/")).await.expect("test setup");
        assert_eq!(p.len(), 1);
        // The sweep (every 100 ms at least) closes it.
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(p.is_empty());
        get(&p, &format!("{url}/")).await.expect("test setup");
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("test setup");
        let addr = listener.local_addr().expect("test setup");
        drop(listener);
        let client = HttpClient::H1(pool(&ClientOptions::DEFAULT));
        let mut req = Request::new(GwBody::Empty);
        *req.uri_mut() = format!("http://{addr}/").parse().expect("test setup");
        let e = client.request(req).await.expect_err("refused");
        assert!(e.is_connect(), "{e:?}");
        assert!(matches!(e, ClientError::H1(H1Error::Connect(_))));
        assert_eq!(e.to_string(), "client error (Connect)");
        let source = std::error::Error::source(&e).map(|s| s.to_string());
        assert!(source.is_some_and(|s| !s.is_empty()));
        // No scheme or authority: refused before any connection.
        let p = pool(&ClientOptions::DEFAULT);
        let mut req = Request::new(GwBody::Empty);
        *req.uri_mut() = Uri::from_static("/relative");
        assert!(matches!(p.request(req).await, Err(H1Error::Request(_))));
    }

    #[test]
    fn prepare_sets_host_and_origin_form() {
        let table: &[(&str, Option<&str>, &str, &str)] = &[
            ("http://h:8080/a?b=1", None, "h:8080", "/a?b=1"),
            ("http://h:80/a", None, "h", "/a"),
            ("http://h/a", None, "h", "/a"),
            ("https://h:443/", None, "h", "/"),
            ("https://h:80/", None, "h:80", "/"),
            ("http://[::1]:9/x", None, "[::1]:9", "/x"),
            ("http://h:8080/a", Some("given"), "given", "/a"),
        ];
        for (uri, host, want_host, want_uri) in table {
            let uri: Uri = uri.parse().unwrap_or_default();
            let mut req = Request::new(GwBody::Empty);
            if let Some(h) = host {
                req.headers_mut().insert(HOST, HeaderValue::from_static(h));
            }
            let (s, a) = (
                uri.scheme().cloned().unwrap_or(Scheme::HTTP),
                uri.authority()
                    .cloned()
                    .unwrap_or(Authority::from_static("x")),
            );
            let host = host_header(&s, &a);
            prepare(&mut req, &uri, &a, host);
            assert_eq!(
                req.headers().get(HOST).map(|v| v.as_bytes()),
                Some(want_host.as_bytes()),
                "{uri}"
            );
            assert_eq!(req.uri().to_string(), *want_uri, "{uri}");
        }
    }
}
