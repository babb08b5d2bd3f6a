//! The idle connections of the own HTTP/1.1 client, one pool per worker
//! thread (research §4.4), and the request entry points (a buffered body,
//! [`Pool::request`]; a streamed one, [`Pool::request_streaming`]) that
//! check one out or dial, send, and retry under §3.5/§4.6.
//!
//! Storage: a `thread_local!` `RefCell` holding, per host, a stack of idle
//! connections (most recently used on top). A gateway worker is a
//! current_thread runtime ([`crate::worker`]): a request never migrates, so
//! the pool needs no lock and no atomic on the hot path. A body finished on
//! another thread (an embedder's multi-thread runtime) returns its
//! connection to that thread's pool, which is harmless.
//!
//! Hosts are indexed densely: [`Pool::new`] hands out the next index of a
//! process-wide counter, and a worker's stacks are a `Vec` over those
//! indexes — no hashing on checkout. (The research suggests the generated
//! crate's host index; a counter here gives the same density without two
//! callers having to agree, and pools built by tests never share a slot.)
//!
//! Policy (defaults after nginx's `keepalive` module, research §4.4):
//! - at most `max_idle_per_worker` (32) idle connections per host per
//!   worker; when full, the oldest is closed (LIFO keeps the newest);
//! - an idle connection expires after `idle_timeout` (60 s) and any
//!   connection after `max_age` (1 h) or `max_requests` (1000, in the
//!   connection's verdict);
//! - checkout pops the most recent connection and probes it: the probe
//!   costs no syscall unless the socket became readable
//!   ([`super::conn::Probe`]); a closed one (probe-closed) or one holding
//!   unsolicited bytes (unexpected-data, S36) is dropped and the next tried;
//! - one sweeper task per worker (every second, started by the first
//!   check-in and ended when nothing is idle) drops expired and dead
//!   connections, so their sockets do not linger. Correctness does not
//!   depend on it: checkout checks expiry itself;
//! - a miss dials synchronously: pop or connect, never race the two
//!   (hyperium/hyper#4134). A dead pooled connection never surfaces as an
//!   error (research §4.6 lists a failed probe under `Unsent`): checkout
//!   skips it before anything is written.
//!
//! A pooled connection keeps the tokio registration and timer of the
//! runtime that made it, so it must be used on that runtime: true of a
//! gateway worker (one runtime per thread, for the thread's life). A
//! connection whose runtime is gone fails its probe and is dropped.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use hyper::http::Method;
use tokio::net::TcpStream;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use http_body_util::Empty;
use hyper::body::Body;

use super::body::UpstreamBody;
use super::conn::{Conn, ConnLimits, Probe, ReqBody, UpstreamRequest};
use super::error::{BodyError, ConnectError, H1Error, Kind, Reason, Retry};
use super::head::{HeadLimits, ResponseHead};
use crate::worker::Counters;

/// How often a worker's sweeper looks at its idle connections.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Settings of one host's pool.
#[derive(Clone, Copy, Debug)]
pub struct PoolConfig {
    /// Idle connections kept per worker (0: keep-alive off).
    pub max_idle_per_worker: usize,
    /// How long a connection may stay idle.
    pub idle_timeout: Duration,
    /// Requests one connection serves at most.
    pub max_requests: u32,
    /// How long a connection may live.
    pub max_age: Duration,
    /// The TCP connect timeout.
    pub connect_timeout: Option<Duration>,
    /// The deadline around writing a request and reading its head.
    pub head_timeout: Option<Duration>,
    /// The idle timeout of each body read.
    pub body_read_timeout: Option<Duration>,
    /// Whether a non-idempotent request may be sent again after a reused
    /// connection failed before any response byte (lb-failover-health.md).
    pub retry_non_idempotent: bool,
    /// Response head caps.
    pub head: HeadLimits,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_idle_per_worker: 32,
            idle_timeout: Duration::from_secs(60),
            max_requests: 1000,
            max_age: Duration::from_secs(3600),
            connect_timeout: None,
            head_timeout: None,
            body_read_timeout: None,
            retry_non_idempotent: false,
            head: HeadLimits::default(),
        }
    }
}

