//! The listeners: accept connections, serve them with hyper (HTTP/1.1, and
//! h2c with `use_h2c`), and on shutdown stop accepting, let in-flight
//! requests finish (bounded) and close idle keep-alive connections.
//! The admin listener serves `/metrics` and `/upstreams`.
//!
//! With several workers ([`crate::worker`]) each one accepts from the
//! shared listener, and a worker that accepts while another serves fewer
//! connections hands the new one over ([`Handoff`]): whichever thread wins
//! the accept, connections end up spread evenly.

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::body::GwBody;
use crate::handler;
use crate::limits::{AcceptBackoff, ClientIo, Limits, REFUSAL, Requests, Tracked};
use crate::metrics;
use crate::spec::{Gateway, ServerOptions};
use crate::state::Gw;
use crate::worker::PerWorker;

/// The drain bound when `max_shutdown_wait_time` is unset.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// How long a stopping listener keeps serving the connections it has
/// (each answer with `Connection: close`) before it closes the idle ones
/// (bounded by the drain bound).
pub const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// How long shutdown waits for in-flight requests.
pub fn drain_bound(o: &ServerOptions) -> Duration {
    if o.max_shutdown_wait_ms > 0 {
        Duration::from_millis(o.max_shutdown_wait_ms)
    } else {
        DEFAULT_DRAIN
    }
}

/// The connection builder for the gateway's server options.
///
/// hyper's own HTTP/1 header timer is off: it runs from the end of the
/// previous response to the next head, so it cannot be Go's
/// `ReadHeaderTimeout` and `IdleTimeout` at once; each connection's
/// [`ClientIo`] keeps both (and the send timeout) instead.
fn conn_builder(o: &ServerOptions) -> auto::Builder<TokioExecutor> {
    let mut b = auto::Builder::new(TokioExecutor::new());
    {
        let mut h1 = b.http1();
        h1.timer(TokioTimer::new());
        h1.header_read_timeout(None);
        if o.max_header_bytes > 0 {
            // hyper's floor is 8 KiB.
            h1.max_buf_size((o.max_header_bytes as usize).max(8192));
        }
    }
    {
        let mut h2 = b.http2();
        h2.timer(TokioTimer::new());
        if o.max_header_bytes > 0 {
            h2.max_header_list_size(o.max_header_bytes);
        }
    }
    if o.use_h2c { b } else { b.http1_only() }
}

/// A connection accepted by one worker for another.
type Handed = (std::net::TcpStream, SocketAddr);

/// One worker's part in spreading connections between workers.
pub struct Handoff {
    me: usize,
    /// Every worker's inbox, in worker order.
    to: Arc<[mpsc::UnboundedSender<Handed>]>,
    /// This worker's inbox.
    inbox: mpsc::UnboundedReceiver<Handed>,
}

impl Handoff {
    /// The hand-off of each of `n` workers, in worker order.
    pub fn workers(n: usize) -> Vec<Handoff> {
        let (to, inboxes): (Vec<_>, Vec<_>) = (0..n).map(|_| mpsc::unbounded_channel()).unzip();
        let to: Arc<[_]> = to.into();
        inboxes
            .into_iter()
            .enumerate()
            .map(|(me, inbox)| Handoff {
                me,
                to: Arc::clone(&to),
                inbox,
            })
            .collect()
    }

    /// The worker that should serve a connection this one accepted: this
    /// one, unless another (still running) serves fewer (`live`, per
    /// worker; ties stay here).
    fn pick(&self, live: &PerWorker<AtomicUsize>) -> usize {
        let load = |i: usize| live.at(i).load(Ordering::Relaxed);
        let mut best = self.me;
        for (i, to) in self.to.iter().enumerate() {
            if load(i) < load(best) && !to.is_closed() {
                best = i;
            }
        }
        best
    }
}

