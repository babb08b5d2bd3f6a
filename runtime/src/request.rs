//! Building the request a backend receives (research/krakend-semantics.md
//! §c.8): the URL from the compiled `url_pattern` pieces, the header and
//! query allowlists, `X-Forwarded-*`, `User-Agent`.
//!
//! Safety invariant: a value that came from the client (a path parameter,
//! the wildcard remainder) or from a backend (`{respN_x}`) is always
//! percent-encoded for the place it lands in. In a path segment `/`, `?`,
//! `#`, `%`, `;`, `\`, CR/LF, spaces and every non-ASCII byte are escaped, and a value
//! of exactly `.` or `..` has its dots escaped, so no value can change the
//! backend path, start a query or a fragment, or split a header line.

use crate::value::{Map, Value};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::client_ip::ClientIp;
use crate::spec::{Backend, Endpoint, Forward, UrlPiece};

/// Bytes escaped in a path segment: everything but RFC 3986 unreserved
/// characters, sub-delims and `:`/`@` (pchar). `/`, `?`, `#`, `%` and
/// controls are escaped, and so are `;` (Tomcat, Jetty and Spring end a
/// segment at it, so `..;` would climb a directory there) and `\` (a
/// separator for IIS and some Java stacks), though RFC 3986 allows `;`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Bytes escaped in a query value: as a segment (`;` included), plus `&`,
/// `=` and `+` (they would split or alter the query); `/` and `?` are
/// allowed in a query but escaped anyway for simplicity.
const QUERY_VALUE: &AsciiSet = &SEGMENT.add(b'&').add(b'=').add(b'+');

/// The request's trace (`telemetry/opentelemetry`'s OTLP traces), when it
/// is traced.
#[cfg(feature = "otlp")]
pub type Trace<'a> = Option<&'a crate::telemetry::opentelemetry::trace::ServerTrace>;
/// The request's trace: never, without the `otlp` feature.
#[cfg(not(feature = "otlp"))]
pub type Trace<'a> = Option<&'a std::convert::Infallible>;

/// One backend call's trace context (its client span), when traced.
#[cfg(feature = "otlp")]
pub type CallTrace = Option<crate::telemetry::opentelemetry::trace::TraceParent>;
/// One backend call's trace context: never, without the `otlp` feature.
#[cfg(not(feature = "otlp"))]
pub type CallTrace = Option<std::convert::Infallible>;

/// What the runtime knows about the inbound request, borrowed for the time
/// the backend requests are built.
#[derive(Debug)]
pub struct Inbound<'a> {
    /// The request's path, as the client sent it (`req_path` of an
    /// endpoint's `validation/cel`).
    pub path: &'a str,
    /// Decoded path parameter values (index = `Endpoint::params` index).
    pub params: &'a [String],
    /// The `/*` remainder, raw (as the client sent it).
    pub wildcard: Option<&'a str>,
    /// The raw query string (without `?`).
    pub query: Option<&'a str>,
    /// The client's headers.
    pub headers: &'a HeaderMap,
    /// The client's address (gin's `ClientIP()`): the `X-Forwarded-For`
    /// the backends receive.
    pub client_ip: &'a ClientIp,
    /// The `Host` the client asked for (`X-Forwarded-Host`).
    pub host: Option<&'a str>,
    /// The claims of the token `auth/validator` accepted (`{JWT.x}`).
    pub jwt: Option<&'a crate::security::jwt::Claims>,
    /// The request's trace ([S1]), when traced.
    pub trace: Trace<'a>,
    /// The backend call's own span, set around each call: its
    /// `traceparent` goes to the backend.
    pub call: CallTrace,
}

/// Appends one path segment value, escaped.
pub fn push_segment(out: &mut String, value: &str) {
    if value == "." || value == ".." {
        // Percent-encoded dots are still dot-segments for some servers
        // (RFC 3986 §2.3 says they are equivalent), but no normaliser
        // collapses `%2E%2E` *and* keeps it a segment: they either treat it
        // as data or reject it. Encoding removes the plain-text traversal.
        for _ in 0..value.len() {
            out.push_str("%2E");
        }
        return;
    }
    out.extend(utf8_percent_encode(value, SEGMENT));
}

/// Appends one query value, escaped.
fn push_query_value(out: &mut String, value: &str) {
    out.extend(utf8_percent_encode(value, QUERY_VALUE));
}

/// Renders a response value the way lura fills `{respN_x}`: strings raw,
/// numbers as written, `null` as `<nil>`, arrays comma-joined.
pub fn response_value_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n.as_str()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                response_value_text(item, out);
            }
        }
        Value::Object(_) => out.push_str(&v.to_string()),
    }
}

/// Looks up a dot path in a backend's (processed) response.
pub fn lookup<'v>(data: &'v Map, path: &[&str]) -> Option<&'v Value> {
    let (last, init) = path.split_last()?;
    let mut cur = data;
    for k in init {
        cur = cur.get(*k)?.as_object()?;
    }
    cur.get(*last)
}

