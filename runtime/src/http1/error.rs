//! What can go wrong on an HTTP/1.1 upstream exchange, and whether the
//! request may be sent again (research/h1-upstream-client.md §4.6).
//!
//! Two layers:
//! - [`Reason`] names one reject of the framing policy (§3.1 body length,
//!   §3.2 status line and header section, §3.3 chunked coding) or of a
//!   limit. Each has a stable snake_case label ([`Reason::as_str`]) that
//!   metrics and the access log use, so an operator can tell a
//!   `cl_and_te` smuggling attempt from an oversized head without reading
//!   code. Every reason means the same thing to the client: a 502, and the
//!   upstream connection closed (the module-level policy in [`super`]).
//! - [`H1Error`] is a failed exchange: its [`Kind`] (the §4.6 class) plus
//!   three facts about how far the exchange got (was the connection
//!   reused, did a request byte leave, did a response byte arrive). Those
//!   three facts are what decide a retry ([`H1Error::retry_class`]), after
//!   RFC 9110 §9.2.2 (never replay a non-idempotent request that may have
//!   been applied) and Go's `shouldRetryRequest` (research §3.5).

use std::fmt;
use std::io;

/// One reject of the framing policy or of a limit; the connection is
/// closed and the client gets a 502.
///
/// The label of each variant ([`Reason::as_str`]) is a public contract
/// (metrics label values, access-log field): renaming one is a breaking
/// change for dashboards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    // ---- status line (§3.2) ----
    /// Not `HTTP/1.1` or `HTTP/1.0` (HTTP/0.9's missing status line,
    /// `HTTP/1.2`, `HTTP/2.0`, lowercase `http/1.1`): S27.
    BadVersion,
    /// The status code is not three digits in 100–999, or the status line
    /// is malformed (`HTTP/1.1 001`, `HTTP/1.1 1`, `HTTP/1.1 1000`).
    BadStatus,
    /// `101 Switching Protocols`: this client never asks for an upgrade
    /// (§3.1 rule 1; S26).
    Status101,
    // ---- header section (§3.2) ----
    /// Whitespace between a field name and its colon (RFC 9112 §5.1): S14.
    SpaceBeforeColon,
    /// A line folded with obs-fold (RFC 9112 §5.2): S15.
    ObsFold,
    /// A CR not followed by LF (RFC 9112 §2.2): S17.
    BareCr,
    /// A field name that is not a token.
    BadHeaderName,
    /// A field value with a NUL or another CTL (RFC 9110 §5.5): S18.
    BadHeaderValue,
    /// A malformed line end or header section that fits no narrower reason.
    BadHead,
    /// The head is longer than [`super::head::HeadLimits::max_bytes`]: S40.
    HeadTooLarge,
    /// More fields than [`super::head::HeadLimits::max_fields`]: S40.
    TooManyHeaders,
    // ---- body length (§3.1) ----
    /// Both Content-Length and Transfer-Encoding (rule 3): S1, S2.
    ClAndTe,
    /// A Content-Length that is not a plain decimal `u64` (`+5`, `-5`,
    /// `0x5`, `5.0`, `5 5`, empty, 20 digits): S7, S8.
    BadContentLength,
    /// Content-Length values that differ (`5` and `6`, `5, 6`): S3, S6.
    ConflictingContentLength,
    /// Transfer-Encoding other than exactly one `chunked` (rule 4 as our
    /// policy): S9–S13.
    BadTransferEncoding,
    /// Transfer-Encoding on an HTTP/1.0 response (RFC 9112 §6.1): S16.
    TeOnHttp10,
    /// A 1xx or 204 with Transfer-Encoding or a non-zero Content-Length
    /// (RFC 9110 §8.6, §15.3.5): S19, S20.
    BodyOnNoBodyStatus,
    // ---- chunked coding (§3.3) ----
    /// A chunk-size line that is not `1*HEXDIG [BWS] (";" ext | CRLF)`:
    /// no digit (S32's plain CRLF), `5 0` (S29), a bare CR or LF.
    BadChunkSize,
    /// A chunk size with more than 16 hex digits (S28).
    ChunkSizeTooLong,
    /// A chunk extension with a bare CR, a bare LF, a CTL or a `"` (S30).
    BadChunkExt,
    /// More than 4 KiB of chunk extensions in one response (S34).
    ChunkExtTooLarge,
    /// Chunk data not followed by CRLF (S31).
    BadChunkDataEnd,
    /// A malformed trailer line.
    BadTrailer,
    /// Trailers over 16 KiB or 100 fields (S33).
    TrailersTooLarge,
    // ---- request side (§3.6) ----
    /// A request target that is not origin-form of visible ASCII (our own
    /// bug if it ever fires: the router built it).
    BadRequestTarget,
    /// A Host value with a CTL, SP or non-ASCII byte.
    BadHost,
}

