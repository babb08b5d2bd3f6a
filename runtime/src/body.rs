//! The one body type the gateway sends, both ways: to clients and to
//! backends. An enum instead of a boxed trait object, so the common cases
//! (a rendered buffer, a streamed `Incoming` or upstream body) cost no
//! allocation.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Sleep;

use crate::error::{Error, ErrorKind};
use crate::lb::client::UpBody;

/// A request or response body.
///
/// `Deadline` holds an [`UpBody`], whose own-client variant owns its
/// connection inline (about 300 bytes): boxing it would cost an
/// allocation on every streamed (no-op) answer, which the hot path
/// avoids, so the size difference is accepted.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Default)]
pub enum GwBody {
    /// No body.
    #[default]
    Empty,
    /// One buffer (taken on the first poll).
    Full(Option<Bytes>),
    /// A streamed body, passed through frame by frame.
    Stream(Incoming),
    /// A streamed body that fails once `deadline` passes (no-op endpoints:
    /// the endpoint `timeout` bounds the whole pipe, body included).
    Deadline {
        /// Bytes read before streaming started (`qos/http-cache` read them
        /// to decide whether the answer fits its store), sent first.
        prefix: Option<Bytes>,
        /// The streamed body (either client's, [`UpBody`]).
        inner: UpBody,
        /// When to give up.
        deadline: Pin<Box<Sleep>>,
        /// The upstream host's connection slot, released with the body.
        permit: Option<OwnedSemaphorePermit>,
        /// The endpoint, for the log line when the stream fails.
        endpoint: &'static str,
        /// A failure of `inner`, held back for one poll: see
        /// [`GwBody::poll_frame`].
        failed: Option<Error>,
    },
    /// A client body streamed to one attempt of a failover loop: it stays
    /// in the shared cell until the first poll, so an attempt that failed
    /// before sending anything (a connect failure) leaves it for the next.
    Once(OnceBody),
}

/// A streamed request body that can be handed to another attempt as long
/// as nobody polled it (see [`GwBody::Once`]).
#[derive(Debug)]
pub struct OnceBody {
    cell: Arc<Mutex<Option<(Bytes, Incoming)>>>,
    hint: SizeHint,
    prefix: Option<Bytes>,
    inner: Option<Incoming>,
}

/// The shared cell of a [`OnceBody`]: the bytes already read (a prefix
/// read while deciding whether the body fits the replay buffer) and the
/// rest of the stream.
pub type OnceCell = Arc<Mutex<Option<(Bytes, Incoming)>>>;

impl OnceBody {
    /// A body over the cell's content; `None` when it was taken already.
    pub fn new(cell: &OnceCell) -> Option<OnceBody> {
        let guard = cell.lock().ok()?;
        let (prefix, rest) = guard.as_ref()?;
        let mut hint = rest.size_hint();
        let p = prefix.len() as u64;
        hint.set_lower(hint.lower().saturating_add(p));
        if let Some(u) = hint.upper() {
            hint.set_upper(u.saturating_add(p));
        }
        drop(guard);
        Some(OnceBody {
            cell: Arc::clone(cell),
            hint,
            prefix: None,
            inner: None,
        })
    }

    fn start(&mut self) -> bool {
        if self.inner.is_some() {
            return true;
        }
        let taken = self.cell.lock().ok().and_then(|mut g| g.take());
        match taken {
            Some((prefix, inner)) => {
                self.prefix = (!prefix.is_empty()).then_some(prefix);
                self.inner = Some(inner);
                true
            }
            None => false,
        }
    }
}

impl GwBody {
    /// A body holding `bytes` (empty bytes → `Empty`).
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let b = bytes.into();
        if b.is_empty() {
            GwBody::Empty
        } else {
            GwBody::Full(Some(b))
        }
    }
}

