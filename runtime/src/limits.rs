//! `gwc/server` and KrakenD's root server timeouts: the bounds on what one
//! client connection can make the gateway spend (issue 15).
//!
//! - [`ClientIo`] wraps each accepted socket and keeps its clock: the
//!   request head must arrive within the header-read timeout (from the
//!   connection's start, or from the first byte after an idle spell, as Go
//!   starts `ReadHeaderTimeout` after its idle `Peek`), a connection with
//!   no request in flight is closed after the idle timeout, and a write
//!   that makes no progress for the send timeout fails the connection
//!   (nginx's `send_timeout`), which drops the response body and with it
//!   the upstream connection it streams from.
//! - KrakenD's `read_timeout` and `write_timeout` are Go's connection
//!   deadlines: a read more than `read_timeout` after the request began
//!   (its first byte, or the connection's start) fails, body and later
//!   reads included, and so does a write more than `write_timeout` after
//!   its head was read. As in Go, `read_timeout` also stands for an unset
//!   `read_header_timeout` and an unset `idle_timeout`.
//! - [`Tracked`] tells the clock when a response is finished: hyper drops
//!   the body after writing its last frame.
//! - [`AcceptBackoff`]: accept failures (EMFILE, ENFILE…) wait 10 ms,
//!   doubling to 1 s, and are logged once when they start and once when
//!   they end (an accept a second after the last failure), with their
//!   count, instead of spinning.
//! - [`no_huge_pages`]: transparent huge pages are off for the gateway
//!   process.
//!
//! A deadline that passes makes the socket's read or write fail with
//! `TimedOut`: hyper closes the connection without an answer, as Go's
//! server does when a deadline passes.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::spec::ServerOptions;

/// Turns transparent huge pages off for this process (Linux
/// `PR_SET_THP_DISABLE`; kept across the binary upgrade's `execve`).
///
/// mimalloc asks for huge pages for its large allocations, so the first
/// touch of a fresh 2 MiB page zeroes all of it inside one page fault, on
/// the worker thread, where no `await` can yield. Buffering a large backend
/// answer (a gzip bomb inflating to `max_response_bytes`) then stalled every
/// connection of that worker: `bench/hostile.sh` measured 55–160 ms of
/// backlog from one bomb with huge pages and 5–15 ms without, on a 2-core
/// VM. A gateway's heap is tens of MiB, where huge pages save little; Redis
/// and MongoDB ask the same of their hosts for the same latency reason.
/// Failure (another OS, a kernel without it) changes nothing else.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// The header-read timeout when neither `read_header_timeout` nor
/// `read_timeout` is set: a real client sends its head in one round trip.
pub const DEFAULT_HEADER_READ: Duration = Duration::from_secs(10);
/// The idle keep-alive timeout when `idle_timeout` is unset (nginx's
/// `keepalive_timeout`).
pub const DEFAULT_IDLE: Duration = Duration::from_secs(75);
/// `gwc/server.send_timeout` when unset (nginx's `send_timeout`).
pub const DEFAULT_SEND: Duration = Duration::from_secs(60);
/// `gwc/server.max_connections` (per worker) when unset. An open client
/// connection costs about 28 KiB while hyper reads its head (a 16 KiB read
/// buffer, an 8 KiB write buffer, the task), so 2048 per worker keeps a
/// 2-core gateway held open by attackers near 115 MiB (`bench/hostile.sh`);
/// nginx's `worker_connections` is 512.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 2048;
/// `gwc/server.max_request_body` when unset: the cap of
/// `validation/json-schema`'s body read too.
pub const DEFAULT_MAX_REQUEST_BODY: u64 = 8 * 1024 * 1024;

/// The per-connection bounds, defaults applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Until the request head is read.
    pub header_read: Duration,
    /// With no request in flight, until the next one starts.
    pub idle: Duration,
    /// A write that makes no progress for this long fails.
    pub send: Duration,
    /// Connections one worker serves at once.
    pub max_connections: usize,
    /// `read_timeout`: from a request's start, reads fail after it.
    pub read: Option<Duration>,
    /// `write_timeout`: from a request's head, writes fail after it.
    pub write: Option<Duration>,
}

impl Limits {
    /// gwc's defaults (the side listeners: admin, exporters).
    pub const DEFAULT: Limits = Limits {
        header_read: DEFAULT_HEADER_READ,
        idle: DEFAULT_IDLE,
        send: DEFAULT_SEND,
        max_connections: DEFAULT_MAX_CONNECTIONS as usize,
        read: None,
        write: None,
    };

