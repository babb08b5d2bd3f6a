//! Following a backend's 30x answers, as Go's `http.Client` does for
//! KrakenD (research/lb-failover-health.md §7.3 `follow_redirects`;
//! research/krakend-semantics.md: "the gateway follows 30x redirects").
//!
//! The rules are Go's (`net/http` `redirectBehavior` and `Client.do`):
//! - 301, 302, 303: the next request has no body, and its method becomes
//!   GET unless it was GET or HEAD;
//! - 307, 308: the method and body are kept; a request that had a body is
//!   not followed (lura's request body cannot be re-read) and the 30x is
//!   the answer;
//! - a 30x without `Location` is the answer;
//! - at most 10 redirects, then an error;
//! - `Authorization`, `WWW-Authenticate`, `Cookie` and `Cookie2` are
//!   dropped when the redirect leaves the original host and its
//!   subdomains; `Referer` is set to the previous URL unless the request
//!   carries its own or the redirect goes from https to http.
//!
//! `Location` is resolved against the URL it answered (RFC 3986 §5.2,
//! dot segments removed) by hand: the `url` crate would add the ICU
//! tables to every gateway build for this one function.

use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::http::uri::{Authority, PathAndQuery, Scheme};
use hyper::{Method, StatusCode, Uri};

/// Go's `http.Client` limit.
pub const MAX_REDIRECTS: usize = 10;

/// Whether `status` is one Go's client follows.
pub fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301..=303 | 307 | 308)
}

/// The next request of a redirect chain.
#[derive(Debug, PartialEq, Eq)]
pub struct Hop {
    /// The method to send.
    pub method: Method,
    /// Where to send it.
    pub uri: Uri,
    /// Whether the body (and its headers) are dropped.
    pub drop_body: bool,
}

/// Why a redirect cannot be followed (the request fails).
#[derive(Debug, PartialEq, Eq)]
pub struct RedirectError(pub String);

/// What to do with an answer of `status` to a `method` request sent to
/// `from`: `Ok(None)` keeps the answer, `Ok(Some(hop))` follows it.
pub fn next_hop(
    method: &Method,
    status: StatusCode,
    location: Option<&HeaderValue>,
    from: &Uri,
    had_body: bool,
) -> Result<Option<Hop>, RedirectError> {
    let (method, drop_body) = match status.as_u16() {
        301..=303 if *method == Method::GET || *method == Method::HEAD => (method.clone(), true),
        301..=303 => (Method::GET, true),
        307 | 308 if had_body => return Ok(None),
        307 | 308 => (method.clone(), false),
        _ => return Ok(None),
    };
    let Some(location) = location else {
        return Ok(None);
    };
    let text = location
        .to_str()
        .map_err(|_| RedirectError("the Location header is not text".to_owned()))?;
    if text.is_empty() {
        return Ok(None);
    }
    let uri = resolve(from, text).ok_or_else(|| {
        RedirectError(format!("cannot follow Location `{}`", text.escape_debug()))
    })?;
    Ok(Some(Hop {
        method,
        uri,
        drop_body,
    }))
}

/// Adjusts a copy of the previous request's headers for the hop from
/// `from` to `hop.uri` (the client sets `Host` from the URI).
pub fn hop_headers(headers: &mut HeaderMap, from: &Uri, hop: &Hop) {
    if hop.drop_body {
        for h in [
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
            header::TRANSFER_ENCODING,
        ] {
            headers.remove(h);
        }
    }
    let (old, new) = (from.host().unwrap_or(""), hop.uri.host().unwrap_or(""));
    if !same_site(old, new) {
        for h in [
            header::AUTHORIZATION,
            header::WWW_AUTHENTICATE,
            header::COOKIE,
            header::HeaderName::from_static("cookie2"),
        ] {
            headers.remove(h);
        }
    }
    let downgrade =
        from.scheme() == Some(&Scheme::HTTPS) && hop.uri.scheme() == Some(&Scheme::HTTP);
    if !headers.contains_key(header::REFERER)
        && !downgrade
        && let Ok(v) = HeaderValue::try_from(from.to_string())
    {
        headers.insert(header::REFERER, v);
    }
}

