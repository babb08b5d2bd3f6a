//! `security/http` (krakend-components §15): KrakenD CE's
//! `krakend-httpsecure` v2.2.1, a gin middleware over `unrolled/secure`
//! v1.15.0. Stage d of the handler: every route but the health path and
//! router redirects, before the bot detector, and on 404/405 too.
//!
//! Per request, in unrolled's order (`secure.go`, `processRequest`):
//! 1. the host is the request's (the absolute URI's authority, else the
//!    `Host` header), or the first non-empty `host_proxy_headers` header;
//! 2. with `allowed_hosts`, a host that is not listed gets `500 Bad Host`
//!    (Go's `http.Error`: `text/plain; charset=utf-8`, `nosniff`, the text
//!    and a newline) and nothing else runs. Entries are compared with Go's
//!    `strings.EqualFold`, or, with `allowed_hosts_are_regex`, each is
//!    `^entry$` as unrolled compiles it (a top-level `|` binds looser than
//!    the anchors, so `a|b` is `^a` or `b$`; lint GW623);
//! 3. the request is HTTPS when an HTTP/1 request line names an `https`
//!    URI, or a `ssl_proxy_headers` header's first value equals its value
//!    exactly (Go's `Header.Get`: an absent header reads as ""). gwc serves
//!    plain HTTP only, so there is no TLS connection to count;
//! 4. `ssl_redirect` on a plain request: `301` to `https://` + the host
//!    (or `ssl_host`) + the path and query, with Go's `http.Redirect`
//!    body on GET;
//! 5. otherwise the request goes on, and the answer, whatever it is, gets
//!    the headers: `Strict-Transport-Security` only on HTTPS requests
//!    (or always with `force_sts_header`), the others always.
//!
//! The compiler did the rest: `is_development` already removed the host
//! check, the redirect and HSTS; header values are Go's wire form; the
//! frame value is `custom_frame_options_value` or `DENY`.

use bytes::Bytes;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode, Version};

use crate::body::GwBody;

/// `security/http`, as the compiler resolved it.
#[derive(Debug)]
pub struct HttpSecurity {
    /// `allowed_hosts` (empty, or `is_development`: any host).
    pub allowed_hosts: AllowedHosts,
    /// `host_proxy_headers`, lower-case.
    pub host_proxy_headers: &'static [&'static str],
    /// `ssl_redirect` (false with `is_development`).
    pub ssl_redirect: bool,
    /// `ssl_host`: the redirect's host instead of the request's.
    pub ssl_host: Option<&'static str>,
    /// `ssl_proxy_headers`: (lower-case name, exact value) pairs.
    pub ssl_proxy_headers: &'static [(&'static str, &'static str)],
    /// The `Strict-Transport-Security` value (`max-age=N` and
    /// `; includeSubDomains`), when `sts_seconds` is not 0.
    pub sts: Option<&'static str>,
    /// `force_sts_header`: HSTS on plain requests too.
    pub force_sts_header: bool,
    /// The headers every answer gets: (lower-case name, value).
    pub headers: &'static [(&'static str, &'static str)],
    /// A `content_security_policy` holding `$NONCE`, split around it: each
    /// answer gets the pieces joined by a fresh `'nonce-…'`. Empty
    /// otherwise (a plain policy is in `headers`).
    pub nonce_policy: &'static [&'static str],
}

/// `allowed_hosts` with `allowed_hosts_are_regex`.
#[derive(Clone, Copy, Debug)]
pub enum AllowedHosts {
    /// No check.
    Any,
    /// Hosts compared ignoring case (Go's `strings.EqualFold`), written
    /// ASCII-lower-case.
    Exact(&'static [&'static str]),
    /// Anchored regular expressions (`^entry$`).
    Patterns(&'static [&'static str]),
}

/// Go's `http.Error` text for a host that is not allowed, with the newline
/// `fmt.Fprintln` adds.
const BAD_HOST: &[u8] = b"Bad Host\n";

/// The stage, ready: names and values parsed, patterns compiled.
pub struct Secure {
    spec: &'static HttpSecurity,
    hosts: Hosts,
    host_headers: Box<[HeaderName]>,
    /// `None`: a name no request can carry, which reads as "".
    ssl_headers: Box<[(Option<HeaderName>, &'static [u8])]>,
    headers: Box<[(HeaderName, HeaderValue)]>,
    sts: Option<HeaderValue>,
    random: &'static dyn rustls::crypto::SecureRandom,
}

enum Hosts {
    Any,
    Exact(&'static [&'static str]),
    #[cfg(feature = "security-http")]
    Patterns(regex::RegexSet),
}

impl std::fmt::Debug for Secure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secure").field("spec", &self.spec).finish()
    }
}

