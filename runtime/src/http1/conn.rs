//! One upstream HTTP/1.1 connection and its exchange (research §4.2, §4.5):
//! the request is written and the response head read inside the caller's
//! own task, on `&mut self` — no connection task, no channel, no `Arc` per
//! request. The body is read through the same connection afterwards
//! ([`super::body::UpstreamBody`] owns it).
//!
//! Hot path:
//! - the head (and a small `Full` body) is encoded into a `Vec<u8>` kept
//!   across requests, and written at once; a wait for writability happens
//!   only when the socket says WouldBlock;
//! - the response is read into a `BytesMut` kept across requests (8 KiB to
//!   start, at most the head cap while a head is read); a wait for
//!   readability happens only on WouldBlock. A read that returns fewer
//!   bytes than asked for emptied the socket's receive queue, so the
//!   cached readiness is cleared without a second `recv` that would only
//!   say WouldBlock (nginx's `ngx_unix_recv` does the same with
//!   `rev->ready = 0`); the checkout probe then costs no syscall either;
//! - one deadline covers the write and the head read, and each body read
//!   has an idle timeout. The tokio timer is armed only once something has
//!   to wait, and one timer is kept per connection and reset, so a request
//!   that waits allocates nothing for it.
//!
//! The keep-alive verdict is research §3.4, all seven conditions (see
//! [`Conn::is_reusable`]); errors carry `reused`, `wrote_any` and
//! `got_any`, which decide retries (§3.5, §4.6).
//!
//! Deviations from the research design, and why:
//! - `Conn` is generic over a small [`Transport`] trait rather than bound to
//!   `TcpStream`, so the state machine runs on scripted in-memory IO in unit
//!   tests and in the `h1_response_stream` fuzz target. `TcpStream` is the
//!   default type parameter and the only transport the pool keeps.
//! - A request body larger than [`INLINE_BODY`] is written from its own
//!   buffer right after the head with a vectored write instead of being
//!   copied into the write buffer.
//! - A request body can also be streamed ([`Conn::send_streaming`]): each
//!   frame goes out by one vectored write of its chunk header (chunked
//!   coding), the frame's own bytes and the chunk's CRLF, so one frame is
//!   held at a time and never copied. While the body has no frame ready,
//!   the response side is watched as below. Buffered and streamed bodies
//!   share the exchange: a buffered one is queued whole (head, then its
//!   bytes as the one frame) before the first write.
//! - While the request is still being written and the socket is full (or
//!   a streamed body has nothing yet), the connection also polls for a
//!   response: an upstream that answers early
//!   (a 413 before reading the body, S39) is delivered, and the connection
//!   is then never reused (the request was not fully written; hyper#4176).
//!   A `1xx` that arrives meanwhile does not stop the write (an upstream
//!   may say `100 Continue` unasked and then wait for the body).
//! - The `max_age` half of §3.4 condition 7 is checked by the pool when the
//!   connection comes back (it reads the clock there anyway); the request
//!   count is checked here.
//! - The head deadline runs from the first wait rather than from the call:
//!   the clock is read only when something waits, and what comes before
//!   is microseconds of CPU work.
//! - §3.4 condition 4's "the request carried no `close`" holds by
//!   construction: the encoder strips `Connection` from the request.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use hyper::body::Body;
use hyper::http::{HeaderMap, Method};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::chunked::{Chunk, ChunkedDecoder, ChunkedLimits};
use super::encode::{
    BodyLen, CHUNK_END, CHUNK_END_LAST, LAST_CHUNK, encode_chunk_header, encode_request_head,
};
use super::error::{BodyError, H1Error, Kind, Reason};
use super::framing::Framing;
use super::head::{HeadLimits, Parsed, ResponseHead, parse_response_head};

/// Request bodies up to this size are copied behind the head into one write;
/// larger ones go out by a vectored write from their own buffer.
pub const INLINE_BODY: usize = 16 * 1024;

/// The read buffer's first size; it grows up to the head cap while a head
/// is read, and by what the body needs afterwards.
const READ_START: usize = 8 * 1024;

/// The most a body read asks for at once when the length is unknown or large.
const READ_CHUNK: usize = 16 * 1024;

/// What a checkout probe found on an idle connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Nothing to read: the connection can take a request.
    Alive,
    /// The upstream closed it (EOF) or it failed (reset).
    Closed,
    /// Bytes arrived with no request outstanding (S36): a desync or a late
    /// response; never send on it.
    UnexpectedData,
}

/// The IO a [`Conn`] runs on: non-blocking reads and writes that try first
/// and register for readiness only when they would block, and a readiness
/// probe that costs no syscall while nothing happened on the socket.
pub trait Transport: Send + Unpin + Sized + 'static {
    /// Reads into `buf`'s spare capacity (at least one byte of it); `Ok(0)`
    /// is end of stream.
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
    ) -> Poll<io::Result<usize>>;
    /// Writes from `bufs` (vectored where the IO can), returning how many
    /// bytes were taken.
    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;
    /// Whether an idle connection is still usable (see [`Probe`]).
    fn probe(&mut self) -> Probe;
    /// Where a connection goes once its response was read to the end and it
    /// may be reused: the pool for `TcpStream`, nowhere (closed) otherwise.
    fn recycle(conn: Conn<Self>) {
        drop(conn);
    }
}

impl Transport for TcpStream {
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
    ) -> Poll<io::Result<usize>> {
        loop {
            let asked = buf.capacity() - buf.len();
            let mut got = 0;
            // The outer `try_io` snapshots the readiness before the read;
            // answering WouldBlock after a short read clears exactly that
            // snapshot, so an event that arrives later is kept.
            let r = self.try_io(tokio::io::Interest::READABLE, || {
                got = self.try_read_buf(buf)?;
                if got > 0 && got < asked {
                    Err(io::ErrorKind::WouldBlock.into())
                } else {
                    Ok(got)
                }
            });
            match r {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if got > 0 {
                        return Poll::Ready(Ok(got));
                    }
                    ready!(self.poll_read_ready(cx))?;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        loop {
            let r = if bufs.len() == 1 {
                self.try_write(&bufs[0])
            } else {
                self.try_write_vectored(bufs)
            };
            match r {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(self.poll_write_ready(cx))?;
                }
                r => return Poll::Ready(r),
            }
        }
    }

    fn probe(&mut self) -> Probe {
        let mut cx = Context::from_waker(Waker::noop());
        match self.poll_read_ready(&mut cx) {
            // Nothing arrived since the last read emptied the socket.
            Poll::Pending => Probe::Alive,
            Poll::Ready(Err(_)) => Probe::Closed,
            Poll::Ready(Ok(())) => {
                let mut one = [0u8; 1];
                match self.try_read(&mut one) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Probe::Alive,
                    Ok(0) | Err(_) => Probe::Closed,
                    Ok(_) => Probe::UnexpectedData,
                }
            }
        }
    }

    fn recycle(conn: Conn<Self>) {
        super::pool::checkin(conn);
    }
}

/// In-memory IO for tests: `tokio::io::duplex`.
impl Transport for tokio::io::DuplexStream {
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
    ) -> Poll<io::Result<usize>> {
        poll_read_into(self, cx, buf)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self).poll_write_vectored(cx, bufs)
    }

    fn probe(&mut self) -> Probe {
        probe_by_read(self)
    }
}

/// `poll_read_buf` for any `AsyncRead` (tests and fuzzing: it zeroes the
/// spare capacity first, which a socket read does not need).
pub fn poll_read_into<R: AsyncRead + Unpin>(
    io: &mut R,
    cx: &mut Context<'_>,
    buf: &mut BytesMut,
) -> Poll<io::Result<usize>> {
    let start = buf.len();
    let want = (buf.capacity() - start).max(1);
    buf.resize(start + want, 0);
    let mut rb = ReadBuf::new(&mut buf[start..]);
    let r = Pin::new(io).poll_read(cx, &mut rb);
    let n = rb.filled().len();
    buf.truncate(start + n);
    match r {
        Poll::Ready(Ok(())) => Poll::Ready(Ok(n)),
        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        Poll::Pending => Poll::Pending,
    }
}

