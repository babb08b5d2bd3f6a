//! `security/cors` (krakend-components §3): KrakenD CE's CORS stage [S2],
//! rs/cors v1.11.1 as `krakend-cors`'s `mux` wrapper configures it,
//! decision for decision.
//!
//! It runs before anything else the gateway does (before routing, the bot
//! detector and authentication):
//! - a **preflight** (`OPTIONS` with a non-empty
//!   `Access-Control-Request-Method`) on ANY path, known or not, is
//!   answered here with `options_success_status` and no body (unless
//!   `options_passthrough`, where the rest of the gateway answers it with
//!   the preflight headers added). `Vary: Origin,
//!   Access-Control-Request-Method, Access-Control-Request-Headers` always;
//!   the `Access-Control-Allow-*` headers only when the `Origin` is
//!   allowed, the requested method is allowed (case-sensitively; `OPTIONS`
//!   always is) and every requested header is allowed. They echo the
//!   request: the `Origin` as sent (case kept) unless every origin is
//!   allowed (`*`), the requested method only, the
//!   `Access-Control-Request-Headers` value verbatim.
//! - **every other request** goes on, and its answer, whatever it is (a
//!   200, a 404, a bot's 403, a redirect), gets `Vary: Origin` and, when
//!   the `Origin` is allowed and the request's method is in
//!   `allow_methods`, `Access-Control-Allow-Origin`,
//!   `Access-Control-Expose-Headers` and `Access-Control-Allow-Credentials`.
//!   A disallowed origin is not rejected: the request still reaches the
//!   backends, the browser hides the answer.
//!
//! The headers are set before the inner handler writes its own, as rs/cors
//! does: a header the answer also carries (a no-op backend's own `Vary` or
//! `Access-Control-Allow-Origin`) keeps ours first and its own after.
//!
//! Not tower-http's `CorsLayer`: it answers preflights with 200, sends the
//! configured method list instead of echoing the requested method, and
//! rejects credentials with wildcards (krakend-components §3.5). No heavy
//! dependency, so no cargo feature.

use std::fmt::Write as _;

use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Response, StatusCode};

use crate::body::GwBody;

/// `security/cors`, as the compiler resolved it: CE's defaults applied,
/// the strings compared at run time already lower-cased and sorted.
#[derive(Debug)]
pub struct Cors {
    /// Every origin is allowed (`allow_origins` empty or holding `*`).
    pub allow_all_origins: bool,
    /// Allowed origins without a `*`, lower-cased.
    pub origins: &'static [&'static str],
    /// Allowed origins with a `*`, lower-cased: (before, after) the first
    /// `*`.
    pub wildcard_origins: &'static [(&'static str, &'static str)],
    /// `allow_methods`, compared case-sensitively (`GET`, `POST`, `HEAD`
    /// by default).
    pub methods: &'static [&'static str],
    /// Every request header is allowed (`allow_headers` empty or holding
    /// `*`).
    pub allow_all_headers: bool,
    /// Otherwise the allowed request headers: lower-cased, sorted by bytes,
    /// without duplicates.
    pub headers: &'static [&'static str],
    /// The `Access-Control-Expose-Headers` value, when set.
    pub expose_headers: Option<&'static str>,
    /// `allow_credentials`.
    pub allow_credentials: bool,
    /// `allow_private_network`.
    pub allow_private_network: bool,
    /// `options_passthrough`: preflights go on to the router.
    pub options_passthrough: bool,
    /// The status of an answered preflight.
    pub options_success_status: u16,
    /// The `Access-Control-Max-Age` value (whole seconds), when sent.
    pub max_age: Option<&'static str>,
    /// `debug`: one log line per decision.
    pub debug: bool,
}

const ACAO: HeaderName = header::ACCESS_CONTROL_ALLOW_ORIGIN;
const ACAM: HeaderName = header::ACCESS_CONTROL_ALLOW_METHODS;
const ACAH: HeaderName = header::ACCESS_CONTROL_ALLOW_HEADERS;
const ACAC: HeaderName = header::ACCESS_CONTROL_ALLOW_CREDENTIALS;
const ACEH: HeaderName = header::ACCESS_CONTROL_EXPOSE_HEADERS;
const ACMA: HeaderName = header::ACCESS_CONTROL_MAX_AGE;
const ACRM: HeaderName = header::ACCESS_CONTROL_REQUEST_METHOD;
const ACRH: HeaderName = header::ACCESS_CONTROL_REQUEST_HEADERS;
const ACAPN: HeaderName = HeaderName::from_static("access-control-allow-private-network");
const ACRPN: HeaderName = HeaderName::from_static("access-control-request-private-network");

