//! The runtime's one error type (pingora style).
//!
//! Every failure on the request path is an [`Error`]: what went wrong
//! ([`ErrorKind`]), who caused it ([`ErrorSource`]) and whether sending the
//! request again is safe. [`Error::status`] is the *only* place that turns a
//! failure into an HTTP status, so the status rules of KrakenD
//! (research/krakend-semantics.md §c.9) live in one `match`.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use hyper::StatusCode;

/// Who caused a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorSource {
    /// The client sent something we cannot serve.
    Client,
    /// A backend failed, answered badly, or was too slow.
    Upstream,
    /// The gateway itself.
    Internal,
}

/// What went wrong.
#[derive(Debug)]
pub enum ErrorKind {
    /// The client's request is malformed (bad percent-encoding, unreadable body).
    BadRequest,
    /// The request body is larger than `gwc/server.max_request_body` on an
    /// endpoint that reads it whole: 413.
    PayloadTooLarge,
    /// No backend host can be chosen (an empty pool, or none eligible once
    /// health checks exist).
    NoHost,
    /// A pool with `all_unhealthy: fail_closed` has no eligible host; no host
    /// was contacted (KrakenD's backend-error status, 500, unless a no-op
    /// endpoint turns it into [`ErrorKind::Proxy`] 503).
    NoHealthyUpstream,
    /// `qos/circuit-breaker` is open: the backend was not called.
    CircuitOpen,
    /// `qos/ratelimit/proxy` refused the call: the backend was not called
    /// (CE's `rate limit exceded`, a 500 like any backend failure).
    RateLimited,
    /// A no-op endpoint behind a `gwc` pool answers this status itself
    /// (§7.5.5, as Caddy and Envoy do): 502 after connect failures or
    /// resets, 503 when no host is eligible, 504 after a timeout.
    Proxy {
        /// The status.
        status: u16,
        /// No host was eligible (`X-Gwc-Upstream: none`).
        no_upstream: bool,
    },
    /// Connecting to the backend failed: nothing was sent, so a retry is safe.
    Connect,
    /// The connection failed after the request was (maybe) sent.
    Transport,
    /// A deadline passed: the endpoint `timeout`, the merge share of it, or
    /// `response_header_timeout`.
    Timeout,
    /// The backend answered with a status other than 200/201.
    BadStatus(u16),
    /// `backend/http.return_error_code`: the backend's status (and body, with
    /// `return_error_msg`) go to the client.
    BackendStatus {
        /// The backend's status.
        status: u16,
        /// The backend's body.
        body: Bytes,
        /// The backend's `Content-Type`, if any.
        content_type: Option<hyper::header::HeaderValue>,
    },
    /// The backend body cannot be decoded with the backend's encoding.
    Decode,
    /// The backend's answer cannot be taken at all (502, where CE has no
    /// such rule): its framing contradicts itself (`Content-Length` with
    /// `Transfer-Encoding`, differing `Content-Length`s), it switches
    /// protocols unasked (`101`), or its body passes the backend's
    /// `max_response_bytes`, gunzipped or not ([`crate::lb::framing`]).
    BadResponse,
    /// A feature this build cannot serve (e.g. an `https://` host without TLS).
    Unsupported,
    /// Several backends failed (merge): the messages, in declaration order.
    Merge,
    /// A `modifier/martian` modifier failed (a `Content-Length` that is no
    /// number, a port that does not parse): the backend call fails, as in
    /// KrakenD CE.
    Modifier,
    /// A `validation/cel` expression refused the request
    /// (`request aborted by evaluator #N`): 500 at the endpoint; at backend
    /// level that backend fails, as in KrakenD CE.
    Rejected,
    /// A bug or an impossible state.
    Internal,
}

/// A request-path failure.
#[derive(Debug)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Who caused it.
    pub source: ErrorSource,
    /// Whether sending the same request again (to this or another host) is safe.
    pub retry: bool,
    /// Human text for logs and `return_error_msg` bodies.
    pub context: Cow<'static, str>,
}

