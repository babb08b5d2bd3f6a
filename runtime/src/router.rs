//! The router: one matchit trie per method, built once at start-up from the
//! static segment tables (no config is read: the segments are already split
//! by the compiler), plus the client-visible behaviours of gin that KrakenD
//! users rely on (research/krakend-semantics.md §b.4): 404, 405 with `Allow`,
//! trailing-slash redirects (301 for GET, 307 otherwise), the
//! case-insensitive fixed-path redirect ([`fixed_path`]), the health path,
//! `auto_options`, `remove_extra_slash`, the `/__debug/` and `/__echo/`
//! routes, and lura's check of the parameter values ([`param_error`]).
//!
//! Matching happens on the request's *raw* path after decoding every escape
//! except `%2F` and `%25`. So `/users/a%2Fb` matches `/users/{id}` with
//! `id = "a/b"` (one segment, as the client wrote it), while a literal
//! `/users/a/b` does not match at all. Parameter values are then fully
//! decoded; the request builder re-encodes them as one segment.

use std::borrow::Cow;

use hyper::{Method as HttpMethod, StatusCode};

use crate::spec::{Endpoint, Gateway, Method, Segment};

/// The value stored for the health route (endpoint indices are below it).
const HEALTH: u32 = u32::MAX;
/// The value stored for `/__debug/*param` (`debug_endpoint`).
const DEBUG: u32 = u32::MAX - 1;
/// The value stored for `/__echo/*param` (`echo_endpoint`).
const ECHO: u32 = u32::MAX - 2;

/// Methods with a trie, in this order (`method_index`).
const METHODS: [HttpMethod; 9] = [
    HttpMethod::GET,
    HttpMethod::POST,
    HttpMethod::PUT,
    HttpMethod::PATCH,
    HttpMethod::DELETE,
    HttpMethod::HEAD,
    HttpMethod::OPTIONS,
    HttpMethod::CONNECT,
    HttpMethod::TRACE,
];

/// The trie index of a spec method.
fn spec_method_index(m: Method) -> usize {
    match m {
        Method::Get => 0,
        Method::Post => 1,
        Method::Put => 2,
        Method::Patch => 3,
        Method::Delete => 4,
        Method::Head => 5,
        Method::Options => 6,
        Method::Connect => 7,
        Method::Trace => 8,
    }
}

/// The trie index of a request method (`None`: a method no endpoint can have).
fn http_method_index(m: &HttpMethod) -> Option<usize> {
    METHODS.iter().position(|x| x == m)
}

/// The result of routing one request.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// An endpoint, with its parameter values (decoded, in `Endpoint::params`
    /// order) and the wildcard remainder (still percent-encoded, as sent).
    Endpoint {
        /// Index in `Gateway::endpoints`.
        index: usize,
        /// Decoded parameter values.
        params: Vec<String>,
        /// The `/*` remainder, if the endpoint has one.
        wildcard: Option<String>,
    },
    /// The health path.
    Health,
    /// `/__debug/…`, with gin's `*param` value (`/` and the rest, decoded).
    Debug {
        /// The catch-all value.
        param: String,
    },
    /// `/__echo/…`, with gin's `*param` value.
    Echo {
        /// The catch-all value.
        param: String,
    },
    /// `auto_options`: OPTIONS on a known path.
    Options {
        /// The `Allow` header value.
        allow: String,
    },
    /// The path exists with (or without) a trailing slash.
    Redirect {
        /// 301 (GET) or 307.
        status: StatusCode,
        /// The `Location` value (with the query, as gin sends it).
        location: String,
    },
    /// The path exists for other methods.
    MethodNotAllowed {
        /// The `Allow` header value.
        allow: String,
    },
    /// No such path.
    NotFound,
    /// The path has a malformed escape or is not UTF-8 once decoded.
    BadRequest,
}

impl Route {
    /// The parameter values gin hands to lura's `paramChecker`: an
    /// endpoint's variables, or the `/__debug/`, `/__echo/` catch-all.
    pub fn param_values(&self) -> impl Iterator<Item = &str> {
        let (params, param): (&[String], _) = match self {
            Route::Endpoint { params, .. } => (params, None),
            Route::Debug { param } | Route::Echo { param } => (&[], Some(param.as_str())),
            _ => (&[], None),
        };
        params.iter().map(String::as_str).chain(param)
    }
}

/// Why the router could not be built (the compiler should have rejected the
/// config: this is a compiler bug or a hand-written spec).
#[derive(Debug)]
pub struct BuildError(pub String);