/// What the stage decided for a request that goes on: whether it counts as
/// HTTPS (for HSTS).
#[derive(Debug)]
pub struct Pass<'a> {
    secure: &'a Secure,
    ssl: bool,
}

/// A request the stage answered itself (boxed: rejections are rare, and
/// the `Ok` side stays small).
#[derive(Debug)]
pub struct Rejected {
    /// CE's answer.
    pub response: Box<Response<GwBody>>,
    /// The metrics label (`bad_host`, `ssl_redirect`).
    pub label: &'static str,
}

/// A header name a client can send: Go's server reads `Host` into
/// `Request.Host`, so `Header.Get("Host")` is always "" there.
fn request_header(name: &str) -> Option<HeaderName> {
    HeaderName::from_bytes(name.as_bytes())
        .ok()
        .filter(|n| *n != header::HOST)
}

impl Secure {
    /// Parses the names and values and compiles the patterns. Fails on
    /// what the compiler never emits (an invalid header value, a pattern
    /// that does not compile) and on patterns without the `security-http`
    /// feature: a gateway never runs with a check it cannot make.
    pub fn new(spec: &'static HttpSecurity) -> Result<Secure, String> {
        // Parsed once (a clone per answer is a reference count); bytes
        // over 0x7F are allowed, as Go writes them.
        let value = |what: &str, v: &'static str| {
            HeaderValue::from_str(v)
                .map_err(|_| format!("security/http: invalid {what} value {v:?}"))
        };
        let hosts = match spec.allowed_hosts {
            AllowedHosts::Any => Hosts::Any,
            AllowedHosts::Exact([]) => Hosts::Any,
            AllowedHosts::Exact(l) => Hosts::Exact(l),
            AllowedHosts::Patterns(p) => patterns(p)?,
        };
        let mut headers = Vec::with_capacity(spec.headers.len());
        for (name, v) in spec.headers {
            let value = value(name, v)?;
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("security/http: invalid header name {name:?}"))?;
            headers.push((name, value));
        }
        Ok(Secure {
            spec,
            hosts,
            host_headers: spec
                .host_proxy_headers
                .iter()
                .filter_map(|n| request_header(n))
                .collect(),
            ssl_headers: spec
                .ssl_proxy_headers
                .iter()
                .map(|(n, v)| (request_header(n), v.as_bytes()))
                .collect(),
            headers: headers.into_boxed_slice(),
            sts: spec
                .sts
                .map(|v| value("Strict-Transport-Security", v))
                .transpose()?,
            random: rustls::crypto::ring::default_provider().secure_random,
        })
    }

    /// Runs the checks: `Ok` when the request goes on (apply the headers
    /// to its answer with [`Pass::apply`]), else CE's answer (`500 Bad
    /// Host` or the redirect) and its metrics label.
    pub fn check(&self, req: &Parts) -> Result<Pass<'_>, Rejected> {
        let mut host = own_host(req);
        for name in &self.host_headers {
            if let Some(v) = req.headers.get(name).filter(|v| !v.is_empty()) {
                host = v.as_bytes();
                break;
            }
        }
        if !self.allowed(host) {
            let mut r = answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                Bytes::from_static(BAD_HOST),
            );
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            return Err(Rejected {
                response: Box::new(r),
                label: "bad_host",
            });
        }
        let ssl = self.is_ssl(req);
        if self.spec.ssl_redirect && !ssl {
            let host = self.spec.ssl_host.map_or(host, str::as_bytes);
            return Err(Rejected {
                response: Box::new(redirect(req, host)),
                label: "ssl_redirect",
            });
        }
        Ok(Pass { secure: self, ssl })
    }

    fn allowed(&self, host: &[u8]) -> bool {
        match &self.hosts {
            Hosts::Any => true,
            Hosts::Exact(list) => list.iter().any(|h| equal_fold(h.as_bytes(), host)),
            #[cfg(feature = "security-http")]
            Hosts::Patterns(set) => set.is_match(&String::from_utf8_lossy(host)),
        }
    }

    /// unrolled's `isSSL`: an `https` request URI (Go parses a scheme only
    /// from an HTTP/1 absolute-form target; HTTP/2 requests have none), or
    /// a proxy header holding its value.
    fn is_ssl(&self, req: &Parts) -> bool {
        let https_uri = req.version < Version::HTTP_2
            && req
                .uri
                .scheme_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("https"));
        https_uri
            || self.ssl_headers.iter().any(|(name, want)| {
                let have = name
                    .as_ref()
                    .and_then(|n| req.headers.get(n))
                    .map_or(&b""[..], HeaderValue::as_bytes);
                have == *want
            })
    }
}