/// Appends the backend path and query (everything after the host) to `out`.
///
/// `prev` holds the processed data of earlier backends (sequential
/// endpoints); a `{respN_x}` whose value is missing becomes empty.
pub fn build_path_and_query(
    out: &mut String,
    base_path: &str,
    ep: &Endpoint,
    b: &Backend,
    inb: &Inbound<'_>,
    prev: &[Option<Map>],
) {
    out.push_str(base_path);
    // Once a literal has started the query, values are query-encoded.
    let mut in_query = false;
    let mut scratch = String::new();
    for piece in b.url {
        match piece {
            UrlPiece::Literal(s) => {
                out.push_str(s);
                in_query |= s.contains('?');
            }
            UrlPiece::Param(i) => {
                let v = inb.params.get(usize::from(*i)).map_or("", String::as_str);
                if in_query {
                    push_query_value(out, v);
                } else {
                    push_segment(out, v);
                }
            }
            UrlPiece::Response { backend, path } => {
                scratch.clear();
                if let Some(Some(data)) = prev.get(usize::from(*backend))
                    && let Some(v) = lookup(data, path)
                {
                    response_value_text(v, &mut scratch);
                }
                if in_query {
                    push_query_value(out, &scratch);
                } else {
                    push_segment(out, &scratch);
                }
            }
            UrlPiece::Jwt(name) => {
                scratch.clear();
                match inb.jwt.and_then(|c| c.get(*name)) {
                    Some(v) => crate::security::jwt::claim_text(v, &mut scratch),
                    None => {
                        scratch.push_str("{{.JWT.");
                        scratch.push_str(name);
                        scratch.push_str("}}");
                    }
                }
                if in_query {
                    push_query_value(out, &scratch);
                } else {
                    push_segment(out, &scratch);
                }
            }
            UrlPiece::Wildcard => {
                if let Some(rest) = inb.wildcard {
                    for (i, seg) in rest.split('/').enumerate() {
                        if i > 0 {
                            out.push('/');
                        }
                        // The remainder is raw: decode each segment once, then
                        // encode it again, so `%2F` stays inside its segment.
                        let decoded = percent_encoding::percent_decode_str(seg).decode_utf8_lossy();
                        push_segment(out, &decoded);
                    }
                }
            }
        }
    }
    append_query(
        out,
        b.url_has_query,
        ep.input_query_strings,
        b.input_query_strings,
        inb.query,
    );
}

/// Whether a query key passes the endpoint and backend allowlists.
fn query_key_allowed(key: &str, ep: Forward, backend: Option<&[&str]>) -> bool {
    let ep_ok = match ep {
        Forward::Default => false,
        Forward::All => true,
        Forward::Only(list) => list.contains(&key) || list.contains(&"*"),
    };
    ep_ok && backend.is_none_or(|l| l.contains(&key) || l.contains(&"*"))
}

/// Appends the allowed client query parameters, after `&` when the pattern
/// already has a query, else after `?`. Pairs keep the client's order and
/// raw encoding.
pub fn append_query(
    out: &mut String,
    has_query: bool,
    ep: Forward,
    backend: Option<&[&str]>,
    query: Option<&str>,
) {
    let Some(q) = query else { return };
    if matches!(ep, Forward::Default) {
        return;
    }
    let mut first = !has_query;
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let raw_key = pair.split_once('=').map_or(pair, |(k, _)| k);
        let key = if raw_key.contains(['%', '+']) {
            let k = raw_key.replace('+', " ");
            percent_encoding::percent_decode_str(&k)
                .decode_utf8_lossy()
                .into_owned()
        } else {
            raw_key.to_owned()
        };
        if !query_key_allowed(&key, ep, backend) {
            continue;
        }
        out.push(if first { '?' } else { '&' });
        first = false;
        out.push_str(pair);
    }
}

/// Hop-by-hop headers (RFC 9110 §7.6.1) and headers the client library
/// sets itself: never copied from one side to the other.
pub fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

/// Whether `name` is in a canonical-name allowlist (case-insensitive).
fn listed(list: &[&str], name: &HeaderName) -> bool {
    list.iter()
        .any(|l| *l == "*" || l.eq_ignore_ascii_case(name.as_str()))
}