/// The routing tables.
pub struct Router {
    trees: Vec<matchit::Router<u32>>,
    auto_options: bool,
    method_not_allowed: bool,
    redirect_trailing_slash: bool,
    redirect_fixed_path: bool,
    remove_extra_slash: bool,
    /// The tries in the order gin created them (the order of `Allow`):
    /// the health path's GET, the `/__debug/` and `/__echo/` methods
    /// (gin's `anyMethods`), the endpoints' methods in config order.
    order: Vec<usize>,
    /// Per method trie: the segments of every route in it (the health path
    /// too), for the fixed-path search.
    routes: Vec<Vec<Vec<Segment>>>,
}

impl Router {
    /// Builds the tries from the gateway's endpoints.
    pub fn build(gw: &'static Gateway) -> Result<Router, BuildError> {
        let mut trees: Vec<matchit::Router<u32>> =
            (0..METHODS.len()).map(|_| matchit::Router::new()).collect();
        let mut routes: Vec<Vec<Vec<Segment>>> = vec![Vec::new(); METHODS.len()];
        let mut order: Vec<usize> = Vec::new();
        let mut created = |i: usize| {
            if !order.contains(&i) {
                order.push(i);
            }
        };
        if let Some(health) = gw.router.health_path {
            created(0);
            trees[0]
                .insert(escape_static(health), HEALTH)
                .map_err(|e| BuildError(format!("health path `{health}`: {e}")))?;
            let segments = health.strip_prefix('/').unwrap_or(health).split('/');
            routes[0].push(segments.map(Segment::Static).collect());
        }
        // gin's `Any`: every method has the catch-all (lura registers
        // them after the health path, before the endpoints).
        for (on, prefix, value) in [
            (gw.router.debug_endpoint, "__debug", DEBUG),
            (gw.router.echo_endpoint, "__echo", ECHO),
        ] {
            if !on {
                continue;
            }
            // gin's `anyMethods` order: GET POST PUT PATCH HEAD OPTIONS
            // DELETE CONNECT TRACE.
            for i in [0, 1, 2, 3, 5, 6, 4, 7, 8] {
                created(i);
            }
            for (tree, routes) in trees.iter_mut().zip(routes.iter_mut()) {
                for route in [format!("/{prefix}/"), format!("/{prefix}/{{*rest}}")] {
                    tree.insert(route.clone(), value)
                        .map_err(|e| BuildError(format!("`{route}`: {e}")))?;
                }
                routes.push(vec![Segment::Static(prefix), Segment::Wildcard]);
            }
        }
        for (i, ep) in gw.endpoints.iter().enumerate() {
            let route = matchit_route(ep);
            let index = u32::try_from(i).map_err(|_| BuildError("too many endpoints".into()))?;
            created(spec_method_index(ep.method));
            routes[spec_method_index(ep.method)].push(ep.segments.to_vec());
            trees[spec_method_index(ep.method)]
                .insert(route.clone(), index)
                .map_err(|e| {
                    BuildError(format!(
                        "endpoint {:?} {} ({route}): {e}",
                        ep.method, ep.path
                    ))
                })?;
        }
        Ok(Router {
            trees,
            auto_options: gw.router.auto_options,
            method_not_allowed: !gw.router.disable_method_not_allowed,
            redirect_trailing_slash: !gw.router.disable_redirect_trailing_slash,
            redirect_fixed_path: !gw.router.disable_redirect_fixed_path,
            remove_extra_slash: gw.router.remove_extra_slash,
            order,
            routes,
        })
    }