#[cfg(feature = "security-http")]
fn patterns(p: &'static [&'static str]) -> Result<Hosts, String> {
    regex::RegexSet::new(p)
        .map(Hosts::Patterns)
        .map_err(|e| format!("security/http: allowed_hosts: {e}"))
}

#[cfg(not(feature = "security-http"))]
fn patterns(_: &'static [&'static str]) -> Result<Hosts, String> {
    Err("security/http: allowed_hosts_are_regex needs the gw-runtime feature `security-http`, which this gateway was built without".into())
}

impl Pass<'_> {
    /// Adds the headers to an answer. A header the answer already has (a
    /// no-op backend's, which lura copies with `Header.Add` after the
    /// middleware set its own) keeps its values after CE's.
    pub fn apply(&self, h: &mut HeaderMap) {
        let s = self.secure;
        if let Some(sts) = &s.sts
            && (self.ssl || s.spec.force_sts_header)
        {
            put_first(h, &header::STRICT_TRANSPORT_SECURITY, sts.clone());
        }
        for (name, value) in &s.headers {
            put_first(h, name, value.clone());
        }
        if !s.spec.nonce_policy.is_empty() {
            let nonce = nonce(s.random);
            let policy = s.spec.nonce_policy.join(&format!("'nonce-{nonce}'"));
            if let Ok(v) = HeaderValue::try_from(policy) {
                put_first(h, &header::CONTENT_SECURITY_POLICY, v);
            }
        }
    }
}

fn put_first(h: &mut HeaderMap, name: &HeaderName, value: HeaderValue) {
    match h.entry(name) {
        header::Entry::Vacant(e) => {
            e.insert(value);
        }
        header::Entry::Occupied(mut e) => {
            let later: Vec<HeaderValue> = e.iter().cloned().collect();
            e.insert(value);
            for v in later {
                e.append(v);
            }
        }
    }
}

/// unrolled's nonce: 16 random bytes, base64 without padding (Go's
/// `RawStdEncoding`), from a cryptographic source.
fn nonce(random: &dyn rustls::crypto::SecureRandom) -> String {
    let mut bytes = [0u8; 16];
    if random.fill(&mut bytes).is_err() {
        // ring reads the OS generator; unrolled panics here. A request
        // must not take the gateway down: fall back to a weaker source.
        bytes = fastrand::u128(..).to_le_bytes();
    }
    base64_raw(&bytes)
}