impl Error {
    /// A new error; the source and retry flag follow from the kind.
    pub fn new(kind: ErrorKind, context: impl Into<Cow<'static, str>>) -> Self {
        let (source, retry) = match kind {
            ErrorKind::BadRequest | ErrorKind::PayloadTooLarge => (ErrorSource::Client, false),
            // Nothing reached the backend: any host may be tried again.
            ErrorKind::Connect
            | ErrorKind::NoHost
            | ErrorKind::NoHealthyUpstream
            | ErrorKind::CircuitOpen => (ErrorSource::Upstream, true),
            ErrorKind::Proxy { no_upstream, .. } => (ErrorSource::Upstream, no_upstream),
            ErrorKind::Transport
            | ErrorKind::Timeout
            | ErrorKind::BadStatus(_)
            | ErrorKind::BackendStatus { .. }
            | ErrorKind::Decode
            | ErrorKind::BadResponse
            | ErrorKind::Merge
            | ErrorKind::RateLimited => (ErrorSource::Upstream, false),
            ErrorKind::Unsupported
            | ErrorKind::Internal
            | ErrorKind::Modifier
            | ErrorKind::Rejected => (ErrorSource::Internal, false),
        };
        Error {
            kind,
            source,
            retry,
            context: context.into(),
        }
    }

    /// The status the client gets when this error is the whole answer.
    ///
    /// KrakenD CE maps every handler error to 500 (`server.DefaultToHTTPError`),
    /// timeouts included (the endpoint context's deadline becomes
    /// `ErrInternalError`); only `return_error_code` passes the backend's status.
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::BackendStatus { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            ErrorKind::Proxy { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            ErrorKind::BadResponse => StatusCode::BAD_GATEWAY,
            ErrorKind::NoHost
            | ErrorKind::NoHealthyUpstream
            | ErrorKind::CircuitOpen
            | ErrorKind::RateLimited
            | ErrorKind::Connect
            | ErrorKind::Transport
            | ErrorKind::Timeout
            | ErrorKind::BadStatus(_)
            | ErrorKind::Decode
            | ErrorKind::Unsupported
            | ErrorKind::Merge
            | ErrorKind::Modifier
            | ErrorKind::Rejected
            | ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether this is a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout)
    }

    /// The error a no-op endpoint behind a `gwc` pool answers with
    /// (§7.5.5): 503 when no host is eligible, 502 after connect failures
    /// and resets, 504 after timeouts; anything else unchanged.
    pub fn for_noop_pool(self) -> Error {
        let (status, no_upstream) = match self.kind {
            ErrorKind::NoHealthyUpstream => (503, true),
            ErrorKind::Connect | ErrorKind::Transport => (502, false),
            ErrorKind::Timeout => (504, false),
            _ => return self,
        };
        Error::new(
            ErrorKind::Proxy {
                status,
                no_upstream,
            },
            self.context,
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.context)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_mapping_is_krakend() {
        fn backend_418() -> ErrorKind {
            ErrorKind::BackendStatus {
                status: 418,
                body: Bytes::new(),
                content_type: None,
            }
        }
        type Row = (fn() -> ErrorKind, u16, ErrorSource, bool);
        let table: &[Row] = &[
            (|| ErrorKind::BadRequest, 400, ErrorSource::Client, false),
            (
                || ErrorKind::PayloadTooLarge,
                413,
                ErrorSource::Client,
                false,
            ),
            (|| ErrorKind::Connect, 500, ErrorSource::Upstream, true),
            (|| ErrorKind::NoHost, 500, ErrorSource::Upstream, true),
            (
                || ErrorKind::NoHealthyUpstream,
                500,
                ErrorSource::Upstream,
                true,
            ),
            (|| ErrorKind::CircuitOpen, 500, ErrorSource::Upstream, true),
            (|| ErrorKind::RateLimited, 500, ErrorSource::Upstream, false),
            (
                || ErrorKind::Proxy {
                    status: 503,
                    no_upstream: true,
                },
                503,
                ErrorSource::Upstream,
                true,
            ),
            (
                || ErrorKind::Proxy {
                    status: 504,
                    no_upstream: false,
                },
                504,
                ErrorSource::Upstream,
                false,
            ),
            (|| ErrorKind::Timeout, 500, ErrorSource::Upstream, false),
            (
                || ErrorKind::BadStatus(404),
                500,
                ErrorSource::Upstream,
                false,
            ),
            (backend_418, 418, ErrorSource::Upstream, false),
            (|| ErrorKind::Internal, 500, ErrorSource::Internal, false),
            (|| ErrorKind::BadResponse, 502, ErrorSource::Upstream, false),
        ];
        for (kind, status, source, retry) in table {
            let e = Error::new(kind(), "x");
            assert_eq!(e.status().as_u16(), *status, "{:?}", e.kind);
            assert_eq!(e.source, *source, "{:?}", e.kind);
            assert_eq!(e.retry, *retry, "{:?}", e.kind);
        }
    }
}