/// What a pool counts (per host, summed over the workers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A connection was dialled.
    Dial,
    /// A dial failed (refused, timeout, DNS).
    DialFailed,
    /// A request went out on a pooled connection.
    Reuse,
    /// A pooled connection was found closed by the upstream.
    ProbeClosed,
    /// A pooled connection held bytes nobody asked for (S36).
    UnexpectedData,
    /// A request was sent again after a stale reused connection.
    StaleRetry,
    /// A request that never left was sent again on a fresh connection.
    UnsentRetry,
    /// A retry that §3.5 allows only for idempotent methods was skipped.
    RetrySkippedNonIdempotent,
    /// An idle connection passed its idle timeout or its age.
    Expired,
    /// A connection came back to a full stack and the oldest was closed.
    Overflow,
    /// A connection went back to the pool.
    Checkin,
}

impl Event {
    /// Every event, in counter order.
    pub const ALL: [Event; 11] = [
        Event::Dial,
        Event::DialFailed,
        Event::Reuse,
        Event::ProbeClosed,
        Event::UnexpectedData,
        Event::StaleRetry,
        Event::UnsentRetry,
        Event::RetrySkippedNonIdempotent,
        Event::Expired,
        Event::Overflow,
        Event::Checkin,
    ];

    /// A stable snake_case label for metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Dial => "dial",
            Event::DialFailed => "dial_failed",
            Event::Reuse => "reuse",
            Event::ProbeClosed => "probe_closed",
            Event::UnexpectedData => "unexpected_data",
            Event::StaleRetry => "stale_retry",
            Event::UnsentRetry => "unsent_retry",
            Event::RetrySkippedNonIdempotent => "retry_skipped_non_idempotent",
            Event::Expired => "expired",
            Event::Overflow => "overflow",
            Event::Checkin => "checkin",
        }
    }
}

/// A host's counters: events, and protocol rejects by reason. Each worker
/// adds on its own cache lines ([`Counters`]).
#[derive(Debug, Default)]
pub struct PoolStats {
    events: Counters<{ Event::ALL.len() }>,
    rejects: Counters<{ Reason::ALL.len() }>,
}

impl PoolStats {
    /// How often `e` happened.
    pub fn get(&self, e: Event) -> u64 {
        self.events.get(e as usize)
    }

    /// How many responses were rejected for `r`.
    pub fn rejected(&self, r: Reason) -> u64 {
        self.rejects.get(r as usize)
    }

    fn add(&self, e: Event) {
        self.events.add(e as usize, 1);
    }
}

/// One host's pool: where to connect, the `Host` header, the policy and the
/// counters. Cheap to clone (an `Arc`); each connection it dials keeps a
/// clone to find its way back, so a request clones nothing.
#[derive(Clone, Debug)]
pub struct Pool {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    index: usize,
    host: String,
    port: u16,
    host_header: Bytes,
    config: PoolConfig,
    stats: PoolStats,
}

/// A response: its head, and its body, which owns the connection.
#[derive(Debug)]
pub struct Response {
    /// Status, version, end-to-end headers, framing.
    pub head: ResponseHead,
    /// The body; the connection goes back to the pool at its end.
    pub body: UpstreamBody,
}

/// The next dense host index.
static NEXT_INDEX: AtomicUsize = AtomicUsize::new(0);