fn base64_raw(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Go's `Request.Host`: the absolute-form target's host (without user
/// information), else the `Host` header.
fn own_host(req: &Parts) -> &[u8] {
    match req.uri.authority() {
        Some(a) => {
            let a = a.as_str();
            a.rsplit_once('@').map_or(a, |(_, h)| h).as_bytes()
        }
        None => req
            .headers
            .get(header::HOST)
            .map_or(&b""[..], HeaderValue::as_bytes),
    }
}

fn answer(status: StatusCode, body: Bytes) -> Response<GwBody> {
    let mut r = Response::new(GwBody::full(body));
    *r.status_mut() = status;
    r
}

/// unrolled's redirect: the request URL with scheme `https` and the host,
/// through Go's `http.Redirect` (Location with non-ASCII bytes escaped; a
/// short HTML body on GET, its `Content-Type` on GET and HEAD).
fn redirect(req: &Parts, host: &[u8]) -> Response<GwBody> {
    let mut url = b"https://".to_vec();
    url.extend_from_slice(host);
    let path = req.uri.path();
    if !path.starts_with('/') {
        url.push(b'/');
    }
    url.extend_from_slice(&go_escaped_path(path));
    if let Some(q) = req.uri.query() {
        url.push(b'?');
        url.extend_from_slice(q.as_bytes());
    }
    let get = req.method == hyper::Method::GET;
    let body = if get {
        let mut b = b"<a href=\"".to_vec();
        html_escape(&url, &mut b);
        b.extend_from_slice(b"\">Moved Permanently</a>.\n\n");
        Bytes::from(b)
    } else {
        Bytes::new()
    };
    let mut r = answer(StatusCode::MOVED_PERMANENTLY, body);
    if let Ok(v) = HeaderValue::from_bytes(&hex_escape_non_ascii(&url)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    if get || req.method == hyper::Method::HEAD {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    r
}

/// Go's `strings.EqualFold` on bytes read as UTF-8 (an invalid byte is one
/// U+FFFD, as Go decodes it): ASCII letters fold directly, other letters
/// by Unicode simple case folding ([`fold`]).
pub fn equal_fold(a: &[u8], b: &[u8]) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    let mut a = go_chars(a);
    let mut b = go_chars(b);
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y || fold(x) == fold(y) => {}
            _ => return false,
        }
    }
}

/// A representative of `c`'s simple case-folding orbit (the set Go's
/// `unicode.SimpleFold` cycles through): the lower case of its upper case,
/// when both are single characters (`ſ`, `s`, `S` → `s`; `K` (Kelvin),
/// `K`, `k` → `k`; `ς`, `σ`, `Σ` → `σ`).
pub fn fold(c: char) -> char {
    // The dotless ı upper-cases to I, but Unicode's case folding keeps
    // them apart (a Turkic-only mapping), and so does Go.
    if c == '\u{131}' {
        return c;
    }
    let upper = single(c.to_uppercase()).unwrap_or(c);
    single(upper.to_lowercase())
        .or_else(|| single(c.to_lowercase()))
        .unwrap_or(c)
}

/// The one character of a case mapping, `None` when it maps to several.
fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

fn go_chars(bytes: &[u8]) -> impl Iterator<Item = char> + '_ {
    bytes.utf8_chunks().flat_map(|chunk| {
        chunk
            .valid()
            .chars()
            .chain(std::iter::repeat_n('\u{FFFD}', chunk.invalid().len()))
    })
}

/// Go's `URL.EscapedPath` for a request target's path: the path as sent
/// when every byte is one Go accepts there, else the decoded path
/// re-escaped (`escape(unescape(raw), encodePath)`).
pub fn go_escaped_path(raw: &str) -> std::borrow::Cow<'_, [u8]> {
    let valid = |c: u8| c.is_ascii_alphanumeric() || b"-_.~!$&'()*+,;=:@[]/%".contains(&c);
    if raw.bytes().all(valid) {
        return raw.as_bytes().into();
    }
    let Some(decoded) = unescape(raw.as_bytes()) else {
        return raw.as_bytes().into();
    };
    let mut out = Vec::with_capacity(decoded.len() + 8);
    for c in decoded {
        if c.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&c) {
            out.push(c);
        } else {
            out.extend_from_slice(format!("%{c:02X}").as_bytes());
        }
    }
    out.into()
}

fn unescape(s: &[u8]) -> Option<Vec<u8>> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let (h, l) = (hex(*s.get(i + 1)?)?, hex(*s.get(i + 2)?)?);
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Go's `hexEscapeNonASCII`: each byte ≥ 0x80 as `%` and its lower-case hex.
fn hex_escape_non_ascii(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if c < 0x80 {
            out.push(c);
        } else {
            out.extend_from_slice(format!("%{c:x}").as_bytes());
        }
    }
    out
}