    /// Routes a request. `raw_path` is the path as received (no query);
    /// `query` is the raw query, kept for redirects.
    pub fn route(
        &self,
        gw: &'static Gateway,
        method: &HttpMethod,
        raw_path: &str,
        query: Option<&str>,
    ) -> Route {
        let Some(path) = normalise_path(raw_path) else {
            return Route::BadRequest;
        };
        // gin looks the route up on the cleaned path with
        // `RemoveExtraSlash`, but redirects from the path as sent.
        let lookup = if self.remove_extra_slash && needs_cleaning(&path) {
            Cow::Owned(clean_path(&path))
        } else {
            Cow::Borrowed(path.as_ref())
        };
        let mi = http_method_index(method);
        if let Some(mi) = mi
            && let Ok(m) = self.trees[mi].at(&lookup)
        {
            match *m.value {
                HEALTH => return Route::Health,
                value @ (DEBUG | ECHO) => {
                    let rest = m.params.iter().next().map_or("", |(_, v)| v);
                    let param = format!("/{}", decode_kept(rest));
                    return if value == DEBUG {
                        Route::Debug { param }
                    } else {
                        Route::Echo { param }
                    };
                }
                _ => {}
            }
            let index = *m.value as usize;
            let Some(ep) = gw.endpoints.get(index) else {
                return Route::NotFound;
            };
            let mut params = Vec::with_capacity(ep.params.len());
            let mut wildcard = None;
            for (name, value) in m.params.iter() {
                if name == "rest" {
                    wildcard = Some(value.to_owned());
                } else {
                    params.push(decode_kept(value));
                }
            }
            return Route::Endpoint {
                index,
                params,
                wildcard,
            };
        }
        if self.auto_options && method == HttpMethod::OPTIONS {
            let allow = self.allowed(&lookup);
            if !allow.is_empty() {
                return Route::Options { allow };
            }
        }
        if self.redirect_trailing_slash
            && let Some(mi) = mi
            && method != HttpMethod::CONNECT
            && lookup.len() > 1
            && self.trees[mi].at(&toggle_slash(&lookup)).is_ok()
        {
            let location = location(&toggle_slash(&path), query);
            let status = if method == HttpMethod::GET {
                StatusCode::MOVED_PERMANENTLY
            } else {
                StatusCode::TEMPORARY_REDIRECT
            };
            return Route::Redirect { status, location };
        }
        if self.redirect_fixed_path
            && let Some(mi) = mi
            && method != HttpMethod::CONNECT
            && lookup != "/"
            && let Some(fixed) = fixed_path(&self.routes[mi], &lookup)
        {
            let location = location(&fixed, query);
            let status = if method == HttpMethod::GET {
                StatusCode::MOVED_PERMANENTLY
            } else {
                StatusCode::TEMPORARY_REDIRECT
            };
            return Route::Redirect { status, location };
        }
        if self.method_not_allowed {
            let allow = self.allowed(&lookup);
            if !allow.is_empty() {
                return Route::MethodNotAllowed { allow };
            }
        }
        Route::NotFound
    }

    /// The methods that have a route for `path`, comma-joined, in the
    /// order gin created their trees.
    fn allowed(&self, path: &str) -> String {
        let mut allow = String::new();
        for &i in &self.order {
            if self.trees[i].at(path).is_ok() {
                if !allow.is_empty() {
                    allow.push_str(", ");
                }
                allow.push_str(METHODS[i].as_str());
            }
        }
        if self.auto_options && !allow.is_empty() && !allow.contains("OPTIONS") {
            allow.push_str(", OPTIONS");
        }
        allow
    }
}

/// gin's `RedirectFixedPath` (on unless `disable_redirect_fixed_path`): a
/// path no route of the method matches is cleaned (`//`, `/./`, `/../`)
/// and looked up again ignoring case; a route found that way is the
/// redirect's target, its static text as the route writes it and its
/// parameters as the client sent them. Like gin (which passes
/// `RedirectFixedPath` as the trailing-slash flag), the search also adds or
/// drops a trailing slash, even with `disable_redirect_trailing_slash`.
/// Where several routes fit, gin's tree walk prefers a static segment to a
/// parameter and a lower-case letter to an upper-case one, left to right;
/// the same order is applied here to the candidates. Returns the path,
/// escaped as Go's `URL.EscapedPath` does.
fn fixed_path(routes: &[Vec<Segment>], path: &str) -> Option<String> {
    let cleaned = clean_path(path);
    let segs: Vec<&str> = cleaned[1..].split('/').collect();
    let toggled: Vec<&str> = match segs.split_last() {
        Some((&"", rest)) if !rest.is_empty() => rest.to_vec(),
        _ => segs.iter().copied().chain([""]).collect(),
    };
    for wanted in [&segs, &toggled] {
        let best = routes
            .iter()
            .filter_map(|route| match_folded(route, wanted))
            .min_by(|a, b| a.rank.cmp(&b.rank));
        if let Some(found) = best {
            let mut out = String::with_capacity(path.len() + 1);
            for part in &found.parts {
                out.push('/');
                escape_path_into(&mut out, part);
            }
            if out.is_empty() {
                out.push('/');
            }
            return Some(out);
        }
    }
    None
}

/// A route that matched a path ignoring case.
struct Folded {
    /// The target's segments (unescaped, `%2F`/`%25` kept).
    parts: Vec<String>,
    /// gin's preference, smaller first: per segment, static before
    /// parameter, then the text with lower case before upper case.
    rank: Vec<(u8, Vec<(bool, char)>)>,
}

