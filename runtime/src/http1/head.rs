//! The response head: status line and header section, parsed strictly
//! with httparse (research/h1-upstream-client.md §3.2, §4.5 step 3).
//!
//! Why these choices:
//! - httparse with its default [`httparse::ParserConfig`], which is the
//!   strict one: whitespace before the colon (RFC 9112 §5.1, S14), obs-fold
//!   (§5.2, S15) and a CR not followed by LF (§2.2, S17) are errors, a NUL
//!   or other CTL in a value is an error (RFC 9110 §5.5, S18), and a bare
//!   LF ending a line is accepted (RFC 9112 §2.2 MAY, as hyper does).
//!   The version must be exactly `HTTP/1.0` or `HTTP/1.1` and the status
//!   exactly three digits (S27); `http::StatusCode` then refuses codes
//!   under 100 (`001`).
//! - httparse's error does not say *which* of these a head broke, and the
//!   issue wants a distinct class per reject in metrics and the access log.
//!   On an error only, a second look at the lines names it
//!   ([`Reason::ObsFold`], [`Reason::SpaceBeforeColon`], [`Reason::BareCr`],
//!   …); the success path pays nothing for it.
//! - A cheap scan for the end of the head (`\n\n` or `\n\r\n`) runs before
//!   httparse, so a head that arrives in many reads is not re-parsed from
//!   the start each time (§4.5 step 2); a buffer that cannot start with
//!   `HTTP/1.` is rejected at once rather than waited on (an HTTP/0.9 body
//!   or garbage would otherwise hold the connection until the timeout).
//! - Limits (RFC 9110 §5.4, S40): the head may not exceed
//!   [`HeadLimits::max_bytes`] (64 KiB) or [`HeadLimits::max_fields`]
//!   (100, also the size of the stack array httparse fills, so a larger
//!   setting is clamped to it: no heap for the field list).
//! - Values are built with the *checked* `HeaderValue::from_maybe_shared`
//!   over slices of the frozen head, so each value shares the read buffer
//!   (no copy, no allocation) and a value with a CTL could not get through
//!   even if httparse let it.
//! - The returned [`HeaderMap`] has no hop-by-hop or framing fields
//!   (Connection and every field it names, Keep-Alive, Proxy-Connection,
//!   TE, Trailer, Transfer-Encoding, Upgrade, Content-Length): the gateway
//!   re-frames every response downstream (RFC 9112 §6.3 rule 3 says an
//!   intermediary must drop Content-Length next to Transfer-Encoding;
//!   RFC 9110 §7.6.1 says hop-by-hop fields are not forwarded). The length
//!   stays available as [`Framing::Length`].
//! - 1xx other than 101 (S24, S25) come back as [`Parsed::Informational`]
//!   and their headers are dropped: RFC 9110 §15.2 obliges a client to
//!   parse them; forwarding them, as it asks of proxies, is impossible for a
//!   gateway that may merge several backends. A 101 is rejected (S26).

use std::mem::MaybeUninit;

use bytes::{Buf, Bytes, BytesMut};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{StatusCode, Version};

use super::error::Reason;
use super::framing::{self, ConnectionFacts, Framing, FramingFacts, tokens};

/// The size of the stack array of fields httparse fills, and so the most
/// fields a head may have whatever [`HeadLimits::max_fields`] says.
pub const MAX_FIELDS: usize = 100;

/// Caps on one response head (status line, fields and the empty line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadLimits {
    /// Bytes, the final empty line included (default 64 KiB).
    pub max_bytes: usize,
    /// Header fields (default 100; at most [`MAX_FIELDS`]).
    pub max_fields: usize,
}

impl Default for HeadLimits {
    fn default() -> HeadLimits {
        HeadLimits {
            max_bytes: 64 * 1024,
            max_fields: MAX_FIELDS,
        }
    }
}