/// Go's `isDomainOrSubdomain`: `new` is `old` or a subdomain of it.
fn same_site(old: &str, new: &str) -> bool {
    let (old, new) = (old.as_bytes(), new.as_bytes());
    old.eq_ignore_ascii_case(new)
        || new.len() > old.len() + 1
            && new.get(new.len() - old.len() - 1) == Some(&b'.')
            && new
                .get(new.len() - old.len()..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(old))
}

/// RFC 3986 §5.2.2: `reference` resolved against `base`. Only http and
/// https targets are returned.
pub fn resolve(base: &Uri, reference: &str) -> Option<Uri> {
    let reference = reference.split('#').next().unwrap_or_default();
    let (scheme, rest) = match reference.split_once(':') {
        Some((s, r)) if is_scheme(s) => {
            let scheme = if s.eq_ignore_ascii_case("http") {
                Scheme::HTTP
            } else if s.eq_ignore_ascii_case("https") {
                Scheme::HTTPS
            } else {
                // Go's client: "unsupported protocol scheme".
                return None;
            };
            (scheme, Some(r.strip_prefix("//")?))
        }
        _ => (base.scheme()?.clone(), None),
    };
    let (authority, path_query) = match (rest, reference.strip_prefix("//")) {
        (Some(r), _) | (None, Some(r)) => {
            let end = r.find(['/', '?']).unwrap_or(r.len());
            (Authority::try_from(&r[..end]).ok()?, with_root(&r[end..]))
        }
        (None, None) => {
            let base_pq = base.path_and_query().map_or("/", PathAndQuery::as_str);
            let base_path = base.path();
            let pq = if reference.is_empty() {
                base_pq.to_owned()
            } else if let Some(q) = reference.strip_prefix('?') {
                format!("{base_path}?{q}")
            } else if reference.starts_with('/') {
                reference.to_owned()
            } else {
                let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
                format!("{}{reference}", if dir.is_empty() { "/" } else { dir })
            };
            (base.authority()?.clone(), pq)
        }
    };
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_query.as_str(), None),
    };
    let mut pq = remove_dot_segments(path);
    if let Some(q) = query {
        pq.push('?');
        pq.push_str(q);
    }
    Uri::builder()
        .scheme(scheme)
        .authority(authority)
        .path_and_query(pq)
        .build()
        .ok()
}