/// Matches `route` against the request segments ignoring case.
fn match_folded(route: &[Segment], segs: &[&str]) -> Option<Folded> {
    let lower_first =
        |s: &str| -> Vec<(bool, char)> { s.chars().map(|c| (c.is_uppercase(), c)).collect() };
    let mut parts = Vec::with_capacity(segs.len());
    let mut rank = Vec::with_capacity(segs.len());
    let mut i = 0;
    for seg in route {
        match seg {
            Segment::Wildcard => {
                let rest = segs.get(i..).filter(|r| !r.is_empty())?.join("/");
                if rest.is_empty() {
                    return None;
                }
                parts.push(rest);
                rank.push((3, Vec::new()));
                i = segs.len();
                continue;
            }
            Segment::Static(text) => {
                let got = *segs.get(i)?;
                if !eq_fold(text, got) {
                    return None;
                }
                parts.push((*text).to_owned());
                rank.push((0, lower_first(text)));
            }
            Segment::Param(_) => {
                let got = *segs.get(i)?;
                if got.is_empty() {
                    return None;
                }
                parts.push(got.to_owned());
                rank.push((2, Vec::new()));
            }
            Segment::Affixed { prefix, suffix, .. } => {
                let got = *segs.get(i)?;
                let value = strip_fold(got, prefix, suffix)?;
                parts.push(format!("{prefix}{value}{suffix}"));
                rank.push((1, lower_first(prefix)));
            }
        }
        i += 1;
    }
    (i == segs.len()).then_some(Folded { parts, rank })
}

/// Whether two texts are equal ignoring case (Unicode lower-casing).
fn eq_fold(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The non-empty middle of `s` between `prefix` and `suffix`, compared
/// ignoring case.
fn strip_fold<'s>(s: &'s str, prefix: &str, suffix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len()).filter(|h| eq_fold(h, prefix))?;
    let rest = &s[head.len()..];
    let cut = rest.len().checked_sub(suffix.len())?;
    let tail = rest.get(cut..).filter(|t| eq_fold(t, suffix))?;
    let middle = &rest[..rest.len() - tail.len()];
    (!middle.is_empty()).then_some(middle)
}

/// `/a/` ↔ `/a`: the path gin's trailing-slash redirect points to.
/// What Go's `url.URL.EscapedPath` escapes in a path (`encodePath`: all but
/// the unreserved characters and `$&+,/:;=@`), except `%`: the routed path
/// keeps `%2F` and `%25` encoded already.
const LOCATION_PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b',')
    .remove(b'/')
    .remove(b':')
    .remove(b';')
    .remove(b'=')
    .remove(b'@')
    .remove(b'%');

/// A redirect's `Location`: the (decoded) path re-escaped as gin's
/// `req.URL.String()` writes it, so a path holding an encoded CR/LF, a space
/// or non-ASCII text still gets a valid header, then the raw query.
fn location(path: &str, query: Option<&str>) -> String {
    let mut out: String = percent_encoding::utf8_percent_encode(path, LOCATION_PATH).collect();
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn toggle_slash(path: &str) -> Cow<'_, str> {
    match path.strip_suffix('/') {
        Some(p) => Cow::Borrowed(p),
        None => Cow::Owned(format!("{path}/")),
    }
}

/// Whether [`clean_path`] would change `p` (so the common case allocates
/// nothing): an empty, `.` or `..` segment.
fn needs_cleaning(p: &str) -> bool {
    if p == "/" {
        return false;
    }
    let inner = p.strip_prefix('/').unwrap_or(p);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    inner.split('/').any(|s| matches!(s, "" | "." | "..")) || !p.starts_with('/')
}

/// gin's `cleanPath`: `path.Clean` that keeps a trailing slash (and a
/// leading one).
fn clean_path(p: &str) -> String {
    let trailing = p.len() > 1 && p.ends_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut cleaned = String::with_capacity(p.len() + 1);
    for seg in &out {
        cleaned.push('/');
        cleaned.push_str(seg);
    }
    if cleaned.is_empty() || (trailing && !cleaned.ends_with('/')) {
        cleaned.push('/');
    }
    cleaned
}

/// Percent-encodes what Go's `URL.EscapedPath` escapes in a path: all but
/// the unreserved characters and `$&+,/:;=@`. A `%` is kept: the matched
/// path holds none but the `%2F`/`%25` escapes [`normalise_path`] keeps.
fn escape_path_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_'
                    | b'.'
                    | b'~'
                    | b'$'
                    | b'&'
                    | b'+'
                    | b','
                    | b'/'
                    | b':'
                    | b';'
                    | b'='
                    | b'@'
                    | b'%'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// The matchit route for an endpoint. Parameters get positional names
