//! KrakenD's two introspection answers, as lura's gin router gives them
//! (`router/gin/debug.go`, `router/gin/echo.go`): `/__debug/*` with the
//! root's `debug_endpoint`, `/__echo/*` with `echo_endpoint`, for every
//! method gin's `Any` registers.
//!
//! - `/__debug/…` answers `{"message":"pong"}` (gin's `c.JSON`). CE reads
//!   the body to log it at DEBUG level; the gateway reads and drops it.
//! - `/__echo/…` answers the request as Go's server parsed it, in the
//!   field order of lura's `echoResponse`: `req_uri` (the request target
//!   as sent), `req_uri_details` (`fragment`, `host`, `path` decoded,
//!   `query` as `url.Values.Encode` rewrites it, `user`), `req_method`,
//!   `req_querystring` (`URL.Query()`), `req_body`, `req_headers` (Go's
//!   canonical names; `Host` and `Transfer-Encoding` are not there, as
//!   Go's server takes them out). Maps are written with sorted keys,
//!   strings as `encoding/json` escapes them (`<`, `>`, `&`, U+2028/9, and
//!   `\ufffd` for each byte that is not UTF-8): CE's bytes.
//!
//! Both run after the router's stages a–f (access log, parameter check,
//! `security/http`, the service bot detector) and nothing of an
//! endpoint's: no `X-KrakenD` headers, as in CE.
//!
//! Bounded: a body is read up to [`MAX_BODY`]. CE reads any body whole; a
//! larger one gets a 413 from `/__echo/` (README, run-time differences),
//! and `/__debug/` stops reading it.

use std::collections::BTreeMap;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode, Version};

use crate::body::GwBody;
use crate::encoding::JSON;

/// The most body bytes either answer reads.
pub const MAX_BODY: usize = 1 << 20;

/// A 200 with JSON text, as gin's `c.JSON` sends it.
fn json(text: String) -> Response<GwBody> {
    let mut r = Response::new(GwBody::full(text));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    r
}

/// `/__debug/…`: the body is read (up to [`MAX_BODY`]) and dropped.
pub async fn debug(body: Incoming) -> Response<GwBody> {
    let _ = read_body(body).await;
    json(r#"{"message":"pong"}"#.to_owned())
}

/// `/__echo/…`: the request, as lura's echo handler writes it.
pub async fn echo(parts: &Parts, body: Incoming) -> Response<GwBody> {
    let Some(body) = read_body(body).await else {
        let mut r = Response::new(GwBody::Empty);
        *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        return r;
    };
    json(echo_text(parts, &body))
}

/// The body, up to [`MAX_BODY`]; `None` when it is longer. A body that
/// breaks off is what arrived (CE ignores `io.ReadAll`'s error too).
async fn read_body(mut body: Incoming) -> Option<Bytes> {
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > MAX_BODY {
                return None;
            }
            out.extend_from_slice(&data);
        }
    }
    Some(Bytes::from(out))
}

/// The echo's JSON text.
pub fn echo_text(parts: &Parts, body: &[u8]) -> String {
    let uri = &parts.uri;
    // Go's `RequestURI`: the target as sent; HTTP/2's `:path`.
    let request_uri = if parts.version == Version::HTTP_2 || uri.scheme().is_none() {
        uri.path_and_query()
            .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
    } else {
        uri.to_string()
    };
    // Go's `r.Host`: an absolute target's host, else the `Host` header.
    let authority = uri.authority().map(|a| a.as_str());
    let (user, host) = match authority {
        Some(a) => match a.rsplit_once('@') {
            Some((user, host)) => (user.as_bytes(), host.as_bytes()),
            None => (&b""[..], a.as_bytes()),
        },
        None => (
            &b""[..],
            parts
                .headers
                .get(header::HOST)
                .map_or(&b""[..], HeaderValue::as_bytes),
        ),
    };
    let path: Vec<u8> = percent_encoding::percent_decode_str(uri.path()).collect();
    let query = parse_query(uri.query().unwrap_or_default());

    let mut out = String::with_capacity(256 + body.len());
    out.push_str("{\"req_uri\":");
    go_string(request_uri.as_bytes(), &mut out);
    out.push_str(",\"req_uri_details\":{\"fragment\":\"\",\"host\":");
    go_string(host, &mut out);
    out.push_str(",\"path\":");
    go_string(&path, &mut out);
    out.push_str(",\"query\":");
    go_string(encode_query(&query).as_bytes(), &mut out);
    out.push_str(",\"user\":");
    go_string(user, &mut out);
    out.push_str("},\"req_method\":");
    go_string(parts.method.as_str().as_bytes(), &mut out);
    out.push_str(",\"req_querystring\":");
    write_values(query.iter().map(|(k, v)| (k.as_slice(), v)), &mut out);
    out.push_str(",\"req_body\":");
    go_string(body, &mut out);
    out.push_str(",\"req_headers\":");
    write_values(
        request_headers(parts)
            .iter()
            .map(|(k, v)| (k.as_bytes(), v)),
        &mut out,
    );
    out.push('}');
    out
}

