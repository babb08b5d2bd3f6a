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
