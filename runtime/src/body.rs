//! The one body type the gateway sends, both ways: to clients and to
//! backends. An enum instead of a boxed trait object, so the common cases
//! (a rendered buffer, a streamed `Incoming`) cost no allocation.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::time::Sleep;

use crate::error::{Error, ErrorKind};

/// A request or response body.
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
        /// The streamed body.
        inner: Incoming,
        /// When to give up.
        deadline: Pin<Box<Sleep>>,
    },
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

fn transport(e: hyper::Error) -> Error {
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
            GwBody::Deadline { inner, deadline } => {
                if deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(Error::new(
                        ErrorKind::Timeout,
                        "endpoint timeout while streaming the body",
                    ))));
                }
                Pin::new(inner)
                    .poll_frame(cx)
                    .map(|o| o.map(|r| r.map_err(transport)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            GwBody::Empty => true,
            GwBody::Full(b) => b.is_none(),
            GwBody::Stream(inner) | GwBody::Deadline { inner, .. } => inner.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            GwBody::Empty => SizeHint::with_exact(0),
            GwBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            GwBody::Stream(inner) | GwBody::Deadline { inner, .. } => inner.size_hint(),
        }
    }
}

use std::future::Future as _;