const TRUE: HeaderValue = HeaderValue::from_static("true");
const STAR: HeaderValue = HeaderValue::from_static("*");
const VARY_ORIGIN: HeaderValue = HeaderValue::from_static("Origin");
const VARY_PREFLIGHT: HeaderValue = HeaderValue::from_static(
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
);
const VARY_PREFLIGHT_PRIVATE: HeaderValue = HeaderValue::from_static(
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
);

/// rs/cors's `SortedSet.Accepts` limits: OWS bytes trimmed on each side
/// of a name, empty list elements tolerated.
const MAX_OWS_BYTES: usize = 1;
const MAX_EMPTY_ELEMENTS: usize = 16;

/// The stage, ready: the spec and its header values built once.
#[derive(Debug)]
pub struct Stage {
    spec: &'static Cors,
    status: StatusCode,
    vary_preflight: HeaderValue,
    expose_headers: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
    /// The longest allowed header name (bounds the comma search, as rs/cors).
    max_header_len: usize,
}

/// What [S2] does with a request. `Answer` holds a whole response, whose
/// body type carries the upstream body inline (`lb::client::UpBody`: no
/// box per request), hence the size difference.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Decision {
    /// A preflight, answered here: send this and stop.
    Answer(Response<GwBody>),
    /// Let the request go on, then put these headers on its answer, before
    /// any of the same name ([`prepend`]).
    Continue(Vec<(HeaderName, HeaderValue)>),
}

impl Stage {
    /// Builds the header values. Fails on a value that is not valid header
    /// text (a control character in `expose_headers`) or a status outside
    /// 100–999, which the compiler does not produce.
    pub fn new(spec: &'static Cors) -> Result<Stage, String> {
        let value = |what: &str, v: &str| {
            HeaderValue::from_str(v).map_err(|_| format!("security/cors: invalid {what} {v:?}"))
        };
        Ok(Stage {
            spec,
            status: StatusCode::from_u16(spec.options_success_status).map_err(|_| {
                format!(
                    "security/cors: invalid options_success_status {}",
                    spec.options_success_status
                )
            })?,
            vary_preflight: if spec.allow_private_network {
                VARY_PREFLIGHT_PRIVATE
            } else {
                VARY_PREFLIGHT
            },
            expose_headers: spec
                .expose_headers
                .map(|v| value("expose_headers", v))
                .transpose()?,
            max_age: spec.max_age.map(|v| value("max_age", v)).transpose()?,
            max_header_len: spec.headers.iter().map(|h| h.len()).max().unwrap_or(0),
        })
    }

    /// [S2] for one request: rs/cors's `Handler`.
    pub fn run(&self, method: &Method, headers: &HeaderMap) -> Decision {
        let preflight = *method == Method::OPTIONS && first(headers, &ACRM).is_some();
        if !preflight {
            self.log(format_args!("Handler: Actual request"));
            return Decision::Continue(self.actual(method, headers));
        }
        self.log(format_args!("Handler: Preflight request"));
        let out = self.preflight(headers);
        if self.spec.options_passthrough {
            return Decision::Continue(out);
        }
        let mut r = Response::new(GwBody::full(bytes::Bytes::new()));
        *r.status_mut() = self.status;
        let h = r.headers_mut();
        for (name, value) in out {
            h.append(name, value);
        }
        Decision::Answer(r)
    }