/// (`{p0}`…) so that names never clash with matchit's syntax; values are
/// read back by position.
fn matchit_route(ep: &Endpoint) -> String {
    let mut route = String::with_capacity(ep.path.len() + 8);
    let mut n = 0usize;
    for seg in ep.segments {
        route.push('/');
        match seg {
            Segment::Static(s) => route.push_str(&escape_static(s)),
            Segment::Param(_) => {
                route.push_str(&format!("{{p{n}}}"));
                n += 1;
            }
            Segment::Affixed { prefix, suffix, .. } => {
                route.push_str(&escape_static(prefix));
                route.push_str(&format!("{{p{n}}}"));
                n += 1;
                route.push_str(&escape_static(suffix));
            }
            Segment::Wildcard => route.push_str("{*rest}"),
        }
    }
    if route.is_empty() {
        route.push('/');
    }
    route
}

/// Escapes matchit's `{`/`}` in literal text.
fn escape_static(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes the raw path for matching: every `%XX` except `%2F` (so an
/// encoded slash stays inside its segment) and `%25` (so decoding the
/// parameter value later cannot decode twice). `None` for a malformed escape
/// or a result that is not UTF-8.
pub(crate) fn normalise_path(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains('%') {
        return Some(Cow::Borrowed(raw));
    }
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = hex(*b.get(i + 1)?)?;
            let lo = hex(*b.get(i + 2)?)?;
            let c = hi << 4 | lo;
            if c == b'/' || c == b'%' {
                out.extend_from_slice(if c == b'/' { b"%2F" } else { b"%25" });
            } else {
                out.push(c);
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

/// lura's `paramChecker` (stage c of the handler, unless
/// `disable_path_decoding`): the body of the 400 it answers when a
/// parameter value (decoded once, as gin hands it over) would decode
/// again, holds `?` or `#`, or has a `%` that starts no escape (Go's
/// `url.PathUnescape` error). `None` when every value passes.
pub fn param_error<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<String> {
    for v in values {
        let b = v.as_bytes();
        let mut escaped = false;
        let mut i = 0;
        while let Some(off) = b[i..].iter().position(|&c| c == b'%') {
            let at = i + off;
            let valid = at + 2 < b.len() && hex(b[at + 1]).is_some() && hex(b[at + 2]).is_some();
            if !valid {
                let end = (at + 3).min(b.len());
                return Some(format!(
                    "error: invalid URL escape {}",
                    go_quote(&b[at..end])
                ));
            }
            escaped = true;
            i = at + 3;
        }
        if escaped || v.contains(['?', '#']) {
            return Some("error: encoded url params".to_owned());
        }
    }
    None
}

/// Go's `strconv.Quote` of a few bytes: printable text kept, `"` and `\`
/// escaped, a byte that is not UTF-8 as `\xNN`.
fn go_quote(b: &[u8]) -> String {
    let mut out = String::from("\"");
    let mut rest = b;
    while !rest.is_empty() {
        let (valid, bad) = match std::str::from_utf8(rest) {
            Ok(v) => (v, false),
            Err(e) => (
                std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or_default(),
                true,
            ),
        };
        for c in valid.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{b}' => out.push_str("\\v"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    out.push_str(&format!("\\x{:02x}", c as u32));
                }
                c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                }
                c => out.push(c),
            }
        }
        rest = &rest[valid.len()..];
        if bad {
            out.push_str(&format!("\\x{:02x}", rest[0]));
            rest = &rest[1..];
        }
    }
    out.push('"');
    out
}