impl Pool {
    /// The pool of `host:port` (a name or an IP literal), sending
    /// `Host: host_header`.
    pub fn new(host: &str, port: u16, host_header: Bytes, config: PoolConfig) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                index: NEXT_INDEX.fetch_add(1, Ordering::Relaxed),
                host: host.to_owned(),
                port,
                host_header,
                config,
                stats: PoolStats::default(),
            }),
        }
    }

    /// The policy.
    pub fn config(&self) -> &PoolConfig {
        &self.inner.config
    }

    /// The counters.
    pub fn stats(&self) -> &PoolStats {
        &self.inner.stats
    }

    /// Whether `other` is this pool (a clone of it).
    pub fn same(&self, other: &Pool) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Idle connections of this host on the current worker.
    pub fn idle(&self) -> usize {
        IDLE.try_with(|s| {
            s.try_borrow()
                .ok()
                .and_then(|s| s.hosts.get(self.inner.index).map(VecDeque::len))
                .unwrap_or(0)
        })
        .unwrap_or(0)
    }

    /// The most recently used live connection of this worker, if any;
    /// expired and dead ones are dropped (and counted) on the way.
    pub fn checkout(&self) -> Option<Conn> {
        let stats = &self.inner.stats;
        IDLE.try_with(|s| {
            let mut s = s.try_borrow_mut().ok()?;
            let stack = s.hosts.get_mut(self.inner.index)?;
            if stack.is_empty() {
                return None;
            }
            let now = Instant::now();
            while let Some(idle) = stack.pop_back() {
                if now >= idle.expires {
                    stats.add(Event::Expired);
                    continue;
                }
                let mut conn = idle.conn;
                match conn.probe() {
                    Probe::Alive => {
                        stats.add(Event::Reuse);
                        return Some(conn);
                    }
                    Probe::Closed => stats.add(Event::ProbeClosed),
                    Probe::UnexpectedData => stats.add(Event::UnexpectedData),
                }
            }
            None
        })
        .ok()
        .flatten()
    }

    /// Counts a protocol reject (see [`Conn`]'s errors).
    pub(crate) fn count_reject(&self, r: Reason) {
        self.inner.stats.rejects.add(r as usize, 1);
    }

    /// A new connection (TCP_NODELAY, the connect timeout).
    pub async fn dial(&self) -> Result<Conn, H1Error> {
        let inner = &self.inner;
        inner.stats.add(Event::Dial);
        let connect = TcpStream::connect((inner.host.as_str(), inner.port));
        let r = match inner.config.connect_timeout {
            Some(t) => match tokio::time::timeout(t, connect).await {
                Ok(r) => r.map_err(|e| ConnectError::Io(e.kind())),
                Err(_) => Err(ConnectError::Timeout),
            },
            None => connect.await.map_err(|e| ConnectError::Io(e.kind())),
        };
        let stream = match r {
            Ok(s) => s,
            Err(e) => {
                inner.stats.add(Event::DialFailed);
                return Err(H1Error::new(Kind::Connect(e)));
            }
        };
        // Requests are written whole; Nagle would only delay them.
        let _ = stream.set_nodelay(true);
        let c = &inner.config;
        let limits = ConnLimits {
            head: c.head,
            head_timeout: c.head_timeout,
            body_read_timeout: c.body_read_timeout,
            max_requests: c.max_requests,
        };
        let mut conn = Conn::new(stream, inner.host_header.clone(), limits);
        conn.home = Some(self.clone());
        Ok(conn)
    }

    /// Sends a request: a pooled connection or a new one, then the retry
    /// rules of research §3.5/§4.6 — an `Unsent` request goes again on a
    /// fresh connection whatever its method; a `StaleReused` one only if
    /// idempotent (or `retry_non_idempotent`); never once a response byte
    /// arrived; at most one retry.
    pub async fn request(&self, req: &UpstreamRequest<'_>) -> Result<Response, H1Error> {
        self.exchange::<Empty<Bytes>>(req, None).await
    }

    /// Sends a request whose body is streamed from `body`
    /// ([`Conn::send_streaming`]: framing, early answers, bounded memory,
    /// the head timeout); `req.body` must be
    /// [`super::conn::ReqBody::Empty`], else the error is
    /// [`Kind::RequestBody`]`(`[`BodyError::Misuse`]`)` and nothing is
    /// dialled or sent.
    ///
    /// Retries follow [`Pool::request`] while the body was never polled (a
    /// stale pooled connection found before the first frame was asked for:
    /// the same body goes out on a fresh connection); once it was polled to
    /// any result, never — its bytes are gone. A body error
    /// ([`BodyError::Failed`], or a length that breaks the size hint) is
    /// never retried and closes the connection.
    pub async fn request_streaming<B>(
        &self,
        req: &UpstreamRequest<'_>,
        body: B,
    ) -> Result<Response, H1Error>
    where
        B: Body<Data = Bytes> + Unpin + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        if !matches!(req.body, ReqBody::Empty) {
            return Err(H1Error::new(Kind::RequestBody(BodyError::Misuse)));
        }
        self.exchange(req, Some(body)).await
    }

    /// Checkout or dial, send (the buffered `req.body`, or `streamed`), and
    /// the retries of [`Pool::request`].
    async fn exchange<B>(
        &self,
        req: &UpstreamRequest<'_>,
        mut streamed: Option<B>,
    ) -> Result<Response, H1Error>
    where
        B: Body<Data = Bytes> + Unpin + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut conn = match self.checkout() {
            Some(c) => c,
            None => self.dial().await?,
        };
        let mut retried = false;
        loop {
            let r = match streamed.as_mut() {
                Some(body) => conn.send_streaming(req, body).await,
                None => conn.send(req).await,
            };
            match r {
                Ok(head) => {
                    let body = UpstreamBody::new(conn);
                    return Ok(Response { head, body });
                }
                Err(e) => {
                    drop(conn);
                    // A streamed body that gave up any frame (or its end)
                    // cannot be sent again (`retry_class` says `No` too;
                    // this keeps the skip out of the counters).
                    if e.body_spent {
                        return Err(e);
                    }
                    let stats = &self.inner.stats;
                    let idempotent = is_idempotent(req.method);
                    let retry_ok = self.inner.config.retry_non_idempotent;
                    match e.retry_class(idempotent, retry_ok) {
                        Retry::Fresh if !retried => {
                            stats.add(if matches!(e.kind, Kind::Unsent) {
                                Event::UnsentRetry
                            } else {
                                Event::StaleRetry
                            });
                        }
                        _ => {
                            if matches!(e.kind, Kind::StaleReused) && !idempotent && !retried {
                                stats.add(Event::RetrySkippedNonIdempotent);
                            }
                            return Err(e);
                        }
                    }
                    retried = true;
                    conn = self.dial().await?;
                }
            }
        }
    }
}