    /// rs/cors's `handlePreflight`: the headers of a preflight's answer.
    fn preflight(&self, headers: &HeaderMap) -> Vec<(HeaderName, HeaderValue)> {
        let spec = self.spec;
        let mut out = vec![(header::VARY, self.vary_preflight.clone())];
        let Some(origin) = first(headers, &header::ORIGIN) else {
            self.log(format_args!("  Preflight aborted: empty origin"));
            return out;
        };
        if !self.origin_allowed(origin) {
            self.log(format_args!(
                "  Preflight aborted: origin '{}' not allowed",
                text(origin)
            ));
            return out;
        }
        // Not empty: that made it a preflight.
        let method = first(headers, &ACRM).unwrap_or_default();
        if !self.method_allowed(method) {
            self.log(format_args!(
                "  Preflight aborted: method '{}' not allowed",
                text(method)
            ));
            return out;
        }
        let requested: Vec<&HeaderValue> = headers.get_all(&ACRH).iter().collect();
        if !requested.is_empty() && !spec.allow_all_headers && !self.headers_allowed(&requested) {
            self.log(format_args!(
                "  Preflight aborted: headers '{}' not allowed",
                values(&requested)
            ));
            return out;
        }
        self.allow_origin(headers, &mut out);
        out.extend(headers.get_all(&ACRM).iter().map(|v| (ACAM, v.clone())));
        if requested.first().is_some_and(|v| !v.is_empty()) {
            out.extend(requested.iter().map(|v| (ACAH, (*v).clone())));
        }
        if spec.allow_credentials {
            out.push((ACAC, TRUE));
        }
        if spec.allow_private_network && headers.get(&ACRPN).is_some_and(|v| v == "true") {
            out.push((ACAPN, TRUE));
        }
        if let Some(v) = &self.max_age {
            out.push((ACMA, v.clone()));
        }
        self.log(format_args!(
            "  Preflight response headers: {}",
            listing(&out)
        ));
        out
    }

    /// rs/cors's `handleActualRequest`: the headers added to any other
    /// request's answer.
    fn actual(&self, method: &Method, headers: &HeaderMap) -> Vec<(HeaderName, HeaderValue)> {
        let mut out = vec![(header::VARY, VARY_ORIGIN)];
        let Some(origin) = first(headers, &header::ORIGIN) else {
            self.log(format_args!(
                "  Actual request no headers added: missing origin"
            ));
            return out;
        };
        if !self.origin_allowed(origin) {
            self.log(format_args!(
                "  Actual request no headers added: origin '{}' not allowed",
                text(origin)
            ));
            return out;
        }
        if !self.method_allowed(method.as_str().as_bytes()) {
            self.log(format_args!(
                "  Actual request no headers added: method '{method}' not allowed"
            ));
            return out;
        }
        self.allow_origin(headers, &mut out);
        if let Some(v) = &self.expose_headers {
            out.push((ACEH, v.clone()));
        }
        if self.spec.allow_credentials {
            out.push((ACAC, TRUE));
        }
        self.log(format_args!(
            "  Actual response added headers: {}",
            listing(&out)
        ));
        out
    }

    /// `Access-Control-Allow-Origin`: `*`, or every `Origin` value of the
    /// request as sent (Go copies `r.Header["Origin"]`).
    fn allow_origin(&self, headers: &HeaderMap, out: &mut Vec<(HeaderName, HeaderValue)>) {
        if self.spec.allow_all_origins {
            out.push((ACAO, STAR));
        } else {
            out.extend(
                headers
                    .get_all(header::ORIGIN)
                    .iter()
                    .map(|v| (ACAO, v.clone())),
            );
        }
    }

    /// rs/cors's `isOriginAllowed`: lower-cased, then equal to an allowed
    /// origin or matching a wildcard's prefix and suffix (without overlap).
    fn origin_allowed(&self, origin: &[u8]) -> bool {
        let spec = self.spec;
        if spec.allow_all_origins {
            return true;
        }
        let lower = go_to_lower(origin);
        let o = lower.as_bytes();
        spec.origins.iter().any(|a| a.as_bytes() == o)
            || spec.wildcard_origins.iter().any(|(p, s)| {
                o.len() >= p.len() + s.len()
                    && o.starts_with(p.as_bytes())
                    && o.ends_with(s.as_bytes())
            })
    }

    /// rs/cors's `isMethodAllowed`: `OPTIONS` always, else an exact,
    /// case-sensitive entry of `allow_methods`.
    fn method_allowed(&self, method: &[u8]) -> bool {
        method == b"OPTIONS" || self.spec.methods.iter().any(|m| m.as_bytes() == method)
    }