    /// The bounds a gateway's server options ask for (0: the default).
    pub fn of(o: &ServerOptions) -> Limits {
        let ms = |v: u64, d: Duration| {
            if v > 0 { Duration::from_millis(v) } else { d }
        };
        let set = |v: u64| (v > 0).then(|| Duration::from_millis(v));
        let read = set(o.read_timeout_ms);
        Limits {
            // Go: `ReadHeaderTimeout`, else `ReadTimeout`; `IdleTimeout`,
            // else `ReadTimeout`.
            header_read: ms(
                o.read_header_timeout_ms,
                read.unwrap_or(DEFAULT_HEADER_READ),
            ),
            idle: ms(o.idle_timeout_ms, read.unwrap_or(DEFAULT_IDLE)),
            read,
            write: set(o.write_timeout_ms),
            send: ms(o.send_timeout_ms, DEFAULT_SEND),
            max_connections: match o.max_connections {
                0 => DEFAULT_MAX_CONNECTIONS as usize,
                n => n as usize,
            },
        }
    }
}

/// The request-body cap of buffered endpoints (0: the default).
pub fn max_request_body(o: &ServerOptions) -> u64 {
    match o.max_request_body {
        0 => DEFAULT_MAX_REQUEST_BODY,
        n => n,
    }
}

/// `gwc/server.max_buffered_responses` when unset: the most a single
/// response may take by default (`gwc/http-client.max_response_bytes`), so
/// one such response alone still fits.
pub const DEFAULT_MAX_BUFFERED_RESPONSES: u64 = 64 * 1024 * 1024;

/// The gateway-wide budget for backend bodies read whole (to decode them):
/// the bytes held by every such read in flight, summed. Each response is
/// also capped by its backend's `max_response_bytes`; this bounds what many
/// at once can hold (ten gzip bombs each inflating to its 64 MiB cap would
/// otherwise hold 640 MiB). A read that would pass it fails, and so does
/// its backend, until others finish. Reads take from it as their bodies
/// grow and give it back when they end. The first
/// [`ResponseBudget::UNCOUNTED`] bytes of each read are not counted, so
/// that a few huge answers holding the budget never fail the ordinary
/// small ones of other requests.
#[derive(Debug)]
pub struct ResponseBudget {
    used: AtomicU64,
    max: u64,
}

impl ResponseBudget {
    /// The bytes of each read the budget does not count.
    pub const UNCOUNTED: u64 = 256 * 1024;

    /// A budget of `max` bytes.
    pub fn new(max: u64) -> ResponseBudget {
        ResponseBudget {
            used: AtomicU64::new(0),
            max,
        }
    }

    /// The budget a gateway's server options ask for (0: the default).
    pub fn of(o: &ServerOptions) -> ResponseBudget {
        ResponseBudget::new(match o.max_buffered_responses {
            0 => DEFAULT_MAX_BUFFERED_RESPONSES,
            n => n,
        })
    }

    /// The budget's size.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The bytes held now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// A share of the budget, empty until it grows.
    pub fn share(&self) -> Share<'_> {
        Share {
            budget: self,
            held: 0,
        }
    }
}

/// One read's part of a [`ResponseBudget`], given back when dropped.
#[derive(Debug)]
pub struct Share<'a> {
    budget: &'a ResponseBudget,
    held: u64,
}

impl Share<'_> {
    /// Grows this share to a read holding `total` bytes (the first
    /// [`ResponseBudget::UNCOUNTED`] free); false (and unchanged) when the
    /// budget has not that much left.
    pub fn grow_to(&mut self, total: u64) -> bool {
        let total = total.saturating_sub(ResponseBudget::UNCOUNTED);
        let Some(more) = total.checked_sub(self.held).filter(|m| *m > 0) else {
            return true;
        };
        let max = self.budget.max;
        let taken = self
            .budget
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(more).filter(|n| *n <= max)
            });
        if taken.is_ok() {
            self.held = total;
        }
        taken.is_ok()
    }
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.held, Ordering::Relaxed);
    }
}

/// What the service tells the connection's clock: requests started and
/// responses finished (equal: nothing in flight), and, with
/// `write_timeout`, when the last head was read.
#[derive(Debug)]
pub struct Requests {
    started: AtomicU32,
    finished: AtomicU32,
    /// Whether [`Requests::start`] notes the time (`write_timeout` set).
    timed: bool,
    origin: Instant,
    /// The last head's read, in µs from `origin`.
    head_read_us: AtomicU64,
}

impl Default for Requests {
    fn default() -> Requests {
        Requests::new(&Limits::DEFAULT)
    }
}