/// A final (non-1xx) response head, ready to forward.
#[derive(Debug)]
pub struct ResponseHead {
    /// The status (100–999; never 1xx here).
    pub status: StatusCode,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: Version,
    /// The end-to-end fields, framing and hop-by-hop fields removed (see
    /// the module doc).
    pub headers: HeaderMap,
    /// How the body is delimited ([`framing::framing`]).
    pub framing: Framing,
    /// The upstream's Content-Length when it sent a valid one, whatever
    /// the framing: for a HEAD or 304 answer it is the length of the
    /// representation (RFC 9110 §8.6), which a gateway may forward, while
    /// the message itself has no body ([`Framing::Empty`]).
    pub content_length: Option<u64>,
    /// The head allows reuse: HTTP/1.1, no `close` token, and a
    /// self-delimited body ([`framing::keep_alive`]). The connection still
    /// has to check the rest of research §3.4 (body read to its end, no
    /// bytes left over, request fully written, counters).
    pub keep_alive: bool,
}

/// The outcome of one parse attempt.
#[derive(Debug)]
pub enum Parsed {
    /// The head is not complete yet and still fits the limits: read more
    /// and call again with the same (grown) buffer. Nothing was consumed.
    Partial,
    /// A 1xx other than 101, removed from the front of the buffer; parse
    /// again for the final head (research §3.1 rule 1).
    Informational {
        /// Its status (100, 102, 103, …), for metrics.
        status: StatusCode,
        /// Bytes removed from the front of the buffer.
        consumed: usize,
    },
    /// The final head, removed from the front of the buffer; what remains
    /// is the start of the body (or of bytes that should not be there).
    Final {
        /// The head.
        head: ResponseHead,
        /// Bytes removed from the front of the buffer.
        consumed: usize,
    },
}

/// Parses the response head at the front of `buf`.
///
/// On [`Parsed::Informational`] and [`Parsed::Final`] the head's bytes are
/// split off the front of `buf` (the values of a final head share them);
/// on [`Parsed::Partial`] and on an error `buf` is left as it was (the fuzz
/// target checks both). An error means the connection is unusable: answer
/// 502 and close it.
/// `is_head`: the request was a HEAD (the response has no body whatever it
/// says, RFC 9112 §6.3 rule 1).
pub fn parse_response_head(
    buf: &mut BytesMut,
    is_head: bool,
    limits: &HeadLimits,
) -> Result<Parsed, Reason> {
    let window = &buf[..buf.len().min(limits.max_bytes)];
    if !has_head_end(window) {
        check_start(window)?;
        return if buf.len() >= limits.max_bytes {
            Err(Reason::HeadTooLarge)
        } else {
            Ok(Parsed::Partial)
        };
    }

    // Uninitialised slots: httparse writes only the ones it fills, so the
    // 100-slot array costs nothing up front.
    let mut fields = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_FIELDS];
    let max_fields = limits.max_fields.min(MAX_FIELDS);
    let mut response = httparse::Response::new(&mut []);
    let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        window,
        &mut fields[..max_fields],
    );
    let consumed = match parsed {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() >= limits.max_bytes => {
            return Err(Reason::HeadTooLarge);
        }
        Ok(httparse::Status::Partial) => return Ok(Parsed::Partial),
        Err(e) => return Err(classify(window, e)),
    };
    let version = match response.version {
        Some(0) => Version::HTTP_10,
        Some(1) => Version::HTTP_11,
        _ => return Err(Reason::BadVersion),
    };
    let minor = u8::from(version == Version::HTTP_11);
    let code = response.code.ok_or(Reason::BadStatus)?;
    let status = StatusCode::from_u16(code).map_err(|_| Reason::BadStatus)?;

    // One walk over the fields: the framing and Connection facts, and
    // where each field sits in the head (offsets, so that the head can be
    // split off `buf` once httparse's borrow of it ends).
    let mut facts = FramingFacts::default();
    let mut connection = ConnectionFacts::default();
    let mut spans = [Span::EMPTY; MAX_FIELDS];
    let base = window.as_ptr() as usize;
    let count = response.headers.len();
    for (field, span) in response.headers.iter().zip(spans.iter_mut()) {
        let name = field.name.as_bytes();
        // httparse checked the characters of names and values, which are
        // the ones `HeaderName` and `HeaderValue` accept; `HeaderName`'s
        // length limit is the one check left, so it runs here, before the
        // split, and the conversions after it cannot fail.
        if name.len() > usize::from(u16::MAX) {
            return Err(Reason::BadHeaderName);
        }
        let role = Role::of(name);
        match role {
            Role::ContentLength => facts.content_length(field.value),
            Role::TransferEncoding => facts.transfer_encoding(field.value),
            Role::Connection => connection.connection(field.value),
            Role::HopByHop | Role::EndToEnd => {}
        }
        *span = Span {
            name: offset(base, name, consumed)?,
            value: offset(base, field.value, consumed)?,
            role,
        };
    }
    let framing = framing::framing(is_head, code, minor, &facts)?;
    if status.is_informational() {
        buf.advance(consumed);
        return Ok(Parsed::Informational { status, consumed });
    }

    let head = buf.split_to(consumed).freeze();
    let spans = spans.get(..count).unwrap_or_default();
    let mut headers = HeaderMap::with_capacity(count);
    for span in spans {
        if span.role != Role::EndToEnd {
            continue;
        }
        let name = slice(&head, span.name)?;
        if connection.names_headers && named_by_connection(&head, spans, &name)? {
            continue;
        }
        let name = HeaderName::from_bytes(&name).map_err(|_| Reason::BadHeaderName)?;
        let value = HeaderValue::from_maybe_shared(slice(&head, span.value)?)
            .map_err(|_| Reason::BadHeaderValue)?;
        headers.append(name, value);
    }
    let keep_alive = framing::keep_alive(minor, &connection) && framing.is_self_delimited();
    Ok(Parsed::Final {
        head: ResponseHead {
            status,
            version,
            headers,
            framing,
            content_length: facts.content_length.and_then(Result::ok),
            keep_alive,
        },
        consumed,
    })
}