/// RFC 3986 `scheme`: a letter, then letters, digits, `+`, `-`, `.`.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn with_root(pq: &str) -> String {
    if pq.starts_with('/') {
        pq.to_owned()
    } else {
        format!("/{pq}")
    }
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, s) in segments.iter().enumerate() {
        match *s {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().expect("test uri")
    }

    #[test]
    fn references_resolve_as_rfc_3986() {
        let base = uri("http://a:8080/b/c/d;p?q");
        let cases = [
            ("g", "http://a:8080/b/c/g"),
            ("./g", "http://a:8080/b/c/g"),
            ("g/", "http://a:8080/b/c/g/"),
            ("/g", "http://a:8080/g"),
            ("//g", "http://g/"),
            ("//g:81/x?y", "http://g:81/x?y"),
            ("?y", "http://a:8080/b/c/d;p?y"),
            ("g?y", "http://a:8080/b/c/g?y"),
            ("#s", "http://a:8080/b/c/d;p?q"),
            ("g#s", "http://a:8080/b/c/g"),
            ("..", "http://a:8080/b/"),
            ("../g", "http://a:8080/b/g"),
            ("../../g", "http://a:8080/g"),
            ("../../../g", "http://a:8080/g"),
            ("/./g", "http://a:8080/g"),
            ("/../g", "http://a:8080/g"),
            ("https://other/x", "https://other/x"),
            ("HTTP://Other:9/x?q=1", "http://Other:9/x?q=1"),
            ("http://h", "http://h/"),
        ];
        for (reference, want) in cases {
            let got = resolve(&base, reference).map(|u| u.to_string());
            assert_eq!(got.as_deref(), Some(want), "{reference}");
        }
        for bad in [
            "ftp://h/x",
            "mailto:x@y",
            "http:g",
            "http://bad host/x",
            "/a b",
        ] {
            assert_eq!(resolve(&base, bad), None, "{bad}");
        }
    }

    #[test]
    fn hops_follow_gos_rules() {
        let from = uri("http://a/x");
        let loc = HeaderValue::from_static("/y");
        let hop = |m: Method, s: u16, body: bool| {
            next_hop(
                &m,
                StatusCode::from_u16(s).expect("status"),
                Some(&loc),
                &from,
                body,
            )
        };
        let to = |method, drop_body| {
            Ok(Some(Hop {
                method,
                uri: uri("http://a/y"),
                drop_body,
            }))
        };
        assert_eq!(hop(Method::GET, 301, false), to(Method::GET, true));
        assert_eq!(hop(Method::HEAD, 302, false), to(Method::HEAD, true));
        assert_eq!(hop(Method::POST, 302, true), to(Method::GET, true));
        assert_eq!(hop(Method::PUT, 303, true), to(Method::GET, true));
        assert_eq!(hop(Method::POST, 307, false), to(Method::POST, false));
        assert_eq!(hop(Method::DELETE, 308, false), to(Method::DELETE, false));
        // A body that cannot be re-sent: the 307/308 is the answer.
        assert_eq!(hop(Method::POST, 307, true), Ok(None));
        assert_eq!(hop(Method::PUT, 308, true), Ok(None));
        // Not redirects.
        for s in [200, 300, 304, 305, 306, 404, 500] {
            assert_eq!(hop(Method::GET, s, false), Ok(None), "{s}");
        }
        // No Location (or an empty one): the answer.
        let none = next_hop(&Method::GET, StatusCode::FOUND, None, &from, false);
        assert_eq!(none, Ok(None));
        let empty = HeaderValue::from_static("");
        let r = next_hop(&Method::GET, StatusCode::FOUND, Some(&empty), &from, false);
        assert_eq!(r, Ok(None));
        // A Location that cannot be followed fails the request.
        let bad = HeaderValue::from_static("ftp://x/");
        let r = next_hop(&Method::GET, StatusCode::FOUND, Some(&bad), &from, false);
        assert!(r.is_err());
    }

    #[test]
    fn hop_headers_drop_credentials_off_site() {
        let mut base = HeaderMap::new();
        for (k, v) in [
            ("authorization", "Bearer t"),
            ("cookie", "a=1"),
            ("content-type", "application/json"),
            ("x-keep", "1"),
        ] {
            base.insert(
                header::HeaderName::from_static(k),
                HeaderValue::from_static(v),
            );
        }
        let from = uri("https://api.example.com/x");
        let cases = [
            ("https://api.example.com/y", true, true, false),
            ("https://eu.api.example.com/y", true, true, false),
            ("https://example.com/y", false, false, true),
            ("http://api.example.com/y", true, true, true),
            ("https://evilapi.example.com/y", false, false, false),
        ];
        for (to, auth, cookie, drop_body) in cases {
            let mut h = base.clone();
            let hop = Hop {
                method: Method::GET,
                uri: uri(to),
                drop_body,
            };
            hop_headers(&mut h, &from, &hop);
            assert_eq!(h.contains_key(header::AUTHORIZATION), auth, "{to}");
            assert_eq!(h.contains_key(header::COOKIE), cookie, "{to}");
            assert_eq!(h.contains_key(header::CONTENT_TYPE), !drop_body, "{to}");
            assert!(h.contains_key("x-keep"));
            let downgrade = to.starts_with("http://");
            assert_eq!(
                h.get(header::REFERER)
                    .map(|v| v.to_str().unwrap_or_default().to_owned()),
                (!downgrade).then(|| from.to_string()),
                "{to}"
            );
        }
    }
}
