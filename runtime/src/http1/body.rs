//! The response body of the own HTTP/1.1 client (research §4.3). It owns
//! its connection, so nothing is spawned and nothing crosses a channel:
//! - as an `http_body::Body` (hyper's server can send it as is), frames are
//!   `split_to(n).freeze()` slices of the connection's read buffer — no
//!   copy; `size_hint` is exact for Content-Length, so hyper's server can
//!   send a `Content-Length` downstream instead of chunking;
//! - when the body ends and the connection passes §3.4, the connection goes
//!   back to its pool *before* the last frame is handed out, so the next
//!   request can take it at once;
//! - dropped before its end, the body closes the connection (as hyper and
//!   xitca do); an error mid-body closes it too;
//! - [`UpstreamBody::collect`] gives the JSON path one contiguous `Bytes`
//!   under a size limit, reading a Content-Length body straight into one
//!   reservation.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use hyper::body::{Body, Frame, SizeHint};
use tokio::net::TcpStream;

use super::conn::{Conn, Transport};
use super::error::{H1Error, Kind};

/// A response body that owns its connection. See the module doc.
#[derive(Debug)]
pub struct UpstreamBody<S: Transport = TcpStream> {
    /// `None` once the body ended (the connection went back or was closed).
    conn: Option<Conn<S>>,
}

impl<S: Transport> UpstreamBody<S> {
    /// The body of the response whose head `conn` just returned. A body that
    /// is already complete (HEAD, 204, 304, `Content-Length: 0`) hands the
    /// connection back at once.
    pub fn new(conn: Conn<S>) -> Self {
        let mut body = UpstreamBody { conn: Some(conn) };
        if body.conn.as_ref().is_some_and(Conn::is_done) {
            body.release();
        }
        body
    }

    /// Hands a finished connection to its transport's pool (if the §3.4
    /// verdict allows), or closes it.
    fn release(&mut self) {
        if let Some(conn) = self.conn.take()
            && conn.is_reusable()
        {
            S::recycle(conn);
        }
    }

    /// The connection, while the body is being read (for tests).
    pub fn conn(&self) -> Option<&Conn<S>> {
        self.conn.as_ref()
    }

    /// The whole body as one `Bytes`, at most `limit` bytes; past the limit
    /// it is [`Kind::BodyTooLarge`] and the connection is closed. Fast paths
    /// (research §4.3): a Content-Length body already buffered is one
    /// `split_to`; a larger one is read into one reservation; a chunked or
    /// close-delimited body of one piece is returned as that piece, more
    /// pieces are appended into one buffer.
    pub async fn collect(mut self, limit: usize) -> Result<Bytes, H1Error> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(Bytes::new());
        };
        if let Some(n) = conn.remaining() {
            if n > limit as u64 {
                let e = conn.fail(Kind::BodyTooLarge);
                self.conn = None;
                return Err(e);
            }
            let r = std::future::poll_fn(|cx| conn.poll_whole_length(cx)).await;
            if r.is_ok() {
                self.release();
            } else {
                self.conn = None;
            }
            return r;
        }
        let mut first: Option<Bytes> = None;
        let mut out = BytesMut::new();
        loop {
            let next = std::future::poll_fn(|cx| Pin::new(&mut self).poll_frame(cx)).await;
            let data = match next {
                None => break,
                Some(Err(e)) => return Err(e),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(d) => d,
                    Err(_) => continue,
                },
            };
            let have = first.as_ref().map_or(0, Bytes::len) + out.len();
            if have + data.len() > limit {
                let e = match self.conn.as_mut() {
                    Some(c) => c.fail(Kind::BodyTooLarge),
                    None => H1Error::new(Kind::BodyTooLarge),
                };
                self.conn = None;
                return Err(e);
            }
            match first.take() {
                None if out.is_empty() => first = Some(data),
                None => out.extend_from_slice(&data),
                Some(f) => {
                    out.reserve(f.len() + data.len());
                    out.extend_from_slice(&f);
                    out.extend_from_slice(&data);
                }
            }
        }
        Ok(match first {
            Some(f) => f,
            None => out.freeze(),
        })
    }
}