/// The idempotent methods of RFC 9110 §9.2.2 that lb-failover-health.md
/// already retries.
pub fn is_idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// An idle connection and when it stops being usable.
struct Idle {
    conn: Conn,
    expires: Instant,
}

/// One worker's idle connections, per host index, and its sweeper.
struct Stacks {
    hosts: Vec<VecDeque<Idle>>,
    sweeper: Option<AbortHandle>,
}

thread_local! {
    static IDLE: RefCell<Stacks> = const {
        RefCell::new(Stacks { hosts: Vec::new(), sweeper: None })
    };
}

/// Returns a connection whose response was read to its end and passed the
/// §3.4 verdict; the pool adds its own checks (age, keep-alive off, room).
pub(crate) fn checkin(mut conn: Conn) {
    let Some(pool) = conn.home.clone() else {
        return;
    };
    let inner = &pool.inner;
    let c = &inner.config;
    if c.max_idle_per_worker == 0 || !conn.is_reusable() {
        return;
    }
    let now = Instant::now();
    let end_of_life = conn.born + c.max_age;
    if now >= end_of_life {
        inner.stats.add(Event::Expired);
        return;
    }
    conn.reset_for_reuse();
    let expires = (now + c.idle_timeout).min(end_of_life);
    let _ = IDLE.try_with(|s| {
        let Ok(mut s) = s.try_borrow_mut() else {
            return;
        };
        if s.hosts.len() <= inner.index {
            s.hosts.resize_with(inner.index + 1, VecDeque::new);
        }
        let stack = &mut s.hosts[inner.index];
        stack.push_back(Idle { conn, expires });
        inner.stats.add(Event::Checkin);
        if stack.len() > c.max_idle_per_worker {
            stack.pop_front();
            inner.stats.add(Event::Overflow);
        }
        start_sweeper(&mut s);
    });
}

/// Starts this worker's sweeper unless one runs (outside a runtime: none;
/// checkout still checks expiry).
fn start_sweeper(s: &mut Stacks) {
    if s.sweeper.as_ref().is_some_and(|h| !h.is_finished()) {
        return;
    }
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return;
    };
    s.sweeper = Some(rt.spawn(sweep_loop()).abort_handle());
}

async fn sweep_loop() {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if sweep(Instant::now()) == 0 {
            return;
        }
    }
}