impl Requests {
    /// The counters of a connection with `limits`.
    pub fn new(limits: &Limits) -> Requests {
        Requests {
            started: AtomicU32::new(0),
            finished: AtomicU32::new(0),
            timed: limits.write.is_some(),
            origin: Instant::now(),
            head_read_us: AtomicU64::new(0),
        }
    }

    /// A request head was read (the service was called).
    pub fn start(&self) {
        if self.timed {
            let us = u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX);
            self.head_read_us.store(us, Ordering::Relaxed);
        }
        self.started.fetch_add(1, Ordering::Relaxed);
    }
}

/// Where the connection is, as its clock sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Reading a request head: closed at the deadline.
    Head(Instant),
    /// Serving a request: reads fail after the deadline (`read_timeout`)
    /// when there is one.
    Busy(Option<Instant>),
    /// Nothing in flight and no byte of the next request: closed at the
    /// deadline.
    Idle(Instant),
}

/// A client socket with its deadlines (see the module doc).
pub struct ClientIo<S> {
    inner: S,
    limits: Limits,
    requests: Arc<Requests>,
    phase: Phase,
    /// The responses finished when the clock last looked.
    seen_finished: u32,
    /// The read deadline's timer (armed while a read waits).
    read_timer: Pin<Box<Sleep>>,
    /// Since when a write waits without progress, and its timer.
    stalled: Option<Pin<Box<Sleep>>>,
    /// When the current request began (its head's first byte, or the
    /// connection's start): `read_timeout` counts from it.
    began: Instant,
}

impl<S> ClientIo<S> {
    /// Wraps a socket accepted now; `requests` is shared with its service.
    pub fn new(inner: S, limits: Limits, requests: Arc<Requests>) -> ClientIo<S> {
        let now = Instant::now();
        let deadline = now + limits.header_read;
        ClientIo {
            inner,
            limits,
            requests,
            phase: Phase::Head(deadline),
            seen_finished: 0,
            read_timer: Box::pin(tokio::time::sleep_until(deadline)),
            stalled: None,
            began: now,
        }
    }

    /// Moves between phases on what the service reported; `got_bytes`: a
    /// read just returned data. Returns whether an idle spell began.
    fn step(&mut self, got_bytes: bool) -> bool {
        let started = self.requests.started.load(Ordering::Relaxed);
        let finished = self.requests.finished.load(Ordering::Relaxed);
        if started != finished {
            if !matches!(self.phase, Phase::Busy(_)) {
                self.phase = Phase::Busy(self.limits.read.map(|r| self.began + r));
            }
            return false;
        }
        // A response finished since the last look (whether or not a poll
        // saw its request in flight): idle from now.
        let idle = finished != self.seen_finished;
        if idle {
            self.seen_finished = finished;
            self.phase = Phase::Idle(Instant::now() + self.limits.idle);
        }
        if got_bytes && matches!(self.phase, Phase::Idle(_)) {
            self.began = Instant::now();
            self.phase = Phase::Head(self.began + self.limits.header_read);
            return false;
        }
        idle
    }

    fn read_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Head(d) | Phase::Idle(d) => Some(d),
            Phase::Busy(d) => d,
        }
    }
}

/// The error a passed deadline makes the socket return.
fn timed_out(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what)
}

impl<S: AsyncRead + Unpin> AsyncRead for ClientIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let _ = this.step(buf.filled().len() > before);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let _ = this.step(false);
                let Some(deadline) = this.read_deadline() else {
                    return Poll::Pending;
                };
                if this.read_timer.deadline() > deadline {
                    this.read_timer.as_mut().reset(deadline);
                }
                // The timer may ring before the deadline (it is moved
                // later only once it rang, not on every request: a reset
                // costs a timer-wheel update), never after it.
                loop {
                    match this.read_timer.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(()) if Instant::now() < deadline => {
                            this.read_timer.as_mut().reset(deadline);
                        }
                        Poll::Ready(()) => {
                            return Poll::Ready(Err(timed_out(match this.phase {
                                Phase::Idle(_) => "idle timeout",
                                Phase::Busy(_) => "read timeout",
                                Phase::Head(_) => "header read timeout",
                            })));
                        }
                    }
                }
            }
        }
    }
}

impl<S> ClientIo<S> {
    /// A write's outcome through the send timeout: progress clears the
    /// stall, a wait arms it, and a wait past it fails.
    /// `write_timeout`'s deadline: from the head of the last request, until
    /// the next one's (as Go's write deadline, its response's last flush
    /// included); none before the first.
    fn write_deadline(&self) -> Option<Instant> {
        let w = self.limits.write?;
        let r = &self.requests;
        if r.started.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let head = Duration::from_micros(r.head_read_us.load(Ordering::Relaxed));
        Some(r.origin + head + w)
    }