impl Reason {
    /// Every reason, in declaration order (tests and metric registration).
    pub const ALL: [Reason; 26] = [
        Reason::BadVersion,
        Reason::BadStatus,
        Reason::Status101,
        Reason::SpaceBeforeColon,
        Reason::ObsFold,
        Reason::BareCr,
        Reason::BadHeaderName,
        Reason::BadHeaderValue,
        Reason::BadHead,
        Reason::HeadTooLarge,
        Reason::TooManyHeaders,
        Reason::ClAndTe,
        Reason::BadContentLength,
        Reason::ConflictingContentLength,
        Reason::BadTransferEncoding,
        Reason::TeOnHttp10,
        Reason::BodyOnNoBodyStatus,
        Reason::BadChunkSize,
        Reason::ChunkSizeTooLong,
        Reason::BadChunkExt,
        Reason::ChunkExtTooLarge,
        Reason::BadChunkDataEnd,
        Reason::BadTrailer,
        Reason::TrailersTooLarge,
        Reason::BadRequestTarget,
        Reason::BadHost,
    ];

    /// The stable snake_case label (metrics, access log).
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::BadVersion => "bad_version",
            Reason::BadStatus => "bad_status",
            Reason::Status101 => "status_101",
            Reason::SpaceBeforeColon => "space_before_colon",
            Reason::ObsFold => "obs_fold",
            Reason::BareCr => "bare_cr",
            Reason::BadHeaderName => "bad_header_name",
            Reason::BadHeaderValue => "bad_header_value",
            Reason::BadHead => "bad_head",
            Reason::HeadTooLarge => "head_too_large",
            Reason::TooManyHeaders => "too_many_headers",
            Reason::ClAndTe => "cl_and_te",
            Reason::BadContentLength => "bad_content_length",
            Reason::ConflictingContentLength => "conflicting_content_length",
            Reason::BadTransferEncoding => "bad_transfer_encoding",
            Reason::TeOnHttp10 => "te_on_http10",
            Reason::BodyOnNoBodyStatus => "body_on_no_body_status",
            Reason::BadChunkSize => "bad_chunk_size",
            Reason::ChunkSizeTooLong => "chunk_size_too_long",
            Reason::BadChunkExt => "bad_chunk_ext",
            Reason::ChunkExtTooLarge => "chunk_ext_too_large",
            Reason::BadChunkDataEnd => "bad_chunk_data_end",
            Reason::BadTrailer => "bad_trailer",
            Reason::TrailersTooLarge => "trailers_too_large",
            Reason::BadRequestTarget => "bad_request_target",
            Reason::BadHost => "bad_host",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why connecting failed (§4.6 `Connect`: nothing was sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// The connect timeout passed.
    Timeout,
    /// The name did not resolve to an address.
    Resolve,
    /// The socket call failed (refused, unreachable, …).
    Io(io::ErrorKind),
}

/// What went wrong with a streamed request body
/// ([`super::conn::Conn::send_streaming`]); the request is never retried
/// and the connection is closed, so a truncated body never looks complete
/// to the upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// The body returned an error (the downstream client aborted its
    /// upload, or its read timed out).
    Failed,
    /// The body yielded more bytes than its exact size hint announced as
    /// `Content-Length`.
    TooLong,
    /// The body ended before the length its exact size hint announced.
    TooShort,
    /// A streamed body was given with a [`super::conn::ReqBody`] other than
    /// `Empty` (a caller bug); nothing was sent.
    Misuse,
}