    /// rs/cors's `SortedSet.Accepts`: every name of every
    /// `Access-Control-Request-Headers` line is an allowed header (compared
    /// as sent: browsers send them lower-case), the names are in strictly
    /// increasing (sorted, unique) order across the lines, at most one
    /// blank byte is trimmed on each side of a name, and at most 16 empty
    /// elements are tolerated.
    fn headers_allowed(&self, lines: &[&HeaderValue]) -> bool {
        let set = self.spec.headers;
        let window = MAX_OWS_BYTES + self.max_header_len + MAX_OWS_BYTES + 1;
        let mut last: Option<usize> = None;
        let mut empty = 0;
        for line in lines {
            let mut s = line.as_bytes();
            loop {
                // Only the first `window` bytes are searched for a comma:
                // a longer name is no allowed header anyway.
                let end = s.len().min(window);
                let (name, rest, comma) = match s[..end].iter().position(|&b| b == b',') {
                    Some(i) => (&s[..i], &s[i + 1..], true),
                    None => (s, &[][..], false),
                };
                s = rest;
                let Some(name) = trim_ows(name) else {
                    return false;
                };
                if name.is_empty() {
                    empty += 1;
                    if empty > MAX_EMPTY_ELEMENTS {
                        return false;
                    }
                } else {
                    let Ok(pos) = set.binary_search_by(|h| h.as_bytes().cmp(name)) else {
                        return false;
                    };
                    if last.is_some_and(|l| pos <= l) {
                        return false;
                    }
                    last = Some(pos);
                }
                if !comma {
                    break;
                }
            }
        }
        true
    }