/// A probe for any `AsyncRead`: one poll with a no-op waker.
pub fn probe_by_read<R: AsyncRead + Unpin>(io: &mut R) -> Probe {
    let mut cx = Context::from_waker(Waker::noop());
    let mut one = [0u8; 1];
    let mut rb = ReadBuf::new(&mut one);
    match Pin::new(io).poll_read(&mut cx, &mut rb) {
        Poll::Pending => Probe::Alive,
        Poll::Ready(Ok(())) if rb.filled().is_empty() => Probe::Closed,
        Poll::Ready(Ok(())) => Probe::UnexpectedData,
        Poll::Ready(Err(_)) => Probe::Closed,
    }
}

/// A buffered request body (a retry can send it again). A streamed body is
/// given to [`Conn::send_streaming`] or
/// [`super::pool::Pool::request_streaming`] instead, with `Empty` here.
#[derive(Clone, Debug, Default)]
pub enum ReqBody {
    /// No body.
    #[default]
    Empty,
    /// The whole body.
    Full(Bytes),
}

/// A request as the connection sends it: borrowed from tables the runtime
/// already holds, so no `http::Request` is built. `headers` go through the
/// encoder's hop-by-hop filter; `Host` is the connection's own.
#[derive(Clone, Copy, Debug)]
pub struct UpstreamRequest<'a> {
    /// The method.
    pub method: &'a Method,
    /// Origin form: `/path?query`.
    pub path_and_query: &'a str,
    /// End-to-end headers to send.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a ReqBody,
}

/// The limits of one connection.
#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    /// Head size and field caps.
    pub head: HeadLimits,
    /// The deadline around writing the request and reading the final head.
    pub head_timeout: Option<Duration>,
    /// The idle timeout of each body read.
    pub body_read_timeout: Option<Duration>,
    /// Requests one connection serves at most (§3.4 condition 7).
    pub max_requests: u32,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            head: HeadLimits::default(),
            head_timeout: None,
            body_read_timeout: None,
            max_requests: 1000,
        }
    }
}

/// How the rest of the current response body is read.
#[derive(Debug)]
enum Decode {
    /// This many bytes remain.
    Length(u64),
    /// Chunked coding.
    Chunked(ChunkedDecoder),
    /// Until the upstream closes (never reusable).
    UntilClose,
}

/// Where the connection stands.
#[derive(Debug)]
enum State {
    /// Ready for a request.
    Idle,
    /// A final head was returned; the body is being read.
    Body(Decode),
    /// The response was read to its end.
    Done,
    /// An error, a timeout or a misuse: never reused.
    Broken,
}

/// One upstream HTTP/1.1 connection. See the module doc.
pub struct Conn<S: Transport = TcpStream> {
    io: S,
    /// The `Host` header value every request on it carries.
    host: Bytes,
    wbuf: Vec<u8>,
    rbuf: BytesMut,
    limits: ConnLimits,
    state: State,
    /// One timer for the connection's life, armed only when something waits.
    timer: Option<Pin<Box<Sleep>>>,
    timer_armed: bool,
    /// When it was made (for `max_age`, checked by the pool).
    pub(crate) born: Instant,
    /// Responses read to their end on it.
    served: u32,
    // The current exchange:
    reused: bool,
    wrote_any: bool,
    got_any: bool,
    request_complete: bool,
    /// The request body was polled to a result (no retry possible).
    body_taken: bool,
    head_keep_alive: bool,
    connect: bool,
    /// The pool it goes back to (`TcpStream` connections made by a pool).
    pub(crate) home: Option<super::pool::Pool>,
}

impl<S: Transport> std::fmt::Debug for Conn<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("state", &self.state)
            .field("served", &self.served)
            .field("buffered", &self.rbuf.len())
            .finish_non_exhaustive()
    }
}

impl<S: Transport> Conn<S> {
    /// A connection over `io` whose requests carry `Host: host`.
    pub fn new(io: S, host: Bytes, limits: ConnLimits) -> Self {
        Conn {
            io,
            host,
            wbuf: Vec::new(),
            rbuf: BytesMut::new(),
            limits,
            state: State::Idle,
            timer: None,
            timer_armed: false,
            born: Instant::now(),
            served: 0,
            reused: false,
            wrote_any: false,
            got_any: false,
            request_complete: false,
            body_taken: false,
            head_keep_alive: false,
            connect: false,
            home: None,
        }
    }

    /// The transport (its socket addresses, for instance).
    pub fn io(&self) -> &S {
        &self.io
    }

    /// The transport, mutably (tests look at its readiness).
    pub fn io_mut(&mut self) -> &mut S {
        &mut self.io
    }

    /// Responses read to their end on this connection.
    pub fn served(&self) -> u32 {
        self.served
    }

