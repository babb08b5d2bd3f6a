//! `modifier/martian` (backend level; krakend-components §7): KrakenD CE's
//! martian modifiers, compiled.
//!
//! The compiler resolves every `scope` into two trees, one of what runs on
//! the request ([`Martian::request`]) and one of what runs on the response
//! ([`Martian::response`]); a group or filter keeps, per side, only the
//! modifiers that have that role (martian's `parse.Result`). At run time a
//! backend call goes through them where CE runs them (§1.1 steps 17 and
//! 19, krakend-martian `martian.go` L64-92):
//! - the **request** side on the final upstream request of each attempt,
//!   once the URL (`url_pattern`, the balancer's host) and the headers
//!   (`input_headers`) are made ([`Stage::request`]);
//! - the **response** side on the backend's response head, before the
//!   status check and the decoder ([`Stage::response`]).
//!
//! The request and response are seen the way martian sees Go's
//! `*http.Request` and `*http.Response` ([`Outgoing`], [`Incoming`]): the
//! `Host` header is the request's `Host` field, `Content-Length` its
//! length, the URL's path decoded. Martian's modifiers return errors (a
//! `Content-Length` that is no number, a port that does not parse): one
//! fails the backend call, as in CE.
//!
//! Verifiers (`*.Verifier`) are not compiled: in CE they only record
//! findings for google/martian's own proxy (GW730, GW731).

mod go;

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::http::uri::{Authority, PathAndQuery, Scheme};
use hyper::{Request, Uri};

use crate::error::{Error, ErrorKind};

pub use go::{MAX_RANGES, Ranges};

/// `modifier/martian` on one backend.
#[derive(Debug)]
pub struct Martian {
    /// What runs on the request, `None` when nothing does.
    pub request: Option<&'static Modifier>,
    /// What runs on the response, `None` when nothing does.
    pub response: Option<&'static Modifier>,
    /// The filters' regular expressions (Go's RE2 syntax), compiled at
    /// start; [`Condition::HeaderRegex`] and [`Condition::UrlRegex`] index
    /// this list.
    pub regexes: &'static [&'static str],
}

/// One modifier of a side, scopes resolved.
#[derive(Debug)]
pub enum Modifier {
    /// `header.Modifier`: replace a header (`Host` is the request's host,
    /// `Content-Length` must be a number).
    SetHeader {
        /// The canonical name.
        name: &'static str,
        /// The value.
        value: &'static str,
    },
    /// `header.Append`: add a value.
    AppendHeader {
        /// The canonical name.
        name: &'static str,
        /// The value.
        value: &'static str,
    },
    /// `header.Blacklist`: delete headers.
    RemoveHeaders(&'static [&'static str]),
    /// `header.Copy`: set `to` to the first value of `from` (empty when
    /// absent).
    CopyHeader {
        /// The header read.
        from: &'static str,
        /// The header written.
        to: &'static str,
    },
    /// `header.Id` (krakend-martian): a random UUID v4 in `header`, unless
    /// the request has one.
    RequestId {
        /// The header (`X-Krakend-Id` by default).
        header: &'static str,
    },
    /// `querystring.Modifier`: set a query parameter, then encode the
    /// whole query again (keys sorted, values re-escaped).
    SetQuery {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: &'static str,
    },
    /// `url.Modifier`: replace each part that is set.
    SetUrl {
        /// The scheme.
        scheme: Option<&'static str>,
        /// The host (and port).
        host: Option<&'static str>,
        /// The path, unescaped (escaped when sent, as Go does).
        path: Option<&'static str>,
        /// The raw query.
        query: Option<&'static str>,
    },
    /// `body.Modifier`: replace the body, set `Content-Type`, drop
    /// `Content-Encoding`; on a response, honour the request's `Range`.
    Body {
        /// The `Content-Type`.
        content_type: &'static str,
        /// The body (decoded from the config's base64).
        body: &'static [u8],
    },
    /// `cookie.Modifier`.
    Cookie {
        /// `name=value` as `Request.AddCookie` writes it.
        pair: &'static str,
        /// The `Set-Cookie` value (`Cookie.String()`).
        set_cookie: &'static str,
    },
    /// `port.Modifier`.
    Port(PortChange),
    /// `stash.Modifier`: the request's full URL into a request header, and
    /// from there into the response.
    Stash {
        /// The header.
        header: &'static str,
    },
    /// `status.Modifier`.
    Status(u16),
    /// `static.Modifier` (krakend-martian): on the request, skip the round
    /// trip (and downgrade `https`); on the response, serve the file at
    /// the request's path under `root`.
    Static {
        /// `rootPath`, cleaned.
        root: &'static str,
        /// `explicitPaths`: request path → file path under `root`.
        explicit: &'static [(&'static str, &'static str)],
    },
    /// `fifo.Group` (in order) and `priority.Group` (already sorted).
    Group {
        /// The modifiers.
        modifiers: &'static [Modifier],
        /// `aggregateErrors`: go on after an error, report them all.
        aggregate_errors: bool,
    },
    /// A filter: `then` when the condition holds, else `otherwise`.
    Filter {
        /// The condition.
        when: Condition,
        /// `modifier`, `None` when it has no role on this side.
        then: Option<&'static Modifier>,
        /// `else`.
        otherwise: Option<&'static Modifier>,
    },
}

