//! How long a response body is (RFC 9112 §6.3) and whether the connection
//! may serve another request (RFC 9112 §9.3, §9.6), as pure functions.
//!
//! [`framing`] is §6.3's rule list in rule order with the policy column of
//! research/h1-upstream-client.md §3.1, which is stricter than the RFC
//! wherever the RFC allows a choice, because a response we frame
//! differently from the upstream poisons the connection for the next
//! request (response-queue desync):
//! - rule 1: HEAD, 1xx, 204 and 304 have no body. 101 is rejected (we
//!   never ask for an upgrade); a 1xx or 204 that *claims* a body (any
//!   Transfer-Encoding, a non-zero Content-Length) is rejected
//!   (RFC 9110 §8.6, as Envoy does); a 304 or a HEAD response keeps its
//!   Content-Length and Transfer-Encoding as metadata about the
//!   representation, so they are ignored, malformed or not: no body byte is
//!   read either way, and bytes that follow make the connection unusable
//!   (§3.4 item 2, checked by the connection).
//! - rule 3: Content-Length with Transfer-Encoding is rejected (the RFC
//!   says it "ought to be handled as an error"; nginx and Envoy reject).
//! - rule 4: only one Transfer-Encoding line holding exactly one `chunked`
//!   token is accepted; `gzip, chunked`, `chunked, chunked`, `identity`,
//!   two lines, and any Transfer-Encoding on HTTP/1.0 (§6.1) are rejected
//!   rather than read until close, as nginx does.
//! - rule 5: Content-Length is decimal digits only, checked into a `u64`;
//!   repeated identical values, on several lines or in a comma list,
//!   collapse to one (RFC 9110 §8.6 allows it, hyper does it); differing
//!   values or anything else is rejected.
//! - rule 8: otherwise the body runs until the upstream closes
//!   ([`Framing::UntilClose`]), and the connection is never reused.
//!
//! [`FramingFacts`] is what the head parser collects from the
//! Content-Length and Transfer-Encoding lines while it walks the headers
//! once; the verdict on each line is taken there, so [`framing`] itself
//! sees no bytes and is a total function of five small inputs (the table
//! test in this file walks them).

use super::error::Reason;

/// How the body of one response is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body: HEAD, 1xx, 204, 304 or `Content-Length: 0`.
    Empty,
    /// Exactly this many bytes (not zero).
    Length(u64),
    /// Chunked transfer coding (RFC 9112 §7.1).
    Chunked,
    /// Until the upstream closes the connection (rule 8); never reusable.
    UntilClose,
}

impl Framing {
    /// The body ends at a boundary the message itself marks, so the
    /// connection can carry another exchange afterwards (§3.4 item 1).
    pub fn is_self_delimited(&self) -> bool {
        !matches!(self, Framing::UntilClose)
    }
}

/// What the Content-Length and Transfer-Encoding lines of one head said,
/// folded line by line ([`FramingFacts::content_length`],
/// [`FramingFacts::transfer_encoding`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FramingFacts {
    /// `None`: no Content-Length line. `Some(Ok(n))`: every line and every
    /// list element said `n`. `Some(Err(_))`: one was malformed
    /// ([`Reason::BadContentLength`]) or two differed
    /// ([`Reason::ConflictingContentLength`]); the first error sticks.
    pub content_length: Option<Result<u64, Reason>>,
    /// How many Transfer-Encoding lines the head had.
    pub te_lines: u32,
    /// The only Transfer-Encoding line seen so far is exactly one
    /// `chunked` token (case-insensitive, optional whitespace around it).
    pub te_chunked: bool,
}