/// The headers a backend receives.
pub fn build_headers(
    ep: &Endpoint,
    b: &Backend,
    inb: &Inbound<'_>,
    user_agent: &'static str,
    add_gzip: bool,
) -> HeaderMap {
    let mut h = HeaderMap::with_capacity(8);
    match ep.input_headers {
        Forward::Default => {
            for v in inb.headers.get_all(header::CONTENT_TYPE) {
                h.append(header::CONTENT_TYPE, v.clone());
            }
        }
        Forward::All => {
            for (k, v) in inb.headers {
                if !is_hop_by_hop(k) {
                    h.append(k.clone(), v.clone());
                }
            }
        }
        Forward::Only(list) => {
            for (k, v) in inb.headers {
                if !is_hop_by_hop(k) && listed(list, k) {
                    h.append(k.clone(), v.clone());
                }
            }
        }
    }
    if let Ok(v) = HeaderValue::from_str(inb.client_ip.as_str()) {
        h.insert(X_FORWARDED_FOR, v);
    }
    match inb.host.map(HeaderValue::from_str) {
        Some(Ok(v)) => {
            h.insert(X_FORWARDED_HOST, v);
        }
        _ => {
            h.insert(X_FORWARDED_HOST, HeaderValue::from_static(""));
        }
    }
    let ua = HeaderValue::from_static(user_agent);
    if h.contains_key(header::USER_AGENT) {
        h.insert(X_FORWARDED_VIA, ua);
    } else {
        h.insert(header::USER_AGENT, ua);
    }
    if let Some(list) = b.input_headers {
        // The backend list only narrows; it also strips the headers the
        // gateway added, unless listed (lura proxy/headers_filter.go).
        let names: Vec<HeaderName> = h.keys().cloned().collect();
        for name in names {
            if !listed(list, &name) {
                h.remove(&name);
            }
        }
    }
    if add_gzip && !h.contains_key(header::ACCEPT_ENCODING) {
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
    }
    // 18.: OTel's transport injects the call's context after every filter
    // (W3C trace context, the sampled flag as decided).
    #[cfg(feature = "otlp")]
    if let Some(call) = &inb.call {
        use crate::telemetry::opentelemetry::trace::{TRACEPARENT, TRACESTATE};
        h.insert(TRACEPARENT, call.header());
        match inb.trace.and_then(|t| t.tracestate.clone()) {
            Some(ts) => {
                h.insert(TRACESTATE, ts);
            }
            None => {
                h.remove(TRACESTATE);
            }
        }
    }
    h
}

/// `X-Forwarded-For`.
pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// `X-Forwarded-Host`.
pub const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
/// `X-Forwarded-Via`.
pub const X_FORWARDED_VIA: HeaderName = HeaderName::from_static("x-forwarded-via");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_escaping_table() {
        let table: &[(&str, &str)] = &[
            ("42", "42"),
            ("a/b", "a%2Fb"),
            ("../admin", "..%2Fadmin"),
            ("..", "%2E%2E"),
            (".", "%2E"),
            ("...", "..."),
            ("a?b#c", "a%3Fb%23c"),
            ("x\r\nSet-Cookie: 1", "x%0D%0ASet-Cookie:%201"),
            ("100%", "100%25"),
            ("café", "caf%C3%A9"),
            ("a,b", "a,b"),
            // Path delimiters of some backend stacks (Tomcat/Jetty/Spring
            // read `..;` as `..`; IIS reads `\` as `/`).
            ("..;", "..%3B"),
            ("a;jsessionid=1", "a%3Bjsessionid=1"),
            ("..\\admin", "..%5Cadmin"),
            ("", ""),
        ];
        for (v, want) in table {
            let mut out = String::new();
            push_segment(&mut out, v);
            assert_eq!(out, *want, "{v:?}");
        }
    }

    #[test]
    fn query_allowlist_table() {
        type Row = (
            Forward,
            Option<&'static [&'static str]>,
            bool,
            Option<&'static str>,
            &'static str,
        );
        let table: &[Row] = &[
            (Forward::Default, None, false, Some("a=1&b=2"), ""),
            (Forward::All, None, false, Some("a=1&b=2"), "?a=1&b=2"),
            (Forward::All, None, true, Some("a=1"), "&a=1"),
            (
                Forward::Only(&["b"]),
                None,
                false,
                Some("a=1&b=2&b=3"),
                "?b=2&b=3",
            ),
            (Forward::Only(&["B"]), None, false, Some("b=2"), ""),
            (Forward::All, Some(&["a"]), false, Some("a=1&b=2"), "?a=1"),
            (
                Forward::Only(&["a", "b"]),
                Some(&["b"]),
                false,
                Some("a=1&b=2"),
                "?b=2",
            ),
            (
                Forward::Only(&["a b"]),
                None,
                false,
                Some("a+b=1&a%20b=2"),
                "?a+b=1&a%20b=2",
            ),
            (Forward::All, None, false, None, ""),
        ];
        for (ep, be, has, q, want) in table {
            let mut out = String::new();
            append_query(&mut out, *has, *ep, *be, *q);
            assert_eq!(out, *want, "{ep:?} {be:?} {q:?}");
        }
    }

    #[test]
    fn response_values_like_lura() {
        let table: &[(&str, &str)] = &[
            (r#""x""#, "x"),
            ("42", "42"),
            // A json.Number prints as its text.
            ("1.10", "1.10"),
            ("1e2", "1e2"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("null", "<nil>"),
            ("true", "true"),
            ("[1,\"a\",2]", "1,a,2"),
            ("[]", ""),
        ];
        for (json, want) in table {
            let v = crate::value::from_slice(json.as_bytes()).expect("json");
            let mut out = String::new();
            response_value_text(&v, &mut out);
            assert_eq!(out, *want, "{json}");
        }
    }
}