/// `port.Modifier`'s one option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortChange {
    /// `port`.
    Use(u16),
    /// `defaultForScheme`: 80 or 443.
    DefaultForScheme,
    /// `remove`.
    Remove,
}

/// A filter's condition.
#[derive(Clone, Copy, Debug)]
pub enum Condition {
    /// `header.Filter`: the header (of the request, or of the response on
    /// the response side) has this value.
    Header {
        /// The canonical name.
        name: &'static str,
        /// The value.
        value: &'static str,
    },
    /// `header.RegexFilter`: the request's header matches (on both sides);
    /// an absent or empty header runs nothing.
    HeaderRegex {
        /// The header.
        header: &'static str,
        /// Index into [`Martian::regexes`].
        regex: u16,
    },
    /// `querystring.Filter`: the request's query has the parameter (with
    /// this value, unless empty).
    Query {
        /// The parameter.
        name: &'static str,
        /// The value (empty: any).
        value: &'static str,
    },
    /// `url.Filter`: each part that is set matches the request's URL.
    Url {
        /// The scheme.
        scheme: Option<&'static str>,
        /// The host (martian's `MatchHost`: `*` labels).
        host: Option<&'static str>,
        /// The unescaped path.
        path: Option<&'static str>,
        /// The raw query.
        query: Option<&'static str>,
    },
    /// `url.RegexFilter`: the request's full URL matches.
    UrlRegex(u16),
    /// `cookie.Filter`: a cookie (of the request, or set by the response
    /// on the response side) with this name (and value, unless empty).
    Cookie {
        /// The name.
        name: &'static str,
        /// The value (empty: any).
        value: &'static str,
    },
    /// `port.Filter`: the request URL's port (the scheme's default when it
    /// has none).
    Port(i64),
}

/// The largest file `static.Modifier` serves (a larger one fails the
/// backend call; CE streams any size).
pub const MAX_STATIC_BYTES: u64 = 32 << 20;

/// A compiled regular expression (feature `martian`).
#[cfg(feature = "martian")]
type Pattern = regex::Regex;

/// Without the feature no pattern can be compiled (see [`Stage::new`]).
#[cfg(not(feature = "martian"))]
#[derive(Debug)]
struct Pattern;

#[cfg(not(feature = "martian"))]
impl Pattern {
    fn is_match(&self, _text: &str) -> bool {
        false
    }
}