impl<S: Transport> Body for UpstreamBody<S> {
    type Data = Bytes;
    type Error = H1Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, H1Error>>> {
        let this = self.get_mut();
        let Some(conn) = this.conn.as_mut() else {
            return Poll::Ready(None);
        };
        match conn.poll_body(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(data))) => {
                if conn.is_done() {
                    // Back to the pool before the last frame goes out.
                    this.release();
                }
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
            Poll::Ready(None) => {
                this.release();
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                this.conn = None;
                Poll::Ready(Some(Err(e)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.conn.as_ref().is_none_or(Conn::is_done)
    }

    fn size_hint(&self) -> SizeHint {
        match self.conn.as_ref() {
            None => SizeHint::with_exact(0),
            Some(c) => match c.remaining() {
                Some(n) => SizeHint::with_exact(n),
                None => SizeHint::default(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http1::conn::{ConnLimits, ReqBody, UpstreamRequest};
    use hyper::http::{HeaderMap, Method};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    /// A connection whose upstream answers one request with `head`, then
    /// `body` in `piece`-byte writes.
    async fn answered(
        head: &'static [u8],
        body: Vec<u8>,
        piece: usize,
    ) -> UpstreamBody<DuplexStream> {
        let (a, mut b) = tokio::io::duplex(1 << 16);
        tokio::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match b.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let _ = b.write_all(head).await;
            for p in body.chunks(piece.max(1)) {
                if b.write_all(p).await.is_err() {
                    return;
                }
                tokio::task::yield_now().await;
            }
            // Hold the stream open a little: EOF must not be what ends a
            // self-delimited body.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        });
        let mut c = Conn::new(a, Bytes::from_static(b"h"), ConnLimits::default());
        let headers = HeaderMap::new();
        c.send(&UpstreamRequest {
            method: &Method::GET,
            path_and_query: "/",
            headers: &headers,
            body: &ReqBody::Empty,
        })
        .await
        .expect("head");
        UpstreamBody::new(c)
    }

    fn payload(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 253) as u8).collect()
    }

    #[tokio::test]
    async fn collect_reads_a_content_length_body_across_many_reads() {
        let body = payload(100_000);
        let b = answered(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
            body.clone(),
            999,
        )
        .await;
        assert_eq!(b.size_hint().exact(), Some(100_000));
        assert_eq!(b.collect(100_000).await.expect("body"), body);
        // One byte over the limit: refused before reading.
        let b = answered(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
            payload(100_000),
            999,
        )
        .await;
        let e = b.collect(99_999).await.expect_err("too large");
        assert_eq!(e.kind, Kind::BodyTooLarge);
        assert!(e.got_any);
    }

    #[tokio::test]
    async fn collect_appends_chunked_pieces_and_returns_a_lone_piece_as_is() {
        let b = answered(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"3\r\nabc\r\n4\r\ndefg\r\n1\r\nh\r\n0\r\n\r\n".to_vec(),
            2,
        )
        .await;
        assert_eq!(b.size_hint().exact(), None);
        assert_eq!(
            b.collect(8).await.expect("body"),
            Bytes::from_static(b"abcdefgh")
        );
        let b = answered(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n".to_vec(),
            64,
        )
        .await;
        assert_eq!(
            b.collect(6).await.expect_err("7 > 6").kind,
            Kind::BodyTooLarge
        );
    }

    #[tokio::test]
    async fn frames_count_down_the_size_hint_and_end_the_stream() {
        let mut b = answered(
            b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n",
            b"abcdef".to_vec(),
            2,
        )
        .await;
        let mut seen = Vec::new();
        while let Some(f) = std::future::poll_fn(|cx| Pin::new(&mut b).poll_frame(cx)).await {
            let d = f.expect("frame").into_data().expect("data");
            seen.extend_from_slice(&d);
            assert_eq!(b.size_hint().exact(), Some(6 - seen.len() as u64));
        }
        assert_eq!(seen, b"abcdef");
        assert!(b.is_end_stream());
        assert!(b.conn().is_none(), "handed back (closed for duplex IO)");
        // An empty body ends at once.
        let b = answered(b"HTTP/1.1 204 No Content\r\n\r\n", Vec::new(), 1).await;
        assert!(b.is_end_stream());
        assert_eq!(b.size_hint().exact(), Some(0));
    }
}