/// What a field means to this parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Content-Length: framing fact, then removed.
    ContentLength,
    /// Transfer-Encoding: framing fact, then removed.
    TransferEncoding,
    /// Connection: reuse fact and hop-by-hop list, then removed.
    Connection,
    /// Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade: removed.
    HopByHop,
    /// Forwarded (unless a Connection line names it).
    EndToEnd,
}

impl Role {
    fn of(name: &[u8]) -> Role {
        // Lengths first: most fields are end-to-end and fail here at once.
        const HOP: [&[u8]; 5] = [
            b"keep-alive",
            b"proxy-connection",
            b"te",
            b"trailer",
            b"upgrade",
        ];
        if name.eq_ignore_ascii_case(b"content-length") {
            Role::ContentLength
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            Role::TransferEncoding
        } else if name.eq_ignore_ascii_case(b"connection") {
            Role::Connection
        } else if HOP.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            Role::HopByHop
        } else {
            Role::EndToEnd
        }
    }
}

/// Where one field's name and value sit in the head.
#[derive(Clone, Copy)]
struct Span {
    name: (u32, u32),
    value: (u32, u32),
    role: Role,
}

impl Span {
    const EMPTY: Span = Span {
        name: (0, 0),
        value: (0, 0),
        role: Role::EndToEnd,
    };
}

/// The `(start, end)` of `part` inside the head that starts at address
/// `base` and is `len` bytes long. httparse's slices always lie inside its
/// input; the checks turn a broken promise into a reject, not a panic.
/// `u32` keeps the span array small; a head over 4 GiB is not parsed.
fn offset(base: usize, part: &[u8], len: usize) -> Result<(u32, u32), Reason> {
    if part.is_empty() {
        return Ok((0, 0));
    }
    let start = (part.as_ptr() as usize)
        .checked_sub(base)
        .ok_or(Reason::BadHead)?;
    let end = start.checked_add(part.len()).ok_or(Reason::BadHead)?;
    if end > len {
        return Err(Reason::BadHead);
    }
    let narrow = |n: usize| u32::try_from(n).map_err(|_| Reason::HeadTooLarge);
    Ok((narrow(start)?, narrow(end)?))
}

