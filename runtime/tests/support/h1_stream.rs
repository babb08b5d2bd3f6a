//! The `h1_response_stream` check, shared by the fuzz target
//! (`fuzz/fuzz_targets/h1_response_stream.rs`) and the stable replay of its
//! seeds (`tests/http1_client.rs`): one upstream reply, as bytes, through a
//! [`Conn`] on scripted in-memory IO, and the invariants of research
//! §4.7(d):
//! - an error, or bytes left over after the message, never leave the
//!   connection reusable;
//! - a Content-Length body never yields more than its length, and ends
//!   exactly at it;
//! - a body ends (`Done`) only at a framing boundary: a close-delimited one
//!   at EOF, a chunked one where a one-shot decode of the same bytes ends;
//! - a request reported as written was written in full (head and body);
//! - the exchange never stalls on IO that is always ready (a write that
//!   says Pending wakes its task at once).
//!
//! Input: byte 0 picks the method (low 2 bits: GET, HEAD, POST, PUT) and how
//! many bytes each read returns (the other 6 bits: 1 + 7·k); the rest is the
//! reply. A POST carries a 20 KB buffered body (past the inline limit, so it
//! goes out by vectored writes), a PUT a streamed body of five 4000-byte
//! frames of unknown length (chunked, `Conn::send_streaming`); their writes
//! take at most 4 KiB, with a Pending between two of them. A POST's reply
//! is then read while the request is still being written (the
//! early-answer path, S39); a PUT's only once the whole request was
//! written, whose bytes must then be exactly the chunked encoding.
#![allow(dead_code)]

use std::io;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::{Bytes, BytesMut};
use gw_runtime::http1::chunked::{Chunk, ChunkedDecoder, ChunkedLimits};
use gw_runtime::http1::conn::{Conn, ConnLimits, Probe, ReqBody, Transport, UpstreamRequest};
use gw_runtime::http1::encode::{BodyLen, LAST_CHUNK, encode_chunk_header, encode_request_head};
use gw_runtime::http1::framing::Framing;
use gw_runtime::http1::head::{HeadLimits, Parsed, parse_response_head};
use hyper::http::{HeaderMap, Method};

/// A reply handed out `step` bytes a read; writes are swallowed.
pub struct Scripted {
    data: Vec<u8>,
    pos: usize,
    step: usize,
    /// The most one write takes (`usize::MAX`: everything, always ready).
    write_max: usize,
    /// Bytes written.
    pub written: usize,
    /// The bytes written.
    pub sent: Vec<u8>,
    /// The next write says Pending.
    stall: bool,
    /// Reads wait until this many bytes were written (an upstream that
    /// reads the whole request before it answers).
    read_after: usize,
}

impl Scripted {
    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
}