/// Drops this worker's expired and dead idle connections (counted on their
/// hosts); returns how many stay idle.
pub fn sweep(now: Instant) -> usize {
    IDLE.try_with(|s| {
        let Ok(mut s) = s.try_borrow_mut() else {
            return 0;
        };
        let mut left = 0;
        for stack in &mut s.hosts {
            stack.retain_mut(|idle| {
                let event = if now >= idle.expires {
                    Some(Event::Expired)
                } else {
                    match idle.conn.probe() {
                        Probe::Alive => None,
                        Probe::Closed => Some(Event::ProbeClosed),
                        Probe::UnexpectedData => Some(Event::UnexpectedData),
                    }
                };
                if let (Some(e), Some(p)) = (event, idle.conn.home.as_ref()) {
                    p.inner.stats.add(e);
                }
                event.is_none()
            });
            left += stack.len();
        }
        left
    })
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::http::HeaderMap;
    use std::sync::atomic::AtomicUsize;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// An upstream on 127.0.0.1 answering every request `ok` (keep-alive);
    /// counts its connections.
    async fn upstream() -> (u16, Arc<AtomicUsize>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = l.local_addr().expect("addr").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    let mut b = [0u8; 4096];
                    loop {
                        while let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                            got.drain(..end + 4);
                            if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                                .await
                                .is_err()
                            {
                                return;
                            }
                        }
                        match s.read(&mut b).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => got.extend_from_slice(&b[..n]),
                        }
                    }
                });
            }
        });
        (port, accepted)
    }

    fn pool(port: u16, config: PoolConfig) -> Pool {
        Pool::new("127.0.0.1", port, Bytes::from_static(b"up"), config)
    }

    async fn get(p: &Pool) -> Response {
        let headers = HeaderMap::new();
        let r = UpstreamRequest {
            method: &Method::GET,
            path_and_query: "/",
            headers: &headers,
            body: &ReqBody::Empty,
        };
        p.request(&r).await.expect("request")
    }

    async fn get_ok(p: &Pool) {
        let body = get(p).await.body.collect(1024).await.expect("body");
        assert_eq!(&body[..], b"ok");
    }

    fn local_port(c: &Conn) -> u16 {
        c.io().local_addr().map_or(0, |a| a.port())
    }

    #[tokio::test]
    async fn reuses_most_recent_first_and_caps_the_stack() {
        let (port, accepted) = upstream().await;
        let p = pool(
            port,
            PoolConfig {
                max_idle_per_worker: 2,
                ..PoolConfig::default()
            },
        );
        // Three bodies open at once: three connections.
        let (a, b, c) = (get(&p).await, get(&p).await, get(&p).await);
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
        let ports: Vec<u16> = [&a, &b, &c]
            .iter()
            .map(|r| r.body.conn().map_or(0, local_port))
            .collect();
        for r in [a, b, c] {
            r.body.collect(16).await.expect("body");
        }
        // The oldest check-in (a) was closed to keep two.
        assert_eq!(p.idle(), 2);
        assert_eq!(p.stats().get(Event::Overflow), 1);
        let top = p.checkout().expect("idle");
        assert_eq!(local_port(&top), ports[2], "most recently used first");
        let next = p.checkout().expect("idle");
        assert_eq!(local_port(&next), ports[1]);
        assert!(p.checkout().is_none());
        assert_eq!(p.stats().get(Event::Reuse), 2);
    }

    #[tokio::test]
    async fn keep_alive_off_pools_nothing() {
        let (port, accepted) = upstream().await;
        let p = pool(
            port,
            PoolConfig {
                max_idle_per_worker: 0,
                ..PoolConfig::default()
            },
        );
        for _ in 0..3 {
            get_ok(&p).await;
        }
        assert_eq!(p.idle(), 0);
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
        assert_eq!(p.stats().get(Event::Dial), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn checkout_drops_expired_connections() {
        let (port, _) = upstream().await;
        let p = pool(
            port,
            PoolConfig {
                idle_timeout: Duration::from_secs(10),
                max_age: Duration::from_secs(25),
                ..PoolConfig::default()
            },
        );
        get_ok(&p).await;
        assert_eq!(p.idle(), 1);
        tokio::time::advance(Duration::from_secs(9)).await;
        // Within the idle timeout: reused, and back with a new deadline.
        get_ok(&p).await;
        assert_eq!(p.stats().get(Event::Reuse), 1);
        tokio::time::advance(Duration::from_secs(9)).await;
        get_ok(&p).await;
        assert_eq!(p.stats().get(Event::Reuse), 2);
        // 27 s old now: past max_age, whatever the idle time.
        tokio::time::advance(Duration::from_secs(9)).await;
        assert!(p.checkout().is_none());
        assert_eq!(p.stats().get(Event::Expired), 1);
        assert_eq!(p.stats().get(Event::Dial), 1);
    }

    /// An upstream that answers one request per connection (keep-alive
    /// framing), then closes the idle connection after `linger`.
    async fn closing_upstream(linger: Duration) -> u16 {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = l.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut b = [0u8; 4096];
                    let _ = s.read(&mut b).await;
                    let _ = s
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        .await;
                    tokio::time::sleep(linger).await;
                });
            }
        });
        port
    }

    #[tokio::test]
    async fn checkout_and_sweep_drop_connections_the_upstream_closed() {
        let port = closing_upstream(Duration::from_millis(10)).await;
        let p = pool(port, PoolConfig::default());
        // Two idle connections.
        let (a, b) = (get(&p).await, get(&p).await);
        a.body.collect(16).await.expect("body");
        b.body.collect(16).await.expect("body");
        assert_eq!(p.idle(), 2);
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Both were closed by the upstream: the probe drops each, no syscall
        // for a request is spent on them.
        assert!(p.checkout().is_none());
        assert_eq!(p.idle(), 0);
        assert_eq!(p.stats().get(Event::ProbeClosed), 2);
        assert_eq!(p.stats().get(Event::Reuse), 0);
    }

    #[tokio::test]
    async fn the_sweeper_drops_dead_connections_without_a_checkout() {
        let port = closing_upstream(Duration::from_millis(10)).await;
        let p = pool(port, PoolConfig::default());
        get_ok(&p).await;
        assert_eq!(p.idle(), 1);
        // The sweeper runs every second; its probe sees the close.
        tokio::time::sleep(SWEEP_EVERY + Duration::from_millis(300)).await;
        assert_eq!(p.idle(), 0);
        assert_eq!(p.stats().get(Event::ProbeClosed), 1);
    }

    #[tokio::test]
    async fn the_probe_costs_no_syscall_on_a_quiet_socket() {
        // The read that brought the whole response was short, so it
        // cleared the cached readiness: at check-in `poll_read_ready` says
        // Pending, and the probe returns without a `recv`.
        let (port, _) = upstream().await;
        let p = pool(port, PoolConfig::default());
        let mut c = p.dial().await.expect("dial");
        for _ in 0..3 {
            let headers = HeaderMap::new();
            let r = UpstreamRequest {
                method: &Method::GET,
                path_and_query: "/",
                headers: &headers,
                body: &ReqBody::Empty,
            };
            c.send(&r).await.expect("head");
            while let Some(d) = std::future::poll_fn(|cx| c.poll_body(cx)).await {
                d.expect("body");
            }
            assert!(c.is_reusable());
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            assert!(c.io_mut().poll_read_ready(&mut cx).is_pending());
            c.reset_for_reuse();
            assert_eq!(c.probe(), Probe::Alive);
        }
    }

    #[test]
    fn reasons_index_their_counters() {
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i, "{r:?}");
        }
        for (i, e) in Event::ALL.iter().enumerate() {
            assert_eq!(*e as usize, i, "{e:?}");
        }
        let labels: std::collections::HashSet<&str> =
            Event::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(labels.len(), Event::ALL.len());
    }

    #[test]
    fn idempotent_methods() {
        let yes = [
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::TRACE,
            Method::PUT,
            Method::DELETE,
        ];
        let no = [Method::POST, Method::PATCH, Method::CONNECT];
        assert!(yes.iter().all(is_idempotent));
        assert!(!no.iter().any(is_idempotent));
    }
}