/// `head[start..end]` as a shared slice, checked.
fn slice(head: &Bytes, (start, end): (u32, u32)) -> Result<Bytes, Reason> {
    let (start, end) = (start as usize, end as usize);
    if start > end || end > head.len() {
        return Err(Reason::BadHead);
    }
    Ok(head.slice(start..end))
}

/// A Connection line of this head lists `name` (RFC 9110 §7.6.1: such a
/// field is hop-by-hop for this message).
fn named_by_connection(head: &Bytes, spans: &[Span], name: &[u8]) -> Result<bool, Reason> {
    for span in spans.iter().filter(|s| s.role == Role::Connection) {
        let value = slice(head, span.value)?;
        if tokens(&value).any(|t| t.eq_ignore_ascii_case(name)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The buffer holds an empty line after some line: `\n\n` or `\n\r\n`,
/// not counting the empty lines httparse skips before the status line.
/// A head cannot end anywhere else, and httparse reports every head
/// without one as partial, so this saves parsing a partial head. It also
/// means httparse and [`classify`] only ever see whole lines, so where a
/// read cut the head cannot change the reject reason (found by the fuzz
/// target: a leading `\r\n\n` passed for an end).
fn has_head_end(buf: &[u8]) -> bool {
    let mut rest = buf;
    while let [b'\r', b'\n', tail @ ..] | [b'\n', tail @ ..] = rest {
        rest = tail;
    }
    while let Some(i) = rest.iter().position(|&b| b == b'\n') {
        rest = &rest[i + 1..];
        match rest {
            [b'\n', ..] | [b'\r', b'\n', ..] => return true,
            _ => {}
        }
    }
    false
}

/// Rejects a partial head that cannot become a response: after the empty
/// lines httparse skips, it must start with `HTTP/1.0 ` or `HTTP/1.1 `
/// (S27: HTTP/0.9 has no status line at all). Gives the reason
/// [`classify`] gives for the same bytes in a complete head, so where a
/// head is cut between reads does not change the verdict.
fn check_start(buf: &[u8]) -> Result<(), Reason> {
    let mut rest = buf;
    loop {
        match rest {
            [b'\r', b'\n', tail @ ..] | [b'\n', tail @ ..] => rest = tail,
            // a CR whose LF has not arrived yet
            [b'\r'] => return Ok(()),
            [b'\r', ..] => return Err(Reason::BareCr),
            _ => break,
        }
    }
    for want in [b"HTTP/1.0 ", b"HTTP/1.1 "] {
        let n = rest.len().min(want.len());
        if rest[..n] == want[..n] {
            return Ok(());
        }
    }
    Err(Reason::BadVersion)
}

/// Names the rule a head broke, from httparse's coarse error and a look at
/// the lines (error path only).
fn classify(buf: &[u8], e: httparse::Error) -> Reason {
    // The leading empty lines and the version, as for a partial head.
    if let Err(reason) = check_start(buf) {
        return reason;
    }
    match e {
        httparse::Error::Version => return Reason::BadVersion,
        httparse::Error::Status => return Reason::BadStatus,
        httparse::Error::TooManyHeaders => return Reason::TooManyHeaders,
        httparse::Error::HeaderName
        | httparse::Error::HeaderValue
        | httparse::Error::NewLine
        | httparse::Error::Token => {}
    }
    // Skip the status line (it parsed, or the error would be Status).
    let mut lines = buf
        .split(|&b| b == b'\n')
        .skip_while(|l| l.is_empty() || *l == b"\r");
    lines.next();
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.contains(&b'\r') {
            return Reason::BareCr;
        }
        if matches!(line[0], b' ' | b'\t') {
            return Reason::ObsFold;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Reason::BadHeaderName;
        };
        let name = &line[..colon];
        if matches!(name.last(), Some(b' ' | b'\t')) {
            return Reason::SpaceBeforeColon;
        }
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Reason::BadHeaderName;
        }
        if line[colon + 1..]
            .iter()
            .any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            return Reason::BadHeaderValue;
        }
    }
    match e {
        httparse::Error::HeaderName => Reason::BadHeaderName,
        httparse::Error::HeaderValue => Reason::BadHeaderValue,
        _ => Reason::BadHead,
    }
}