/// Go's `htmlEscape` (`&`, `<`, `>`, `"`, `'`).
fn html_escape(s: &[u8], out: &mut Vec<u8>) {
    for &c in s {
        match c {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&#34;"),
            b'\'' => out.extend_from_slice(b"&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: HttpSecurity = HttpSecurity {
        allowed_hosts: AllowedHosts::Exact(&["api.example.com", "ünï.example"]),
        host_proxy_headers: &["x-forwarded-host", "host"],
        ssl_redirect: true,
        ssl_host: None,
        ssl_proxy_headers: &[("x-forwarded-proto", "https")],
        sts: Some("max-age=300; includeSubDomains"),
        force_sts_header: false,
        headers: &[
            ("x-frame-options", "DENY"),
            ("x-content-type-options", "nosniff"),
            ("x-xss-protection", "1; mode=block"),
            ("content-security-policy", "default-src 'self'"),
            ("referrer-policy", "same-origin"),
        ],
        nonce_policy: &[],
    };

    /// Headers only: no host check, no redirect.
    const OPEN: HttpSecurity = HttpSecurity {
        allowed_hosts: AllowedHosts::Any,
        host_proxy_headers: &[],
        ssl_redirect: false,
        ssl_host: None,
        ssl_proxy_headers: &[("x-forwarded-proto", "https"), ("bad name", "")],
        sts: Some("max-age=60"),
        force_sts_header: false,
        headers: &[
            ("x-frame-options", "SAMEORIGIN"),
            ("referrer-policy", "strict-origin · é"),
        ],
        nonce_policy: &["script-src ", " 'self'; style-src ", ""],
    };

    const SSL_HOST: HttpSecurity = HttpSecurity {
        allowed_hosts: AllowedHosts::Any,
        ssl_redirect: true,
        ssl_host: Some("secure.example.com"),
        ssl_proxy_headers: &[],
        sts: Some("max-age=60"),
        force_sts_header: true,
        headers: &[],
        nonce_policy: &[],
        host_proxy_headers: &[],
    };

    #[cfg(feature = "security-http")]
    const PATTERNS: HttpSecurity = HttpSecurity {
        allowed_hosts: AllowedHosts::Patterns(&[r"^api\.example\.com$", r"^a\.test|b\.test$"]),
        ..SSL_HOST_OFF
    };

    #[cfg(feature = "security-http")]
    const SSL_HOST_OFF: HttpSecurity = HttpSecurity {
        ssl_redirect: false,
        ..SSL_HOST
    };

    fn parts(method: &str, target: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = hyper::Request::builder().method(method).uri(target);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).expect("request").into_parts().0
    }

    async fn body(r: Response<GwBody>) -> Vec<u8> {
        use http_body_util::BodyExt as _;
        r.into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec()
    }

    /// What the stage does: `Ok(headers added to an empty answer)` or
    /// `Err((status, Location, label))`.
    type Outcome = Result<Vec<(String, String)>, (u16, Option<String>, &'static str)>;

    fn run(s: &Secure, p: &Parts) -> Outcome {
        match s.check(p) {
            Ok(pass) => {
                let mut h = HeaderMap::new();
                pass.apply(&mut h);
                Ok(h.iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().expect("ascii").to_string()))
                    .collect())
            }
            Err(Rejected { response: r, label }) => Err((
                r.status().as_u16(),
                r.headers()
                    .get(header::LOCATION)
                    .map(|v| v.to_str().expect("ascii").to_string()),
                label,
            )),
        }
    }

    fn headers_of(list: &[(&str, &str)]) -> Outcome {
        Ok(list
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    #[test]
    fn stage_table() {
        let full = Secure::new(&FULL).expect("stage");
        let ssl_host = Secure::new(&SSL_HOST).expect("stage");
        let all = |sts: bool| {
            let mut l = Vec::new();
            if sts {
                l.push((
                    "strict-transport-security",
                    "max-age=300; includeSubDomains",
                ));
            }
            l.extend(FULL.headers.iter().copied());
            headers_of(&l)
        };
        let https = ("X-Forwarded-Proto", "https");
        let moved = |loc: &str| Err((301, Some(loc.to_string()), "ssl_redirect"));
        let bad_host = Err((500, None, "bad_host"));
        let table: Vec<(&Secure, Parts, Outcome)> = vec![
            // Allowed hosts, case-insensitively; HTTPS through the proxy header.
            (
                &full,
                parts("GET", "/a", &[("Host", "api.example.com"), https]),
                all(true),
            ),
            (
                &full,
                parts("GET", "/a", &[("Host", "API.Example.COM"), https]),
                all(true),
            ),
            (
                &full,
                parts("GET", "/a", &[("Host", "ÜNÏ.example"), https]),
                all(true),
            ),
            // A port is part of the host.
            (
                &full,
                parts("GET", "/a", &[("Host", "api.example.com:8080"), https]),
                bad_host.clone(),
            ),
            (
                &full,
                parts("GET", "/a", &[("Host", "evil.example"), https]),
                bad_host.clone(),
            ),
            (&full, parts("GET", "/a", &[https]), bad_host.clone()),
            // The first non-empty proxy header wins over the request's host;
            // `Host` itself never counts as a proxy header (Go moves it out).
            (
                &full,
                parts(
                    "GET",
                    "/a",
                    &[
                        ("Host", "evil.example"),
                        ("X-Forwarded-Host", "api.example.com"),
                        https,
                    ],
                ),
                all(true),
            ),
            (
                &full,
                parts(
                    "GET",
                    "/a",
                    &[
                        ("Host", "api.example.com"),
                        ("X-Forwarded-Host", "evil.example"),
                        https,
                    ],
                ),
                bad_host.clone(),
            ),
            (
                &full,
                parts(
                    "GET",
                    "/a",
                    &[("Host", "api.example.com"), ("X-Forwarded-Host", ""), https],
                ),
                all(true),
            ),
            // The absolute-form target's authority is the host.
            (
                &full,
                parts(
                    "GET",
                    "http://api.example.com/a",
                    &[("Host", "evil.example"), https],
                ),
                all(true),
            ),
            (
                &full,
                parts(
                    "GET",
                    "http://evil.example/a",
                    &[("Host", "api.example.com"), https],
                ),
                bad_host.clone(),
            ),
            // The host check comes before the redirect.
            (
                &full,
                parts("GET", "/a", &[("Host", "evil.example")]),
                bad_host.clone(),
            ),
            // Plain requests are redirected to the same host, path and query.
            (
                &full,
                parts("GET", "/a/b?x=1&y", &[("Host", "api.example.com")]),
                moved("https://api.example.com/a/b?x=1&y"),
            ),
            (
                &full,
                parts("POST", "/a?", &[("Host", "API.example.com")]),
                moved("https://API.example.com/a?"),
            ),
            (
                &full,
                parts(
                    "GET",
                    "/a",
                    &[
                        ("Host", "api.example.com"),
                        ("X-Forwarded-Host", "api.example.com"),
                    ],
                ),
                moved("https://api.example.com/a"),
            ),
            // The proxy header's value is compared exactly.
            (
                &full,
                parts(
                    "GET",
                    "/a",
                    &[("Host", "api.example.com"), ("X-Forwarded-Proto", "HTTPS")],
                ),
                moved("https://api.example.com/a"),
            ),
            // An https absolute-form target is HTTPS.
            (
                &full,
                parts("GET", "https://api.example.com/a", &[]),
                all(true),
            ),
            // ssl_host replaces the host; force_sts_header sends HSTS on plain requests.
            (
                &ssl_host,
                parts("GET", "/p?q", &[("Host", "anything:8080")]),
                moved("https://secure.example.com/p?q"),
            ),
            (
                &ssl_host,
                parts("GET", "https://x/p", &[]),
                headers_of(&[("strict-transport-security", "max-age=60")]),
            ),
        ];
        for (i, (s, p, want)) in table.into_iter().enumerate() {
            assert_eq!(run(s, &p), want, "case {i}: {} {:?}", p.uri, p.headers);
        }
    }

    #[test]
    fn hsts_only_on_https_and_the_nonce_policy() {
        let open = Secure::new(&OPEN).expect("stage");
        // Plain: no HSTS; an unknown (unsendable) header name with "" reads
        // as absent, so it makes every request HTTPS, as in CE.
        let pass = open.check(&parts("GET", "/", &[])).expect("pass");
        assert!(pass.ssl);
        let https = open
            .check(&parts("GET", "/", &[("x-forwarded-proto", "https")]))
            .expect("pass");
        let mut h = HeaderMap::new();
        https.apply(&mut h);
        assert_eq!(
            h.get("strict-transport-security").expect("sts"),
            "max-age=60"
        );
        assert_eq!(h.get("x-frame-options").expect("frame"), "SAMEORIGIN");
        // Non-ASCII bytes are sent as they are, as Go writes them.
        assert_eq!(
            h.get("referrer-policy").expect("referrer").as_bytes(),
            "strict-origin · é".as_bytes()
        );
        let csp = h
            .get("content-security-policy")
            .expect("csp")
            .to_str()
            .expect("ascii");
        let nonce = csp
            .strip_prefix("script-src 'nonce-")
            .and_then(|r| r.split_once("' 'self'; style-src 'nonce-"))
            .map(|(a, b)| (a.to_string(), b.trim_end_matches('\'').to_string()))
            .expect("two nonces");
        assert_eq!(nonce.0, nonce.1, "one nonce per answer");
        assert_eq!(nonce.0.len(), 22, "16 bytes, base64 without padding");
        let mut again = HeaderMap::new();
        https.apply(&mut again);
        assert_ne!(
            again.get("content-security-policy"),
            h.get("content-security-policy")
        );
    }

    #[test]
    fn an_answers_own_values_come_after_ces() {
        let open = Secure::new(&OPEN).expect("stage");
        let pass = open.check(&parts("GET", "/", &[])).expect("pass");
        let mut h = HeaderMap::new();
        h.append("x-frame-options", HeaderValue::from_static("ALLOWALL"));
        h.append("x-frame-options", HeaderValue::from_static("DENY"));
        pass.apply(&mut h);
        let values: Vec<_> = h.get_all("x-frame-options").iter().collect();
        assert_eq!(values, ["SAMEORIGIN", "ALLOWALL", "DENY"]);
    }

    #[tokio::test]
    async fn bad_host_and_redirect_answers_are_gos() {
        let full = Secure::new(&FULL).expect("stage");
        let r = full
            .check(&parts("GET", "/", &[("Host", "evil")]))
            .expect_err("bad host")
            .response;
        assert_eq!(r.status(), 500);
        assert_eq!(r.headers().len(), 2);
        assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(body(*r).await, b"Bad Host\n");

        let host = [("Host", "api.example.com")];
        let r = full
            .check(&parts("GET", "/a?b='c'&d", &host))
            .expect_err("redirect")
            .response;
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(
            body(*r).await,
            b"<a href=\"https://api.example.com/a?b=&#39;c&#39;&amp;d\">Moved Permanently</a>.\n\n"
        );
        let r = full
            .check(&parts("HEAD", "/a", &host))
            .expect_err("redirect")
            .response;
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        assert!(body(*r).await.is_empty());
        let r = full
            .check(&parts("DELETE", "/a", &host))
            .expect_err("redirect")
            .response;
        assert_eq!(r.headers().get("content-type"), None);
        assert_eq!(r.headers()["location"], "https://api.example.com/a");
        assert!(body(*r).await.is_empty());
    }

    #[cfg(feature = "security-http")]
    #[test]
    fn patterns_are_anchored_as_unrolled_writes_them() {
        let s = Secure::new(&PATTERNS).expect("stage");
        let table = [
            ("api.example.com", true),
            ("api.example.com.evil", false),
            ("API.example.com", false),
            // `^a\.test|b\.test$`: either anchor alone.
            ("a.test", true),
            ("a.test.evil.example", true),
            ("evil-b.test", true),
            ("c.test", false),
        ];
        for (host, ok) in table {
            let r = run(&s, &parts("GET", "/", &[("Host", host)]));
            assert_eq!(r.is_ok(), ok, "{host}");
        }
    }

    #[test]
    fn go_text_helpers() {
        let fold_table = [
            ("a", "A", true),
            ("straße", "STRASSE", false),
            ("ſ", "S", true),
            ("\u{212A}", "k", true),
            ("ς", "Σ", true),
            ("é", "É", true),
            ("\u{fe}x", "\u{de}x", true),
            ("\u{131}", "I", false),
            ("\u{130}", "i", false),
        ];
        for (a, b, want) in fold_table {
            assert_eq!(equal_fold(a.as_bytes(), b.as_bytes()), want, "{a} {b}");
        }
        // Every invalid byte is one U+FFFD, so two different ones match.
        assert!(equal_fold(b"\xff.x", b"\xfe.X"));
        assert!(!equal_fold(b"\xff\xfe", b"\xff"));

        let path_table = [
            ("/a/b", "/a/b"),
            ("/a%2Fb", "/a%2Fb"),
            ("/a%41", "/a%41"),
            ("/a!b'(c)*[d]", "/a!b'(c)*[d]"),
            // A byte Go does not accept raw: the decoded path re-escaped.
            ("/a\"b%41", "/a%22bA"),
            ("/{x}", "/%7Bx%7D"),
        ];
        for (raw, want) in path_table {
            assert_eq!(&*go_escaped_path(raw), want.as_bytes(), "{raw}");
        }
        assert_eq!(hex_escape_non_ascii("h\u{e9}".as_bytes()), b"h%c3%a9");
        assert_eq!(base64_raw(&[0xfb, 0xff, 0x00, 0x61]), "+/8AYQ");
        assert_eq!(base64_raw(b"hello"), "aGVsbG8");
    }

    #[cfg(not(feature = "security-http"))]
    #[test]
    fn patterns_need_the_feature() {
        const P: HttpSecurity = HttpSecurity {
            allowed_hosts: AllowedHosts::Patterns(&["^a$"]),
            ..OPEN
        };
        assert!(Secure::new(&P).is_err());
    }
}