    /// One `debug` line, as CE re-emits rs/cors's log (`[CORS]` prefix).
    fn log(&self, args: std::fmt::Arguments<'_>) {
        if !self.spec.debug {
            return;
        }
        use std::io::Write as _;
        let msg = format!("[CORS] {args}");
        let line = format!(
            "time={} level=debug msg=\"{}\"\n",
            crate::metrics::rfc3339(std::time::SystemTime::now()),
            msg.escape_debug()
        );
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// Puts `ours` on an answer's headers before any value of the same name
/// it already has (rs/cors writes its headers before the inner handler
/// adds its own).
pub fn prepend(dst: &mut HeaderMap, ours: Vec<(HeaderName, HeaderValue)>) {
    let mut ours = ours.into_iter().peekable();
    while let Some((name, value)) = ours.next() {
        let theirs: Vec<HeaderValue> = if dst.contains_key(&name) {
            let all = dst.get_all(&name).iter().cloned().collect();
            dst.remove(&name);
            all
        } else {
            Vec::new()
        };
        dst.append(name.clone(), value);
        while let Some((_, v)) = ours.next_if(|(n, _)| *n == name) {
            dst.append(name.clone(), v);
        }
        for v in theirs {
            dst.append(name.clone(), v);
        }
    }
}

/// The first value of a header when present and not empty (Go's
/// `Header.Get(…) != ""`).
fn first<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h [u8]> {
    headers
        .get(name)
        .map(HeaderValue::as_bytes)
        .filter(|v| !v.is_empty())
}

/// Go's `strings.ToLower` on header bytes (ASCII fast path; otherwise
/// Unicode lower case, invalid UTF-8 replaced as Go's `Map` replaces it).
fn go_to_lower(b: &[u8]) -> std::borrow::Cow<'_, str> {
    if b.is_ascii() {
        if b.iter().any(u8::is_ascii_uppercase) {
            std::borrow::Cow::Owned(String::from_utf8_lossy(b).to_ascii_lowercase())
        } else {
            String::from_utf8_lossy(b)
        }
    } else {
        std::borrow::Cow::Owned(String::from_utf8_lossy(b).to_lowercase())
    }
}

/// rs/cors's `trimOWS(s, 1)`: at most one space or tab trimmed on each
/// side; `None` (reject) when there are more. Ported with its quirk: the
/// right-hand loop may trim two bytes of a name made only of blanks.
fn trim_ows(s: &[u8]) -> Option<&[u8]> {
    if s.is_empty() {
        return Some(s);
    }
    let ows = |b: u8| b == b' ' || b == b'\t';
    let mut r = s;
    let mut i = 0;
    while let Some(&last) = r.last() {
        if i > MAX_OWS_BYTES {
            return None;
        }
        if !ows(last) {
            break;
        }
        r = &r[..r.len() - 1];
        i += 1;
    }
    let mut l = r;
    let mut i = 0;
    while let Some(&b) = l.first() {
        if i > MAX_OWS_BYTES {
            return None;
        }
        if !ows(b) {
            break;
        }
        l = &l[1..];
        i += 1;
    }
    Some(l)
}

fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

fn values(v: &[&HeaderValue]) -> String {
    let texts: Vec<_> = v.iter().map(|v| text(v.as_bytes())).collect();
    format!("[{}]", texts.join(" "))
}

fn listing(out: &[(HeaderName, HeaderValue)]) -> String {
    let mut s = String::new();
    for (n, v) in out {
        let _ = write!(s, "{n}: {}; ", text(v.as_bytes()));
    }
    s.trim_end_matches("; ").to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// CE's fixture (`krakend-ce` `tests/fixtures/krakend.json`).
    static CE_FIXTURE: Cors = Cors {
        allow_all_origins: true,
        origins: &[],
        wildcard_origins: &[],
        methods: &["POST", "GET"],
        allow_all_headers: false,
        headers: &["authorization", "content-type", "origin"],
        expose_headers: Some("Content-Length"),
        allow_credentials: false,
        allow_private_network: false,
        options_passthrough: false,
        options_success_status: 204,
        max_age: Some("43200"),
        debug: false,
    };
    /// CE's defaults: `"security/cors": {}`.
    static DEFAULTS: Cors = Cors {
        allow_all_origins: true,
        origins: &[],
        wildcard_origins: &[],
        methods: &["GET", "POST", "HEAD"],
        allow_all_headers: true,
        headers: &[],
        expose_headers: None,
        allow_credentials: false,
        allow_private_network: false,
        options_passthrough: false,
        options_success_status: 204,
        max_age: None,
        debug: false,
    };
    /// §3.3's second config: origins `https://a.com`, `https://*.b.com`,
    /// credentials, `max_age` 12h, methods GET/POST/PUT, expose
    /// `X-Total`, `Content-Length`.
    static STRICT: Cors = Cors {
        allow_all_origins: false,
        origins: &["https://a.com"],
        wildcard_origins: &[("https://", ".b.com")],
        methods: &["GET", "POST", "PUT"],
        allow_all_headers: true,
        headers: &[],
        expose_headers: Some("X-Total, Content-Length"),
        allow_credentials: true,
        allow_private_network: false,
        options_passthrough: false,
        options_success_status: 204,
        max_age: Some("43200"),
        debug: false,
    };
    static LOWER_METHODS: Cors = Cors {
        methods: &["get"],
        ..DEFAULTS
    };
    static SOME_HEADERS: Cors = Cors {
        allow_all_headers: false,
        headers: &["authorization", "content-type"],
        ..DEFAULTS
    };
    static PRIVATE: Cors = Cors {
        allow_private_network: true,
        options_success_status: 200,
        ..STRICT
    };
    static PASSTHROUGH: Cors = Cors {
        options_passthrough: true,
        ..STRICT
    };

    const PREFLIGHT_VARY: &str =
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

    /// What the stage does: `Some(status)` when it answers, and the headers
    /// it sets, in order, as `name: value`.
    fn run(spec: &'static Cors, method: &str, req: &[(&str, &str)]) -> (Option<u16>, Vec<String>) {
        let stage = Stage::new(spec).expect("stage");
        let mut h = HeaderMap::new();
        for (k, v) in req {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let show = |n: &HeaderName, v: &HeaderValue| format!("{n}: {}", v.to_str().unwrap());
        match stage.run(&method, &h) {
            Decision::Answer(r) => (
                Some(r.status().as_u16()),
                r.headers().iter().map(|(n, v)| show(n, v)).collect(),
            ),
            Decision::Continue(out) => (None, out.iter().map(|(n, v)| show(n, v)).collect()),
        }
    }

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// krakend-components §3.3, row by row, plus CE's cors_1–cors_5 specs.
    #[test]
    fn verified_cases() {
        let vary = format!("vary: {PREFLIGHT_VARY}");
        type Case = (
            &'static Cors,
            &'static str,
            &'static [(&'static str, &'static str)],
            Option<u16>,
            Vec<String>,
        );
        let table: Vec<Case> = vec![
            // defaults: PUT is not a default method.
            (
                &DEFAULTS,
                "OPTIONS",
                &[
                    ("origin", "a.com"),
                    ("access-control-request-method", "PUT"),
                ],
                Some(204),
                vec![vary.clone()],
            ),
            // defaults, without an Origin: no Allow-* headers (rs/cors
            // needs an Origin; §3.3 row 2 lists them because its harness
            // sent one).
            (
                &DEFAULTS,
                "OPTIONS",
                &[
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "x-foo"),
                ],
                Some(204),
                vec![vary.clone()],
            ),
            (
                &DEFAULTS,
                "OPTIONS",
                &[
                    ("origin", "a.com"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "x-foo"),
                ],
                Some(204),
                vec![
                    vary.clone(),
                    "access-control-allow-origin: *".into(),
                    "access-control-allow-methods: GET".into(),
                    "access-control-allow-headers: x-foo".into(),
                ],
            ),
            (
                &DEFAULTS,
                "GET",
                &[("origin", "a.com")],
                None,
                owned(&["vary: Origin", "access-control-allow-origin: *"]),
            ),
            (
                &DEFAULTS,
                "PUT",
                &[("origin", "a.com")],
                None,
                owned(&["vary: Origin"]),
            ),
            // OPTIONS without ACRM is an actual request (OPTIONS always
            // allowed).
            (
                &DEFAULTS,
                "OPTIONS",
                &[("origin", "a.com")],
                None,
                owned(&["vary: Origin", "access-control-allow-origin: *"]),
            ),
            // An empty ACRM is no preflight either.
            (
                &DEFAULTS,
                "OPTIONS",
                &[("origin", "a.com"), ("access-control-request-method", "")],
                None,
                owned(&["vary: Origin", "access-control-allow-origin: *"]),
            ),
            // No Origin: Vary only.
            (&DEFAULTS, "GET", &[], None, owned(&["vary: Origin"])),
            // The origin's case is kept in the echo; credentials and max-age.
            (
                &STRICT,
                "OPTIONS",
                &[
                    ("origin", "https://A.com"),
                    ("access-control-request-method", "PUT"),
                ],
                Some(204),
                vec![
                    vary.clone(),
                    "access-control-allow-origin: https://A.com".into(),
                    "access-control-allow-methods: PUT".into(),
                    "access-control-allow-credentials: true".into(),
                    "access-control-max-age: 43200".into(),
                ],
            ),
            (
                &STRICT,
                "GET",
                &[("origin", "https://evil.com")],
                None,
                owned(&["vary: Origin"]),
            ),
            // The wildcard matches several labels.
            (
                &STRICT,
                "GET",
                &[("origin", "https://x.y.b.com")],
                None,
                owned(&[
                    "vary: Origin",
                    "access-control-allow-origin: https://x.y.b.com",
                    "access-control-expose-headers: X-Total, Content-Length",
                    "access-control-allow-credentials: true",
                ]),
            ),
            // ... and the empty label, but not the bare domain.
            (
                &STRICT,
                "GET",
                &[("origin", "https://.b.com")],
                None,
                owned(&[
                    "vary: Origin",
                    "access-control-allow-origin: https://.b.com",
                    "access-control-expose-headers: X-Total, Content-Length",
                    "access-control-allow-credentials: true",
                ]),
            ),
            (
                &STRICT,
                "GET",
                &[("origin", "https://b.com")],
                None,
                owned(&["vary: Origin"]),
            ),
            (
                &STRICT,
                "GET",
                &[("origin", "http://x.b.com")],
                None,
                owned(&["vary: Origin"]),
            ),
            // A method outside allow_methods on an allowed origin.
            (
                &STRICT,
                "DELETE",
                &[("origin", "https://a.com")],
                None,
                owned(&["vary: Origin"]),
            ),
            // Preflight for a refused origin: Vary only.
            (
                &STRICT,
                "OPTIONS",
                &[
                    ("origin", "https://evil.com"),
                    ("access-control-request-method", "GET"),
                ],
                Some(204),
                vec![vary.clone()],
            ),
            // The method match is case-sensitive.
            (
                &LOWER_METHODS,
                "GET",
                &[("origin", "a.com")],
                None,
                owned(&["vary: Origin"]),
            ),
            (
                &LOWER_METHODS,
                "OPTIONS",
                &[
                    ("origin", "a.com"),
                    ("access-control-request-method", "GET"),
                ],
                Some(204),
                vec![vary.clone()],
            ),
            // A requested OPTIONS method is always allowed.
            (
                &LOWER_METHODS,
                "OPTIONS",
                &[
                    ("origin", "a.com"),
                    ("access-control-request-method", "OPTIONS"),
                ],
                Some(204),
                vec![
                    vary.clone(),
                    "access-control-allow-origin: *".into(),
                    "access-control-allow-methods: OPTIONS".into(),
                ],
            ),
            // One requested header outside allow_headers refuses it all.
            (
                &SOME_HEADERS,
                "OPTIONS",
                &[
                    ("origin", "a.com"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "authorization,x-foo"),
                ],
                Some(204),
                vec![vary.clone()],
            ),
            (
                &SOME_HEADERS,
                "OPTIONS",
                &[
                    ("origin", "a.com"),
                    ("access-control-request-method", "GET"),
                    (
                        "access-control-request-headers",
                        "authorization,content-type",
                    ),
                ],
                Some(204),
                vec![
                    vary.clone(),
                    "access-control-allow-origin: *".into(),
                    "access-control-allow-methods: GET".into(),
                    "access-control-allow-headers: authorization,content-type".into(),
                ],
            ),
            // CE spec cors_1: allowed, the requested headers echoed.
            (
                &CE_FIXTURE,
                "OPTIONS",
                &[
                    ("user-agent", "some"),
                    ("origin", "http://foo.example"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "content-type,origin"),
                ],
                Some(204),
                vec![
                    vary.clone(),
                    "access-control-allow-origin: *".into(),
                    "access-control-allow-methods: GET".into(),
                    "access-control-allow-headers: content-type,origin".into(),
                    "access-control-max-age: 43200".into(),
                ],
            ),
            // cors_2: PUT not allowed.
            (
                &CE_FIXTURE,
                "OPTIONS",
                &[
                    ("origin", "http://foo.example.tld"),
                    ("access-control-request-method", "PUT"),
                ],
                Some(204),
                vec![vary.clone()],
            ),
            // cors_3: X-PINGOTHER not allowed.
            (
                &CE_FIXTURE,
                "OPTIONS",
                &[
                    ("origin", "http://foo.example"),
                    ("access-control-request-method", "POST"),
                    ("access-control-request-headers", "X-PINGOTHER"),
                ],
                Some(204),
                vec![vary.clone()],
            ),
            // cors_5: an actual GET.
            (
                &CE_FIXTURE,
                "GET",
                &[("origin", "http://foo.example.tld")],
                None,
                owned(&[
                    "vary: Origin",
                    "access-control-allow-origin: *",
                    "access-control-expose-headers: Content-Length",
                ]),
            ),
            // allow_private_network: the Vary names it; the header only on
            // request; options_success_status.
            (
                &PRIVATE,
                "OPTIONS",
                &[
                    ("origin", "https://a.com"),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-private-network", "true"),
                ],
                Some(200),
                owned(&[
                    "vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
                    "access-control-allow-origin: https://a.com",
                    "access-control-allow-methods: GET",
                    "access-control-allow-credentials: true",
                    "access-control-allow-private-network: true",
                    "access-control-max-age: 43200",
                ]),
            ),
            (
                &PRIVATE,
                "OPTIONS",
                &[
                    ("origin", "https://a.com"),
                    ("access-control-request-method", "GET"),
                ],
                Some(200),
                owned(&[
                    "vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
                    "access-control-allow-origin: https://a.com",
                    "access-control-allow-methods: GET",
                    "access-control-allow-credentials: true",
                    "access-control-max-age: 43200",
                ]),
            ),
            // options_passthrough: the preflight headers, not answered.
            (
                &PASSTHROUGH,
                "OPTIONS",
                &[
                    ("origin", "https://a.com"),
                    ("access-control-request-method", "GET"),
                ],
                None,
                vec![
                    vary.clone(),
                    "access-control-allow-origin: https://a.com".into(),
                    "access-control-allow-methods: GET".into(),
                    "access-control-allow-credentials: true".into(),
                    "access-control-max-age: 43200".into(),
                ],
            ),
        ];
        for (spec, method, req, status, want) in table {
            let (have_status, have) = run(spec, method, req);
            assert_eq!(
                (have_status, &have),
                (status, &want),
                "{method} {req:?} with {spec:?}"
            );
        }
    }

    #[test]
    fn requested_headers_as_rs_cors_accepts_them() {
        static SET: Cors = Cors {
            allow_all_headers: false,
            headers: &["a", "b", "c"],
            ..DEFAULTS
        };
        let stage = Stage::new(&SET).expect("stage");
        let table: &[(&[&str], bool)] = &[
            (&["a,b,c"], true),
            (&["a, b ,c"], true),
            (&["a,\tb"], true),
            // Sorted and unique, across lines too.
            (&["b,a"], false),
            (&["a,a"], false),
            (&["a", "b"], true),
            (&["b", "a"], false),
            // Compared as sent: browsers send lower case.
            (&["A"], false),
            // At most one blank byte on each side.
            (&["a,  b"], false),
            (&["a  ,b"], false),
            // Empty elements: up to 16.
            (&[""], true),
            (&[",,a,,"], true),
            (&[&",".repeat(15)], true),
            (&[&",".repeat(16)], false),
            // Two blanks alone are an empty element (rs/cors's quirk),
            // three are not.
            (&["a,  ,b"], true),
            (&["a,   ,b"], false),
            (&["x"], false),
            (&["a,bb"], false),
        ];
        for (lines, want) in table {
            let values: Vec<HeaderValue> = lines
                .iter()
                .map(|l| HeaderValue::from_str(l).unwrap())
                .collect();
            let refs: Vec<&HeaderValue> = values.iter().collect();
            assert_eq!(stage.headers_allowed(&refs), *want, "{lines:?}");
        }
    }

    #[test]
    fn several_request_lines_are_echoed_line_by_line() {
        let (status, have) = run(
            &STRICT,
            "OPTIONS",
            &[
                ("origin", "https://a.com"),
                ("origin", "https://other.example"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "a"),
                ("access-control-request-headers", "b"),
            ],
        );
        assert_eq!(status, Some(204));
        assert_eq!(
            have[1..5],
            owned(&[
                "access-control-allow-origin: https://a.com",
                "access-control-allow-origin: https://other.example",
                "access-control-allow-methods: GET",
                "access-control-allow-headers: a",
            ])
        );
        // An empty first line echoes none.
        let (_, have) = run(
            &DEFAULTS,
            "OPTIONS",
            &[
                ("origin", "a.com"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", ""),
            ],
        );
        assert!(
            !have
                .iter()
                .any(|h| h.starts_with("access-control-allow-headers")),
            "{have:?}"
        );
    }

    #[test]
    fn ours_go_before_the_answers_own() {
        let mut h = HeaderMap::new();
        h.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        h.append(ACAO, HeaderValue::from_static("https://backend.example"));
        h.append(ACAO, HeaderValue::from_static("https://second.example"));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        prepend(
            &mut h,
            vec![
                (header::VARY, VARY_ORIGIN),
                (ACAO, HeaderValue::from_static("https://a.com")),
                (ACAO, HeaderValue::from_static("https://b.com")),
                (ACAC, TRUE),
            ],
        );
        let all = |n: &HeaderName| -> Vec<&str> {
            h.get_all(n).iter().map(|v| v.to_str().unwrap()).collect()
        };
        assert_eq!(all(&header::VARY), ["Origin", "Accept-Encoding"]);
        assert_eq!(
            all(&ACAO),
            [
                "https://a.com",
                "https://b.com",
                "https://backend.example",
                "https://second.example"
            ]
        );
        assert_eq!(all(&ACAC), ["true"]);
        assert_eq!(all(&header::CONTENT_TYPE), ["text/plain"]);
    }

    #[test]
    fn origins_are_compared_lower_cased() {
        static MIXED: Cors = Cors {
            allow_all_origins: false,
            origins: &["https://shop.example"],
            wildcard_origins: &[("https://", ".shop.example"), ("", ".tiket.com")],
            ..DEFAULTS
        };
        let stage = Stage::new(&MIXED).expect("stage");
        for (origin, want) in [
            ("https://shop.example", true),
            ("HTTPS://SHOP.EXAMPLE", true),
            ("https://shop.example.evil", false),
            ("https://api.shop.example", true),
            ("https://a.tiket.com", true),
            ("http://x.tiket.com", true),
            ("https://tiket.com", false),
            ("null", false),
        ] {
            assert_eq!(stage.origin_allowed(origin.as_bytes()), want, "{origin}");
        }
    }
}