/// One backend's martian modifiers, ready to run.
#[derive(Debug)]
pub struct Stage {
    /// The description.
    pub spec: &'static Martian,
    patterns: Box<[Pattern]>,
    /// The `static.Modifier`s of the response side, whose files are read
    /// before the (synchronous) modifiers run.
    statics: Box<[&'static Modifier]>,
    /// Whether the request side may skip the round trip (it holds a
    /// `static.Modifier`).
    pub may_skip: bool,
}

impl Stage {
    /// Compiles the filters' patterns. Fails on a pattern that does not
    /// compile (the linter rejects those first), or on any pattern when
    /// the gateway was built without the `martian` feature.
    pub fn new(spec: &'static Martian) -> Result<Stage, String> {
        #[cfg(feature = "martian")]
        let patterns = spec
            .regexes
            .iter()
            .map(|r| regex::Regex::new(r).map_err(|e| format!("modifier/martian: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        #[cfg(not(feature = "martian"))]
        let patterns: Vec<Pattern> = match spec.regexes {
            [] => Vec::new(),
            _ => {
                return Err(
                    "modifier/martian: this gateway was built without the `martian` feature".into(),
                );
            }
        };
        let mut statics = Vec::new();
        if let Some(m) = spec.response {
            collect_statics(m, &mut statics);
        }
        let mut request_statics = Vec::new();
        if let Some(m) = spec.request {
            collect_statics(m, &mut request_statics);
        }
        Ok(Stage {
            spec,
            patterns: patterns.into_boxed_slice(),
            statics: statics.into_boxed_slice(),
            may_skip: !request_statics.is_empty(),
        })
    }

    /// Runs the request side on `req`.
    pub fn request(&self, req: &mut Outgoing) -> Result<(), Error> {
        match self.spec.request {
            Some(m) => self.on_request(m, req).map_err(failed),
            None => Ok(()),
        }
    }

    /// Runs the response side on `res`, which answers `req` (the request
    /// as the request side left it, with the URL that answered).
    pub async fn response(&self, res: &mut Incoming, req: &Outgoing) -> Result<(), Error> {
        let Some(m) = self.spec.response else {
            return Ok(());
        };
        let mut files = Vec::with_capacity(self.statics.len());
        for s in self.statics.iter() {
            if let Modifier::Static { root, explicit } = s {
                files.push(read_static(root, explicit, req).await);
            }
        }
        let cx = ResponseCx { req, files: &files };
        self.on_response(m, res, &cx).map_err(failed)
    }
}

fn failed(msg: String) -> Error {
    Error::new(ErrorKind::Modifier, format!("modifier/martian: {msg}"))
}

fn collect_statics(m: &'static Modifier, out: &mut Vec<&'static Modifier>) {
    match m {
        Modifier::Static { .. } => out.push(m),
        Modifier::Group { modifiers, .. } => {
            for c in modifiers.iter() {
                collect_statics(c, out);
            }
        }
        Modifier::Filter {
            then, otherwise, ..
        } => {
            for c in [then, otherwise].into_iter().flatten() {
                collect_statics(c, out);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// The request as martian sees it
// ---------------------------------------------------------------------------

/// The outgoing request as martian's modifiers see and change it (Go's
/// `*http.Request` in krakend-martian's executor).
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// `URL.Scheme`.
    pub scheme: String,
    /// `URL.Host` (host and port).
    pub host: String,
    /// The path as built (escaped), while no modifier set one.
    raw_path: String,
    /// A path set by `url.Modifier` (unescaped, as `URL.Path`).
    path: Option<String>,
    /// `URL.RawQuery`.
    pub query: String,
    /// `Request.Host`: what the `Host` header carries.
    pub host_header: String,
    /// `Request.Header` (a `Host` entry here is never sent, as in Go).
    pub headers: HeaderMap,
    /// `Request.ContentLength`.
    content_length: i64,
    /// A body replacing the client's (`body.Modifier`).
    pub body: Option<Bytes>,
    /// Whether `static.Modifier` asked to skip the round trip.
    pub skip: bool,
}

impl Outgoing {
    /// The request KrakenD built: `head` (method, headers) for
    /// `scheme://authority` + `path_and_query`, whose body has
    /// `body_len` bytes (0 when unknown, as Go's `ContentLength`).
    pub fn new(
        head: &Request<()>,
        scheme: &Scheme,
        authority: &Authority,
        path_and_query: &str,
        body_len: u64,
    ) -> Outgoing {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Outgoing {
            scheme: scheme.as_str().to_owned(),
            host: authority.as_str().to_owned(),
            raw_path: path.to_owned(),
            path: None,
            query: query.to_owned(),
            host_header: default_host(scheme.as_str(), authority.as_str()),
            headers: head.headers().clone(),
            content_length: i64::try_from(body_len).unwrap_or(i64::MAX),
            body: None,
            skip: false,
        }
    }

    /// `URL.Path`: unescaped.
    pub fn path(&self) -> std::borrow::Cow<'_, str> {
        match &self.path {
            Some(p) => std::borrow::Cow::Borrowed(p.as_str()),
            None => go::unescape_path(&self.raw_path),
        }
    }

    /// `URL.EscapedPath()`.
    fn escaped_path(&self) -> std::borrow::Cow<'_, str> {
        match &self.path {
            Some(p) => std::borrow::Cow::Owned(go::escape_path(p)),
            None => std::borrow::Cow::Borrowed(self.raw_path.as_str()),
        }
    }

    /// The path and query sent (`URL.RequestURI()`).
    pub fn path_and_query(&self) -> String {
        let mut pq = self.escaped_path().into_owned();
        if pq.is_empty() {
            pq.push('/');
        }
        if !self.query.is_empty() {
            pq.push('?');
            pq.push_str(&self.query);
        }
        pq
    }

    /// `URL.String()`.
    pub fn url(&self) -> String {
        let path = self.escaped_path();
        let slash = if !path.is_empty() && !path.starts_with('/') {
            "/"
        } else {
            ""
        };
        let mut s = format!("{}://{}{slash}{path}", self.scheme, self.host);
        if !self.query.is_empty() {
            s.push('?');
            s.push_str(&self.query);
        }
        s
    }

    /// Points the URL at `uri` (the one that answered, after redirects).
    pub fn answered_by(&mut self, uri: &Uri) {
        if let Some(s) = uri.scheme_str() {
            self.scheme = s.to_owned();
        }
        if let Some(a) = uri.authority() {
            self.host = a.as_str().to_owned();
        }
        self.raw_path = uri.path().to_owned();
        self.path = None;
        self.query = uri.query().unwrap_or_default().to_owned();
    }

    /// The request to send: its absolute URI, the headers (the `Host`
    /// header when it is not the URI's own), and the replaced body.
    pub fn into_head(
        self,
        method: hyper::Method,
    ) -> Result<(Request<()>, String, Option<Bytes>), Error> {
        let pq = self.path_and_query();
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            Error::new(
                ErrorKind::Modifier,
                format!("modifier/martian: the request's {what}: {e}"),
            )
        };
        let uri = Uri::builder()
            .scheme(self.scheme.as_str())
            .authority(self.host.as_str())
            .path_and_query(PathAndQuery::try_from(pq.as_str()).map_err(|e| bad("path", &e))?)
            .build()
            .map_err(|e| bad("URL", &e))?;
        let mut headers = self.headers;
        // Go sends neither: the host is `Request.Host`, the framing the body's.
        for name in [
            hyper::header::HOST,
            hyper::header::CONTENT_LENGTH,
            hyper::header::TRANSFER_ENCODING,
        ] {
            headers.remove(name);
        }
        let wanted = if self.host_header.is_empty() {
            self.host.clone()
        } else {
            self.host_header
        };
        if wanted != default_host(&self.scheme, &self.host) {
            let v = HeaderValue::from_str(&wanted).map_err(|e| bad("Host header", &e))?;
            headers.insert(hyper::header::HOST, v);
        }
        let mut req = Request::new(());
        *req.method_mut() = method;
        *req.uri_mut() = uri;
        *req.headers_mut() = headers;
        Ok((req, pq, self.body))
    }

    /// `proxyutil.RequestHeader(req).Get(name)`.
    fn get(&self, name: &str) -> String {
        match special(name) {
            Special::Host => self.host_header.clone(),
            Special::ContentLength if self.content_length < 0 => String::new(),
            Special::ContentLength => self.content_length.to_string(),
            Special::TransferEncoding | Special::None => raw_get(&self.headers, name),
        }
    }

    /// `proxyutil.RequestHeader(req).All(name)`.
    fn all(&self, name: &str) -> Option<Vec<String>> {
        match special(name) {
            Special::Host if self.host_header.is_empty() => None,
            Special::Host => Some(vec![self.host_header.clone()]),
            Special::ContentLength if self.content_length <= 0 => None,
            Special::ContentLength => Some(vec![self.content_length.to_string()]),
            Special::TransferEncoding | Special::None => raw_all(&self.headers, name),
        }
    }

    /// `proxyutil.RequestHeader(req).Set(name, value)`.
    fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        match special(name) {
            Special::Host => self.host_header = value.to_owned(),
            Special::ContentLength => self.content_length = parse_length(value)?,
            Special::TransferEncoding | Special::None => raw_set(&mut self.headers, name, value)?,
        }
        Ok(())
    }

    /// `proxyutil.RequestHeader(req).Add(name, value)`.
    fn add(&mut self, name: &str, value: &str) -> Result<(), String> {
        match special(name) {
            Special::Host if !self.host_header.is_empty() => {
                Err("proxyutil: illegal header multiple: Host".into())
            }
            Special::ContentLength if self.content_length > 0 => {
                Err("proxyutil: illegal header multiple: Content-Length".into())
            }
            Special::Host | Special::ContentLength => self.set(name, value),
            Special::TransferEncoding | Special::None => raw_add(&mut self.headers, name, value),
        }
    }

    /// `proxyutil.RequestHeader(req).Del(name)`.
    fn del(&mut self, name: &str) {
        match special(name) {
            Special::Host => self.host_header.clear(),
            Special::ContentLength => self.content_length = -1,
            Special::TransferEncoding | Special::None => raw_del(&mut self.headers, name),
        }
    }

    /// The URL's port as `port.Filter` reads it on a request.
    fn port_matches(&self, port: i64) -> Result<bool, String> {
        if self.host.contains(':') {
            let (_, p) = go::split_host_port(&self.host)?;
            return Ok(go::atoi(p)? == port);
        }
        Ok(port == default_port(&self.scheme))
    }
}

/// The `Host` header the runtime's clients send for a URL without one set:
/// the authority, without the scheme's default port.
fn default_host(scheme: &str, authority: &str) -> String {
    let default = if scheme == "https" { ":443" } else { ":80" };
    authority
        .strip_suffix(default)
        .unwrap_or(authority)
        .to_owned()
}

fn default_port(scheme: &str) -> i64 {
    match scheme {
        "http" => 80,
        "https" => 443,
        _ => 0,
    }
}

fn parse_length(value: &str) -> Result<i64, String> {
    value
        .parse::<i64>()
        .map_err(|_| format!("strconv.ParseInt: parsing {value:?}: invalid syntax"))
}

/// The header names `proxyutil` keeps outside the header map.
enum Special {
    Host,
    ContentLength,
    TransferEncoding,
    None,
}

fn special(name: &str) -> Special {
    if name.eq_ignore_ascii_case("host") {
        Special::Host
    } else if name.eq_ignore_ascii_case("content-length") {
        Special::ContentLength
    } else if name.eq_ignore_ascii_case("transfer-encoding") {
        Special::TransferEncoding
    } else {
        Special::None
    }
}

fn header_name(name: &str) -> Result<HeaderName, String> {
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("net/http: invalid header field name {name:?}"))
}

fn header_value(value: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_bytes(value.as_bytes())
        .map_err(|_| format!("net/http: invalid header field value for {value:?}"))
}

fn text(v: &HeaderValue) -> String {
    String::from_utf8_lossy(v.as_bytes()).into_owned()
}

/// `Header.Get`: the first value, or empty.
fn raw_get(h: &HeaderMap, name: &str) -> String {
    HeaderName::from_bytes(name.as_bytes())
        .ok()
        .and_then(|n| h.get(n))
        .map(text)
        .unwrap_or_default()
}

/// `Header[name]`, `None` when absent.
fn raw_all(h: &HeaderMap, name: &str) -> Option<Vec<String>> {
    let n = HeaderName::from_bytes(name.as_bytes()).ok()?;
    let vs: Vec<String> = h.get_all(n).iter().map(text).collect();
    (!vs.is_empty()).then_some(vs)
}

fn raw_set(h: &mut HeaderMap, name: &str, value: &str) -> Result<(), String> {
    h.insert(header_name(name)?, header_value(value)?);
    Ok(())
}

fn raw_add(h: &mut HeaderMap, name: &str, value: &str) -> Result<(), String> {
    h.append(header_name(name)?, header_value(value)?);
    Ok(())
}

fn raw_del(h: &mut HeaderMap, name: &str) {
    if let Ok(n) = HeaderName::from_bytes(name.as_bytes()) {
        h.remove(n);
    }
}

// ---------------------------------------------------------------------------
// The response as martian sees it
// ---------------------------------------------------------------------------

/// The backend's response as martian's modifiers see and change it (Go's
/// `*http.Response`): status and headers; the body only when a modifier
/// replaces it.
#[derive(Debug)]
pub struct Incoming {
    /// `StatusCode`.
    pub status: u16,
    /// `Header`.
    pub headers: HeaderMap,
    /// `ContentLength` (-1: unknown).
    content_length: i64,
    /// A body replacing the backend's (`body.Modifier`,
    /// `static.Modifier`).
    pub body: Option<Bytes>,
}

impl Incoming {
    /// A response head from the wire.
    pub fn new(status: u16, headers: HeaderMap) -> Incoming {
        let content_length = headers
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        Incoming {
            status,
            headers,
            content_length,
            body: None,
        }
    }