impl Transport for Scripted {
    fn poll_read_buf(
        &mut self,
        _cx: &mut Context<'_>,
        buf: &mut BytesMut,
    ) -> Poll<io::Result<usize>> {
        if self.written < self.read_after {
            _cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let spare = (buf.capacity() - buf.len()).max(1);
        let n = self.step.min(self.remaining()).min(spare);
        buf.extend_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.write_max != usize::MAX {
            self.stall = !self.stall;
            if self.stall {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
        let n = bufs
            .iter()
            .map(|b| b.len())
            .sum::<usize>()
            .min(self.write_max);
        self.written += n;
        let mut left = n;
        for b in bufs {
            let k = left.min(b.len());
            self.sent.extend_from_slice(&b[..k]);
            left -= k;
        }
        Poll::Ready(Ok(n))
    }

    fn probe(&mut self) -> Probe {
        if self.remaining() > 0 {
            Probe::UnexpectedData
        } else {
            Probe::Closed
        }
    }
}

/// Polls a future whose IO is always ready (or wakes it at once) until it
/// finishes; a bound on the polls catches a stall.
fn now<F: std::future::Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..100_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("the exchange waited on IO that is always ready")
}

/// The POST body: past the inline limit.
static BODY: [u8; 20_000] = [b'b'; 20_000];

/// The PUT body: `FRAMES` frames of `FRAME` bytes, streamed.
const FRAMES: usize = 5;
const FRAME: usize = 4000;

/// A streamed body of unknown length, always ready.
struct Streamed {
    left: usize,
}

impl hyper::body::Body for Streamed {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        self.left -= 1;
        Poll::Ready(Some(Ok(hyper::body::Frame::data(Bytes::from_static(
            &BODY[..FRAME],
        )))))
    }

    /// Said after the last frame: the client then ends the last chunk and
    /// the body in one write (`CHUNK_END_LAST`).
    fn is_end_stream(&self) -> bool {
        self.left == 0
    }
}

const METHODS: [Method; 4] = [Method::GET, Method::HEAD, Method::POST, Method::PUT];

/// Runs one input and checks the invariants (panics on a violation).
pub fn check(input: &[u8]) {
    let Some((&first, reply)) = input.split_first() else {
        return;
    };
    let method = &METHODS[usize::from(first & 3)];
    let step = 1 + 7 * usize::from(first >> 2);
    let post = *method == Method::POST;
    let put = *method == Method::PUT;
    let limits = ConnLimits {
        head: HeadLimits::default(),
        ..ConnLimits::default()
    };
    let headers = HeaderMap::new();
    let body = if post {
        ReqBody::Full(Bytes::from_static(&BODY))
    } else {
        ReqBody::Empty
    };
    // The request's size on the wire, to check "written in full".
    let mut wire = Vec::new();
    let len = if post {
        BodyLen::Length(BODY.len() as u64)
    } else if put {
        BodyLen::Chunked
    } else {
        BodyLen::None
    };
    encode_request_head(&mut wire, method, "/f", b"fuzz.test", &headers, len)
        .expect("the request encodes");
    if post {
        wire.extend_from_slice(&BODY);
    } else if put {
        for _ in 0..FRAMES {
            encode_chunk_header(&mut wire, FRAME);
            wire.extend_from_slice(&BODY[..FRAME]);
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(LAST_CHUNK);
    }
    let request_len = wire.len();
    let io = Scripted {
        data: reply.to_vec(),
        pos: 0,
        step,
        write_max: if post || put { 4096 } else { usize::MAX },
        written: 0,
        sent: Vec::new(),
        stall: false,
        read_after: if put { request_len } else { 0 },
    };
    let mut conn = Conn::new(io, Bytes::from_static(b"fuzz.test"), limits);
    let req = UpstreamRequest {
        method,
        path_and_query: "/f",
        headers: &headers,
        body: &body,
    };
    let sent = if put {
        let mut streamed = Streamed { left: FRAMES };
        now(conn.send_streaming(&req, &mut streamed))
    } else {
        now(conn.send(&req))
    };
    if put {
        assert!(
            conn.request_written(),
            "a patient upstream got a partial request"
        );
    }
    if conn.request_written() {
        assert_eq!(
            conn.io().written,
            request_len,
            "reported written, not all written"
        );
        assert!(conn.io().sent == wire, "the request bytes differ");
    } else {
        assert!(conn.io().written <= request_len);
        assert!(
            wire.starts_with(&conn.io().sent),
            "the request bytes differ"
        );
    }
    let head = match sent {
        Ok(h) => h,
        Err(_) => {
            assert!(
                !conn.is_reusable() && !conn.is_idle(),
                "an error left it usable"
            );
            return;
        }
    };
    assert!(head.status.as_u16() >= 200, "a 1xx head was returned");
    let framing = head.framing;
    let mut data = Vec::new();
    let mut failed = false;
    loop {
        match now(std::future::poll_fn(|cx| conn.poll_body(cx))) {
            None => break,
            Some(Ok(d)) => {
                assert!(!d.is_empty(), "an empty data frame");
                data.extend_from_slice(&d);
                if let Framing::Length(n) = framing {
                    assert!(data.len() as u64 <= n, "more than Content-Length");
                }
            }
            Some(Err(_)) => {
                failed = true;
                break;
            }
        }
    }
    if failed {
        assert!(!conn.is_reusable(), "a body error left it reusable");
        return;
    }
    assert!(conn.is_done(), "the body ended without being done");
    let leftover = conn.buffered();
    if conn.is_reusable() {
        assert!(conn.request_written(), "reusable after a partial request");
        assert_eq!(leftover, 0, "reusable with bytes left over");
        assert!(head.keep_alive && framing.is_self_delimited());
    }
    let unread = conn.io().remaining();
    match framing {
        Framing::Empty => assert!(data.is_empty()),
        Framing::Length(n) => assert_eq!(data.len() as u64, n, "ended before Content-Length"),
        Framing::UntilClose => {
            assert_eq!(
                unread + leftover,
                0,
                "a close-delimited body ended before EOF"
            );
            assert!(!conn.is_reusable());
        }
        Framing::Chunked => {
            // The body's wire bytes: after the head(s), up to what the
            // connection consumed; a one-shot decode must end exactly there.
            let consumed = reply.len() - unread - leftover;
            let mut buf = BytesMut::from(reply);
            let is_head = *method == Method::HEAD;
            let head_end = loop {
                let before = buf.len();
                match parse_response_head(&mut buf, is_head, &HeadLimits::default()) {
                    Ok(Parsed::Informational { .. }) => continue,
                    Ok(Parsed::Final { .. }) => break reply.len() - buf.len(),
                    other => panic!("the head does not parse again: {other:?} at {before}"),
                }
            };
            let mut wire = BytesMut::from(&reply[head_end..consumed]);
            let mut dec = ChunkedDecoder::new(ChunkedLimits::default());
            let mut again = Vec::new();
            loop {
                match dec.decode(&mut wire) {
                    Ok(Chunk::Data(d)) => again.extend_from_slice(&d),
                    Ok(Chunk::Done) => break,
                    other => panic!("the one-shot decode did not end: {other:?}"),
                }
            }
            assert!(wire.is_empty(), "Done before the end of the chunked bytes");
            assert_eq!(again, data, "split reads changed the body");
        }
    }
}