/// Go's `r.Header`: canonical names, values in order, without `Host`
/// and `Transfer-Encoding` (and `Content-Length` beside a
/// `Transfer-Encoding`), which Go's server takes out, and with the
/// `Cache-Control: no-cache` Go adds beside a `Pragma: no-cache`.
fn request_headers(parts: &Parts) -> BTreeMap<String, Vec<&[u8]>> {
    let chunked = parts.headers.contains_key(header::TRANSFER_ENCODING);
    let mut out: BTreeMap<String, Vec<&[u8]>> = BTreeMap::new();
    for (name, value) in &parts.headers {
        if name == header::HOST
            || name == header::TRANSFER_ENCODING
            || (chunked && name == header::CONTENT_LENGTH)
        {
            continue;
        }
        out.entry(canonical_name(name.as_str()))
            .or_default()
            .push(value.as_bytes());
    }
    // Go's `fixPragmaCacheControl`.
    if out.get("Pragma").and_then(|v| v.first()) == Some(&&b"no-cache"[..])
        && !out.contains_key("Cache-Control")
    {
        out.insert("Cache-Control".to_owned(), vec![b"no-cache"]);
    }
    out
}

/// Go's `CanonicalMIMEHeaderKey` of a valid (lower-case) name.
fn canonical_name(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// A `map[string][]string` as `encoding/json` writes it (keys sorted).
fn write_values<'a, V: AsRef<[u8]> + 'a>(
    entries: impl Iterator<Item = (&'a [u8], &'a Vec<V>)>,
    out: &mut String,
) {
    out.push('{');
    for (i, (k, values)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        go_string(k, out);
        out.push_str(":[");
        for (j, v) in values.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            go_string(v.as_ref(), out);
        }
        out.push(']');
    }
    out.push('}');
}

/// Go's `url.ParseQuery` (what `URL.Query()` keeps): pairs split on `&`,
/// a pair holding `;` or a bad escape skipped, `+` a space. Keys sort as
/// Go sorts strings (bytes).
pub fn parse_query(raw: &str) -> BTreeMap<Vec<u8>, Vec<Vec<u8>>> {
    let mut out: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = BTreeMap::new();
    for pair in raw.split('&') {
        if pair.is_empty() || pair.contains(';') {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (query_unescape(k), query_unescape(v)) else {
            continue;
        };
        out.entry(k).or_default().push(v);
    }
    out
}

/// Go's `QueryUnescape`: `%XX` and `+`; `None` for a bad escape.
fn query_unescape(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| char::from(c).to_digit(16);
                let hi = hex(*b.get(i + 1)?)?;
                let lo = hex(*b.get(i + 2)?)?;
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Go's `url.Values.Encode`: keys sorted, `QueryEscape`d pairs joined by `&`.
pub fn encode_query(q: &BTreeMap<Vec<u8>, Vec<Vec<u8>>>) -> String {
    let mut out = String::new();
    for (k, values) in q {
        for v in values {
            if !out.is_empty() {
                out.push('&');
            }
            query_escape(k, &mut out);
            out.push('=');
            query_escape(v, &mut out);
        }
    }
    out
}

/// Go's `QueryEscape`: unreserved bytes kept, a space as `+`, the rest `%XX`.
fn query_escape(s: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in s {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(c));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(c >> 4)]));
                out.push(char::from(HEX[usize::from(c & 0xf)]));
            }
        }
    }
}

/// A Go string (any bytes) as `encoding/json` writes it, HTML-safe: each
/// byte that does not start valid UTF-8 is `\ufffd`.
pub fn go_string(s: &[u8], out: &mut String) {
    out.push('"');
    let mut rest = s;
    while !rest.is_empty() {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(v) => (v, false),
            Err(e) => (
                std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or_default(),
                true,
            ),
        };
        escape_str(valid, out);
        rest = &rest[valid.len()..];
        if bad {
            // Go's `DecodeRune` gives up one byte at a time.
            out.push_str("\\ufffd");
            rest = &rest[1..];
        }
    }
    out.push('"');
}