/// Sends a connection to worker `to`, counted there at once (so the next
/// accept already sees it); gives it back when that worker is gone (it
/// stopped, or its thread never started).
fn hand_over(
    h: &Handoff,
    live: &PerWorker<AtomicUsize>,
    to: usize,
    stream: TcpStream,
    peer: SocketAddr,
) -> Option<(TcpStream, SocketAddr)> {
    // It leaves this worker's reactor; the other one adopts it.
    let s = match stream.into_std() {
        Ok(s) => s,
        Err(e) => {
            crate::telemetry::logging::log(
                crate::telemetry::logging::Level::Error,
                &format!("cannot hand a connection over: {e}"),
            );
            return None;
        }
    };
    live.at(to).fetch_add(1, Ordering::Relaxed);
    let Err(mpsc::error::SendError((s, peer))) = h.to[to].send((s, peer)) else {
        return None;
    };
    live.at(to).fetch_sub(1, Ordering::Relaxed);
    TcpStream::from_std(s).ok().map(|s| (s, peer))
}

/// Counts a connection on the current worker while it is served.
struct Live(Arc<Gw>, usize);

impl Live {
    /// Counts it; `counted`: the worker that handed it over already did.
    fn new(gw: &Arc<Gw>, counted: bool) -> Live {
        let i = crate::worker::index();
        if !counted {
            gw.connections.at(i).fetch_add(1, Ordering::Relaxed);
        }
        Live(Arc::clone(gw), i)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.0
            .connections
            .at(self.1)
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whether worker `to` already serves its `max_connections`.
fn full(gw: &Gw, to: usize, limits: &Limits) -> bool {
    gw.connections.at(to).load(Ordering::Relaxed) >= limits.max_connections
}

/// Refuses a connection past the cap: a 503 written if the socket takes
/// it at once (it always does on a fresh connection), then closed; the
/// request, if the client sent one already, is never read.
fn refuse(stream: TcpStream) {
    let _ = stream.try_write(REFUSAL);
    drop(stream);
}

/// How a listener serves its connections.
struct Conns {
    /// hyper's connection settings.
    builder: auto::Builder<TokioExecutor>,
    /// Each connection's bounds.
    limits: Limits,
    /// How long shutdown waits for in-flight requests.
    drain: Duration,
}

/// What the accept loop waits for.
enum Next {
    Accepted(std::io::Result<(TcpStream, SocketAddr)>),
    Handed(Handed),
    Stop,
}

/// Waits for the next connection (accepted, or handed over by another
/// worker), or `Stop` once `shutdown` completes.
async fn next_conn(
    listener: &TcpListener,
    handoff: &mut Option<Handoff>,
    shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Next {
    poll_fn(|cx| {
        if shutdown.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Next::Stop);
        }
        if let Some(h) = handoff.as_mut()
            && let Poll::Ready(Some(c)) = h.inbox.poll_recv(cx)
        {
            return Poll::Ready(Next::Handed(c));
        }
        listener.poll_accept(cx).map(Next::Accepted)
    })
    .await
}

/// A connection counted in its listener's `fresh` connections until its
/// first request arrives or it closes (the drain waits for those).
struct Fresh {
    fresh: Arc<AtomicUsize>,
    pending: AtomicBool,
}

impl Fresh {
    fn new(fresh: &Arc<AtomicUsize>) -> Fresh {
        fresh.fetch_add(1, Ordering::Relaxed);
        Fresh {
            fresh: Arc::clone(fresh),
            pending: AtomicBool::new(true),
        }
    }

