//! The request head we write upstream (research/h1-upstream-client.md
//! §3.6).
//!
//! The downstream request was already parsed by hyper's server, and every
//! header value is an `http::HeaderValue`, which cannot hold CR, LF or NUL
//! (the runtime builds none with the unchecked constructors). So request
//! smuggling toward the upstream can only come from this writer, and its
//! guarantees are pinned by golden bytes in the tests:
//! - origin-form target (RFC 9112 §3.2.1), checked to be visible ASCII,
//!   and always `HTTP/1.1`;
//! - `Host` first (RFC 9112 §3.2: a client SHOULD send it first), from
//!   the backend's configuration, never from the forwarded headers;
//! - exactly one framing field, computed from the body we hold
//!   (RFC 9112 §6.1, §6.2), never copied from downstream: a
//!   `Content-Length` for a known length, `Transfer-Encoding: chunked` for
//!   a stream, and none at all for an empty request whose method gives a
//!   body no meaning (GET, HEAD, DELETE, OPTIONS, TRACE, CONNECT;
//!   RFC 9110 §9.3), as Go's client does; an empty POST, PUT, PATCH or
//!   other method says `Content-Length: 0`, which some servers require
//!   (411 otherwise);
//! - hop-by-hop fields are not forwarded (RFC 9110 §7.6.1): Connection
//!   and every field it names, Keep-Alive, Proxy-Connection, TE, Trailer,
//!   Transfer-Encoding, Upgrade; nor Expect (we never wait for a 100, as
//!   nginx never sends Expect upstream), Host or Content-Length.
//!
//! A streamed body of unknown length goes out in the chunked coding
//! (RFC 9112 §7.1): [`encode_chunk_header`] writes `size-in-hex CRLF`
//! before each non-empty data frame, whose bytes follow unchanged (never
//! copied), then [`CHUNK_END`] (`CRLF`); [`LAST_CHUNK`] (`0 CRLF CRLF`, no
//! extensions, no trailers) ends the body, or [`CHUNK_END_LAST`] when the
//! last frame's end and the last chunk go out together. An empty frame is
//! never encoded: its header would be the last chunk.
//!
//! Field names are written as the `HeaderMap` holds them, lower case
//! (field names are case-insensitive, RFC 9110 §5.1; hyper's client does
//! the same by default).

use hyper::Method;
use hyper::header::{self, HeaderMap, HeaderName};

use super::error::Reason;
use super::framing::tokens;

/// The body that follows the head, as far as framing is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLen {
    /// No body.
    None,
    /// A body of exactly this many bytes.
    Length(u64),
    /// A body streamed with the chunked coding.
    Chunked,
}