    /// What CE's executor answers when `static.Modifier` skipped the
    /// round trip: a 200 with no header and an empty body.
    pub fn skipped() -> Incoming {
        Incoming {
            status: 200,
            headers: HeaderMap::new(),
            content_length: 0,
            body: Some(Bytes::new()),
        }
    }

    fn get(&self, name: &str) -> String {
        match special(name) {
            Special::Host => String::new(),
            Special::ContentLength if self.content_length < 0 => String::new(),
            Special::ContentLength => self.content_length.to_string(),
            Special::TransferEncoding | Special::None => raw_get(&self.headers, name),
        }
    }

    fn all(&self, name: &str) -> Option<Vec<String>> {
        match special(name) {
            Special::Host => None,
            Special::ContentLength if self.content_length <= 0 => None,
            Special::ContentLength => Some(vec![self.content_length.to_string()]),
            Special::TransferEncoding | Special::None => raw_all(&self.headers, name),
        }
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        match special(name) {
            Special::Host => {}
            Special::ContentLength => self.content_length = parse_length(value)?,
            Special::TransferEncoding | Special::None => raw_set(&mut self.headers, name, value)?,
        }
        Ok(())
    }

    fn add(&mut self, name: &str, value: &str) -> Result<(), String> {
        match special(name) {
            Special::ContentLength if self.content_length > 0 => {
                Err("proxyutil: illegal header multiple: Content-Length".into())
            }
            Special::Host | Special::ContentLength => self.set(name, value),
            Special::TransferEncoding | Special::None => raw_add(&mut self.headers, name, value),
        }
    }