impl BodyError {
    fn as_str(self) -> &'static str {
        match self {
            BodyError::Failed => "failed",
            BodyError::TooLong => "longer than its content-length",
            BodyError::TooShort => "shorter than its content-length",
            BodyError::Misuse => "a streamed body with a buffered one",
        }
    }
}

/// The class of a failed exchange (research §4.6), which decides what
/// happens to the connection (always closed) and to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// No connection: refused, timeout, resolution. Nothing was sent.
    Connect(ConnectError),
    /// The checkout probe found the pooled connection dead, or the write
    /// failed before the socket accepted any byte: the upstream cannot
    /// have seen the request.
    Unsent,
    /// A reused connection took the request and then closed (EOF or RST)
    /// before the first response byte: the classic race with the
    /// upstream's idle close (RFC 9112 §9.3.1, hyper's
    /// `is_incomplete_message`).
    StaleReused,
    /// The response broke the framing policy or a limit.
    Protocol(Reason),
    /// The head or body deadline passed.
    Timeout,
    /// The body ended early (EOF or RST inside a Content-Length or chunked
    /// body) or its decoder failed after the head was delivered.
    BodyAbort,
    /// A body collected whole was over its size limit.
    BodyTooLarge,
    /// The streamed request body failed or broke its announced length
    /// (label `request_body`): never retried.
    RequestBody(BodyError),
    /// Any other socket error; [`H1Error`]'s flags say how far it got.
    Io(io::ErrorKind),
}

/// A failed exchange with one upstream connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct H1Error {
    /// What failed.
    pub kind: Kind,
    /// The connection came from the pool (it had served a request before).
    pub reused: bool,
    /// The socket accepted at least one byte of the request.
    pub wrote_any: bool,
    /// At least one byte of a response arrived.
    pub got_any: bool,
    /// A streamed request body was polled to a result (a frame, its end or
    /// an error) in this attempt: it cannot be sent again, on this host or
    /// another, so the verdict is always [`Retry::No`].
    pub body_spent: bool,
}

/// What the caller may do after an [`H1Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Send the same request again on a **fresh** connection to the same
    /// host, without counting a failover attempt: the upstream did not act
    /// on it (`Unsent`), or a stale reused connection lost it and the
    /// method allows a replay (`StaleReused`; a fresh connection cannot be
    /// stale, so this happens at most once).
    Fresh,
    /// Hand the failure to the failover loop (lb-failover-health.md §7.5),
    /// which applies `retry_on`, the budget and the attempt count.
    Failover,
    /// Final: the request may have been applied, or the answer was bad.
    No,
}

impl H1Error {
    /// An error with all three progress flags false.
    pub fn new(kind: Kind) -> H1Error {
        H1Error {
            kind,
            reused: false,
            wrote_any: false,
            got_any: false,
            body_spent: false,
        }
    }

    /// A protocol reject ([`Kind::Protocol`]).
    pub fn protocol(reason: Reason) -> H1Error {
        H1Error::new(Kind::Protocol(reason))
    }