    /// Whether a write now is past `write_timeout` (it then fails before
    /// any byte goes out, as a Go write past its deadline does).
    fn write_expired(&self) -> bool {
        self.write_deadline().is_some_and(|d| Instant::now() >= d)
    }

    fn written<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match r {
            Poll::Pending => {
                let limit = self.limits.send;
                let until = match self.write_deadline() {
                    Some(d) => d.min(Instant::now() + limit),
                    None => Instant::now() + limit,
                };
                let timer = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(until)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) if self.write_expired() => {
                        Poll::Ready(Err(timed_out("write timeout")))
                    }
                    Poll::Ready(()) => Poll::Ready(Err(timed_out("send timeout"))),
                    Poll::Pending => Poll::Pending,
                }
            }
            done => {
                self.stalled = None;
                // hyper drops a finished response's body just before its
                // last flush and may not read again until the client
                // sends: the idle deadline starts here, its timer armed
                // with this task's waker.
                // The timer is only moved earlier here (see `poll_read`): if
                // it rings first, the read it wakes moves it on.
                if self.step(false)
                    && let Phase::Idle(deadline) = self.phase
                {
                    if self.read_timer.deadline() > deadline {
                        self.read_timer.as_mut().reset(deadline);
                    }
                    if self.read_timer.as_mut().poll(cx).is_ready() {
                        cx.waker().wake_by_ref();
                    }
                }
                done
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ClientIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.write_expired() {
            return Poll::Ready(Err(timed_out("write timeout")));
        }
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.written(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.write_expired() {
            return Poll::Ready(Err(timed_out("write timeout")));
        }
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.written(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_flush(cx);
        this.written(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.written(cx, r)
    }
}

/// A response body that tells the connection's clock when it is done
/// (written to its end, or dropped).
#[derive(Debug)]
pub struct Tracked<B> {
    body: B,
    requests: Arc<Requests>,
}

impl<B> Tracked<B> {
    /// `body`, reporting to `requests` when dropped.
    pub fn new(body: B, requests: Arc<Requests>) -> Tracked<B> {
        Tracked { body, requests }
    }
}

impl<B> Drop for Tracked<B> {
    fn drop(&mut self) {
        self.requests.finished.fetch_add(1, Ordering::Relaxed);
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for Tracked<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The first wait after an accept failure.
const BACKOFF_FIRST: Duration = Duration::from_millis(10);
/// The longest wait.
const BACKOFF_MAX: Duration = Duration::from_secs(1);
/// An episode of accept failures ends with a successful accept this long
/// after its last failure: at the descriptor limit, accepts succeed now and
/// then as descriptors free up, and those must not start new episodes.
const BACKOFF_QUIET: Duration = Duration::from_secs(1);

/// Accept failures (an episode) and the next wait.
#[derive(Debug, Default)]
pub struct AcceptBackoff {
    failures: u64,
    wait: Duration,
    last_failure: Option<Instant>,
}

impl AcceptBackoff {
    /// Records an accept that failed at `now`; returns how long to wait
    /// (10 ms, doubling to 1 s while accepts keep failing), and the line
    /// to log when it starts an episode.
    pub fn failed(&mut self, e: &io::Error, now: Instant) -> (Duration, Option<String>) {
        let line = (self.failures == 0).then(|| {
            format!("accept failed: {e}; not accepting for 10 ms, doubling to 1 s while it fails")
        });
        self.failures += 1;
        self.last_failure = Some(now);
        self.wait = if self.wait.is_zero() {
            BACKOFF_FIRST
        } else {
            (self.wait * 2).min(BACKOFF_MAX)
        };
        (self.wait, line)
    }

    /// Records an accept that succeeded at `now`; returns the line that
    /// ends an episode (with its count of failures), once the last failure
    /// is [`BACKOFF_QUIET`] old.
    pub fn succeeded(&mut self, now: Instant) -> Option<String> {
        self.wait = Duration::ZERO;
        let last = self.last_failure?;
        if now.saturating_duration_since(last) < BACKOFF_QUIET {
            return None;
        }
        self.last_failure = None;
        let n = std::mem::take(&mut self.failures);
        Some(format!("accepting again after {n} failed accepts"))
    }
}

/// What a client past [`Limits::max_connections`] reads before the
/// gateway closes its connection.
pub const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_are_off_once_asked() {
        no_huge_pages();
        assert_eq!(
            rustix::thread::transparent_huge_pages_are_disabled().ok(),
            Some(true)
        );
    }

    #[test]
    fn accept_backoff_doubles_to_a_second_and_logs_once_an_episode() {
        let mut b = AcceptBackoff::default();
        let emfile = io::Error::from_raw_os_error(24);
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut waits = Vec::new();
        let mut lines = 0;
        for i in 0..10 {
            let (wait, line) = b.failed(&emfile, at(i));
            waits.push(wait.as_millis());
            lines += usize::from(line.is_some());
        }
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
        assert_eq!(lines, 1, "one line when the episode starts");
        // A descriptor frees up: one accept works, the wait starts over,
        // but the episode goes on (no line either way).
        assert_eq!(b.succeeded(at(100)), None);
        let (wait, line) = b.failed(&emfile, at(200));
        assert_eq!((wait, line), (BACKOFF_FIRST, None));
        // A second after the last failure: the episode ends, counted.
        assert_eq!(b.succeeded(at(900)), None);
        assert_eq!(
            b.succeeded(at(1_200)).as_deref(),
            Some("accepting again after 11 failed accepts")
        );
        assert_eq!(b.succeeded(at(5_000)), None, "no episode, no line");
        // A new episode starts again at 10 ms, with its own line.
        let (wait, line) = b.failed(&emfile, at(6_000));
        assert_eq!(wait, BACKOFF_FIRST);
        assert!(line.is_some_and(|l| l.starts_with("accept failed: ")));
    }

    #[test]
    fn unset_limits_take_the_defaults() {
        assert_eq!(Limits::of(&ServerOptions::DEFAULT), Limits::DEFAULT);
        let o = ServerOptions {
            read_header_timeout_ms: 300,
            idle_timeout_ms: 5000,
            send_timeout_ms: 700,
            max_connections: 3,
            max_request_body: 10,
            ..ServerOptions::DEFAULT
        };
        let l = Limits::of(&o);
        assert_eq!(
            (l.header_read, l.idle, l.send, l.max_connections),
            (
                Duration::from_millis(300),
                Duration::from_millis(5000),
                Duration::from_millis(700),
                3
            )
        );
        assert_eq!(max_request_body(&o), 10);
        assert_eq!(
            max_request_body(&ServerOptions::DEFAULT),
            DEFAULT_MAX_REQUEST_BODY
        );
    }

    /// KrakenD's `read_timeout` stands for an unset `read_header_timeout`
    /// and an unset `idle_timeout`, as in Go; `write_timeout` is its own.
    #[test]
    fn read_timeout_stands_for_the_unset_header_and_idle_timeouts() {
        let o = ServerOptions {
            read_timeout_ms: 2000,
            write_timeout_ms: 700,
            ..ServerOptions::DEFAULT
        };
        let l = Limits::of(&o);
        let s = Duration::from_millis;
        assert_eq!(
            (l.header_read, l.idle, l.read, l.write),
            (s(2000), s(2000), Some(s(2000)), Some(s(700)))
        );
        let l = Limits::of(&ServerOptions {
            read_header_timeout_ms: 300,
            idle_timeout_ms: 9000,
            ..o
        });
        assert_eq!(
            (l.header_read, l.idle, l.read),
            (s(300), s(9000), Some(s(2000)))
        );
    }

    /// Shares grow only within the budget, a refused growth leaves the share
    /// as it was, and a dropped share gives its bytes back.
    #[test]
    fn response_budget_shares_grow_within_it_and_give_back_on_drop() {
        let free = ResponseBudget::UNCOUNTED;
        let budget = ResponseBudget::new(100);
        let mut a = budget.share();
        assert!(a.grow_to(free + 60));
        assert!(a.grow_to(free + 50), "shrinking asks nothing");
        let mut b = budget.share();
        assert!(!b.grow_to(free + 41));
        assert_eq!(budget.used(), 60);
        assert!(b.grow_to(free + 40));
        assert!(!a.grow_to(free + 61));
        assert_eq!(budget.used(), 100);
        // The budget is spent; a read within the free part still goes on.
        let mut c = budget.share();
        assert!(c.grow_to(free));
        assert!(!c.grow_to(free + 1));
        drop(a);
        assert_eq!(budget.used(), 40);
        assert!(b.grow_to(free + 100));
        drop(b);
        assert_eq!(budget.used(), 0);
        assert_eq!(
            ResponseBudget::of(&ServerOptions::DEFAULT).max(),
            DEFAULT_MAX_BUFFERED_RESPONSES
        );
    }
}
