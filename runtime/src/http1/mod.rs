//! Our own HTTP/1.1 client for plain `http://` upstreams (issue 16;
//! research/h1-upstream-client.md §4).
//!
//! What it is: the request is written and the response read on the
//! connection, inside the request's own task: no connection task, no
//! channels, no spawned work per request, which is the shape pingora,
//! Envoy, nginx, xitca and awc share and where hyper's client spends its
//! 3.5–4 µs a request (research §1.4). hyper stays for the server side,
//! h2, TLS upstreams and upgrades, and `lb/h1.rs` (hyper's
//! `client::conn::http1`) stays as the per-backend escape hatch.
//!
//! Policy, for every file here: **when in doubt, reject**. A response that
//! breaks a rule of research §3.1–3.3 (or a limit) is a
//! [`error::Kind::Protocol`] with a [`error::Reason`]: the client gets a
//! 502 and the upstream connection is closed, never reused. The gateway
//! re-frames every response it forwards, so a strict reject costs one
//! request, while a lenient read that frames a body differently from the
//! upstream poisons the connection for the next request (response-queue
//! desync, research §3 intro). Where this is stricter than hyper's client,
//! research §4.7(c) lists the cases (S1, S2, S9–S13, S19, S20, S26, S30)
//! as the expected allow-list of a differential test against it.
//!
//! Files (the first five are IO-free: pure functions over bytes, tested by
//! tables and fuzzed; `conn`, `body` and `pool` do the IO):
//! - [`error`]: the §4.6 error classes, the reject reasons and their
//!   labels, and the retry verdict;
//! - [`framing`]: RFC 9112 §6.3 body length and the head's keep-alive
//!   verdict (§3.1, §3.4 item 3);
//! - [`head`]: the strict response head parser (§3.2) over httparse;
//! - [`chunked`]: the incremental chunked decoder (§3.3);
//! - [`encode`]: the request head writer (§3.6) and the chunk encoder of
//!   streamed request bodies;
//! - `conn`: one connection and its exchange (write, head past 1xx, body
//!   decode), the §3.4 verdict, the error flags; a buffered request body
//!   (`send`) or a streamed one (`send_streaming`);
//! - `body`: `UpstreamBody`, which owns its connection (zero-copy frames,
//!   back to the pool before the last frame, `collect(limit)`);
//! - `pool`: the per-worker MRU pool, the checkout probe, the sweeper, and
//!   the request entry points (`request`, `request_streaming`) with the
//!   §3.5 retries;
//! - `tests` (test builds only): the invariants the fuzz targets `h1_head`
//!   and `h1_chunked` check (`tests/fuzz_checks.rs`, included by the
//!   targets with `#[path]`) and the stable replays of their committed
//!   seeds under `fuzz/corpus/`.
//!
//! Deviations from the research design (§4.1), and why:
//! - the module is `runtime/src/http1/` (the name), not
//!   `upstream/h1/`;
//! - [`head::parse_response_head`] takes the connection's `BytesMut` and
//!   splits the head off it on success, instead of returning `consumed`
//!   over a `&[u8]`: the values of the `HeaderMap` then share the read
//!   buffer (§4.5 step 3, no allocation per field), which needs the head
//!   frozen as `Bytes` first;
//! - [`chunked::ChunkedDecoder`] has no `Trailers` output: trailers are
//!   parsed under their caps and dropped (§3.3 says drop by default, and
//!   nothing forwards them yet), so `Data`/`NeedMore`/`Done` suffice;
//! - a HEAD or 304 answer's Content-Length and Transfer-Encoding are
//!   ignored even when malformed (§3.1 rule 1 says "ignore"; no body byte
//!   is read either way, and stray bytes after such a head make the
//!   connection unusable under §3.4 item 2), while a 1xx or 204 that claims
//!   a body is rejected as §3.1 asks;
//! - chunk sizes allow 16 hex digits *including* leading zeros (httparse's
//!   rule; hyper allows any number of leading zeros): a bounded line is
//!   worth more than `00000000000000000` being accepted;
//! - a bare LF is rejected everywhere in chunked framing (size lines, after
//!   data, trailers), not only in extensions (§3.3 names extensions; nginx
//!   rejects it everywhere since nginx/nginx#1016), while a head may end its
//!   lines with a bare LF (§3.2);
//! - the request encoder also emits `Content-Length: 0` for an empty
//!   request of a method whose body has meaning (POST, PUT, PATCH, …), as
//!   Go's client does, and checks the target and Host bytes (§3.6 relies
//!   on `http::Uri`; the check makes the encoder safe on its own).
//!
//! - request bodies can be streamed (research §4.10 item 4 deferred them;
//!   issue 16 needs a lone backend's body forwarded as hyper's client did,
//!   never buffered): [`conn::Conn::send_streaming`] and
//!   [`pool::Pool::request_streaming`] take an `http_body::Body`, send
//!   `Content-Length` for an exact size hint (a body that then breaks it
//!   fails, [`error::BodyError`]) or `Transfer-Encoding: chunked`
//!   otherwise, hold one frame at a time and write it uncopied, drop
//!   trailers, and watch the response side while they wait on the body or
//!   the socket (an early final head stops the upload, S39). A body error
//!   is its own class ([`error::Kind::RequestBody`], label `request_body`),
//!   never retried; a stale pooled connection is retried only while the
//!   body was never polled to a result (after that, every error says
//!   [`error::H1Error::body_spent`] and its verdict is `Retry::No`, for
//!   the failover loop too). `Expect: 100-continue` is still
//!   not sent (the encoder strips it); an unasked `100` is skipped;
//! - after a write error the response head is still read (an upstream that
//!   answered early and closed left its answer behind); the write error is
//!   the result only when no head comes.
//!
//! Known cost: [`head::parse_response_head`] is stateless, so a head that
//! arrives in many small reads is scanned for its end from the start on
//! each call (at most [`head::HeadLimits::max_bytes`] a call; quadratic in
//! the number of reads, bounded by the head cap and the head timeout).

pub mod body;
pub mod chunked;
pub mod conn;
pub mod encode;
pub mod error;
pub mod framing;
pub mod head;
pub mod pool;

#[cfg(test)]
mod tests;

pub use error::{BodyError, H1Error, Kind, Reason, Retry};
pub use framing::Framing;