    fn del(&mut self, name: &str) {
        match special(name) {
            Special::Host => {}
            Special::ContentLength => self.content_length = -1,
            Special::TransferEncoding | Special::None => raw_del(&mut self.headers, name),
        }
    }

    /// Replaces the body; the headers frame it (CE leaves the backend's
    /// `Content-Length` in place, which no longer matches).
    fn replace_body(&mut self, body: Bytes) {
        self.content_length = i64::try_from(body.len()).unwrap_or(i64::MAX);
        self.headers.remove(hyper::header::TRANSFER_ENCODING);
        self.headers.insert(
            hyper::header::CONTENT_LENGTH,
            HeaderValue::from(body.len() as u64),
        );
        self.body = Some(body);
    }
}

/// A `static.Modifier`'s file as read for one response.
enum StaticFile {
    /// The file's bytes and its `Content-Type`.
    Found(Bytes, &'static str),
    /// No such file: 404.
    Missing,
    /// Not readable: the status and the error.
    Failed(u16, String),
}

/// Reads the file `static.Modifier` serves for `req` (martian's
/// `static.Modifier.ModifyResponse`: the cleaned request path, or its
/// `explicitPaths` entry, under the root).
async fn read_static(
    root: &'static str,
    explicit: &'static [(&'static str, &'static str)],
    req: &Outgoing,
) -> StaticFile {
    let reqpath = go::clean_path(&req.path());
    let rel = explicit
        .iter()
        .find(|(p, _)| *p == reqpath)
        .map_or(reqpath.as_str(), |(_, f)| f);
    let file = go::clean_path(&format!("{root}/{rel}"));
    let content_type = go::mime_type(&file);
    let read = tokio::task::spawn_blocking(move || -> std::io::Result<Option<Vec<u8>>> {
        use std::io::Read as _;
        // Regular files only: a directory has no body, and a FIFO or a
        // device could block this thread or never end.
        let meta = std::fs::metadata(&file)?;
        if !meta.is_file() {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        if meta.len() > MAX_STATIC_BYTES {
            return Ok(None);
        }
        let f = std::fs::File::open(&file)?;
        let mut buf = Vec::new();
        f.take(MAX_STATIC_BYTES + 1).read_to_end(&mut buf)?;
        Ok((buf.len() as u64 <= MAX_STATIC_BYTES).then_some(buf))
    })
    .await;
    match read {
        Ok(Ok(Some(bytes))) => StaticFile::Found(Bytes::from(bytes), content_type),
        Ok(Ok(None)) => StaticFile::Failed(
            500,
            format!("static file larger than {MAX_STATIC_BYTES} bytes"),
        ),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => StaticFile::Missing,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            StaticFile::Failed(401, e.to_string())
        }
        Ok(Err(e)) => StaticFile::Failed(500, e.to_string()),
        Err(e) => StaticFile::Failed(500, e.to_string()),
    }
}

/// What the response side reads besides the response.
struct ResponseCx<'a> {
    /// `Response.Request`.
    req: &'a Outgoing,
    /// The static modifiers' files, in [`Stage`]'s `statics` order.
    files: &'a [StaticFile],
}

// ---------------------------------------------------------------------------
// Running the modifiers
// ---------------------------------------------------------------------------

impl Stage {
    fn on_request(&self, m: &'static Modifier, req: &mut Outgoing) -> Result<(), String> {
        match m {
            Modifier::SetHeader { name, value } => req.set(name, value),
            Modifier::AppendHeader { name, value } => req.add(name, value),
            Modifier::RemoveHeaders(names) => {
                for n in names.iter() {
                    req.del(n);
                }
                Ok(())
            }
            Modifier::CopyHeader { from, to } => {
                let v = req.get(from);
                req.set(to, &v)
            }
            Modifier::RequestId { header } => {
                if raw_get(&req.headers, header).is_empty() {
                    raw_set(&mut req.headers, header, &uuid_v4())?;
                }
                Ok(())
            }
            Modifier::SetQuery { name, value } => {
                let mut q = go::parse_query(&req.query);
                go::set_query(&mut q, name, value);
                req.query = go::encode_query(&q);
                Ok(())
            }
            Modifier::SetUrl {
                scheme,
                host,
                path,
                query,
            } => {
                if let Some(s) = scheme {
                    req.scheme = (*s).to_owned();
                }
                if let Some(h) = host {
                    req.host = (*h).to_owned();
                }
                if let Some(p) = path {
                    req.path = Some((*p).to_owned());
                }
                if let Some(q) = query {
                    req.query = (*q).to_owned();
                }
                Ok(())
            }
            Modifier::Body { content_type, body } => {
                raw_set(&mut req.headers, "Content-Type", content_type)?;
                raw_del(&mut req.headers, "Content-Encoding");
                req.content_length = i64::try_from(body.len()).unwrap_or(i64::MAX);
                req.body = Some(Bytes::from_static(body));
                Ok(())
            }
            Modifier::Cookie { pair, .. } => {
                let cookie = match raw_get(&req.headers, "Cookie") {
                    c if c.is_empty() => (*pair).to_owned(),
                    c => format!("{c}; {pair}"),
                };
                raw_set(&mut req.headers, "Cookie", &cookie)
            }
            Modifier::Port(change) => {
                let host = if req.host.contains(':') {
                    go::split_host_port(&req.host)?.0.to_owned()
                } else {
                    req.host.clone()
                };
                let hp = match change {
                    PortChange::Remove => host,
                    PortChange::Use(p) => go::join_host_port(&host, &p.to_string()),
                    PortChange::DefaultForScheme => match req.scheme.as_str() {
                        "http" => go::join_host_port(&host, "80"),
                        "https" => go::join_host_port(&host, "443"),
                        _ => return Ok(()),
                    },
                };
                // martian also sets `Header["Host"]`, which Go never sends.
                raw_set(&mut req.headers, "Host", &hp)?;
                req.host = hp;
                Ok(())
            }
            Modifier::Stash { header } => {
                let url = req.url();
                raw_set(&mut req.headers, header, &url)
            }
            Modifier::Static { .. } => {
                req.skip = true;
                if req.scheme == "https" {
                    req.scheme = "http".into();
                }
                Ok(())
            }
            Modifier::Group {
                modifiers,
                aggregate_errors,
            } => {
                let mut errors = Vec::new();
                for c in modifiers.iter() {
                    if let Err(e) = self.on_request(c, req) {
                        if !aggregate_errors {
                            return Err(e);
                        }
                        errors.push(e);
                    }
                }
                joined(errors)
            }
            Modifier::Filter {
                when,
                then,
                otherwise,
            } => {
                let next = match self.request_holds(when, req)? {
                    Some(true) => then,
                    Some(false) => otherwise,
                    None => &None,
                };
                match next {
                    Some(n) => self.on_request(n, req),
                    None => Ok(()),
                }
            }
            // Response-only modifiers never reach a request tree.
            Modifier::Status(_) => Ok(()),
        }
    }