/// Streamed (no-op) responses cut after their head was sent, ever.
static STREAM_FAILURES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many streamed (no-op) responses failed after their head was sent:
/// the upstream closed or reset the connection mid-body, or the endpoint
/// timeout passed (`gwc_stream_failures_total` on the admin `/metrics`).
pub fn stream_failures() -> u64 {
    STREAM_FAILURES.load(std::sync::atomic::Ordering::Relaxed)
}

/// A streamed response is cut: the client sees its connection closed
/// (HTTP/1.1) or its stream reset (h2) with no status left to tell, so the
/// gateway says it in its log and counts it.
fn stream_failed(endpoint: &str, e: &Error) {
    STREAM_FAILURES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    use crate::telemetry::logging::{self, Level};
    if logging::enabled(Level::Error) {
        logging::log(
            Level::Error,
            &format!("[ENDPOINT: {endpoint}] streaming the backend response failed: {e}"),
        );
    }
}

fn transport(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Transport, format!("body: {e}"))
}

impl Body for GwBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        match self.get_mut() {
            GwBody::Empty => Poll::Ready(None),
            GwBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            GwBody::Stream(inner) => Pin::new(inner)
                .poll_frame(cx)
                .map(|o| o.map(|r| r.map_err(transport))),
            GwBody::Once(o) => {
                if !o.start() {
                    return Poll::Ready(Some(Err(Error::new(
                        ErrorKind::Internal,
                        "the request body was already sent",
                    ))));
                }
                if let Some(p) = o.prefix.take() {
                    return Poll::Ready(Some(Ok(Frame::data(p))));
                }
                match o.inner.as_mut() {
                    Some(inner) => Pin::new(inner)
                        .poll_frame(cx)
                        .map(|o| o.map(|r| r.map_err(transport))),
                    None => Poll::Ready(None),
                }
            }
            GwBody::Deadline {
                prefix,
                inner,
                deadline,
                endpoint,
                failed,
                ..
            } => {
                if let Some(e) = failed.take() {
                    stream_failed(endpoint, &e);
                    return Poll::Ready(Some(Err(e)));
                }
                if deadline.as_mut().poll(cx).is_ready() {
                    let e = Error::new(
                        ErrorKind::Timeout,
                        "endpoint timeout while streaming the body",
                    );
                    stream_failed(endpoint, &e);
                    return Poll::Ready(Some(Err(e)));
                }
                if let Some(p) = prefix.take() {
                    return Poll::Ready(Some(Ok(Frame::data(p))));
                }
                match Pin::new(inner).poll_frame(cx) {
                    // The upstream failed mid-body. hyper's server drops
                    // the connection at a body error without flushing what
                    // it buffered, head included; the own client can see
                    // the failure (an EOF already read) in the same poll
                    // that returned the last data, where hyper's client
                    // saw it one IO event later. Pending once, with a
                    // wake-up, lets the server flush the head and the data
                    // first, so the client sees the status it would have
                    // seen through hyper, then the cut.
                    Poll::Ready(Some(Err(e))) => {
                        *failed = Some(transport(e));
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                    other => other.map(|o| o.map(|r| r.map_err(transport))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            GwBody::Empty => true,
            GwBody::Full(b) => b.is_none(),
            GwBody::Stream(inner) => inner.is_end_stream(),
            GwBody::Deadline { prefix, inner, .. } => prefix.is_none() && inner.is_end_stream(),
            GwBody::Once(o) => {
                o.hint.upper() == Some(0)
                    || (o.prefix.is_none() && o.inner.as_ref().is_some_and(|i| i.is_end_stream()))
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            GwBody::Empty => SizeHint::with_exact(0),
            GwBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            GwBody::Stream(inner) => inner.size_hint(),
            GwBody::Deadline { prefix, inner, .. } => {
                let p = prefix.as_ref().map_or(0, |p| p.len() as u64);
                let mut hint = inner.size_hint();
                hint.set_lower(hint.lower().saturating_add(p));
                if let Some(u) = hint.upper() {
                    hint.set_upper(u.saturating_add(p));
                }
                hint
            }
            GwBody::Once(o) => o.hint,
        }
    }
}

use std::future::Future as _;
