//! What an upstream's response head may not say, and how a connection
//! whose answer is refused is closed instead of pooled (issue 15).
//!
//! What the upstream clients already do (hyper 1.x as locked here,
//! `proto/h1/role.rs`, `Client::decoder`; the same code under the own pool
//! of [`crate::lb::h1`] and hyper-util's client):
//! - `Transfer-Encoding` with `Content-Length`: hyper frames the body by
//!   the transfer coding (RFC 9112 §6.3 rule 3) and reads it correctly,
//!   but it keeps both headers in the response it hands over. A no-op
//!   endpoint copied `Content-Length: 1` to its client and streamed the
//!   chunked body's bytes under it: the client saw a complete 1-byte body
//!   and the rest became the next response on its connection. The raw
//!   head is not needed to see this: both headers are in the `HeaderMap`.
//! - Several `Content-Length` values that differ (two headers, or one
//!   `5, 6` list): hyper refuses the head (`content_length_parse_all`
//!   fails, then `Parse::content_length_invalid`), so the exchange fails
//!   and the connection closes; equal values are taken as one, as RFC 9110
//!   §8.6 allows. The check below repeats it for any client.
//! - `1xx`: hyper reads `100`, `102` and `103` heads, drops them and waits
//!   for the final answer (RFC 9110 §15.2), so they never reach the
//!   gateway. `101 Switching Protocols` is final for hyper: it hands it over
//!   with an empty body and the connection marked for an upgrade, and a
//!   no-op endpoint forwarded it to a plain GET. The gateway never asks a
//!   backend for an upgrade (`Upgrade` is hop-by-hop and not forwarded), so
//!   a `101` is refused unless the request carried `Upgrade`.
//! - HTTP/2 (`h2`, `h2c`): the `h2` crate refuses `Transfer-Encoding` and
//!   other connection headers in a response as malformed, and a `101`
//!   cannot occur; the checks cost nothing there.
//!
//! The own HTTP/1.1 client ([`crate::http1`], every plain `http://`
//! HTTP/1.1 host unless `implementation: hyper`) refuses all of these
//! itself, stricter still (research §3.1–3.3), before a response exists:
//! its rejects reach the failover loop as [`ErrorKind::BadResponse`] with
//! the reason in the message, and its connection is already closed. The
//! check below stays for hyper's clients (TLS hosts, h2/h2c/auto, the
//! escape hatch) and costs the own client's answers two header lookups.
//!
//! A refused answer is a [`ErrorKind::BadResponse`] (502 for a lone
//! backend) and its connection is closed: the own HTTP/1.1 pool puts a
//! [`ConnKill`] in each response's extensions, which ends the connection's
//! driver (the socket closes, the pool drops the entry). Without one
//! (hyper-util's pooled client) the body is dropped unread, after which
//! hyper closes the connection unless the rest of the body was already
//! buffered.

use hyper::header::{CONTENT_LENGTH, TRANSFER_ENCODING, UPGRADE};
use hyper::{HeaderMap, Response, StatusCode};

use crate::error::{Error, ErrorKind};

/// Ends one upstream connection (the own HTTP/1.1 pool's driver task).
#[derive(Clone, Debug)]
pub struct ConnKill(pub tokio::task::AbortHandle);

/// Closes the connection a response came on (its extensions), when the
/// client said how; the caller drops the body.
pub fn kill(extensions: &hyper::http::Extensions) {
    if let Some(k) = extensions.get::<ConnKill>() {
        k.0.abort();
    }
}

/// Why a response head is refused, if it is: conflicting framing, or a
/// `101` the request (`asked_upgrade`: it carried `Upgrade`) did not ask for.
pub fn refused(
    status: StatusCode,
    headers: &HeaderMap,
    asked_upgrade: bool,
) -> Option<&'static str> {
    if status == StatusCode::SWITCHING_PROTOCOLS && !asked_upgrade {
        return Some("101 Switching Protocols without an Upgrade request");
    }
    if headers.contains_key(TRANSFER_ENCODING) && headers.contains_key(CONTENT_LENGTH) {
        return Some("both Content-Length and Transfer-Encoding");
    }
    if !one_length(headers) {
        return Some("differing Content-Length values");
    }
    None
}

/// Whether every `Content-Length` value (headers and list members) is the
/// same (or there is none).
fn one_length(headers: &HeaderMap) -> bool {
    let mut seen: Option<&[u8]> = None;
    for v in headers.get_all(CONTENT_LENGTH) {
        for part in v.as_bytes().split(|&b| b == b',') {
            let part = part.trim_ascii();
            match seen {
                None => seen = Some(part),
                Some(s) if s == part => {}
                Some(_) => return false,
            }
        }
    }
    true
}

/// The check of [`refused`] on a response: `Err` (its connection closed)
/// when refused.
pub fn check<B>(resp: &Response<B>, asked_upgrade: bool, host: &str) -> Result<(), Error> {
    match refused(resp.status(), resp.headers(), asked_upgrade) {
        None => Ok(()),
        Some(why) => {
            kill(resp.extensions());
            Err(Error::new(
                ErrorKind::BadResponse,
                format!("{host}: invalid response: {why}"),
            ))
        }
    }
}

/// Whether a request asks for a protocol switch.
pub fn asks_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(UPGRADE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_table() {
        /// (status, headers, the request asked for an upgrade, why refused)
        type Row = (
            u16,
            &'static [(&'static str, &'static str)],
            bool,
            Option<&'static str>,
        );
        let table: &[Row] = &[
            (200, &[("content-length", "5")], false, None),
            (200, &[("transfer-encoding", "chunked")], false, None),
            (
                200,
                &[("content-length", "1"), ("transfer-encoding", "chunked")],
                false,
                Some("both Content-Length and Transfer-Encoding"),
            ),
            (
                200,
                &[("content-length", "5"), ("content-length", "6")],
                false,
                Some("differing Content-Length values"),
            ),
            (
                200,
                &[("content-length", "5, 6")],
                false,
                Some("differing Content-Length values"),
            ),
            (
                200,
                &[("content-length", "5"), ("content-length", "5")],
                false,
                None,
            ),
            (200, &[("content-length", "5,5")], false, None),
            (
                101,
                &[("upgrade", "websocket")],
                false,
                Some("101 Switching Protocols without an Upgrade request"),
            ),
            (101, &[("upgrade", "websocket")], true, None),
            (204, &[], false, None),
        ];
        for (status, headers, asked, want) in table {
            let mut h = HeaderMap::new();
            for (k, v) in *headers {
                h.append(
                    hyper::header::HeaderName::from_static(k),
                    hyper::header::HeaderValue::from_static(v),
                );
            }
            let s = StatusCode::from_u16(*status).unwrap_or(StatusCode::OK);
            assert_eq!(refused(s, &h, *asked), *want, "{status} {headers:?}");
        }
    }
}