impl FramingFacts {
    /// Folds in one Content-Length field value (rule 5).
    pub fn content_length(&mut self, value: &[u8]) {
        if let Some(Err(_)) = self.content_length {
            return;
        }
        for element in value.split(|&b| b == b',') {
            let parsed = parse_length(trim_ows(element));
            self.content_length = Some(match (self.content_length, parsed) {
                (_, None) => Err(Reason::BadContentLength),
                (None, Some(n)) => Ok(n),
                (Some(Ok(seen)), Some(n)) if seen == n => Ok(n),
                (Some(Ok(_)), Some(_)) => Err(Reason::ConflictingContentLength),
                (Some(Err(e)), Some(_)) => Err(e),
            });
            if let Some(Err(_)) = self.content_length {
                return;
            }
        }
    }

    /// Folds in one Transfer-Encoding field value (rule 4): only a lone
    /// line that is exactly `chunked` keeps [`FramingFacts::te_chunked`].
    pub fn transfer_encoding(&mut self, value: &[u8]) {
        self.te_lines = self.te_lines.saturating_add(1);
        self.te_chunked = self.te_lines == 1 && trim_ows(value).eq_ignore_ascii_case(b"chunked");
    }

    /// Any Transfer-Encoding line was present.
    pub fn has_te(&self) -> bool {
        self.te_lines > 0
    }
}

/// Decimal digits only, checked into a `u64`: no sign, no hex, no
/// fraction, no inner space, not empty (S7, S8).
fn parse_length(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// Optional whitespace (SP, HTAB) trimmed at both ends (RFC 9110 §5.6.3).
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The body length of a response (RFC 9112 §6.3 with the §3.1 policy; see
/// the module doc). `version_minor` is 0 or 1 (`HTTP/1.x`).
pub fn framing(
    method_is_head: bool,
    status: u16,
    version_minor: u8,
    facts: &FramingFacts,
) -> Result<Framing, Reason> {
    // Rule 1, first the statuses whose framing headers must agree with
    // "no body".
    if status == 101 {
        return Err(Reason::Status101);
    }
    if (100..200).contains(&status) || status == 204 {
        if facts.has_te() {
            return Err(Reason::BodyOnNoBodyStatus);
        }
        return match facts.content_length {
            None | Some(Ok(0)) => Ok(Framing::Empty),
            Some(Ok(_)) => Err(Reason::BodyOnNoBodyStatus),
            Some(Err(reason)) => Err(reason),
        };
    }
    // Rule 1, the rest: the headers describe the representation, not
    // this message.
    if method_is_head || status == 304 {
        return Ok(Framing::Empty);
    }
    if facts.has_te() {
        // Rule 3, then §6.1 (1.0 + TE), then rule 4 as our policy.
        if facts.content_length.is_some() {
            return Err(Reason::ClAndTe);
        }
        if version_minor == 0 {
            return Err(Reason::TeOnHttp10);
        }
        if !facts.te_chunked {
            return Err(Reason::BadTransferEncoding);
        }
        return Ok(Framing::Chunked);
    }
    match facts.content_length {
        // Rules 5 and 6.
        Some(Ok(0)) => Ok(Framing::Empty),
        Some(Ok(n)) => Ok(Framing::Length(n)),
        Some(Err(reason)) => Err(reason),
        // Rule 8.
        None => Ok(Framing::UntilClose),
    }
}

/// What the Connection lines of one head said (RFC 9110 §7.6.1): a
/// case-insensitive token list over every line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionFacts {
    /// A `close` token appeared.
    pub close: bool,
    /// A `keep-alive` token appeared.
    pub keep_alive: bool,
    /// A token other than `close` and `keep-alive` appeared: it names a
    /// header that is hop-by-hop for this message and must be removed.
    pub names_headers: bool,
}

impl ConnectionFacts {
    /// Folds in one Connection field value.
    pub fn connection(&mut self, value: &[u8]) {
        for token in tokens(value) {
            if token.eq_ignore_ascii_case(b"close") {
                self.close = true;
            } else if token.eq_ignore_ascii_case(b"keep-alive") {
                self.keep_alive = true;
            } else {
                self.names_headers = true;
            }
        }
    }
}

/// The non-empty elements of a comma-separated list, whitespace trimmed
/// (RFC 9110 §5.6.1: empty elements are allowed and ignored).
pub(crate) fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|t| !t.is_empty())
}