fn escape_str(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 || c == '<' || c == '>' || c == '&' => {
                let b = c as u32 as u8;
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, target: &str, headers: &[(&str, &[u8])]) -> Parts {
        let mut b = hyper::Request::builder().method(method).uri(target);
        for (k, v) in headers {
            b = b.header(
                *k,
                HeaderValue::from_bytes(v).unwrap_or(HeaderValue::from_static("")),
            );
        }
        b.body(())
            .map(|r| r.into_parts().0)
            .unwrap_or_else(|_| hyper::Request::new(()).into_parts().0)
    }

    /// Expected texts written as Go's `json.Marshal(echoResponse)` writes
    /// them (worked out from lura's `echo.go` and Go's `net/url`).
    #[test]
    fn echo_table() {
        type Row<'a> = (
            &'a str,
            &'a str,
            &'a [(&'a str, &'a [u8])],
            &'a [u8],
            &'a str,
        );
        let table: &[Row] = &[
            (
                "GET",
                "/__echo/a?b=1",
                &[("host", b"gw.example"), ("x-forwarded-for", b"1.2.3.4")],
                b"",
                r#"{"req_uri":"/__echo/a?b=1","req_uri_details":{"fragment":"","host":"gw.example","path":"/__echo/a","query":"b=1","user":""},"req_method":"GET","req_querystring":{"b":["1"]},"req_body":"","req_headers":{"X-Forwarded-For":["1.2.3.4"]}}"#,
            ),
            // Query: sorted, decoded then re-encoded; `;` pairs and bad
            // escapes dropped; repeated keys in order.
            (
                "POST",
                "/__echo/x%20y/%2F?z=2&a=%7e1&a=3&c=x+y&bad=%zz&s=1;2&&e",
                &[
                    ("host", b"h"),
                    ("content-type", b"application/json"),
                    ("x-b", b"2"),
                    ("x-b", b"1"),
                    ("accept-encoding", b"gzip"),
                ],
                br#"{"k":"<v>&"}"#,
                r#"{"req_uri":"/__echo/x%20y/%2F?z=2\u0026a=%7e1\u0026a=3\u0026c=x+y\u0026bad=%zz\u0026s=1;2\u0026\u0026e","req_uri_details":{"fragment":"","host":"h","path":"/__echo/x y//","query":"a=~1\u0026a=3\u0026c=x+y\u0026e=\u0026z=2","user":""},"req_method":"POST","req_querystring":{"a":["~1","3"],"c":["x y"],"e":[""],"z":["2"]},"req_body":"{\"k\":\"\u003cv\u003e\u0026\"}","req_headers":{"Accept-Encoding":["gzip"],"Content-Type":["application/json"],"X-B":["2","1"]}}"#,
            ),
            // Not UTF-8: one `\ufffd` a byte; controls escaped.
            (
                "PUT",
                "/__echo/",
                &[
                    ("x-raw", b"a\xff\xfeb"),
                    ("transfer-encoding", b"chunked"),
                    ("content-length", b"3"),
                ],
                b"\xe2\x82\n\x01\xe2\x82\xac",
                r#"{"req_uri":"/__echo/","req_uri_details":{"fragment":"","host":"","path":"/__echo/","query":"","user":""},"req_method":"PUT","req_querystring":{},"req_body":"\ufffd\ufffd\n\u0001€","req_headers":{"X-Raw":["a\ufffd\ufffdb"]}}"#,
            ),
            // `Pragma: no-cache` brings a `Cache-Control` (Go's
            // `fixPragmaCacheControl`); `Connection` stays.
            (
                "GET",
                "/__echo/",
                &[("pragma", b"no-cache"), ("connection", b"close")],
                b"",
                r#"{"req_uri":"/__echo/","req_uri_details":{"fragment":"","host":"","path":"/__echo/","query":"","user":""},"req_method":"GET","req_querystring":{},"req_body":"","req_headers":{"Cache-Control":["no-cache"],"Connection":["close"],"Pragma":["no-cache"]}}"#,
            ),
            // An absolute target: its host is Go's `r.Host`.
            (
                "GET",
                "http://other.example:81/__echo/q?x=%C3%A9",
                &[("host", b"h")],
                b"",
                r#"{"req_uri":"http://other.example:81/__echo/q?x=%C3%A9","req_uri_details":{"fragment":"","host":"other.example:81","path":"/__echo/q","query":"x=%C3%A9","user":""},"req_method":"GET","req_querystring":{"x":["é"]},"req_body":"","req_headers":{}}"#,
            ),
        ];
        for (method, target, headers, body, want) in table {
            let p = parts(method, target, headers);
            assert_eq!(echo_text(&p, body), *want, "{method} {target}");
        }
    }

    #[test]
    fn go_strings() {
        let table: &[(&[u8], &str)] = &[
            (b"plain", r#""plain""#),
            (b"\"\\/", r#""\"\\/""#),
            (b"\x08\x0c\x7f", "\"\\b\\f\x7f\""),
            ("\u{2028}\u{fffd}".as_bytes(), "\"\\u2028\u{fffd}\""),
            (b"\xed\xa0\x80", r#""\ufffd\ufffd\ufffd""#),
            (b"\xc0\x80x", r#""\ufffd\ufffdx""#),
        ];
        for (input, want) in table {
            let mut out = String::new();
            go_string(input, &mut out);
            assert_eq!(out, *want, "{input:?}");
        }
    }
}