/// RFC 9110 §5.6.2 `tchar`.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What parsing one buffer to its final head gives.
    #[derive(Debug, PartialEq)]
    enum Want {
        /// The head is incomplete.
        Partial,
        /// 1xx statuses skipped, then the final head; `rest` is what is
        /// left in the buffer (the body, or stray bytes).
        Final {
            info: &'static [u16],
            status: u16,
            minor: u8,
            headers: &'static [(&'static str, &'static [u8])],
            framing: Framing,
            keep_alive: bool,
            rest: &'static [u8],
        },
        Reject(Reason),
    }

    /// Parses `input` (1xx heads skipped) and describes the outcome.
    fn run(input: &[u8], is_head: bool, limits: &HeadLimits) -> Want {
        let mut buf = BytesMut::from(input);
        let mut info = Vec::new();
        loop {
            let before = buf.len();
            match parse_response_head(&mut buf, is_head, limits) {
                Err(reason) => {
                    assert_eq!(buf.len(), before, "an error consumes nothing");
                    return Want::Reject(reason);
                }
                Ok(Parsed::Partial) => {
                    assert_eq!(buf.len(), before, "partial consumes nothing");
                    return Want::Partial;
                }
                Ok(Parsed::Informational { status, consumed }) => {
                    assert_eq!(before - buf.len(), consumed);
                    info.push(status.as_u16());
                }
                Ok(Parsed::Final { head, consumed }) => {
                    assert_eq!(before - buf.len(), consumed);
                    let headers: Vec<(String, Vec<u8>)> = head
                        .headers
                        .iter()
                        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
                        .collect();
                    let headers: &'static [(&'static str, &'static [u8])] = headers
                        .into_iter()
                        .map(|(n, v)| (&*n.leak(), &*v.leak()))
                        .collect::<Vec<_>>()
                        .leak();
                    return Want::Final {
                        info: info.leak(),
                        status: head.status.as_u16(),
                        minor: u8::from(head.version == Version::HTTP_11),
                        headers,
                        framing: head.framing,
                        keep_alive: head.keep_alive,
                        rest: buf.to_vec().leak(),
                    };
                }
            }
        }
    }

    #[test]
    fn head_table() {
        use Framing::*;
        use Reason::*;
        use Want::Reject;
        let ok = |status, headers, framing, rest| Want::Final {
            info: &[],
            status,
            minor: 1,
            headers,
            framing,
            keep_alive: framing != UntilClose,
            rest,
        };
        #[rustfmt::skip]
        let rows: Vec<(&str, &[u8], bool, Want)> = vec![
            ("plain", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello", false,
                ok(200, &[("x-a", b"b")], Length(5), b"hello")),
            ("lf-only", b"HTTP/1.1 200 OK\nContent-Length: 0\nX-A: b\n\nrest", false,
                ok(200, &[("x-a", b"b")], Empty, b"rest")),
            ("mixed-ends", b"HTTP/1.1 200 OK\r\nX-A: b\n\r\n", false,
                ok(200, &[("x-a", b"b")], UntilClose, b"")),
            ("no-reason", b"HTTP/1.1 204\r\n\r\n", false, ok(204, &[], Empty, b"")),
            ("obs-text-reason", b"HTTP/1.1 200 \xe9t\xe9\r\nContent-Length: 0\r\n\r\n", false,
                ok(200, &[], Empty, b"")),
            ("obs-text-value", b"HTTP/1.1 200 OK\r\nX-A: \xe9\r\nContent-Length: 0\r\n\r\n", false,
                ok(200, &[("x-a", b"\xe9")], Empty, b"")),
            ("ows-trimmed", b"HTTP/1.1 200 OK\r\nX-A: \t b c \t\r\nContent-Length: 0\r\n\r\n", false,
                ok(200, &[("x-a", b"b c")], Empty, b"")),
            ("empty-value", b"HTTP/1.1 200 OK\r\nX-A:\r\nContent-Length: 0\r\n\r\n", false,
                ok(200, &[("x-a", b"")], Empty, b"")),
            ("dup-order", b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX: 1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n", false,
                ok(200, &[("set-cookie", b"a=1"), ("set-cookie", b"b=2"), ("x", b"1")], Empty, b"")),
            ("fuzz: leading empty lines are not an end", b"\r\n\nHTTP/1.1 200 OK\r\nCon\x88gth: 1\r\x1a\r\n\r\n", false, Reject(BareCr)),
            ("leading-crlf", b"\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", false,
                ok(200, &[], Length(1), b"x")),
            ("999", b"HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n", false, ok(999, &[], Empty, b"")),
            ("http10", b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", false, Want::Final {
                info: &[], status: 200, minor: 0, headers: &[], framing: Length(2), keep_alive: false, rest: b"hi" }),
            ("hop-by-hop", b"HTTP/1.1 200 OK\r\nConnection: x-foo, Keep-Alive\r\nX-Foo: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: x-t\r\nUpgrade: h2c\r\nX-Bar: 2\r\nContent-Length: 0\r\nconnection: X-BAZ\r\nX-Baz: 3\r\n\r\n", false,
                ok(200, &[("x-bar", b"2")], Empty, b"")),
            ("close", b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false, Want::Final {
                info: &[], status: 200, minor: 1, headers: &[], framing: Empty, keep_alive: false, rest: b"" }),
            ("chunked", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n", false,
                ok(200, &[], Chunked, b"5\r\n")),
            // research §4.7(e)
            ("S1", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", false, Reject(ClAndTe)),
            ("S2", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", false, Reject(ClAndTe)),
            ("S3", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", false, Reject(ConflictingContentLength)),
            ("S4", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", false, ok(200, &[], Length(5), b"hello")),
            ("S7", b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", false, Reject(BadContentLength)),
            ("S12", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", false, Reject(BadTransferEncoding)),
            ("S14", b"HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\n\r\n", false, Reject(SpaceBeforeColon)),
            ("S14t", b"HTTP/1.1 200 OK\r\nContent-Length\t: 5\r\n\r\n", false, Reject(SpaceBeforeColon)),
            ("S15te", b"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", false, Reject(ObsFold)),
            ("S15cl", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\t5\r\n\r\n", false, Reject(ObsFold)),
            ("S15first", b"HTTP/1.1 200 OK\r\n X-A: b\r\n\r\n", false, Reject(ObsFold)),
            ("S16", b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, Reject(TeOnHttp10)),
            ("S17", b"HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", false, Reject(BareCr)),
            ("S17end", b"HTTP/1.1 200 OK\r\nX-A: ab\r\r\n\r\n", false, Reject(BareCr)),
            ("S17name", b"HTTP/1.1 200 OK\r\nX\r-A: ab\r\n\r\n", false, Reject(BareCr)),
            ("S17status", b"HTTP/1.1 200 O\rK\r\n\r\n", false, Reject(BadStatus)),
            ("S18nul", b"HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n", false, Reject(BadHeaderValue)),
            ("S18ctl", b"HTTP/1.1 200 OK\r\nX-A: a\x01b\r\n\r\n", false, Reject(BadHeaderValue)),
            ("S18del", b"HTTP/1.1 200 OK\r\nX-A: a\x7fb\r\n\r\n", false, Reject(BadHeaderValue)),
            ("S18esc", b"HTTP/1.1 200 OK\r\nContent-Length: 5\x1b\r\n\r\n", false, Reject(BadHeaderValue)),
            ("S19", b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", false, Reject(BodyOnNoBodyStatus)),
            ("S20", b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", false, Reject(BodyOnNoBodyStatus)),
            ("S20i", b"HTTP/1.1 100 Continue\r\nContent-Length: 1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", false, Reject(BodyOnNoBodyStatus)),
            ("S21", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\n", false,
                ok(304, &[("etag", b"\"x\"")], Empty, b"")),
            ("S22", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello", false,
                ok(304, &[], Empty, b"hello")),
            ("S23", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, ok(200, &[], Empty, b"")),
            ("S23te", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, ok(200, &[], Empty, b"")),
            ("S24", b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nhi", false,
                Want::Final { info: &[103], status: 200, minor: 1, headers: &[("x-a", b"b")], framing: Length(2), keep_alive: true, rest: b"hi" }),
            ("S25", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false,
                Want::Final { info: &[100, 102], status: 200, minor: 1, headers: &[], framing: Empty, keep_alive: true, rest: b"" }),
            ("S25p", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200", false, Want::Partial),
            ("S26", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n", false, Reject(Status101)),
            ("S27-09", b"hello world\r\n\r\n", false, Reject(BadVersion)),
            ("S27-09p", b"<html>", false, Reject(BadVersion)),
            ("S27-12", b"HTTP/1.2 200 OK\r\n\r\n", false, Reject(BadVersion)),
            ("S27-12p", b"HTTP/1.2", false, Reject(BadVersion)),
            ("S27-20", b"HTTP/2.0 200 OK\r\n\r\n", false, Reject(BadVersion)),
            ("S27-lc", b"http/1.1 200 OK\r\n\r\n", false, Reject(BadVersion)),
            ("S27-110", b"HTTP/1.10 200 OK\r\n\r\n", false, Reject(BadVersion)),
            ("S27-09b", b"\r\n\r\nbody", false, Reject(BadVersion)),
            // §3.2 status code
            ("001", b"HTTP/1.1 001 X\r\n\r\n", false, Reject(BadStatus)),
            ("1", b"HTTP/1.1 1 X\r\n\r\n", false, Reject(BadStatus)),
            ("20", b"HTTP/1.1 20 OK\r\n\r\n", false, Reject(BadStatus)),
            ("1000", b"HTTP/1.1 1000 X\r\n\r\n", false, Reject(BadStatus)),
            ("2x0", b"HTTP/1.1 2x0 X\r\n\r\n", false, Reject(BadStatus)),
            ("2sp", b"HTTP/1.1  200 OK\r\n\r\n", false, Reject(BadStatus)),
            ("099", b"HTTP/1.1 099 X\r\n\r\n", false, Reject(BadStatus)),
            // names
            ("noname", b"HTTP/1.1 200 OK\r\n: x\r\n\r\n", false, Reject(BadHeaderName)),
            ("nocolon", b"HTTP/1.1 200 OK\r\nfoo\r\n\r\n", false, Reject(BadHeaderName)),
            ("badname", b"HTTP/1.1 200 OK\r\nX(A): b\r\n\r\n", false, Reject(BadHeaderName)),
            ("utf8name", b"HTTP/1.1 200 OK\r\nX\xc3\xa9: b\r\n\r\n", false, Reject(BadHeaderName)),
            // partial heads
            ("partial", b"HTTP/1.1 200 OK\r\nContent-Le", false, Want::Partial),
            ("partial-lf", b"HTTP/1.1 200 OK\r\nA: b\r\n", false, Want::Partial),
            ("partial-cr", b"HTTP/1.1 200 OK\r\nA: b\r\n\r", false, Want::Partial),
            ("partial-empty", b"", false, Want::Partial),
        ];
        let limits = HeadLimits::default();
        for (id, input, is_head, want) in rows {
            assert_eq!(run(input, is_head, &limits), want, "{id}");
        }
    }

    /// Every strict prefix of a head is `Partial` or the head's own reject:
    /// a head split across reads parses the same as one read.
    #[test]
    fn prefixes_are_partial_or_the_same_reject() {
        let limits = HeadLimits::default();
        let inputs: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\n",
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.0 200 OK\nX: y\n\n",
            b"HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",
            b"HTTP/1.2 200 OK\r\n\r\n",
            // fuzz regression: a cut inside a line after leading empty lines
            b"\r\n\nHTTP/1.1 200 OK\r\nCon\x88\x98\xa2\x91\x8b\xd2\xb3\x9a\x91gth: 1\r\x1a\r\nx",
        ];
        for input in inputs {
            let whole = run(input, false, &limits);
            for cut in 0..input.len() {
                let part = run(&input[..cut], false, &limits);
                assert!(
                    part == Want::Partial || part == whole,
                    "{:?} cut at {cut}: {part:?}, whole {whole:?}",
                    String::from_utf8_lossy(input)
                );
            }
        }
    }

    #[test]
    fn limits() {
        use Reason::*;
        let limits = HeadLimits {
            max_bytes: 64,
            max_fields: 3,
        };
        let fits = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(run(fits, false, &limits), Want::Reject(TooManyHeaders));
        let three = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n";
        assert!(matches!(run(three, false, &limits), Want::Final { .. }));
        // exactly max_bytes is fine, one more is not
        let mut exact = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: ".to_vec();
        exact.resize(64 - 4, b'a');
        exact.extend_from_slice(b"\r\n\r\n");
        assert_eq!(exact.len(), 64);
        let limits = HeadLimits {
            max_bytes: 64,
            max_fields: 100,
        };
        assert!(matches!(run(&exact, false, &limits), Want::Final { .. }));
        exact.insert(40, b'a');
        assert_eq!(run(&exact, false, &limits), Want::Reject(HeadTooLarge));
        // an incomplete head at the cap is too large; one byte short waits
        assert_eq!(
            run(&exact[..64], false, &limits),
            Want::Reject(HeadTooLarge)
        );
        assert_eq!(run(&exact[..63], false, &limits), Want::Partial);
        // the default caps: 100 fields pass, 101 do not; 64 KiB
        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..100 {
            many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        let mut ok = many.clone();
        ok.extend_from_slice(b"\r\n");
        let defaults = HeadLimits::default();
        assert!(matches!(run(&ok, false, &defaults), Want::Final { .. }));
        many.extend_from_slice(b"X-100: v\r\n\r\n");
        assert_eq!(run(&many, false, &defaults), Want::Reject(TooManyHeaders));
        // max_fields above the stack array is clamped to it
        let wide = HeadLimits {
            max_bytes: 1 << 20,
            max_fields: 1000,
        };
        assert_eq!(run(&many, false, &wide), Want::Reject(TooManyHeaders));
        let mut big = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        big.resize(64 * 1024, b'a');
        assert_eq!(run(&big, false, &defaults), Want::Reject(HeadTooLarge));
        big.extend_from_slice(b"\r\n\r\n");
        assert_eq!(run(&big, false, &defaults), Want::Reject(HeadTooLarge));
    }

    /// Values share the read buffer: no copy per field.
    #[test]
    fn values_share_the_buffer() {
        let mut buf = BytesMut::from(
            &b"HTTP/1.1 200 OK\r\nX-Long-Header: some value\r\nContent-Length: 0\r\n\r\n"[..],
        );
        let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
        let Ok(Parsed::Final { head, .. }) =
            parse_response_head(&mut buf, false, &HeadLimits::default())
        else {
            panic!("not a final head");
        };
        let value = head
            .headers
            .get("x-long-header")
            .map(|v| v.as_bytes().as_ptr() as usize);
        assert!(
            value.is_some_and(|p| range.contains(&p)),
            "the value was copied"
        );
    }
}