/// The keep-alive verdict of research §3.4 item 3: HTTP/1.1 without a
/// `close` token on any Connection line. HTTP/1.0 is never reused, even
/// with `Connection: keep-alive` (nginx's policy: 1.0 keep-alive is an
/// opt-in extension whose upstreams are rare and often wrong about it), so
/// the `keep-alive` token does not enter the verdict.
///
/// This is only the head's part of §3.4; the connection adds the rest
/// (self-delimited and fully read, no leftover bytes, request fully
/// written, counters under their limits).
pub fn keep_alive(version_minor: u8, connection: &ConnectionFacts) -> bool {
    version_minor == 1 && !connection.close
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facts from raw header lines, as the head parser folds them.
    fn facts(cl: &[&str], te: &[&str]) -> FramingFacts {
        let mut f = FramingFacts::default();
        for v in cl {
            f.content_length(v.as_bytes());
        }
        for v in te {
            f.transfer_encoding(v.as_bytes());
        }
        f
    }

    fn conn(lines: &[&str]) -> ConnectionFacts {
        let mut c = ConnectionFacts::default();
        for v in lines {
            c.connection(v.as_bytes());
        }
        c
    }

    /// One row: the case id, the inputs, the expected framing or reject,
    /// and the head's keep-alive verdict.
    struct Row {
        id: &'static str,
        head: bool,
        status: u16,
        minor: u8,
        cl: &'static [&'static str],
        te: &'static [&'static str],
        connection: &'static [&'static str],
        want: Result<Framing, Reason>,
        keep_alive: bool,
    }

    #[test]
    fn framing_table() {
        use Framing::*;
        use Reason::*;
        const GET: bool = false;
        const HEAD: bool = true;
        const V10: u8 = 0;
        const V11: u8 = 1;
        macro_rules! row {
            ($id:literal, $m:ident $status:literal $minor:ident cl $cl:expr, te $te:expr, conn $c:expr => $want:expr, ka $ka:literal) => {
                Row {
                    id: $id,
                    head: $m,
                    status: $status,
                    minor: $minor,
                    cl: &$cl,
                    te: &$te,
                    connection: &$c,
                    want: $want,
                    keep_alive: $ka,
                }
            };
        }
        #[rustfmt::skip]
        let rows = [
            // research §4.7(e)
            row!("S1",  GET 200 V11 cl ["5"], te ["chunked"], conn [] => Err(ClAndTe), ka true),
            row!("S2",  GET 200 V11 cl ["5"], te ["chunked"], conn [] => Err(ClAndTe), ka true),
            row!("S3",  GET 200 V11 cl ["5", "6"], te [], conn [] => Err(ConflictingContentLength), ka true),
            row!("S4",  GET 200 V11 cl ["5", "5"], te [], conn [] => Ok(Length(5)), ka true),
            row!("S5",  GET 200 V11 cl ["5, 5"], te [], conn [] => Ok(Length(5)), ka true),
            row!("S5b", GET 200 V11 cl ["5,5", " 5 "], te [], conn [] => Ok(Length(5)), ka true),
            row!("S6",  GET 200 V11 cl ["5, 6"], te [], conn [] => Err(ConflictingContentLength), ka true),
            row!("S7+", GET 200 V11 cl ["+5"], te [], conn [] => Err(BadContentLength), ka true),
            row!("S7-", GET 200 V11 cl ["-5"], te [], conn [] => Err(BadContentLength), ka true),
            row!("S7x", GET 200 V11 cl ["0x5"], te [], conn [] => Err(BadContentLength), ka true),
            row!("S7.", GET 200 V11 cl ["5.0"], te [], conn [] => Err(BadContentLength), ka true),
            row!("S7_", GET 200 V11 cl ["5 5"], te [], conn [] => Err(BadContentLength), ka true),
            row!("S7e", GET 200 V11 cl [""], te [], conn [] => Err(BadContentLength), ka true),
            row!("S7,", GET 200 V11 cl ["5,"], te [], conn [] => Err(BadContentLength), ka true),
            row!("S7>", GET 200 V11 cl ["5", "x"], te [], conn [] => Err(BadContentLength), ka true),
            row!("S8",  GET 200 V11 cl ["18446744073709551616"], te [], conn [] => Err(BadContentLength), ka true),
            row!("S8m", GET 200 V11 cl ["18446744073709551615"], te [], conn [] => Ok(Length(u64::MAX)), ka true),
            row!("S8z", GET 200 V11 cl ["00000000000000000000005"], te [], conn [] => Ok(Length(5)), ka true),
            row!("S9",  GET 200 V11 cl [], te ["chunked, chunked"], conn [] => Err(BadTransferEncoding), ka true),
            row!("S10", GET 200 V11 cl [], te ["gzip, chunked"], conn [] => Err(BadTransferEncoding), ka true),
            row!("S11i",GET 200 V11 cl [], te ["identity"], conn [] => Err(BadTransferEncoding), ka true),
            row!("S11g",GET 200 V11 cl [], te ["gzip"], conn [] => Err(BadTransferEncoding), ka true),
            row!("S12", GET 200 V11 cl [], te ["chunked", "chunked"], conn [] => Err(BadTransferEncoding), ka true),
            row!("S12b",GET 200 V11 cl [], te ["gzip", "chunked"], conn [] => Err(BadTransferEncoding), ka true),
            row!("S13x",GET 200 V11 cl [], te ["xchunked"], conn [] => Err(BadTransferEncoding), ka true),
            row!("S13;",GET 200 V11 cl [], te ["chunked;x"], conn [] => Err(BadTransferEncoding), ka true),
            row!("S13,",GET 200 V11 cl [], te ["chunked ,"], conn [] => Err(BadTransferEncoding), ka true),
            row!("S13e",GET 200 V11 cl [], te [""], conn [] => Err(BadTransferEncoding), ka true),
            row!("TEci",GET 200 V11 cl [], te [" ChUnKeD\t"], conn [] => Ok(Chunked), ka true),
            // S14, S15, S17, S18 are head-parser rejects (head.rs); S16:
            row!("S16", GET 200 V10 cl [], te ["chunked"], conn [] => Err(TeOnHttp10), ka false),
            row!("S16c",GET 200 V10 cl ["5"], te ["chunked"], conn [] => Err(ClAndTe), ka false),
            row!("S19", GET 204 V11 cl ["5"], te [], conn [] => Err(BodyOnNoBodyStatus), ka true),
            row!("S19z",GET 204 V11 cl ["0"], te [], conn [] => Ok(Empty), ka true),
            row!("S19b",GET 204 V11 cl ["x"], te [], conn [] => Err(BadContentLength), ka true),
            row!("S20", GET 204 V11 cl [], te ["chunked"], conn [] => Err(BodyOnNoBodyStatus), ka true),
            row!("S20i",GET 103 V11 cl [], te ["chunked"], conn [] => Err(BodyOnNoBodyStatus), ka true),
            row!("S20l",GET 100 V11 cl ["3"], te [], conn [] => Err(BodyOnNoBodyStatus), ka true),
            row!("S21", GET 304 V11 cl ["5"], te [], conn [] => Ok(Empty), ka true),
            row!("S22", GET 304 V11 cl ["5"], te [], conn [] => Ok(Empty), ka true),
            row!("S21t",GET 304 V11 cl [], te ["chunked"], conn [] => Ok(Empty), ka true),
            row!("S23", HEAD 200 V11 cl ["5"], te [], conn [] => Ok(Empty), ka true),
            row!("S23t",HEAD 200 V11 cl [], te ["chunked"], conn [] => Ok(Empty), ka true),
            row!("S23x",HEAD 200 V11 cl ["5"], te ["gzip"], conn [] => Ok(Empty), ka true),
            row!("S23o",HEAD 200 V10 cl [], te ["chunked"], conn [] => Ok(Empty), ka false),
            row!("S24", GET 103 V11 cl [], te [], conn [] => Ok(Empty), ka true),
            row!("S25", GET 100 V11 cl [], te [], conn [] => Ok(Empty), ka true),
            row!("S26", GET 101 V11 cl [], te [], conn ["upgrade"] => Err(Status101), ka true),
            row!("S26h",HEAD 101 V11 cl [], te [], conn [] => Err(Status101), ka true),
            // S27 is a head-parser reject; S38:
            row!("S38", GET 200 V11 cl [], te [], conn [] => Ok(UntilClose), ka true),
            // research §4.7(a) plain cases
            row!("cl",  GET 200 V11 cl ["12"], te [], conn [] => Ok(Length(12)), ka true),
            row!("cl0", GET 200 V11 cl ["0"], te [], conn [] => Ok(Empty), ka true),
            row!("chk", GET 200 V11 cl [], te ["chunked"], conn [] => Ok(Chunked), ka true),
            row!("nil11", GET 200 V11 cl [], te [], conn [] => Ok(UntilClose), ka true),
            row!("nil10", GET 200 V10 cl [], te [], conn [] => Ok(UntilClose), ka false),
            row!("10ka",GET 200 V10 cl ["3"], te [], conn ["keep-alive"] => Ok(Length(3)), ka false),
            row!("kac", GET 200 V11 cl ["3"], te [], conn ["keep-alive, close"] => Ok(Length(3)), ka false),
            row!("c2",  GET 200 V11 cl ["3"], te [], conn ["keep-alive", "close"] => Ok(Length(3)), ka false),
            row!("CLOSE",GET 200 V11 cl ["3"], te [], conn [" CLOSE "] => Ok(Length(3)), ka false),
            row!("closer",GET 200 V11 cl ["3"], te [], conn ["closed, x-close"] => Ok(Length(3)), ka true),
            row!("ka11",GET 200 V11 cl ["3"], te [], conn ["keep-alive"] => Ok(Length(3)), ka true),
            row!("404", GET 404 V11 cl ["3"], te [], conn [] => Ok(Length(3)), ka true),
            row!("500c",GET 500 V11 cl [], te ["chunked"], conn ["close"] => Ok(Chunked), ka false),
            row!("199", GET 199 V11 cl [], te [], conn [] => Ok(Empty), ka true),
            row!("304h",HEAD 304 V11 cl ["x"], te [], conn [] => Ok(Empty), ka true),
        ];
        for r in &rows {
            let f = facts(r.cl, r.te);
            let got = framing(r.head, r.status, r.minor, &f);
            assert_eq!(got, r.want, "{}: framing", r.id);
            assert_eq!(
                keep_alive(r.minor, &conn(r.connection)),
                r.keep_alive,
                "{}: keep-alive",
                r.id
            );
        }
        // S1 and S2 differ only in line order, which the facts do not see:
        // pin that the order of folding does not matter.
        let mut te_first = FramingFacts::default();
        te_first.transfer_encoding(b"chunked");
        te_first.content_length(b"5");
        assert_eq!(framing(false, 200, 1, &te_first), Err(ClAndTe));
    }

    #[test]
    fn connection_tokens() {
        let c = conn(&["Upgrade, x-foo ,,", "keep-alive"]);
        assert_eq!(
            c,
            ConnectionFacts {
                close: false,
                keep_alive: true,
                names_headers: true
            }
        );
        assert_eq!(conn(&[""]), ConnectionFacts::default());
        assert!(conn(&["a,close"]).close);
    }

    #[test]
    fn first_content_length_error_sticks() {
        // a conflict then a malformed value reports the conflict
        assert_eq!(
            facts(&["5", "6", "x"], &[]).content_length,
            Some(Err(Reason::ConflictingContentLength))
        );
        assert_eq!(
            facts(&["x", "6"], &[]).content_length,
            Some(Err(Reason::BadContentLength))
        );
    }
}