    /// The retry verdict of research §4.6. `idempotent` is RFC 9110
    /// §9.2.2's set (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) for the
    /// backend's method; `retry_non_idempotent` is the pool policy of
    /// lb-failover-health.md (nginx's `non_idempotent`).
    ///
    /// Whatever the kind, a response byte that arrived makes the verdict
    /// [`Retry::No`] for everything but a connect failure: the upstream
    /// answered, so it acted (research §3.5, "never after the first
    /// response byte").
    pub fn retry_class(&self, idempotent: bool, retry_non_idempotent: bool) -> Retry {
        let replayable = idempotent || retry_non_idempotent;
        match self.kind {
            Kind::Connect(_) => Retry::Failover,
            _ if self.got_any || self.body_spent => Retry::No,
            Kind::Unsent => Retry::Fresh,
            Kind::StaleReused if self.reused && replayable => Retry::Fresh,
            Kind::StaleReused => Retry::No,
            Kind::Timeout if replayable => Retry::Failover,
            Kind::Timeout => Retry::No,
            // A socket error that the connection code could not place:
            // decide from the flags, as the named classes would.
            Kind::Io(_) if !self.wrote_any => Retry::Fresh,
            Kind::Io(_) if self.reused && replayable => Retry::Fresh,
            Kind::Io(_) if replayable => Retry::Failover,
            Kind::Io(_) => Retry::No,
            Kind::Protocol(_) | Kind::BodyAbort | Kind::BodyTooLarge | Kind::RequestBody(_) => {
                Retry::No
            }
        }
    }

    /// The class label for metrics and the access log: the [`Reason`]
    /// label for protocol rejects, else the class name.
    pub fn label(&self) -> &'static str {
        match self.kind {
            Kind::Connect(_) => "connect",
            Kind::Unsent => "unsent",
            Kind::StaleReused => "stale_reused",
            Kind::Protocol(reason) => reason.as_str(),
            Kind::Timeout => "timeout",
            Kind::BodyAbort => "body_abort",
            Kind::BodyTooLarge => "body_too_large",
            Kind::RequestBody(_) => "request_body",
            Kind::Io(_) => "io",
        }
    }
}

impl From<Reason> for H1Error {
    fn from(reason: Reason) -> H1Error {
        H1Error::protocol(reason)
    }
}

impl fmt::Display for H1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("upstream http/1.1: ")?;
        match self.kind {
            Kind::Connect(ConnectError::Timeout) => f.write_str("connect timeout")?,
            Kind::Connect(ConnectError::Resolve) => f.write_str("connect: name did not resolve")?,
            Kind::Connect(ConnectError::Io(kind)) => write!(f, "connect: {kind}")?,
            Kind::Unsent => f.write_str("connection closed before the request was sent")?,
            Kind::StaleReused => {
                f.write_str("reused connection closed before the response started")?
            }
            Kind::Protocol(reason) => write!(f, "protocol error: {reason}")?,
            Kind::Timeout => f.write_str("timeout")?,
            Kind::BodyAbort => f.write_str("response body aborted")?,
            Kind::BodyTooLarge => f.write_str("response body too large")?,
            Kind::RequestBody(e) => write!(f, "request body {}", e.as_str())?,
            Kind::Io(kind) => write!(f, "{kind}")?,
        }
        if self.reused {
            f.write_str(" (reused connection)")?;
        }
        Ok(())
    }
}