/// Appends the request head (request line, fields, empty line) to `out`.
///
/// `path_and_query` is the origin-form target (`/p?q`, or `*` for
/// OPTIONS); `host` the `Host` value. On an error (a target or host that
/// is not visible ASCII, which the router and the configuration never
/// produce) `out` is left as it was.
pub fn encode_request_head(
    out: &mut Vec<u8>,
    method: &Method,
    path_and_query: &str,
    host: &[u8],
    headers: &HeaderMap,
    body: BodyLen,
) -> Result<(), Reason> {
    let target = path_and_query.as_bytes();
    let target_ok = match target {
        [b'/', ..] => true,
        b"*" => method == Method::OPTIONS,
        _ => false,
    };
    if !target_ok || !target.iter().all(|&b| is_vchar(b)) {
        return Err(Reason::BadRequestTarget);
    }
    if host.is_empty() || !host.iter().all(|&b| is_vchar(b)) {
        return Err(Reason::BadHost);
    }

    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(target);
    out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    out.extend_from_slice(host);
    out.extend_from_slice(b"\r\n");

    let connection_names = headers.contains_key(header::CONNECTION);
    for (name, value) in headers {
        if is_stripped(name) || (connection_names && named_by_connection(headers, name)) {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    match body {
        BodyLen::Chunked => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        BodyLen::Length(n) if n > 0 || !body_meaningless(method) => {
            out.extend_from_slice(b"Content-Length: ");
            let mut digits = [0u8; 20];
            out.extend_from_slice(decimal(n, &mut digits));
            out.extend_from_slice(b"\r\n");
        }
        BodyLen::None if !body_meaningless(method) => {
            out.extend_from_slice(b"Content-Length: 0\r\n");
        }
        BodyLen::Length(_) | BodyLen::None => {}
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// The CRLF after a chunk's data.
pub const CHUNK_END: &[u8] = b"\r\n";

/// The last chunk and the empty trailer section: the end of a chunked body.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// [`CHUNK_END`] followed by [`LAST_CHUNK`], for a last data frame.
pub const CHUNK_END_LAST: &[u8] = b"\r\n0\r\n\r\n";

/// Appends the header of a chunk of `len` bytes (`len` in lower-case hex
/// without leading zeros, then CRLF) to `out`. `len` must not be 0 (the
/// caller skips empty frames; a zero size is the last chunk).
pub fn encode_chunk_header(out: &mut Vec<u8>, len: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut n = len;
    loop {
        i -= 1;
        digits[i] = HEX[n & 0xf];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// A field this writer never copies from the forwarded headers.
fn is_stripped(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "expect"
            | "host"
            | "content-length"
    )
}

/// A Connection field of `headers` lists `name`.
fn named_by_connection(headers: &HeaderMap, name: &HeaderName) -> bool {
    let name = name.as_str().as_bytes();
    headers
        .get_all(header::CONNECTION)
        .iter()
        .any(|v| tokens(v.as_bytes()).any(|t| t.eq_ignore_ascii_case(name)))
}

/// Methods whose requests give a body no defined meaning (RFC 9110 §9.3).
fn body_meaningless(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET
            | Method::HEAD
            | Method::DELETE
            | Method::OPTIONS
            | Method::TRACE
            | Method::CONNECT
    )
}

/// RFC 5234 VCHAR: visible ASCII, no space.
fn is_vchar(b: u8) -> bool {
    (0x21..=0x7e).contains(&b)
}

/// `n` in decimal, written into the end of `buf` (20 digits hold any
/// `u64`).
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (n, v) in pairs {
            map.append(*n, HeaderValue::from_static(v));
        }
        map
    }

    fn encode(
        method: Method,
        target: &str,
        host: &str,
        pairs: &[(&'static str, &'static str)],
        body: BodyLen,
    ) -> String {
        let mut out = Vec::new();
        let r = encode_request_head(
            &mut out,
            &method,
            target,
            host.as_bytes(),
            &headers(pairs),
            body,
        );
        assert_eq!(r, Ok(()));
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn golden() {
        use BodyLen::*;
        #[rustfmt::skip]
        let rows: Vec<(&str, String, &str)> = vec![
            ("empty GET: no framing field",
             encode(Method::GET, "/a/b?c=1&d", "api.example:8080", &[("accept", "*/*"), ("x-a", "1")], None),
             "GET /a/b?c=1&d HTTP/1.1\r\nHost: api.example:8080\r\naccept: */*\r\nx-a: 1\r\n\r\n"),
            ("empty HEAD", encode(Method::HEAD, "/", "h", &[], None), "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n"),
            ("GET with Length(0)", encode(Method::GET, "/", "h", &[], Length(0)), "GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
            ("empty DELETE", encode(Method::DELETE, "/x", "h", &[], None), "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n"),
            ("empty POST says 0", encode(Method::POST, "/", "h", &[], None), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"),
            ("empty PATCH says 0", encode(Method::PATCH, "/", "h", &[], Length(0)), "PATCH / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"),
            ("POST with a length",
             encode(Method::POST, "/p", "h", &[("content-type", "application/json")], Length(18446744073709551615)),
             "POST /p HTTP/1.1\r\nHost: h\r\ncontent-type: application/json\r\nContent-Length: 18446744073709551615\r\n\r\n"),
            ("GET with a body keeps its length", encode(Method::GET, "/", "h", &[], Length(3)), "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n"),
            ("PUT chunked", encode(Method::PUT, "/u", "h", &[], Chunked), "PUT /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ("chunked: downstream framing fields are not copied, one TE is written",
             encode(Method::POST, "/", "h", &[("content-length", "5"), ("transfer-encoding", "gzip, chunked"), ("x-a", "1")], Chunked),
             "POST / HTTP/1.1\r\nHost: h\r\nx-a: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ("GET chunked still says so", encode(Method::GET, "/", "h", &[("transfer-encoding", "chunked")], Chunked),
             "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ("downstream framing and Host are not copied",
             encode(Method::POST, "/", "backend", &[("host", "evil"), ("content-length", "99"), ("transfer-encoding", "chunked"), ("x-a", "1")], Length(2)),
             "POST / HTTP/1.1\r\nHost: backend\r\nx-a: 1\r\nContent-Length: 2\r\n\r\n"),
            ("hop-by-hop, named ones and Expect removed",
             encode(Method::GET, "/", "h", &[
                 ("connection", "X-Foo, close"), ("connection", "x-baz"), ("x-foo", "1"), ("x-baz", "3"),
                 ("keep-alive", "timeout=5"), ("proxy-connection", "keep-alive"), ("te", "trailers"),
                 ("trailer", "x-t"), ("upgrade", "websocket"), ("expect", "100-continue"), ("x-bar", "2"),
             ], None),
             "GET / HTTP/1.1\r\nHost: h\r\nx-bar: 2\r\n\r\n"),
            ("repeated fields stay separate lines, in order",
             encode(Method::GET, "/", "h", &[("x-m", "1"), ("x-m", "2")], None),
             "GET / HTTP/1.1\r\nHost: h\r\nx-m: 1\r\nx-m: 2\r\n\r\n"),
            ("OPTIONS *", encode(Method::OPTIONS, "*", "h", &[], None), "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"),
            ("extension method, empty", encode(Method::from_bytes(b"PURGE").unwrap_or_default(), "/c", "h", &[], None),
             "PURGE /c HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"),
        ];
        for (id, got, want) in rows {
            assert_eq!(got, want, "{id}");
        }
    }

    #[test]
    fn appends_and_rejects_without_writing() {
        let mut out = b"previous".to_vec();
        let map = HeaderMap::new();
        let r = encode_request_head(&mut out, &Method::GET, "/", b"h", &map, BodyLen::None);
        assert_eq!(r, Ok(()));
        assert_eq!(out, b"previousGET / HTTP/1.1\r\nHost: h\r\n\r\n");

        #[rustfmt::skip]
        let bad: &[(Method, &str, &[u8], Reason)] = &[
            (Method::GET, "", b"h", Reason::BadRequestTarget),
            (Method::GET, "*", b"h", Reason::BadRequestTarget),
            (Method::GET, "a/b", b"h", Reason::BadRequestTarget),
            (Method::GET, "http://h/a", b"h", Reason::BadRequestTarget),
            (Method::GET, "/a b", b"h", Reason::BadRequestTarget),
            (Method::GET, "/a\r\nX: y", b"h", Reason::BadRequestTarget),
            (Method::GET, "/\u{e9}", b"h", Reason::BadRequestTarget),
            (Method::GET, "/", b"", Reason::BadHost),
            (Method::GET, "/", b"a b", Reason::BadHost),
            (Method::GET, "/", b"h\r\nX: y", Reason::BadHost),
            (Method::GET, "/", b"h\0", Reason::BadHost),
        ];
        for (method, target, host, reason) in bad {
            let mut out = b"keep".to_vec();
            let r = encode_request_head(&mut out, method, target, host, &map, BodyLen::None);
            assert_eq!(r, Err(*reason), "{target:?} {host:?}");
            assert_eq!(out, b"keep");
        }
    }

    #[test]
    fn decimal_digits() {
        let mut buf = [0u8; 20];
        for n in [0, 7, 10, 99, 1000, 1 << 40, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
    }

    #[test]
    fn chunk_header_golden() {
        #[rustfmt::skip]
        let rows: &[(usize, &str)] = &[
            (1, "1\r\n"),
            (9, "9\r\n"),
            (10, "a\r\n"),
            (15, "f\r\n"),
            (16, "10\r\n"),
            (255, "ff\r\n"),
            (256, "100\r\n"),
            (4096, "1000\r\n"),
            (65_536, "10000\r\n"),
            (0x00ab_cdef, "abcdef\r\n"),
            (5 << 20, "500000\r\n"),
            (usize::MAX, "ffffffffffffffff\r\n"),
        ];
        for &(len, want) in rows {
            let mut out = b"x".to_vec();
            encode_chunk_header(&mut out, len);
            assert_eq!(String::from_utf8_lossy(&out[1..]), want, "{len}");
            assert_eq!(out[0], b'x', "appends");
        }
        assert_eq!(CHUNK_END_LAST, [CHUNK_END, LAST_CHUNK].concat());
    }

    /// Frames encoded as the connection does (header, data, CRLF; the last
    /// chunk) give exactly the golden bytes, and the decoder reads back the
    /// frames' bytes and ends where the encoding ends.
    #[test]
    fn chunked_body_golden_and_round_trip() {
        use crate::http1::chunked::{Chunk, ChunkedDecoder, ChunkedLimits};
        let big = vec![b'z'; 70_000];
        type Row<'a> = (&'a str, Vec<&'a [u8]>, Vec<u8>);
        #[rustfmt::skip]
        let rows: Vec<Row> = vec![
            ("no frame", vec![], b"0\r\n\r\n".to_vec()),
            ("empty frames are skipped", vec![b"", b""], b"0\r\n\r\n".to_vec()),
            ("one frame", vec![b"hello"], b"5\r\nhello\r\n0\r\n\r\n".to_vec()),
            ("frames with CRLF and 0 inside", vec![b"0\r\n\r\n", b"", b"abcdefghijklmnopq"],
             b"5\r\n0\r\n\r\n\r\n11\r\nabcdefghijklmnopq\r\n0\r\n\r\n".to_vec()),
            ("a big frame", vec![&big[..]],
             [b"11170\r\n".as_slice(), &big, b"\r\n0\r\n\r\n"].concat()),
        ];
        for (id, frames, want) in rows {
            let mut wire = Vec::new();
            for f in &frames {
                if f.is_empty() {
                    continue;
                }
                encode_chunk_header(&mut wire, f.len());
                wire.extend_from_slice(f);
                wire.extend_from_slice(CHUNK_END);
            }
            wire.extend_from_slice(LAST_CHUNK);
            assert_eq!(wire, want, "{id}");
            let mut buf = bytes::BytesMut::from(&wire[..]);
            let mut dec = ChunkedDecoder::new(ChunkedLimits::default());
            let mut back = Vec::new();
            loop {
                match dec.decode(&mut buf) {
                    Ok(Chunk::Data(d)) => back.extend_from_slice(&d),
                    Ok(Chunk::Done) => break,
                    other => panic!("{id}: {other:?}"),
                }
            }
            assert!(buf.is_empty(), "{id}: bytes after the last chunk");
            assert_eq!(back, frames.concat(), "{id}");
        }
    }
}
