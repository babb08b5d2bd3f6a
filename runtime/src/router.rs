//! The router: one matchit trie per method, built once at start-up from the
//! static segment tables (no config is read: the segments are already split
//! by the compiler), plus the client-visible behaviours of gin that KrakenD
//! users rely on (research/krakend-semantics.md §b.4): 404, 405 with `Allow`,
//! trailing-slash redirects (301 for GET, 307 otherwise), the health path and
//! `auto_options`.
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
}

impl Router {
    /// Builds the tries from the gateway's endpoints.
    pub fn build(gw: &'static Gateway) -> Result<Router, BuildError> {
        let mut trees: Vec<matchit::Router<u32>> =
            (0..METHODS.len()).map(|_| matchit::Router::new()).collect();
        if let Some(health) = gw.router.health_path {
            trees[0]
                .insert(escape_static(health), HEALTH)
                .map_err(|e| BuildError(format!("health path `{health}`: {e}")))?;
        }
        for (i, ep) in gw.endpoints.iter().enumerate() {
            let route = matchit_route(ep);
            let index = u32::try_from(i).map_err(|_| BuildError("too many endpoints".into()))?;
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
        let mi = http_method_index(method);
        if let Some(mi) = mi
            && let Ok(m) = self.trees[mi].at(&path)
        {
            if *m.value == HEALTH {
                return Route::Health;
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
            let allow = self.allowed(&path);
            if !allow.is_empty() {
                return Route::Options { allow };
            }
        }
        if self.redirect_trailing_slash
            && let Some(mi) = mi
            && path.len() > 1
        {
            let toggled = match path.strip_suffix('/') {
                Some(p) => Cow::Borrowed(p),
                None => Cow::Owned(format!("{path}/")),
            };
            if self.trees[mi].at(&toggled).is_ok() {
                let mut location = toggled.into_owned();
                if let Some(q) = query {
                    location.push('?');
                    location.push_str(q);
                }
                let status = if method == HttpMethod::GET {
                    StatusCode::MOVED_PERMANENTLY
                } else {
                    StatusCode::TEMPORARY_REDIRECT
                };
                return Route::Redirect { status, location };
            }
        }
        if self.method_not_allowed {
            let allow = self.allowed(&path);
            if !allow.is_empty() {
                return Route::MethodNotAllowed { allow };
            }
        }
        Route::NotFound
    }

    /// The methods that have a route for `path`, comma-joined.
    fn allowed(&self, path: &str) -> String {
        let mut allow = String::new();
        for (i, tree) in self.trees.iter().enumerate() {
            if tree.at(path).is_ok() {
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

    #[test]
    fn routes_table() {
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
        ];
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