    /// Whether a condition holds for a request; `None`: run neither branch
    /// (`header.RegexFilter` without the header).
    fn request_holds(&self, when: &Condition, req: &Outgoing) -> Result<Option<bool>, String> {
        Ok(Some(match when {
            Condition::Header { name, value } => req
                .all(name)
                .is_some_and(|vs| vs.iter().any(|v| v == value)),
            Condition::HeaderRegex { header, regex } => {
                let v = raw_get(&req.headers, header);
                if v.is_empty() {
                    return Ok(None);
                }
                self.pattern(*regex).is_some_and(|p| p.is_match(&v))
            }
            Condition::Port(port) => req.port_matches(*port)?,
            c => self.url_holds(c, req),
        }))
    }

    /// The conditions on the request's URL, query or cookies, the same on
    /// both sides (`Response.Request`).
    fn url_holds(&self, when: &Condition, req: &Outgoing) -> bool {
        match when {
            Condition::Query { name, value } => go::parse_query(&req.query).iter().any(|(k, v)| {
                k.as_slice() == name.as_bytes()
                    && (value.is_empty() || v.as_slice() == value.as_bytes())
            }),
            Condition::Url {
                scheme,
                host,
                path,
                query,
            } => {
                scheme.is_none_or(|s| s == req.scheme)
                    && host.is_none_or(|h| go::match_host(&req.host, h))
                    && path.is_none_or(|p| p == req.path())
                    && query.is_none_or(|q| q == req.query)
            }
            Condition::UrlRegex(i) => self.pattern(*i).is_some_and(|p| p.is_match(&req.url())),
            Condition::Cookie { name, value } => {
                let lines: Vec<String> = raw_all(&req.headers, "Cookie").unwrap_or_default();
                go::request_cookies(lines.iter().map(String::as_str))
                    .iter()
                    .any(|(n, v)| n == name && (value.is_empty() || v == value))
            }
            _ => false,
        }
    }