    /// A request arrived (the first one counts).
    fn served(&self) {
        if self.pending.load(Ordering::Relaxed) && self.pending.swap(false, Ordering::Relaxed) {
            self.fresh.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        self.served();
    }
}

/// The accept loop shared by the gateway and admin listeners.
///
/// `gw` (the gateway listener's, not the admin's) counts the connections
/// per worker; with a `handoff` a connection may go to another worker.
async fn accept_loop<F, Fut>(
    listener: TcpListener,
    gw: Option<Arc<Gw>>,
    mut handoff: Option<Handoff>,
    conns: Conns,
    shutdown: impl Future<Output = ()>,
    make: F,
) where
    F: Fn(Request<Incoming>, std::net::SocketAddr) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<GwBody>> + Send + 'static,
{
    let Conns {
        builder,
        limits,
        drain,
    } = conns;
    let graceful = GracefulShutdown::new();
    let draining = Arc::new(AtomicBool::new(false));
    let fresh = Arc::new(AtomicUsize::new(0));
    let make = Arc::new(make);
    let serve_one = |stream: TcpStream, peer: SocketAddr, handed: bool| {
        let live = gw.as_ref().map(|gw| Live::new(gw, handed));
        let _ = stream.set_nodelay(true);
        let make = Arc::clone(&make);
        let draining = Arc::clone(&draining);
        let requests = Arc::new(Requests::new(&limits));
        let io = ClientIo::new(stream, limits, Arc::clone(&requests));
        let first = Arc::new(Fresh::new(&fresh));
        let svc = service_fn(move |req: Request<Incoming>| {
            requests.start();
            first.served();
            let h1 = req.version() <= hyper::Version::HTTP_11;
            let make = Arc::clone(&make);
            let draining = Arc::clone(&draining);
            let requests = Arc::clone(&requests);
            // Boxed per request: hyper keeps the slot for a connection's
            // request future allocated for the connection's whole life, and
            // the handler's future is about 15 KiB; unboxed, every open
            // connection (a silent or idle one too) would hold that. The
            // handler's future is made inside the box, at the first poll:
            // made here, its 15 KiB were copied twice more per request (into
            // this block, then into the box).
            Box::pin(async move {
                let mut r = make(req, peer).await;
                // Draining: the client is told to reconnect (to the
                // process that took over the listener, after an upgrade).
                if h1 && draining.load(Ordering::Relaxed) {
                    r.headers_mut()
                        .insert(CONNECTION, HeaderValue::from_static("close"));
                }
                Ok::<_, Infallible>(r.map(|b| Tracked::new(b, requests)))
            })
        });
        let conn = builder.serve_connection(TokioIo::new(io), svc).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(live);
        });
    };
    let mut shutdown = pin!(shutdown);
    let mut backoff = AcceptBackoff::default();
    loop {
        let next = next_conn(&listener, &mut handoff, &mut shutdown).await;
        if let Next::Accepted(Ok(_)) = &next
            && let Some(line) = backoff.succeeded(tokio::time::Instant::now())
        {
            crate::telemetry::logging::log(crate::telemetry::logging::Level::Warning, &line);
        }
        let (stream, peer, handed) = match next {
            Next::Stop => break,
            Next::Accepted(Ok((stream, peer))) => match (&handoff, &gw) {
                (Some(h), Some(gw)) => match h.pick(&gw.connections) {
                    to if full(gw, to, &limits) => {
                        refuse(stream);
                        continue;
                    }
                    to if to == h.me => (stream, peer, false),
                    to => match hand_over(h, &gw.connections, to, stream, peer) {
                        Some((stream, peer)) => (stream, peer, false),
                        None => continue,
                    },
                },
                (None, Some(gw)) if full(gw, crate::worker::index(), &limits) => {
                    refuse(stream);
                    continue;
                }
                _ => (stream, peer, false),
            },
            Next::Handed((s, peer)) => match TcpStream::from_std(s) {
                Ok(stream) => (stream, peer, true),
                Err(e) => {
                    crate::telemetry::logging::log(
                        crate::telemetry::logging::Level::Error,
                        &format!("cannot adopt a connection: {e}"),
                    );
                    if let Some(gw) = &gw {
                        drop(Live::new(gw, true));
                    }
                    continue;
                }
            },
            Next::Accepted(Err(e)) => {
                // EMFILE and friends: back off instead of spinning (the
                // waiting clients stay in the listen backlog meanwhile).
                let (wait, line) = backoff.failed(&e, tokio::time::Instant::now());
                if let Some(line) = line {
                    crate::telemetry::logging::log(crate::telemetry::logging::Level::Error, &line);
                }
                if tokio::time::timeout(wait, shutdown.as_mut()).await.is_ok() {
                    break;
                }
                continue;
            }
        };
        serve_one(stream, peer, handed);
    }
    drop(listener);
    // Connections another worker handed over just before the stop are
    // served, not dropped; once the inbox is closed a worker still
    // accepting serves the ones it would hand over itself.
    if let Some(h) = handoff.as_mut() {
        h.inbox.close();
        while let Ok((s, peer)) = h.inbox.try_recv() {
            match TcpStream::from_std(s) {
                Ok(stream) => serve_one(stream, peer, true),
                Err(_) => {
                    if let Some(gw) = &gw {
                        drop(Live::new(gw, true));
                    }
                }
            }
        }
    }
    // A grace before hyper's graceful shutdown, which closes every
    // connection with no request in progress at once: a connection
    // accepted just before the stop whose request has not arrived yet,
    // and a keep-alive client about to send its next one, would see the
    // connection close unanswered. Meanwhile each answer carries
    // `Connection: close`, and the clients come back on a new connection.
    // The grace lasts while a connection has not sent its first request
    // yet (an overloaded process may not have read it; the header-read
    // timeout closes a silent one), within the drain bound.
    draining.store(true, Ordering::Relaxed);
    let grace = DRAIN_GRACE.min(drain);
    let started = std::time::Instant::now();
    while graceful.count() > 0 {
        let waited = started.elapsed();
        if waited >= drain || (waited >= grace && fresh.load(Ordering::Relaxed) == 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    if tokio::time::timeout(drain.saturating_sub(started.elapsed()), graceful.shutdown())
        .await
        .is_err()
    {
        crate::telemetry::logging::log(
            crate::telemetry::logging::Level::Warning,
            &format!(
                "shutdown: in-flight requests still running after {} ms, closing",
                drain.as_millis()
            ),
        );
    }
}

/// Serves the gateway on `listener` until `shutdown` completes, then drains
/// in-flight requests (bounded by `max_shutdown_wait_time`, 10 s by default).
/// Fails only when the description is inconsistent (a compiler bug).
pub async fn serve(
    gateway: &'static Gateway,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let gw = Arc::new(Gw::build(gateway)?);
    serve_state(gw, listener, shutdown).await;
    Ok(())
}

/// [`serve`] with the state already built (shared with the admin listener).
pub async fn serve_state(gw: Arc<Gw>, listener: TcpListener, shutdown: impl Future<Output = ()>) {
    serve_worker(gw, listener, None, shutdown).await;
}

/// [`serve_state`] as one of several workers sharing `listener`.
pub async fn serve_worker(
    gw: Arc<Gw>,
    listener: TcpListener,
    handoff: Option<Handoff>,
    shutdown: impl Future<Output = ()>,
) {
    gw.start_background();
    let builder = conn_builder(&gw.spec.server);
    let limits = Limits::of(&gw.spec.server);
    let drain = drain_bound(&gw.spec.server);
    let counted = Some(Arc::clone(&gw));
    let make =
        move |req, peer: std::net::SocketAddr| handler::handle(Arc::clone(&gw), req, peer.ip());
    let conns = Conns {
        builder,
        limits,
        drain,
    };
    accept_loop(listener, counted, handoff, conns, shutdown, make).await;
}

/// Serves the admin endpoints until `shutdown` completes.
pub async fn serve_admin(gw: Arc<Gw>, listener: TcpListener, shutdown: impl Future<Output = ()>) {
    serve_side(listener, shutdown, move |req| admin(&gw, req)).await;
}

/// A side listener (the admin endpoints, a Prometheus exporter,
/// `/__stats`): HTTP/1.1, no hand-off between workers, a 1 s drain;
/// `answer` writes each response whole.
async fn serve_side<A>(listener: TcpListener, shutdown: impl Future<Output = ()>, answer: A)
where
    A: Fn(&Request<Incoming>) -> Response<GwBody> + Clone + Send + Sync + 'static,
{
    let builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    let make = move |req: Request<Incoming>, _peer| {
        let r = answer(&req);
        async move { r }
    };
    accept_loop(
        listener,
        None,
        None,
        Conns {
            builder,
            limits: Limits::DEFAULT,
            drain: Duration::from_secs(1),
        },
        shutdown,
        make,
    )
    .await;
}

/// A whole response: status, content type, body.
fn whole(status: StatusCode, ct: &'static str, body: String) -> Response<GwBody> {
    let mut r = Response::new(GwBody::full(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

/// Serves `telemetry/opentelemetry`'s Prometheus exporter on `listener`:
/// `GET /metrics` (CE's series, krakend-components §8.2), 404 elsewhere,
/// until `shutdown`.
#[cfg(feature = "otel")]
pub async fn serve_prometheus(
    gw: Arc<Gw>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) {
    serve_side(listener, shutdown, move |req| {
        if req.uri().path() == "/metrics" {
            whole(
                StatusCode::OK,
                crate::telemetry::opentelemetry::CONTENT_TYPE,
                crate::telemetry::opentelemetry::render(&gw),
            )
        } else {
            whole(
                StatusCode::NOT_FOUND,
                "text/plain",
                "404 page not found".to_owned(),
            )
        }
    })
    .await;
}

/// Serves `telemetry/metrics`' `/__stats` on `listener` until `shutdown`.
#[cfg(feature = "stats")]
pub async fn serve_stats(
    stats: Arc<crate::telemetry::metrics::Collector>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) {
    serve_side(listener, shutdown, move |req| {
        let (status, ct, body) =
            crate::telemetry::metrics::respond(&stats, req.method(), req.uri().path());
        let mut r = whole(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            ct,
            body,
        );
        let extra = match status {
            405 => Some((hyper::header::ALLOW, "GET")),
            301 | 307 => Some((hyper::header::LOCATION, "/__stats")),
            _ => None,
        };
        if let Some((k, v)) = extra {
            r.headers_mut().insert(k, HeaderValue::from_static(v));
        }
        r
    })
    .await;
}

fn admin(gw: &Gw, req: &Request<Incoming>) -> Response<GwBody> {
    match req.uri().path() {
        "/metrics" => whole(
            StatusCode::OK,
            crate::exposition::CONTENT_TYPE,
            metrics::render(gw),
        ),
        "/upstreams" | "/__gwc/upstreams" => whole(
            StatusCode::OK,
            "application/json; charset=utf-8",
            metrics::upstreams_json(gw),
        ),
        _ => whole(
            StatusCode::NOT_FOUND,
            "text/plain",
            "404 page not found".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_goes_to_the_least_busy_running_worker() {
        let live = PerWorker::with_len(3, || AtomicUsize::new(0));
        let set = |v: [usize; 3]| {
            for (i, n) in v.into_iter().enumerate() {
                live.at(i).store(n, Ordering::Relaxed);
            }
        };
        let mut workers = Handoff::workers(3);
        let (w0, w1) = (&workers[0], &workers[1]);
        set([0, 0, 0]);
        assert_eq!((w0.pick(&live), w1.pick(&live)), (0, 1), "ties stay");
        set([2, 1, 1]);
        assert_eq!((w0.pick(&live), w1.pick(&live)), (1, 1));
        set([2, 2, 0]);
        assert_eq!((w0.pick(&live), w1.pick(&live)), (2, 2));
        // Worker 2 stopped (its inbox is gone): never picked.
        drop(workers.pop());
        let (w0, w1) = (&workers[0], &workers[1]);
        assert_eq!((w0.pick(&live), w1.pick(&live)), (0, 1));
        set([3, 1, 0]);
        assert_eq!(workers[0].pick(&live), 1);
    }

    #[tokio::test]
    async fn a_hand_over_to_a_stopped_worker_gives_the_connection_back() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let _client = TcpStream::connect(addr).await.expect("connect");
        let (stream, peer) = listener.accept().await.expect("accept");
        let mut workers = Handoff::workers(2);
        let mut w1 = workers.pop().expect("two");
        let live = PerWorker::with_len(2, || AtomicUsize::new(0));
        let count = |i| live.at(i).load(Ordering::Relaxed);
        // Worker 1 running: it receives the connection, counted on it at
        // once (before it adopts it).
        assert!(hand_over(&workers[0], &live, 1, stream, peer).is_none());
        assert_eq!((count(0), count(1)), (0, 1));
        let (s, p) = w1.inbox.recv().await.expect("handed over");
        assert_eq!(p, peer);
        // Worker 1 gone: the connection comes back, still open, uncounted.
        drop(w1);
        let stream = TcpStream::from_std(s).expect("adopt");
        let back = hand_over(&workers[0], &live, 1, stream, peer);
        assert!(back.is_some_and(|(s, p)| p == peer && s.peer_addr().is_ok()));
        assert_eq!((count(0), count(1)), (0, 1));
    }
}