impl std::error::Error for H1Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for reason in Reason::ALL {
            let label = reason.as_str();
            assert!(
                label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{label}"
            );
            seen.insert(label);
        }
        assert_eq!(
            seen.len(),
            Reason::ALL.len(),
            "a label is duplicated or a variant listed twice"
        );
    }

    /// `reason as usize` indexes `ALL` (per-reason counters rely on it):
    /// a variant inserted in the middle without its place in `ALL` fails
    /// here.
    #[test]
    fn all_is_in_declaration_order() {
        for (i, reason) in Reason::ALL.iter().enumerate() {
            assert_eq!(*reason as usize, i, "{reason:?}");
        }
        assert_eq!(
            Reason::ALL.last().map(|r| *r as usize + 1),
            Some(Reason::ALL.len())
        );
    }

    #[test]
    fn retry_table() {
        use Retry::*;
        let connect = Kind::Connect(ConnectError::Io(io::ErrorKind::ConnectionRefused));
        let proto = Kind::Protocol(Reason::ClAndTe);
        let io = Kind::Io(io::ErrorKind::ConnectionReset);
        // (kind, reused, wrote_any, got_any, idempotent, retry_non_idempotent) → verdict
        #[rustfmt::skip]
        let table: &[(Kind, bool, bool, bool, bool, bool, Retry)] = &[
            // connect failures: nothing sent, any method goes to failover
            (connect,          false, false, false, false, false, Failover),
            (connect,          false, false, false, true,  false, Failover),
            // unsent: any method, fresh connection
            (Kind::Unsent,     true,  false, false, false, false, Fresh),
            (Kind::Unsent,     false, false, false, true,  false, Fresh),
            // stale reused: once, idempotent or opted in
            (Kind::StaleReused, true, true,  false, true,  false, Fresh),
            (Kind::StaleReused, true, true,  false, false, false, No),
            (Kind::StaleReused, true, true,  false, false, true,  Fresh),
            (Kind::StaleReused, false, true, false, true,  false, No),
            // ... never after a response byte
            (Kind::StaleReused, true, true,  true,  true,  true,  No),
            // protocol rejects and body failures: never
            (proto,            true,  true,  true,  true,  true,  No),
            (proto,            false, true,  false, true,  true,  No),
            (Kind::BodyAbort,  true,  true,  true,  true,  true,  No),
            (Kind::BodyTooLarge, false, true, true, true,  false, No),
            // a streamed request body that failed: never, whatever the flags
            (Kind::RequestBody(BodyError::Failed),  true,  true,  false, true, true, No),
            (Kind::RequestBody(BodyError::TooShort), false, true, false, true, true, No),
            (Kind::RequestBody(BodyError::Misuse),  false, false, false, true, true, No),
            // timeouts: failover, idempotent only
            (Kind::Timeout,    false, true,  false, true,  false, Failover),
            (Kind::Timeout,    false, true,  false, false, false, No),
            (Kind::Timeout,    false, true,  false, false, true,  Failover),
            (Kind::Timeout,    false, true,  true,  true,  false, No),
            // unplaced socket errors: from the flags
            (io,               true,  false, false, false, false, Fresh),
            (io,               true,  true,  false, true,  false, Fresh),
            (io,               false, true,  false, true,  false, Failover),
            (io,               false, true,  false, false, false, No),
            (io,               true,  true,  true,  true,  true,  No),
        ];
        for (i, &(kind, reused, wrote_any, got_any, idem, rni, want)) in table.iter().enumerate() {
            let mut err = H1Error {
                kind,
                reused,
                wrote_any,
                got_any,
                body_spent: false,
            };
            assert_eq!(
                err.retry_class(idem, rni),
                want,
                "row {i}: {err:?} idempotent={idem} rni={rni}"
            );
            // A spent streamed body makes every verdict final, but a
            // connect failure (nothing was polled before a dial).
            err.body_spent = true;
            let spent = if matches!(kind, Kind::Connect(_)) {
                want
            } else {
                No
            };
            assert_eq!(err.retry_class(idem, rni), spent, "row {i} spent");
        }
    }

    #[test]
    fn display_names_the_reason() {
        let mut err = H1Error::protocol(Reason::ObsFold);
        assert_eq!(
            err.to_string(),
            "upstream http/1.1: protocol error: obs_fold"
        );
        err.reused = true;
        assert_eq!(
            err.to_string(),
            "upstream http/1.1: protocol error: obs_fold (reused connection)"
        );
        assert_eq!(err.label(), "obs_fold");
        assert_eq!(H1Error::new(Kind::StaleReused).label(), "stale_reused");
        let e = H1Error::new(Kind::RequestBody(BodyError::TooLong));
        assert_eq!(e.label(), "request_body");
        assert_eq!(
            e.to_string(),
            "upstream http/1.1: request body longer than its content-length"
        );
    }
}