    fn pattern(&self, i: u16) -> Option<&Pattern> {
        self.patterns.get(usize::from(i))
    }

    fn on_response(
        &self,
        m: &'static Modifier,
        res: &mut Incoming,
        cx: &ResponseCx<'_>,
    ) -> Result<(), String> {
        match m {
            Modifier::SetHeader { name, value } => res.set(name, value),
            Modifier::AppendHeader { name, value } => res.add(name, value),
            Modifier::RemoveHeaders(names) => {
                for n in names.iter() {
                    res.del(n);
                }
                Ok(())
            }
            Modifier::CopyHeader { from, to } => {
                let v = res.get(from);
                res.set(to, &v)
            }
            Modifier::Body { content_type, body } => {
                raw_set(&mut res.headers, "Content-Type", content_type)?;
                raw_del(&mut res.headers, "Content-Encoding");
                respond_ranged(res, cx.req, Bytes::from_static(body), content_type)
            }
            Modifier::Cookie { set_cookie, .. } => {
                raw_add(&mut res.headers, "Set-Cookie", set_cookie)
            }
            Modifier::Stash { header } => {
                let v = raw_get(&cx.req.headers, header);
                raw_set(&mut res.headers, header, &v)
            }
            Modifier::Status(code) => {
                res.status = *code;
                Ok(())
            }
            Modifier::Static { .. } => {
                let file = self
                    .statics
                    .iter()
                    .position(|s| std::ptr::eq(*s, m))
                    .and_then(|i| cx.files.get(i));
                match file {
                    Some(StaticFile::Found(bytes, content_type)) => {
                        raw_set(&mut res.headers, "Content-Type", content_type)?;
                        respond_ranged(res, cx.req, bytes.clone(), content_type)
                    }
                    Some(StaticFile::Missing) => {
                        res.status = 404;
                        Ok(())
                    }
                    Some(StaticFile::Failed(status, e)) => {
                        res.status = *status;
                        Err(e.clone())
                    }
                    None => Err("static.Modifier: file not read".into()),
                }
            }
            Modifier::Group {
                modifiers,
                aggregate_errors,
            } => {
                let mut errors = Vec::new();
                for c in modifiers.iter() {
                    if let Err(e) = self.on_response(c, res, cx) {
                        if !aggregate_errors {
                            return Err(e);
                        }
                        errors.push(e);
                    }
                }
                joined(errors)
            }
            Modifier::Filter {
                when,
                then,
                otherwise,
            } => {
                let next = match self.response_holds(when, res, cx.req)? {
                    Some(true) => then,
                    Some(false) => otherwise,
                    None => &None,
                };
                match next {
                    Some(n) => self.on_response(n, res, cx),
                    None => Ok(()),
                }
            }
            // Request-only modifiers never reach a response tree.
            Modifier::RequestId { .. }
            | Modifier::SetQuery { .. }
            | Modifier::SetUrl { .. }
            | Modifier::Port(_) => Ok(()),
        }
    }