/// Decodes the two escapes `normalise_path` kept.
fn decode_kept(v: &str) -> String {
    if !v.contains('%') {
        return v.to_owned();
    }
    v.replace("%2F", "/").replace("%25", "%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::*;

    #[test]
    fn normalise_table() {
        let table: &[(&str, Option<&str>)] = &[
            ("/a/b", Some("/a/b")),
            ("/caf%C3%A9", Some("/café")),
            ("/a%2Fb", Some("/a%2Fb")),
            ("/a%2fb", Some("/a%2Fb")),
            ("/100%25", Some("/100%25")),
            ("/%2E%2E", Some("/..")),
            ("/bad%zz", None),
            ("/cut%4", None),
            ("/%FF", None),
        ];
        for (raw, want) in table {
            assert_eq!(normalise_path(raw).as_deref(), *want, "{raw}");
        }
    }

    /// The routes both tables route through.
    static EPS: &[Endpoint] = &[
        ep(
            Method::Get,
            "/users/{id}",
            &[Segment::Static("users"), Segment::Param("id")],
            &["id"],
        ),
        ep(
            Method::Get,
            "/users/new",
            &[Segment::Static("users"), Segment::Static("new")],
            &[],
        ),
        ep(Method::Post, "/users", &[Segment::Static("users")], &[]),
        ep(
            Method::Get,
            "/files/*",
            &[Segment::Static("files"), Segment::Wildcard],
            &[],
        ),
        ep(
            Method::Get,
            "/a/",
            &[Segment::Static("a"), Segment::Static("")],
            &[],
        ),
        ep(
            Method::Get,
            "/img/file-{n}.png",
            &[
                Segment::Static("img"),
                Segment::Affixed {
                    prefix: "file-",
                    name: "n",
                    suffix: ".png",
                },
            ],
            &["n"],
        ),
        ep(Method::Get, "/{{x}}", &[Segment::Static("{x}")], &[]),
        ep(Method::Get, "/Case", &[Segment::Static("Case")], &[]),
        ep(Method::Get, "/case", &[Segment::Static("case")], &[]),
        ep(
            Method::Get,
            "/caf\u{e9}",
            &[Segment::Static("caf\u{e9}")],
            &[],
        ),
    ];

    #[test]
    fn routes_table() {
        static GW: Gateway = gateway(EPS);
        let r = Router::build(&GW).expect("router");
        let get = HttpMethod::GET;
        let e = |index: usize, params: &[&str], wildcard: Option<&str>| Route::Endpoint {
            index,
            params: params.iter().map(|s| s.to_string()).collect(),
            wildcard: wildcard.map(str::to_owned),
        };
        let table: Vec<(HttpMethod, &str, Route)> = vec![
            (get.clone(), "/users/42", e(0, &["42"], None)),
            (get.clone(), "/users/new", e(1, &[], None)),
            (get.clone(), "/users/a%2Fb", e(0, &["a/b"], None)),
            (get.clone(), "/users/..%2Fadmin", e(0, &["../admin"], None)),
            (get.clone(), "/users/a/b", Route::NotFound),
            // A trailing-slash redirect re-escapes what the path decoded to,
            // so an encoded CR/LF, a space or `(` keeps a valid Location.
            (
                get.clone(),
                "/users/x%0D%0A%20(y)%2F%C3%A9/",
                Route::Redirect {
                    status: StatusCode::MOVED_PERMANENTLY,
                    location: "/users/x%0D%0A%20%28y%29%2F%C3%A9?q=1".into(),
                },
            ),
            (get.clone(), "/files/x/y.txt", e(3, &[], Some("x/y.txt"))),
            (get.clone(), "/__health", Route::Health),
            (get.clone(), "/nope", Route::NotFound),
            (
                get.clone(),
                "/users",
                Route::MethodNotAllowed {
                    allow: "POST".into(),
                },
            ),
            (
                HttpMethod::DELETE,
                "/users/1",
                Route::MethodNotAllowed {
                    allow: "GET".into(),
                },
            ),
            (
                get.clone(),
                "/a",
                Route::Redirect {
                    status: StatusCode::MOVED_PERMANENTLY,
                    location: "/a/?q=1".into(),
                },
            ),
            (
                HttpMethod::POST,
                "/users/",
                Route::Redirect {
                    status: StatusCode::TEMPORARY_REDIRECT,
                    location: "/users?q=1".into(),
                },
            ),
            (get.clone(), "/users/%zz", Route::BadRequest),
            (get.clone(), "/img/file-7.png", e(5, &["7"], None)),
            (get.clone(), "/img/file-7.jpg", Route::NotFound),
            (get.clone(), "/{x}", e(6, &[], None)),
        ];
        for (m, path, want) in table {
            assert_eq!(r.route(&GW, &m, path, Some("q=1")), want, "{m} {path}");
        }
    }

    #[test]
    fn fixed_path_table() {
        static ON: Gateway = gateway(EPS);
        static NO_TRAILING: Gateway = Gateway {
            router: RouterOptions {
                disable_access_log: true,
                disable_redirect_trailing_slash: true,
                ..RouterOptions::DEFAULT
            },
            ..gateway(EPS)
        };
        static OFF: Gateway = Gateway {
            router: RouterOptions {
                disable_access_log: true,
                disable_redirect_fixed_path: true,
                ..RouterOptions::DEFAULT
            },
            ..gateway(EPS)
        };
        let moved = |location: &str| Route::Redirect {
            status: StatusCode::MOVED_PERMANENTLY,
            location: location.into(),
        };
        let get = HttpMethod::GET;
        let table: Vec<(&Gateway, HttpMethod, &str, Option<&str>, Route)> = vec![
            (&ON, get.clone(), "/StAtic", None, Route::NotFound),
            (
                &ON,
                get.clone(),
                "/USERS/42",
                Some("q=1"),
                moved("/users/42?q=1"),
            ),
            // A static segment wins over a parameter, as in gin's walk.
            (&ON, get.clone(), "/USERS/NEW", None, moved("/users/new")),
            // The client's text is kept for a parameter, escaped as Go does.
            (
                &ON,
                get.clone(),
                "/Users/caf%C3%A9",
                None,
                moved("/users/caf%C3%A9"),
            ),
            (
                &ON,
                get.clone(),
                "/Users/a%2Fb",
                None,
                moved("/users/a%2Fb"),
            ),
            (
                &ON,
                HttpMethod::POST,
                "/USERS",
                None,
                Route::Redirect {
                    status: StatusCode::TEMPORARY_REDIRECT,
                    location: "/users".into(),
                },
            ),
            // Case and the trailing slash fixed together.
            (&ON, get.clone(), "/A", None, moved("/a/")),
            // Cleaned before the lookup.
            (
                &ON,
                get.clone(),
                "/x/../users//new",
                None,
                moved("/users/new"),
            ),
            (&ON, get.clone(), "/users/./7", None, moved("/users/7")),
            (
                &ON,
                get.clone(),
                "/IMG/FILE-7.PNG",
                None,
                moved("/img/file-7.png"),
            ),
            (&ON, get.clone(), "/Files/x/Y", None, moved("/files/x/Y")),
            (&ON, get.clone(), "/__HEALTH", None, moved("/__health")),
            // Two routes differing in case: lower case first.
            (&ON, get.clone(), "/CASE", None, moved("/case")),
            (&ON, get.clone(), "/CAF%C3%89", None, moved("/caf%C3%A9")),
            // Only the request method's routes are searched.
            (&ON, HttpMethod::DELETE, "/USERS/1", None, Route::NotFound),
            (&ON, get.clone(), "/nothing", None, Route::NotFound),
            // The fixed path still fixes a trailing slash without
            // RedirectTrailingSlash (gin passes RedirectFixedPath as the flag).
            (&NO_TRAILING, get.clone(), "/a", None, moved("/a/")),
            (
                &NO_TRAILING,
                get.clone(),
                "/Users/7",
                None,
                moved("/users/7"),
            ),
            (&OFF, get.clone(), "/USERS/42", None, Route::NotFound),
            (&OFF, get.clone(), "/a", None, moved("/a/")),
        ];
        let routers: Vec<(&Gateway, Router)> = [&ON, &NO_TRAILING, &OFF]
            .into_iter()
            .map(|g| (g, Router::build(g).expect("router")))
            .collect();
        for (g, m, path, query, want) in table {
            let (_, r) = routers
                .iter()
                .find(|(rg, _)| std::ptr::eq(*rg, g))
                .expect("gateway");
            assert_eq!(r.route(g, &m, path, query), want, "{m} {path}");
        }
    }

    #[test]
    fn debug_echo_and_extra_slashes_table() {
        static GW: Gateway = Gateway {
            router: RouterOptions {
                disable_access_log: true,
                debug_endpoint: true,
                echo_endpoint: true,
                remove_extra_slash: true,
                ..RouterOptions::DEFAULT
            },
            ..gateway(EPS)
        };
        static PLAIN: Gateway = gateway(EPS);
        let (on, off) = (
            Router::build(&GW).expect("router"),
            Router::build(&PLAIN).expect("router"),
        );
        let debug = |p: &str| Route::Debug { param: p.into() };
        let echo = |p: &str| Route::Echo { param: p.into() };
        let e = |index: usize, params: &[&str]| Route::Endpoint {
            index,
            params: params.iter().map(|s| s.to_string()).collect(),
            wildcard: None,
        };
        let moved = |status: StatusCode, location: &str| Route::Redirect {
            status,
            location: location.into(),
        };
        let get = HttpMethod::GET;
        let table: Vec<(&Router, HttpMethod, &str, Route)> = vec![
            // gin's `Any`: every method, the catch-all value with its `/`.
            (&on, get.clone(), "/__debug/", debug("/")),
            (&on, HttpMethod::POST, "/__debug/a/b", debug("/a/b")),
            (&on, HttpMethod::TRACE, "/__echo/x", echo("/x")),
            (&on, HttpMethod::OPTIONS, "/__echo/a%2Fb%3F", echo("/a/b?")),
            // gin's trailing-slash redirect to the catch-all's root.
            (
                &on,
                get.clone(),
                "/__debug",
                moved(StatusCode::MOVED_PERMANENTLY, "/__debug/?q=1"),
            ),
            (
                &on,
                HttpMethod::PUT,
                "/__echo",
                moved(StatusCode::TEMPORARY_REDIRECT, "/__echo/?q=1"),
            ),
            (
                &on,
                get.clone(),
                "/__DEBUG/x",
                moved(StatusCode::MOVED_PERMANENTLY, "/__debug/x?q=1"),
            ),
            (&off, get.clone(), "/__debug/", Route::NotFound),
            // Another method: 405, `Allow` in the order gin made its trees.
            (
                &on,
                HttpMethod::from_bytes(b"PROPFIND").unwrap_or(HttpMethod::GET),
                "/__echo/x",
                Route::MethodNotAllowed {
                    allow: "GET, POST, PUT, PATCH, HEAD, OPTIONS, DELETE, CONNECT, TRACE".into(),
                },
            ),
            (&off, get.clone(), "/__echo/x", Route::NotFound),
            // remove_extra_slash: the route is found on the cleaned path.
            (&on, get.clone(), "//users///42", e(0, &["42"])),
            (&on, get.clone(), "/x/../users/./new", e(1, &[])),
            (&on, get.clone(), "//__health", Route::Health),
            (
                &off,
                get.clone(),
                "//users///42",
                moved(StatusCode::MOVED_PERMANENTLY, "/users/42?q=1"),
            ),
            // The trailing-slash redirect is decided on the cleaned path and
            // points at the path as sent, toggled (gin's `redirectTrailingSlash`).
            (
                &on,
                get.clone(),
                "//a",
                moved(StatusCode::MOVED_PERMANENTLY, "//a/?q=1"),
            ),
        ];
        for (r, m, path, want) in table {
            let gw = if std::ptr::eq(r, &on) { &GW } else { &PLAIN };
            assert_eq!(r.route(gw, &m, path, Some("q=1")), want, "{m} {path}");
        }
    }

    /// lura's `paramChecker` on the values gin hands it.
    #[test]
    fn param_checker_table() {
        let table: &[(&[&str], Option<&str>)] = &[
            (&["42", "a b", "é", "a/b"], None),
            (&["ok", "a?b"], Some("error: encoded url params")),
            (&["a#b"], Some("error: encoded url params")),
            (&["%41"], Some("error: encoded url params")),
            (&["..%2Fadmin"], Some("error: encoded url params")),
            (&["100%"], Some(r#"error: invalid URL escape "%""#)),
            (&["%zz1"], Some(r#"error: invalid URL escape "%zz""#)),
            (&["%4"], Some(r#"error: invalid URL escape "%4""#)),
            (&["%41%g"], Some(r#"error: invalid URL escape "%g""#)),
            (&["%é"], Some(r#"error: invalid URL escape "%é""#)),
            (&["%日"], Some(r#"error: invalid URL escape "%\xe6\x97""#)),
            (&["%\\"], Some(r#"error: invalid URL escape "%\\""#)),
        ];
        for (values, want) in table {
            assert_eq!(
                param_error(values.iter().copied()).as_deref(),
                *want,
                "{values:?}"
            );
        }
    }

    #[test]
    fn clean_path_table() {
        let table = [
            ("/", "/"),
            ("/a//b", "/a/b"),
            ("/a/./b/", "/a/b/"),
            ("/a/../../b", "/b"),
            ("/a/..", "/"),
            ("//", "/"),
        ];
        for (raw, want) in table {
            assert_eq!(clean_path(raw), want, "{raw}");
        }
    }

    const fn ep(
        method: Method,
        path: &'static str,
        segments: &'static [Segment],
        params: &'static [&'static str],
    ) -> Endpoint {
        Endpoint {
            method,
            path,
            segments,
            params,
            ..Endpoint::DEFAULT
        }
    }

    const fn gateway(endpoints: &'static [Endpoint]) -> Gateway {
        Gateway {
            name: "t",
            endpoints,
            router: RouterOptions {
                disable_access_log: true,
                ..RouterOptions::DEFAULT
            },
            version_header: Some("Version test"),
            user_agent: "KrakenD Version test",
            ..Gateway::DEFAULT
        }
    }
}