    /// Whether the connection can take a request now.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle)
    }

    /// Whether the current response was read to its end.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Whether the whole current request (head and body) was written; an
    /// upstream that answered early leaves it false (S39).
    pub fn request_written(&self) -> bool {
        self.request_complete
    }

    /// Bytes received and not yet handed out.
    pub fn buffered(&self) -> usize {
        self.rbuf.len()
    }

    /// Probes an idle connection (see [`Probe`]); a connection that is not
    /// idle, or holds stray bytes, is never alive.
    pub fn probe(&mut self) -> Probe {
        if !self.is_idle() {
            return Probe::Closed;
        }
        if !self.rbuf.is_empty() {
            return Probe::UnexpectedData;
        }
        self.io.probe()
    }

    /// The bytes of the body still to come when the framing says so: exact
    /// for Content-Length, 0 once done, `None` for chunked or until close.
    pub fn remaining(&self) -> Option<u64> {
        match &self.state {
            State::Body(Decode::Length(n)) => Some(*n),
            State::Done | State::Idle => Some(0),
            _ => None,
        }
    }

    /// The error of the current exchange, with its flags; the connection is
    /// broken from here on. A protocol reject is counted on the pool's
    /// stats (by reason), whether it came with the head or inside the body.
    pub(crate) fn fail(&mut self, kind: Kind) -> H1Error {
        self.state = State::Broken;
        if let (Kind::Protocol(reason), Some(pool)) = (kind, self.home.as_ref()) {
            pool.count_reject(reason);
        }
        let mut e = H1Error::new(kind);
        e.reused = self.reused;
        e.wrote_any = self.wrote_any;
        e.got_any = self.got_any;
        e.body_spent = self.body_taken;
        e
    }

    /// The error for an EOF or a read error before a final head: a reused
    /// connection that received nothing went stale (§4.6 `StaleReused`).
    fn fail_before_head(&mut self, err: Option<io::ErrorKind>) -> H1Error {
        let kind = if self.reused && !self.got_any {
            Kind::StaleReused
        } else {
            Kind::Io(err.unwrap_or(io::ErrorKind::UnexpectedEof))
        };
        self.fail(kind)
    }

    /// Sends a request and reads past any 1xx to the final response head;
    /// the body is then read with [`Conn::poll_body`] (or through
    /// [`super::body::UpstreamBody`]). Any error leaves the connection
    /// broken. The request body is `req.body`, buffered; see
    /// [`Conn::send_streaming`] for a streamed one.
    pub async fn send(&mut self, req: &UpstreamRequest<'_>) -> Result<ResponseHead, H1Error> {
        let body: &[u8] = match req.body {
            ReqBody::Empty => &[],
            ReqBody::Full(b) => b,
        };
        // The encoder writes `Content-Length: 0` itself for an empty body of
        // a method that defines one (POST, PUT, PATCH, …).
        let len = if body.is_empty() {
            BodyLen::None
        } else {
            BodyLen::Length(body.len() as u64)
        };
        self.begin(req, len)?;
        // The whole request is queued at once: a small body copied behind
        // the head, a larger one as the frame that follows it in the same
        // vectored write.
        let mut ex = Exchange::new(Queued, Out::Length(0), true, req.method);
        match req.body {
            ReqBody::Full(b) if b.len() > INLINE_BODY => ex.frame = b.clone(),
            _ => self.wbuf.extend_from_slice(body),
        }
        self.run(ex).await
    }

    /// Sends a request whose body is streamed from `body`, and reads past
    /// any 1xx to the final response head, like [`Conn::send`]. `req.body`
    /// must be [`ReqBody::Empty`] (else nothing is sent and the error is
    /// [`Kind::RequestBody`]`(`[`BodyError::Misuse`]`)`, the connection
    /// untouched).
    ///
    /// Framing: an exact `size_hint` of `n` is sent as `Content-Length: n`,
    /// and a body that then yields more or fewer bytes fails the request
    /// ([`BodyError::TooLong`], [`BodyError::TooShort`]); otherwise
    /// `Transfer-Encoding: chunked` (empty data frames skipped, trailers
    /// frames dropped, no trailers sent). A body error is
    /// [`BodyError::Failed`]. Either way the connection is closed without
    /// the end of the body, so the upstream never takes a truncated body
    /// for a whole one.
    ///
    /// The body is written while the response side is watched: a final
    /// head that arrives before the body was written in full (an early 413
    /// or 401, RFC 9112 §9.3) stops the writing and is returned, and the
    /// connection is then not reused ([`Conn::request_written`] is false).
    /// A 1xx is skipped and the writing goes on. At most one frame of the
    /// body (plus a chunk header) is held at a time, and its bytes are
    /// written from the frame itself, never copied.
    ///
    /// Time: [`ConnLimits::head_timeout`] bounds the whole write (body
    /// included) and the head read, so an upstream that stops reading
    /// cannot hold the request past it; without a head timeout the caller
    /// bounds it (the gateway wraps every attempt in its
    /// `response_header_timeout` or attempt deadline, `upstream.rs`'s
    /// `header_t`). [`Conn::request_body_taken`] and every error's
    /// [`H1Error::body_spent`] then say whether the body was polled to any
    /// result, which rules out a retry (on this host or another).
    pub async fn send_streaming<B>(
        &mut self,
        req: &UpstreamRequest<'_>,
        body: &mut B,
    ) -> Result<ResponseHead, H1Error>
    where
        B: Body<Data = Bytes> + Unpin + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        if !matches!(req.body, ReqBody::Empty) {
            return Err(H1Error::new(Kind::RequestBody(BodyError::Misuse)));
        }
        let (len, out) = match body.size_hint().exact() {
            Some(n) => (BodyLen::Length(n), Out::Length(n)),
            None if body.is_end_stream() => (BodyLen::None, Out::Length(0)),
            None => (BodyLen::Chunked, Out::Chunked),
        };
        let ended = matches!(out, Out::Length(0)) && body.is_end_stream();
        self.begin(req, len)?;
        let ex = Exchange::new(Streamed(body), out, ended, req.method);
        self.run(ex).await
    }

    /// Whether the last exchange polled its request body to any result
    /// (a frame, its end or an error): such a request cannot be sent
    /// again, whatever its error says (research §3.5 for streamed bodies).
    pub fn request_body_taken(&self) -> bool {
        self.body_taken
    }

    /// Readies the connection for a request and writes its head into the
    /// write buffer.
    fn begin(&mut self, req: &UpstreamRequest<'_>, len: BodyLen) -> Result<(), H1Error> {
        self.body_taken = false;
        if self.is_reusable() {
            self.state = State::Idle;
        }
        if !self.is_idle() {
            // A misuse (a body not read to its end, or a connection that
            // must close): nothing is written.
            return Err(self.fail(Kind::Unsent));
        }
        self.reused = self.served > 0;
        self.wrote_any = false;
        self.got_any = false;
        self.request_complete = false;
        self.head_keep_alive = false;
        self.connect = *req.method == Method::CONNECT;
        self.timer_armed = false;
        self.wbuf.clear();
        if let Err(reason) = encode_request_head(
            &mut self.wbuf,
            req.method,
            req.path_and_query,
            &self.host,
            req.headers,
            len,
        ) {
            // A target or host the encoder refuses: nothing was sent, and
            // no retry can help.
            return Err(self.fail(Kind::Protocol(reason)));
        }
        Ok(())
    }

    /// Runs an exchange to the final head under the head timeout.
    async fn run<Src: Source>(&mut self, mut ex: Exchange<Src>) -> Result<ResponseHead, H1Error> {
        let r = std::future::poll_fn(|cx| {
            let r = self.poll_exchange(cx, &mut ex);
            if r.is_pending() {
                let t = self.limits.head_timeout;
                if self.poll_timer(cx, t).is_ready() {
                    return Poll::Ready(Err(self.fail(Kind::Timeout)));
                }
            }
            r
        })
        .await;
        self.timer_armed = false;
        r
    }

    /// Arms the timer on the first wait (`timeout` from now) and polls it.
    fn poll_timer(&mut self, cx: &mut Context<'_>, timeout: Option<Duration>) -> Poll<()> {
        let Some(t) = timeout else {
            return Poll::Pending;
        };
        if !self.timer_armed {
            let deadline = Instant::now() + t;
            match &mut self.timer {
                Some(s) => s.as_mut().reset(deadline),
                None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
            self.timer_armed = true;
        }
        match &mut self.timer {
            Some(s) => s.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }

    /// Writes the request, then reads the head.
    fn poll_exchange<Src: Source>(
        &mut self,
        cx: &mut Context<'_>,
        ex: &mut Exchange<Src>,
    ) -> Poll<Result<ResponseHead, H1Error>> {
        if let Phase::Write = ex.phase {
            ready!(self.poll_write_request(cx, ex))?;
        }
        self.poll_head(cx, ex)
    }

    /// The write phase: the head, then the body frame by frame (each with
    /// its chunk header and CRLF when chunked) in one vectored write each.
    /// Moves `ex` to the head phase when the request is written, or when
    /// the upstream answered (or closed) before that.
    fn poll_write_request<Src: Source>(
        &mut self,
        cx: &mut Context<'_>,
        ex: &mut Exchange<Src>,
    ) -> Poll<Result<(), H1Error>> {
        loop {
            let head_left = self.wbuf.len() - ex.at;
            if head_left + ex.frame.len() + ex.tail.len() == 0 {
                if ex.ended {
                    self.request_complete = true;
                    ex.phase = Phase::Head(None);
                    return Poll::Ready(Ok(()));
                }
                match ex.src.poll_data(cx) {
                    Poll::Ready(next) => {
                        self.body_taken = true;
                        if let Err(kind) = self.queue(ex, next) {
                            return Poll::Ready(Err(self.fail(kind)));
                        }
                        continue;
                    }
                    // The body has nothing yet; the head was written, so
                    // an answer may come meanwhile.
                    Poll::Pending => return self.poll_early(cx, ex),
                }
            }
            // What is left of the head (or chunk header), the frame and
            // its tail, in order, the empty ones left out.
            let mut bufs = [io::IoSlice::new(&[]); 3];
            let mut k = 0;
            for part in [&self.wbuf[ex.at..], &ex.frame[..], ex.tail] {
                if !part.is_empty() {
                    bufs[k] = io::IoSlice::new(part);
                    k += 1;
                }
            }
            let r = self.io.poll_write_vectored(cx, &bufs[..k]);
            match r {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(self.write_failed(ex, io::ErrorKind::WriteZero));
                }
                Poll::Ready(Ok(n)) => {
                    self.wrote_any = true;
                    ex.advance(head_left, n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(self.write_failed(ex, e.kind())),
                Poll::Pending => {
                    // S39: an upstream may answer (and stop reading) before
                    // the request is written; look for a response.
                    if !self.wrote_any {
                        return Poll::Pending;
                    }
                    return self.poll_early(cx, ex);
                }
            }
        }
    }

    /// Queues what the body source gave: a frame (with its chunk header
    /// and CRLF when chunked), or the end of the body; checks the announced
    /// length. Only called with nothing left to write.
    fn queue<Src: Source>(
        &mut self,
        ex: &mut Exchange<Src>,
        next: Option<Result<Bytes, BodyError>>,
    ) -> Result<(), Kind> {
        let data = match next {
            None => {
                ex.ended = true;
                return match ex.out {
                    Out::Length(0) => Ok(()),
                    Out::Length(_) => Err(Kind::RequestBody(BodyError::TooShort)),
                    Out::Chunked => {
                        ex.tail = LAST_CHUNK;
                        Ok(())
                    }
                };
            }
            Some(Err(e)) => return Err(Kind::RequestBody(e)),
            Some(Ok(data)) => data,
        };
        let end = ex.src.is_end();
        match &mut ex.out {
            Out::Length(owed) => {
                let n = data.len() as u64;
                if n > *owed {
                    return Err(Kind::RequestBody(BodyError::TooLong));
                }
                *owed -= n;
                if end {
                    if *owed != 0 {
                        return Err(Kind::RequestBody(BodyError::TooShort));
                    }
                    ex.ended = true;
                }
            }
            Out::Chunked => {
                self.wbuf.clear();
                ex.at = 0;
                encode_chunk_header(&mut self.wbuf, data.len());
                ex.tail = if end { CHUNK_END_LAST } else { CHUNK_END };
                ex.ended = end;
            }
        }
        ex.frame = data;
        Ok(())
    }

    /// Watches the read side while the request cannot be written further
    /// (the socket is full, or the body has no frame yet). `Ready(Ok)` moves
    /// `ex` to the head phase: a final head arrived (kept in `ex`), or the
    /// stream ended or failed; `Pending` while there is no final head (1xx
    /// heads are dropped: an upstream may say `100 Continue` unasked and
    /// wait for the body).
    fn poll_early<Src: Source>(
        &mut self,
        cx: &mut Context<'_>,
        ex: &mut Exchange<Src>,
    ) -> Poll<Result<(), H1Error>> {
        loop {
            self.reserve_for_head();
            match ready!(self.io.poll_read_buf(cx, &mut self.rbuf)) {
                Ok(0) => {
                    ex.phase = Phase::Head(Some(io::ErrorKind::UnexpectedEof));
                    return Poll::Ready(Ok(()));
                }
                Ok(_) => {
                    self.got_any = true;
                    if self.parse_early(ex)? {
                        ex.phase = Phase::Head(None);
                        return Poll::Ready(Ok(()));
                    }
                }
                Err(e) => {
                    ex.phase = Phase::Head(Some(e.kind()));
                    return Poll::Ready(Ok(()));
                }
            }
        }
    }

    /// Parses what arrived while the request was still being written:
    /// 1xx heads are dropped; `Ok(true)` once a final head is there (kept in
    /// `ex` for the head phase), `Ok(false)` while there is none yet.
    fn parse_early<Src: Source>(&mut self, ex: &mut Exchange<Src>) -> Result<bool, H1Error> {
        while !self.rbuf.is_empty() {
            match parse_response_head(&mut self.rbuf, ex.is_head, &self.limits.head) {
                Ok(Parsed::Partial) => return Ok(false),
                Ok(Parsed::Informational { consumed, .. }) => {
                    ex.informational += consumed;
                    if ex.informational > self.limits.head.max_bytes {
                        return Err(self.fail(Kind::Protocol(Reason::HeadTooLarge)));
                    }
                }
                Ok(Parsed::Final { head, .. }) => {
                    ex.early = Some(head);
                    return Ok(true);
                }
                Err(reason) => return Err(self.fail(Kind::Protocol(reason))),
            }
        }
        Ok(false)
    }

    /// A write error: before any byte, the request is `Unsent`; after some,
    /// a response may still be waiting (an upstream that answered early and
    /// closed), so the head is read and the error decides only if none
    /// comes.
    fn write_failed<Src: Source>(
        &mut self,
        ex: &mut Exchange<Src>,
        kind: io::ErrorKind,
    ) -> Result<(), H1Error> {
        if !self.wrote_any {
            return Err(self.fail(Kind::Unsent));
        }
        ex.write_err = Some(kind);
        ex.phase = Phase::Head(None);
        Ok(())
    }

    /// Makes room for a head read: 8 KiB to start, growing up to the cap.
    fn reserve_for_head(&mut self) {
        let cap = self.limits.head.max_bytes.max(1);
        let len = self.rbuf.len();
        if self.rbuf.capacity() - len < 1024 {
            let room = cap.saturating_sub(len).max(1);
            let want = if self.rbuf.capacity() == 0 {
                READ_START
            } else {
                len.max(READ_START)
            };
            self.rbuf.reserve(want.min(room));
        }
    }

    /// The head phase: parse what is buffered, read more, skip 1xx heads.
    fn poll_head<Src: Source>(
        &mut self,
        cx: &mut Context<'_>,
        ex: &mut Exchange<Src>,
    ) -> Poll<Result<ResponseHead, H1Error>> {
        if let Some(head) = ex.early.take() {
            self.start_body(&head);
            return Poll::Ready(Ok(head));
        }
        loop {
            if !self.rbuf.is_empty() {
                match parse_response_head(&mut self.rbuf, ex.is_head, &self.limits.head) {
                    Ok(Parsed::Partial) => {
                        // The parser rejects a head at the cap; this guards
                        // the read loop should that ever change.
                        if self.rbuf.len() >= self.limits.head.max_bytes {
                            return Poll::Ready(Err(
                                self.fail(Kind::Protocol(Reason::HeadTooLarge))
                            ));
                        }
                    }
                    Ok(Parsed::Informational { consumed, .. }) => {
                        // 1xx heads are dropped (§3.1 rule 1); their bytes
                        // count against the head cap so that an endless
                        // stream of them still ends.
                        ex.informational += consumed;
                        if ex.informational > self.limits.head.max_bytes {
                            return Poll::Ready(Err(
                                self.fail(Kind::Protocol(Reason::HeadTooLarge))
                            ));
                        }
                        continue;
                    }
                    Ok(Parsed::Final { head, .. }) => {
                        self.start_body(&head);
                        return Poll::Ready(Ok(head));
                    }
                    Err(reason) => return Poll::Ready(Err(self.fail(Kind::Protocol(reason)))),
                }
            }
            if let Phase::Head(Some(kind)) = ex.phase {
                // The write phase already saw the end of the stream, or an
                // error; nothing more will come.
                let err = (kind != io::ErrorKind::UnexpectedEof).then_some(kind);
                return Poll::Ready(Err(self.fail_before_head(ex.write_err.or(err))));
            }
            self.reserve_for_head();
            // After a write error the head is still read: an upstream that
            // answered early and closed left its answer in our receive
            // queue; the write error decides only if no head comes.
            match ready!(self.io.poll_read_buf(cx, &mut self.rbuf)) {
                Ok(0) => return Poll::Ready(Err(self.fail_before_head(ex.write_err))),
                Ok(_) => self.got_any = true,
                Err(e) => {
                    let kind = ex.write_err.unwrap_or(e.kind());
                    return Poll::Ready(Err(self.fail_before_head(Some(kind))));
                }
            }
        }
    }

    /// Sets the body state from a final head.
    fn start_body(&mut self, head: &ResponseHead) {
        self.head_keep_alive = head.keep_alive;
        self.state = match head.framing {
            Framing::Empty | Framing::Length(0) => State::Done,
            Framing::Length(n) => State::Body(Decode::Length(n)),
            Framing::Chunked => State::Body(Decode::Chunked(ChunkedDecoder::new(
                ChunkedLimits::default(),
            ))),
            Framing::UntilClose => State::Body(Decode::UntilClose),
        };
        if self.is_done() {
            self.served = self.served.saturating_add(1);
        }
    }

    /// Marks the body read to its end.
    fn finish(&mut self) {
        self.state = State::Done;
        self.served = self.served.saturating_add(1);
    }

    /// Whether the connection may take another request (research §3.4):
    /// 1. the response was self-delimited and read to its end (`Done`, and
    ///    close-delimited bodies never keep alive: `head_keep_alive` is
    ///    cleared for them);
    /// 2. no byte is left over after it (S35);
    /// 3. HTTP/1.1 without `close` (the head's verdict);
    /// 4. the request was written in full (the encoder never sends `close`);
    /// 5. not CONNECT (101 is rejected by the head parser);
    /// 6. no error, timeout or early drop (any of them leaves it broken, and
    ///    a dropped body drops the connection);
    /// 7. under the request limit (age: checked by the pool).
    pub fn is_reusable(&self) -> bool {
        self.is_done()
            && self.rbuf.is_empty()
            && self.head_keep_alive
            && self.request_complete
            && !self.connect
            && self.served < self.limits.max_requests
    }

    /// Readies a reusable connection for its next request.
    pub(crate) fn reset_for_reuse(&mut self) {
        self.state = State::Idle;
    }

    /// Reads more bytes for the body, with the per-read idle timeout.
    /// `Ok(0)` is end of stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>, want: usize) -> Poll<Result<usize, H1Error>> {
        let spare = self.rbuf.capacity() - self.rbuf.len();
        if spare < want.clamp(1, 1024) {
            self.rbuf.reserve(want.clamp(1, READ_CHUNK));
        }
        match self.io.poll_read_buf(cx, &mut self.rbuf) {
            Poll::Ready(Ok(n)) => {
                self.timer_armed = false;
                if n > 0 {
                    self.got_any = true;
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(self.fail(body_io(e.kind())))),
            Poll::Pending => {
                let t = self.limits.body_read_timeout;
                if self.poll_timer(cx, t).is_ready() {
                    self.timer_armed = false;
                    return Poll::Ready(Err(self.fail(Kind::Timeout)));
                }
                Poll::Pending
            }
        }
    }

    /// The next piece of the body: a `split_to` of the read buffer, no copy.
    /// `None` at the end of the body (then see [`Conn::is_reusable`]).
    pub fn poll_body(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, H1Error>>> {
        loop {
            match &mut self.state {
                State::Idle | State::Done => return Poll::Ready(None),
                State::Broken => return Poll::Ready(Some(Err(self.fail(Kind::BodyAbort)))),
                State::Body(Decode::Length(rem)) => {
                    if !self.rbuf.is_empty() {
                        let n = usize::try_from(*rem)
                            .unwrap_or(usize::MAX)
                            .min(self.rbuf.len());
                        *rem -= n as u64;
                        let data = self.rbuf.split_to(n).freeze();
                        if *rem == 0 {
                            self.finish();
                        }
                        return Poll::Ready(Some(Ok(data)));
                    }
                    let want = usize::try_from(*rem).unwrap_or(usize::MAX);
                    if ready!(self.poll_fill(cx, want))? == 0 {
                        // S37: the upstream closed inside the body.
                        return Poll::Ready(Some(Err(self.fail(Kind::BodyAbort))));
                    }
                }
                State::Body(Decode::Chunked(dec)) => match dec.decode(&mut self.rbuf) {
                    Ok(Chunk::Data(data)) => return Poll::Ready(Some(Ok(data))),
                    Ok(Chunk::Done) => {
                        self.finish();
                        return Poll::Ready(None);
                    }
                    Ok(Chunk::NeedMore) => {
                        if ready!(self.poll_fill(cx, READ_CHUNK))? == 0 {
                            return Poll::Ready(Some(Err(self.fail(Kind::BodyAbort))));
                        }
                    }
                    Err(reason) => {
                        return Poll::Ready(Some(Err(self.fail(Kind::Protocol(reason)))));
                    }
                },
                State::Body(Decode::UntilClose) => {
                    if !self.rbuf.is_empty() {
                        let data = self.rbuf.split().freeze();
                        return Poll::Ready(Some(Ok(data)));
                    }
                    if ready!(self.poll_fill(cx, READ_CHUNK))? == 0 {
                        // S38: the end of the stream ends the body; the
                        // connection is closed (never reusable).
                        self.head_keep_alive = false;
                        self.finish();
                        return Poll::Ready(None);
                    }
                }
            }
        }
    }

    /// For [`super::body::UpstreamBody::collect`]: with a known length
    /// already checked against the caller's limit, reads until the whole
    /// body is buffered (reserving it once), then hands it out as one
    /// `split_to` — no copy, no frame per read.
    pub(crate) fn poll_whole_length(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Bytes, H1Error>> {
        loop {
            let State::Body(Decode::Length(rem)) = self.state else {
                return Poll::Ready(Ok(Bytes::new()));
            };
            let rem = usize::try_from(rem).unwrap_or(usize::MAX);
            if self.rbuf.len() >= rem {
                let data = self.rbuf.split_to(rem).freeze();
                self.finish();
                return Poll::Ready(Ok(data));
            }
            let missing = rem - self.rbuf.len();
            if self.rbuf.capacity() - self.rbuf.len() < missing {
                self.rbuf.reserve(missing);
            }
            if ready!(self.poll_fill(cx, missing))? == 0 {
                return Poll::Ready(Err(self.fail(Kind::BodyAbort)));
            }
        }
    }
}

/// The class of a read error inside a body.
fn body_io(_kind: io::ErrorKind) -> Kind {
    Kind::BodyAbort
}

/// Where the request body's bytes come from during an exchange.
trait Source {
    /// The next non-empty data frame, `None` at the end of the body.
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>>;
    /// The body is known to have ended: no poll is needed to learn it.
    fn is_end(&self) -> bool;
}

/// The source of a buffered body ([`Conn::send`]): its bytes are all
/// queued before the first write, so there is nothing more to poll.
struct Queued;

impl Source for Queued {
    fn poll_data(&mut self, _cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>> {
        Poll::Ready(None)
    }

    fn is_end(&self) -> bool {
        true
    }
}

/// A streamed body ([`Conn::send_streaming`]): empty data frames and
/// trailers frames are skipped; its error is [`BodyError::Failed`].
struct Streamed<'b, B>(&'b mut B);

impl<B> Source for Streamed<'_, B>
where
    B: Body<Data = Bytes> + Unpin,
{
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>> {
        loop {
            match ready!(Pin::new(&mut *self.0).poll_frame(cx)) {
                None => return Poll::Ready(None),
                Some(Err(_)) => return Poll::Ready(Some(Err(BodyError::Failed))),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                    // An empty data frame, or trailers (never sent: the
                    // request head announces none).
                    _ => {}
                },
            }
        }
    }

    fn is_end(&self) -> bool {
        self.0.is_end_stream()
    }
}

/// How the body's bytes are framed, and what the framing still owes.
#[derive(Clone, Copy, Debug)]
enum Out {
    /// `Content-Length`: this many bytes still to come from the source.
    Length(u64),
    /// Chunked coding.
    Chunked,
}

/// The state of one exchange inside [`Conn::send`] and
/// [`Conn::send_streaming`].
struct Exchange<Src> {
    /// The body.
    src: Src,
    out: Out,
    /// Bytes of the write buffer (head, or a chunk header) written so far.
    at: usize,
    /// What is left to write of the current body frame.
    frame: Bytes,
    /// What follows the frame: a chunk's CRLF, the last chunk, or nothing.
    tail: &'static [u8],
    /// The source ended: what is queued is the rest of the request.
    ended: bool,
    phase: Phase,
    /// A write failed after some bytes; the head is read anyway.
    write_err: Option<io::ErrorKind>,
    /// Bytes of 1xx heads skipped.
    informational: usize,
    is_head: bool,
    /// A final head that arrived while the request was being written.
    early: Option<ResponseHead>,
}

impl<Src> Exchange<Src> {
    fn new(src: Src, out: Out, ended: bool, method: &Method) -> Self {
        Exchange {
            src,
            out,
            at: 0,
            frame: Bytes::new(),
            tail: &[],
            ended,
            phase: Phase::Write,
            write_err: None,
            informational: 0,
            is_head: *method == Method::HEAD,
            early: None,
        }
    }

    /// Accounts for `n` bytes written, of `head_left` write-buffer bytes,
    /// then the frame, then the tail.
    fn advance(&mut self, head_left: usize, mut n: usize) {
        let h = n.min(head_left);
        self.at += h;
        n -= h;
        let f = n.min(self.frame.len());
        if f == self.frame.len() {
            // Let go of the frame's buffer as soon as it is written.
            self.frame = Bytes::new();
        } else {
            self.frame.advance(f);
        }
        n -= f;
        self.tail = &self.tail[n.min(self.tail.len())..];
    }
}

/// The phase of an exchange.
#[derive(Clone, Copy)]
enum Phase {
    Write,
    /// Reading the head; `Some` when the write phase already saw the end
    /// of the stream or a read error.
    Head(Option<io::ErrorKind>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http1::error::Reason;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    fn conn(io: DuplexStream) -> Conn<DuplexStream> {
        Conn::new(io, Bytes::from_static(b"up.test"), ConnLimits::default())
    }

    /// Reads one request head (and a `Content-Length` body) from the
    /// upstream side; `None` at EOF.
    async fn read_request(s: &mut DuplexStream) -> Option<Vec<u8>> {
        let mut got = Vec::new();
        let mut b = [0u8; 4096];
        loop {
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                let cl = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                while got.len() < end + 4 + cl {
                    let n = s.read(&mut b).await.ok()?;
                    if n == 0 {
                        return None;
                    }
                    got.extend_from_slice(&b[..n]);
                }
                return Some(got);
            }
            let n = s.read(&mut b).await.ok()?;
            if n == 0 {
                return None;
            }
            got.extend_from_slice(&b[..n]);
        }
    }

    fn get() -> (Method, HeaderMap, ReqBody) {
        (Method::GET, HeaderMap::new(), ReqBody::Empty)
    }

    async fn send(
        c: &mut Conn<DuplexStream>,
        method: &Method,
        body: &ReqBody,
    ) -> Result<ResponseHead, H1Error> {
        let headers = HeaderMap::new();
        c.send(&UpstreamRequest {
            method,
            path_and_query: "/p?q=1",
            headers: &headers,
            body,
        })
        .await
    }

    async fn read_body(c: &mut Conn<DuplexStream>) -> Result<Vec<u8>, H1Error> {
        let mut out = Vec::new();
        while let Some(d) = std::future::poll_fn(|cx| c.poll_body(cx)).await {
            out.extend_from_slice(&d?);
        }
        Ok(out)
    }

    /// An upstream that answers one request with `reply`, written in one
    /// piece or one byte at a time, then closes.
    fn answer(mut s: DuplexStream, reply: Vec<u8>, bytewise: bool) {
        tokio::spawn(async move {
            if read_request(&mut s).await.is_none() {
                return;
            }
            if bytewise {
                for b in reply {
                    if s.write_all(&[b]).await.is_err() {
                        return;
                    }
                    tokio::task::yield_now().await;
                }
            } else {
                let _ = s.write_all(&reply).await;
            }
        });
    }

    #[tokio::test]
    async fn framing_and_reuse_verdicts() {
        // (method, reply, body, reusable) — research §3.4 and §4.7(e).
        let rows: &[(Method, &str, &str, bool)] = &[
            (
                Method::GET,
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                "hello",
                true,
            ),
            (
                Method::GET,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                "hello",
                true,
            ),
            (
                Method::GET,
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
                "hello",
                false,
            ),
            (
                Method::GET,
                "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                "hello",
                false,
            ),
            // S38: close-delimited, read to EOF, never reused.
            (Method::GET, "HTTP/1.1 200 OK\r\n\r\nhello", "hello", false),
            // S35: bytes after a complete response.
            (
                Method::GET,
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA",
                "hello",
                false,
            ),
            (
                Method::GET,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nX",
                "hello",
                false,
            ),
            // S23, S21, S22.
            (
                Method::HEAD,
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                "",
                true,
            ),
            (
                Method::GET,
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
                "",
                true,
            ),
            (
                Method::GET,
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello",
                "",
                false,
            ),
            (Method::GET, "HTTP/1.1 204 No Content\r\n\r\n", "", true),
            // S24, S25: 1xx heads skipped.
            (
                Method::GET,
                "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "ok",
                true,
            ),
            (
                Method::GET,
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "ok",
                true,
            ),
        ];
        for bytewise in [false, true] {
            for (method, reply, want, reusable) in rows {
                let (a, b) = tokio::io::duplex(1 << 16);
                let mut c = conn(a);
                answer(b, reply.as_bytes().to_vec(), bytewise);
                let head = send(&mut c, method, &ReqBody::Empty)
                    .await
                    .unwrap_or_else(|e| panic!("{reply:?}: {e}"));
                assert!(head.status.as_u16() >= 200, "{reply:?}");
                assert!(!head.headers.contains_key("link"), "{reply:?}");
                let body = read_body(&mut c).await.expect("body");
                assert_eq!(body, want.as_bytes(), "{reply:?} bytewise={bytewise}");
                // With one byte a read, trailing bytes may not have arrived
                // yet at the end of the message: the probe catches those.
                if !bytewise || *reusable {
                    assert_eq!(c.is_reusable(), *reusable, "{reply:?} bytewise={bytewise}");
                }
                if c.is_reusable() && !bytewise {
                    assert_eq!(c.served(), 1);
                }
            }
        }
    }

    #[tokio::test]
    async fn errors_carry_their_class_and_never_reuse() {
        // (reply, kind, got_any)
        let rows: &[(&str, Kind, bool)] = &[
            ("", Kind::Io(io::ErrorKind::UnexpectedEof), false),
            (
                "HTTP/1.1 200 OK\r\nContent-Le",
                Kind::Io(io::ErrorKind::UnexpectedEof),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                Kind::Protocol(Reason::ClAndTe),
                true,
            ),
            (
                "HTTP/1.1 101 Switching\r\n\r\n",
                Kind::Protocol(Reason::Status101),
                true,
            ),
        ];
        for (reply, kind, got_any) in rows {
            let (a, b) = tokio::io::duplex(1 << 16);
            let mut c = conn(a);
            answer(b, reply.as_bytes().to_vec(), false);
            let (m, _, body) = get();
            let e = send(&mut c, &m, &body).await.expect_err(reply);
            assert_eq!(e.kind, *kind, "{reply:?}");
            assert_eq!(e.got_any, *got_any, "{reply:?}");
            assert!(e.wrote_any && !e.reused, "{reply:?}");
            assert!(!c.is_reusable() && !c.is_idle());
        }
        // S37: EOF inside a Content-Length body.
        let (a, b) = tokio::io::duplex(1 << 16);
        let mut c = conn(a);
        answer(
            b,
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello".to_vec(),
            false,
        );
        let (m, _, body) = get();
        send(&mut c, &m, &body).await.expect("head");
        let e = read_body(&mut c).await.expect_err("short body");
        assert_eq!(e.kind, Kind::BodyAbort);
        assert!(!c.is_reusable());
        // A chunked body that breaks the grammar mid-way.
        let (a, b) = tokio::io::duplex(1 << 16);
        let mut c = conn(a);
        let reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n";
        answer(b, reply.to_vec(), false);
        send(&mut c, &m, &body).await.expect("head");
        let e = read_body(&mut c).await.expect_err("bad chunk end");
        assert!(matches!(e.kind, Kind::Protocol(_)), "{e:?}");
        assert!(!c.is_reusable());
    }

    /// A connection that served one request; the upstream then behaves as
    /// `then` says on the second.
    async fn second_request(then: &'static str) -> H1Error {
        let (a, mut b) = tokio::io::duplex(1 << 16);
        let mut c = conn(a);
        tokio::spawn(async move {
            read_request(&mut b).await;
            let _ = b
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
            if then == "read-then-close" {
                read_request(&mut b).await;
            }
            drop(b);
        });
        let (m, _, body) = get();
        send(&mut c, &m, &body).await.expect("first");
        assert_eq!(read_body(&mut c).await.expect("first body"), b"ok");
        assert!(c.is_reusable());
        c.reset_for_reuse();
        // Let the upstream act.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        send(&mut c, &m, &body).await.expect_err("second")
    }

    #[tokio::test]
    async fn a_reused_connection_fails_as_unsent_or_stale() {
        // The upstream was gone before the write: nothing was accepted.
        let e = second_request("close").await;
        assert_eq!(e.kind, Kind::Unsent);
        assert!(e.reused && !e.wrote_any && !e.got_any);
        // It read the request, then closed without a byte (§4.6).
        let e = second_request("read-then-close").await;
        assert_eq!(e.kind, Kind::StaleReused);
        assert!(e.reused && e.wrote_any && !e.got_any);
    }

    #[tokio::test]
    async fn sends_the_request_and_large_bodies_in_full() {
        for size in [0usize, 10, INLINE_BODY + 1, 300 * 1024] {
            let (a, mut b) = tokio::io::duplex(8 * 1024);
            let mut c = conn(a);
            let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let want = payload.clone();
            let server = tokio::spawn(async move {
                let req = read_request(&mut b).await.expect("request");
                let _ = b
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    .await;
                req
            });
            let body = ReqBody::Full(Bytes::from(payload));
            let head = send(&mut c, &Method::POST, &body).await.expect("head");
            assert_eq!(head.status, 200);
            let req = server.await.expect("server");
            let end = req
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .expect("head end")
                + 4;
            let text = String::from_utf8_lossy(&req[..end]).to_ascii_lowercase();
            assert!(text.starts_with("post /p?q=1 http/1.1\r\n"), "{text}");
            assert!(text.contains("host: up.test\r\n"), "{text}");
            assert!(
                text.contains(&format!("content-length: {size}\r\n")),
                "{text}"
            );
            assert_eq!(&req[end..], &want[..], "size {size}");
            assert!(c.is_reusable(), "size {size}");
        }
    }

    #[tokio::test]
    async fn an_early_answer_is_delivered_and_the_connection_not_reused() {
        // S39: the upstream answers 413 after the head and reads no body;
        // the body does not fit the pipe, so the write would wait forever.
        let (a, mut b) = tokio::io::duplex(4 * 1024);
        let mut c = conn(a);
        let hold = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = b.read(&mut buf).await.expect("read");
                got.extend_from_slice(&buf[..n]);
            }
            b.write_all(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nbig!")
                .await
                .expect("write");
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(b);
        });
        let body = ReqBody::Full(Bytes::from(vec![b'x'; 256 * 1024]));
        let head = tokio::time::timeout(Duration::from_secs(5), send(&mut c, &Method::POST, &body))
            .await
            .expect("not stuck")
            .expect("413");
        assert_eq!(head.status, 413);
        assert_eq!(read_body(&mut c).await.expect("body"), b"big!");
        assert!(c.is_done() && !c.is_reusable());
        hold.abort();
    }

    #[tokio::test]
    async fn an_unasked_100_continue_does_not_stop_the_write() {
        // The upstream says `100 Continue` after the head, then reads the
        // whole body and answers: the 1xx is dropped and the write goes on.
        let (a, mut b) = tokio::io::duplex(4 * 1024);
        let mut c = conn(a);
        let size = 256 * 1024;
        let server = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = b.read(&mut buf).await.expect("read");
                got.extend_from_slice(&buf[..n]);
            }
            b.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .expect("write");
            let end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
            let mut body = got.len() - end;
            while body < size {
                let n = b.read(&mut buf).await.expect("read");
                assert!(n > 0, "the client stopped writing");
                body += n;
            }
            b.write_all(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
                .await
                .expect("write");
            b
        });
        let body = ReqBody::Full(Bytes::from(vec![b'y'; size]));
        let head = tokio::time::timeout(Duration::from_secs(5), send(&mut c, &Method::POST, &body))
            .await
            .expect("not stuck")
            .expect("201");
        assert_eq!(head.status, 201);
        assert!(c.is_reusable(), "the request was written in full");
        let _keep = server.await.expect("server");
    }

    #[tokio::test(start_paused = true)]
    async fn head_and_body_timeouts() {
        let limits = ConnLimits {
            head_timeout: Some(Duration::from_secs(2)),
            body_read_timeout: Some(Duration::from_secs(1)),
            ..ConnLimits::default()
        };
        // No answer at all.
        let (a, mut b) = tokio::io::duplex(1 << 16);
        let mut c = Conn::new(a, Bytes::from_static(b"h"), limits);
        let silent = tokio::spawn(async move {
            read_request(&mut b).await;
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(b);
        });
        let (m, _, body) = get();
        let started = Instant::now();
        let e = send(&mut c, &m, &body).await.expect_err("timeout");
        assert_eq!(e.kind, Kind::Timeout);
        assert!(e.wrote_any && !e.got_any);
        assert_eq!(started.elapsed().as_secs(), 2);
        silent.abort();
        // A body that stalls after two bytes.
        let (a, mut b) = tokio::io::duplex(1 << 16);
        let mut c = Conn::new(a, Bytes::from_static(b"h"), limits);
        let stall = tokio::spawn(async move {
            read_request(&mut b).await;
            b.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
                .await
                .expect("write");
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(b);
        });
        send(&mut c, &m, &body).await.expect("head");
        let first = std::future::poll_fn(|cx| c.poll_body(cx)).await;
        assert_eq!(first.and_then(Result::ok).as_deref(), Some(&b"ab"[..]));
        let e = read_body(&mut c).await.expect_err("idle body");
        assert_eq!(e.kind, Kind::Timeout);
        assert!(!c.is_reusable());
        stall.abort();
    }

    #[tokio::test]
    async fn max_requests_and_misuse() {
        let (a, mut b) = tokio::io::duplex(1 << 16);
        let limits = ConnLimits {
            max_requests: 2,
            ..ConnLimits::default()
        };
        let mut c = Conn::new(a, Bytes::from_static(b"h"), limits);
        tokio::spawn(async move {
            while read_request(&mut b).await.is_some() {
                let _ = b
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            }
        });
        let (m, _, body) = get();
        send(&mut c, &m, &body).await.expect("first");
        // A second request while the first body is unread: refused, and
        // the connection is done for.
        let e = send(&mut c, &m, &body).await.expect_err("misuse");
        assert_eq!(e.kind, Kind::Unsent);
        assert!(!c.is_reusable());
        let (a, mut b) = tokio::io::duplex(1 << 16);
        let mut c = Conn::new(a, Bytes::from_static(b"h"), limits);
        tokio::spawn(async move {
            while read_request(&mut b).await.is_some() {
                let _ = b
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            }
        });
        send(&mut c, &m, &body).await.expect("first");
        read_body(&mut c).await.expect("body");
        assert!(c.is_reusable());
        c.reset_for_reuse();
        let head = send(&mut c, &m, &body).await.expect("second");
        assert_eq!(head.status, 200);
        read_body(&mut c).await.expect("body");
        assert_eq!(c.served(), 2);
        assert!(!c.is_reusable(), "the second of max_requests 2 closes");
    }

    #[tokio::test]
    async fn the_probe_sees_close_and_stray_bytes() {
        let (a, mut b) = tokio::io::duplex(1 << 16);
        let mut c = conn(a);
        assert_eq!(c.probe(), Probe::Alive);
        b.write_all(b"x").await.expect("write");
        assert_eq!(c.probe(), Probe::UnexpectedData);
        let (a, b) = tokio::io::duplex(1 << 16);
        let mut c = conn(a);
        drop(b);
        assert_eq!(c.probe(), Probe::Closed);
    }
    /// A streamed body of `frames` frames of `size` bytes (or nothing but
    /// Pending when `frames` is `None`), counting what it handed out.
    struct Frames {
        frames: Option<usize>,
        size: usize,
        exact: Option<u64>,
        yielded: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        /// Bytes the upstream read, and the most the body ever was ahead of
        /// it when it handed out a frame.
        received: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        ahead: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Frames {
        fn new(frames: Option<usize>, size: usize, exact: Option<u64>) -> Self {
            Frames {
                frames,
                size,
                exact,
                yielded: Default::default(),
                received: Default::default(),
                ahead: Default::default(),
            }
        }
    }

    impl Body for Frames {
        type Data = Bytes;
        type Error = io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, io::Error>>> {
            use std::sync::atomic::Ordering::SeqCst;
            let Some(left) = self.frames.as_mut() else {
                return Poll::Pending;
            };
            if *left == 0 {
                return Poll::Ready(None);
            }
            *left -= 1;
            let n = self.size;
            let total = self.yielded.fetch_add(n, SeqCst) + n;
            let ahead = total.saturating_sub(self.received.load(SeqCst));
            self.ahead.fetch_max(ahead, SeqCst);
            Poll::Ready(Some(Ok(hyper::body::Frame::data(Bytes::from(vec![
                b'f';
                n
            ])))))
        }

        fn size_hint(&self) -> hyper::body::SizeHint {
            self.exact.map_or_else(
                hyper::body::SizeHint::default,
                hyper::body::SizeHint::with_exact,
            )
        }
    }

    async fn send_streamed(
        c: &mut Conn<DuplexStream>,
        body: &mut Frames,
    ) -> Result<ResponseHead, H1Error> {
        let headers = HeaderMap::new();
        c.send_streaming(
            &UpstreamRequest {
                method: &Method::POST,
                path_and_query: "/up",
                headers: &headers,
                body: &ReqBody::Empty,
            },
            body,
        )
        .await
    }

    /// 5 MiB in 64 KiB frames through a 64 KiB pipe: the body is never
    /// more than one frame (plus the pipe and a chunk header) ahead of what
    /// the upstream read, so the client holds one frame at most.
    #[tokio::test]
    async fn a_streamed_body_is_held_one_frame_at_a_time() {
        use std::sync::atomic::Ordering::SeqCst;
        const FRAME: usize = 64 * 1024;
        const PIPE: usize = 64 * 1024;
        for exact in [Some(5u64 << 20), None] {
            let (a, mut b) = tokio::io::duplex(PIPE);
            let mut c = conn(a);
            let mut body = Frames::new(Some(80), FRAME, exact);
            let received = std::sync::Arc::clone(&body.received);
            let server = tokio::spawn(async move {
                let mut wire = Vec::new();
                let mut buf = vec![0u8; 8 * 1024];
                let end = loop {
                    let n = b.read(&mut buf).await.expect("read");
                    assert!(n > 0, "EOF before the body ended");
                    wire.extend_from_slice(&buf[..n]);
                    received.fetch_add(n, SeqCst);
                    // Slower than the client: let it fill the pipe.
                    tokio::task::yield_now().await;
                    let head_end = wire.windows(4).position(|w| w == b"\r\n\r\n");
                    if let Some(h) = head_end {
                        let body = &wire[h + 4..];
                        let done = match exact {
                            Some(n) => body.len() as u64 >= n,
                            None => body.ends_with(b"\r\n0\r\n\r\n"),
                        };
                        if done {
                            break h + 4;
                        }
                    }
                };
                b.write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                    .await
                    .expect("write");
                (wire, end, b)
            });
            let head = send_streamed(&mut c, &mut body).await.expect("head");
            assert_eq!(head.status, 204);
            assert!(c.is_reusable() && c.request_written());
            let (wire, end, _b) = server.await.expect("server");
            let sent = &wire[end..];
            let payload = if exact.is_some() {
                sent.to_vec()
            } else {
                let mut buf = BytesMut::from(sent);
                let mut dec = ChunkedDecoder::new(ChunkedLimits::default());
                let mut out = Vec::new();
                while let Ok(Chunk::Data(d)) = dec.decode(&mut buf) {
                    out.extend_from_slice(&d);
                }
                assert!(buf.is_empty());
                out
            };
            assert_eq!(payload.len(), 5 << 20, "{exact:?}");
            assert!(payload.iter().all(|&b| b == b'f'));
            let ahead = body.ahead.load(SeqCst);
            // The head, the pipe, one frame and its chunk header.
            assert!(
                ahead <= end + PIPE + FRAME + 16,
                "{exact:?}: the body ran {ahead} bytes ahead"
            );
            assert!(ahead >= FRAME, "{exact:?}: measured nothing ({ahead})");
        }
    }

    /// The head timeout bounds a body write the upstream stopped reading.
    #[tokio::test(start_paused = true)]
    async fn the_head_timeout_bounds_a_stalled_body_write() {
        let limits = ConnLimits {
            head_timeout: Some(Duration::from_secs(2)),
            ..ConnLimits::default()
        };
        let (a, b) = tokio::io::duplex(4 * 1024);
        let mut c = Conn::new(a, Bytes::from_static(b"h"), limits);
        let mut body = Frames::new(Some(1 << 20), 64 * 1024, None);
        let started = Instant::now();
        let e = send_streamed(&mut c, &mut body).await.expect_err("timeout");
        assert_eq!(e.kind, Kind::Timeout);
        assert!(e.wrote_any && !e.got_any);
        assert!(c.request_body_taken() && e.body_spent);
        assert_eq!(started.elapsed().as_secs(), 2);
        assert!(!c.is_reusable() && !c.is_idle());
        drop(b);
    }

    /// A `100 Continue` while the body has nothing to give is skipped; the
    /// final 401 that follows is returned with the body unfinished.
    #[tokio::test]
    async fn an_early_answer_while_the_body_waits_is_returned() {
        let (a, mut b) = tokio::io::duplex(64 * 1024);
        let mut c = conn(a);
        let server = tokio::spawn(async move {
            read_request(&mut b).await;
            b.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .expect("write");
            tokio::time::sleep(Duration::from_millis(20)).await;
            b.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno")
                .await
                .expect("write");
            b
        });
        let mut body = Frames::new(None, 1, None);
        let head = tokio::time::timeout(Duration::from_secs(5), send_streamed(&mut c, &mut body))
            .await
            .expect("not stuck")
            .expect("401");
        assert_eq!(head.status, 401);
        assert!(!c.request_written());
        assert!(!c.request_body_taken(), "the body never gave anything");
        assert_eq!(read_body(&mut c).await.expect("body"), b"no");
        assert!(c.is_done() && !c.is_reusable());
        let _b = server.await.expect("server");
    }

    /// An upstream that answers early and closes: the write fails, and the
    /// answer waiting in the read side is still delivered.
    #[tokio::test]
    async fn a_write_error_after_an_early_answer_is_not_an_error() {
        for streamed in [false, true] {
            let (a, mut b) = tokio::io::duplex(4 * 1024);
            let mut c = conn(a);
            tokio::spawn(async move {
                let mut got = Vec::new();
                let mut buf = [0u8; 1024];
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = b.read(&mut buf).await.expect("read");
                    got.extend_from_slice(&buf[..n]);
                }
                b.write_all(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nbig!")
                    .await
                    .expect("write");
                drop(b);
            });
            let head = if streamed {
                let mut body = Frames::new(Some(64), 4 * 1024, None);
                send_streamed(&mut c, &mut body).await
            } else {
                let body = ReqBody::Full(Bytes::from(vec![b'x'; 256 * 1024]));
                send(&mut c, &Method::POST, &body).await
            };
            let head = head.unwrap_or_else(|e| panic!("streamed={streamed}: {e}"));
            assert_eq!(head.status, 413);
            assert_eq!(read_body(&mut c).await.expect("body"), b"big!");
            assert!(!c.is_reusable());
        }
    }

    #[tokio::test]
    async fn a_streamed_body_with_a_buffered_one_is_a_misuse_and_sends_nothing() {
        let (a, _b) = tokio::io::duplex(1024);
        let mut c = conn(a);
        let mut body = Frames::new(Some(1), 1, None);
        let headers = HeaderMap::new();
        let e = c
            .send_streaming(
                &UpstreamRequest {
                    method: &Method::POST,
                    path_and_query: "/",
                    headers: &headers,
                    body: &ReqBody::Full(Bytes::from_static(b"x")),
                },
                &mut body,
            )
            .await
            .expect_err("misuse");
        assert_eq!(e.kind, Kind::RequestBody(BodyError::Misuse));
        assert!(!e.wrote_any);
        assert!(c.is_idle(), "the connection is untouched");
        assert_eq!(body.yielded.load(std::sync::atomic::Ordering::SeqCst), 0);
    }
}