    fn response_holds(
        &self,
        when: &Condition,
        res: &Incoming,
        req: &Outgoing,
    ) -> Result<Option<bool>, String> {
        Ok(Some(match when {
            Condition::Header { name, value } => res
                .all(name)
                .is_some_and(|vs| vs.iter().any(|v| v == value)),
            Condition::HeaderRegex { header, regex } => {
                let v = raw_get(&req.headers, header);
                if v.is_empty() {
                    return Ok(None);
                }
                self.pattern(*regex).is_some_and(|p| p.is_match(&v))
            }
            Condition::Cookie { name, value } => {
                let lines: Vec<String> = raw_all(&res.headers, "Set-Cookie").unwrap_or_default();
                go::response_cookies(lines.iter().map(String::as_str))
                    .iter()
                    .any(|(n, v)| n == name && (value.is_empty() || v == value))
            }
            // martian's response side: no port and the default one matches
            // without parsing; anything else must split (and fails without
            // a port, as in CE).
            Condition::Port(port) => {
                if !req.host.contains(':') && *port == default_port(&req.scheme) {
                    true
                } else {
                    let (_, p) = go::split_host_port(&req.host)?;
                    go::atoi(p)? == *port
                }
            }
            c => self.url_holds(c, req),
        }))
    }
}

/// The body of a response, cut to the request's `Range` as martian's body
/// and static modifiers do (206, 416, `multipart/byteranges`).
fn respond_ranged(
    res: &mut Incoming,
    req: &Outgoing,
    body: Bytes,
    content_type: &str,
) -> Result<(), String> {
    let range = raw_get(&req.headers, "Range");
    if range.is_empty() {
        res.replace_body(body);
        return Ok(());
    }
    match go::parse_ranges(&range, body.len())? {
        Ranges::Unsatisfiable => {
            res.status = 416;
            res.replace_body(Bytes::new());
        }
        Ranges::Partial(ranges) => {
            res.status = 206;
            if let [(start, end)] = ranges.as_slice() {
                raw_set(
                    &mut res.headers,
                    "Content-Range",
                    &format!("bytes {start}-{end}/{}", body.len()),
                )?;
                res.replace_body(body.slice(*start..=*end));
            } else {
                let boundary = random_hex::<30>();
                let parts = go::byteranges(&body, &ranges, content_type, &boundary);
                raw_set(
                    &mut res.headers,
                    "Content-Type",
                    &format!("multipart/byteranges; boundary={boundary}"),
                )?;
                res.replace_body(Bytes::from(parts));
            }
        }
    }
    Ok(())
}

/// martian's `MultiError`: the errors joined with newlines.
fn joined(errors: Vec<String>) -> Result<(), String> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// `N` random bytes from the OS source of rustls' ring provider, hex.
fn random_hex<const N: usize>() -> String {
    let mut buf = [0u8; N];
    let _ = rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random UUID (version 4), as `github.com/google/uuid`'s `New`.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    let _ = rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests;
