//! The listeners: accept connections, serve them with hyper (HTTP/1.1, and
//! h2c with `use_h2c`), and on shutdown stop accepting, let in-flight
//! requests finish (bounded) and close idle keep-alive connections.
//! The admin listener serves `/metrics` and `/upstreams`.

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::body::GwBody;
use crate::handler;
use crate::metrics;
use crate::spec::{Gateway, ServerOptions};
use crate::state::Gw;

/// The drain bound when `max_shutdown_wait_time` is unset.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// How long shutdown waits for in-flight requests.
pub fn drain_bound(o: &ServerOptions) -> Duration {
    if o.max_shutdown_wait_ms > 0 {
        Duration::from_millis(o.max_shutdown_wait_ms)
    } else {
        DEFAULT_DRAIN
    }
}

/// hyper's one HTTP/1 timer for Go's `IdleTimeout` and
/// `ReadHeaderTimeout`: it runs from the end of the previous response (or
/// the connection's start) until the next request's head is read, so it
/// is their sum; `None` (no bound, Go's default) when neither is set.
pub fn header_read_timeout(o: &ServerOptions) -> Option<Duration> {
    let ms = o.idle_timeout_ms.saturating_add(o.read_header_timeout_ms);
    (ms > 0).then(|| Duration::from_millis(ms))
}

/// The connection builder for the gateway's server options.
fn conn_builder(o: &ServerOptions) -> auto::Builder<TokioExecutor> {
    let mut b = auto::Builder::new(TokioExecutor::new());
    {
        let mut h1 = b.http1();
        h1.timer(TokioTimer::new());
        h1.header_read_timeout(header_read_timeout(o));
        if o.max_header_bytes > 0 {
            // hyper's floor is 8 KiB.
            h1.max_buf_size((o.max_header_bytes as usize).max(8192));
        }
    }
    b.http2().timer(TokioTimer::new());
    if o.use_h2c { b } else { b.http1_only() }
}

/// Waits for the next connection, or `None` once `shutdown` completes.
async fn accept_or_stop(
    listener: &TcpListener,
    shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Option<std::io::Result<(tokio::net::TcpStream, std::net::SocketAddr)>> {
    poll_fn(|cx| {
        if shutdown.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        listener.poll_accept(cx).map(Some)
    })
    .await
}

/// The accept loop shared by the gateway and admin listeners.
async fn accept_loop<F, Fut>(
    listener: TcpListener,
    builder: auto::Builder<TokioExecutor>,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
    make: F,
) where
    F: Fn(Request<Incoming>, std::net::SocketAddr) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<GwBody>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    while let Some(accepted) = accept_or_stop(&listener, &mut shutdown).await {
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                eprintln!("level=error msg=\"accept failed: {e}\"");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let make = make.clone();
        let svc = service_fn(move |req| {
            let fut = make(req, peer);
            async move { Ok::<_, Infallible>(fut.await) }
        });
        let conn = builder
            .serve_connection(TokioIo::new(stream), svc)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "level=warn msg=\"shutdown: in-flight requests still running after {} ms, closing\"",
            drain.as_millis()
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
    gw.start_background();
    let builder = conn_builder(&gw.spec.server);
    let drain = drain_bound(&gw.spec.server);
    let make =
        move |req, peer: std::net::SocketAddr| handler::handle(Arc::clone(&gw), req, peer.ip());
    accept_loop(listener, builder, shutdown, drain, make).await;
}

/// Serves the admin endpoints until `shutdown` completes.
pub async fn serve_admin(gw: Arc<Gw>, listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    let make = move |req: Request<Incoming>, _peer| {
        let gw = Arc::clone(&gw);
        async move { admin(&gw, &req) }
    };
    accept_loop(listener, builder, shutdown, Duration::from_secs(1), make).await;
}

fn admin(gw: &Gw, req: &Request<Incoming>) -> Response<GwBody> {
    let (status, ct, body) = match req.uri().path() {
        "/metrics" => (
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            metrics::render(gw),
        ),
        "/upstreams" | "/__gwc/upstreams" => (
            StatusCode::OK,
            "application/json; charset=utf-8",
            metrics::upstreams_json(gw),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "404 page not found".to_owned(),
        ),
    };
    let mut r = Response::new(GwBody::full(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_read_header_timeouts_share_hypers_timer() {
        let o = |idle, head| ServerOptions {
            idle_timeout_ms: idle,
            read_header_timeout_ms: head,
            ..ServerOptions::DEFAULT
        };
        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!(header_read_timeout(&o(0, 0)), None);
        assert_eq!(header_read_timeout(&o(5000, 0)), ms(5000));
        assert_eq!(header_read_timeout(&o(0, 300)), ms(300));
        assert_eq!(header_read_timeout(&o(5000, 300)), ms(5300));
    }
}
