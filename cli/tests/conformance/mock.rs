//! The mock backend KrakenD CE's harness (`tests/integration.go`) runs
//! beside the gateway, ported to answer byte for byte as Go's `net/http`
//! does: [`backend`], `mockBackendBuilder`, the `ServeMux` on `:8081`
//! (echo, xml, collection, delayed, redirect, symmetric JWK), with the
//! mux's own 404s and trailing-slash redirects and the `X-Forwarded-For`
//! check. What the fixture's backends on `:8080` reach is the gateway
//! itself (its own `/__debug/`), through [`crate::relay`].

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use crate::support::{Reply, Seen};

/// How long `/delayed/` waits (the harness's `-krakend_delay` default).
const DELAY: Duration = Duration::from_millis(200);

/// The `:8081` mock backend.
pub fn backend(seen: &Seen) -> Reply {
    let (path, query) = split_target(&seen.uri);
    // `ServeMux` patterns, longest first as the mux picks them: subtrees
    // end in `/`, the others match exactly.
    const SUBTREES: [&str; 4] = [
        "/param_forwarding/",
        "/collection/",
        "/delayed/",
        "/redirect/",
    ];
    const EXACT: [&str; 2] = ["/xml", "/jwk/symmetric"];
    if let Some(clean) = unclean(&path) {
        return mux_redirect(seen, &clean, query);
    }
    let route = EXACT
        .iter()
        .find(|p| **p == path)
        .or_else(|| SUBTREES.iter().find(|p| path.starts_with(**p)));
    let Some(route) = route else {
        // `/param_forwarding` → `/param_forwarding/`: the mux redirects a
        // subtree's root without its slash.
        if SUBTREES
            .iter()
            .any(|p| p.strip_suffix('/') == Some(path.as_str()))
        {
            return mux_redirect(seen, &format!("{path}/"), query);
        }
        return go_error(404, "404 page not found");
    };
    if *route == "/jwk/symmetric" {
        return Reply::json(SYMMETRIC_JWK);
    }
    // checkXForwardedFor wraps every other handler.
    let forwarded = seen.header("x-forwarded-for").unwrap_or_default();
    if !forwarded.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return go_error(400, "invalid X-Forwarded-For");
    }
    match *route {
        "/xml" => Reply::json(XML).header("Content-Type", "application/xml; charset=utf-8"),
        "/collection/" => {
            let items: Vec<Json> = (0..10)
                .map(|i| Json::object([("path", Json::Str(path.clone())), ("i", Json::Num(i))]))
                .collect();
            Reply::json(&(Json::Array(items).encode() + "\n"))
        }
        "/delayed/" => echo(seen, &path, query).delay(DELAY),
        "/redirect/" => redirect(seen, query),
        _ => echo(seen, &path, query),
    }
}

/// `echoEndpoint`: the request as Go's server saw it, in JSON.
fn echo(seen: &Seen, path: &str, query: Option<&str>) -> Reply {
    let params = parse_query(query.unwrap_or_default());
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &seen.headers {
        // Go's server moves Host to r.Host and drops Transfer-Encoding (and
        // Content-Length with it) from r.Header; the handler deletes
        // X-Forwarded-For.
        if matches!(
            name.as_str(),
            "host" | "transfer-encoding" | "x-forwarded-for"
        ) {
            continue;
        }
        if name == "content-length" && seen.header("transfer-encoding").is_some() {
            continue;
        }
        headers
            .entry(canonical_header(name))
            .or_default()
            .push(value.clone());
    }
    let strings = |v: &Vec<String>| Json::Array(v.iter().cloned().map(Json::Str).collect());
    let mut fields = vec![
        ("path", Json::Str(path.to_owned())),
        (
            "query",
            Json::Object(
                params
                    .iter()
                    .map(|(k, v)| (k.clone(), strings(v)))
                    .collect(),
            ),
        ),
        (
            "headers",
            Json::Object(
                headers
                    .iter()
                    .map(|(k, v)| (k.clone(), strings(v)))
                    .collect(),
            ),
        ),
        ("foo", Json::Num(42)),
    ];
    if params
        .get("dump_body")
        .and_then(|v| v.first())
        .map(String::as_str)
        == Some("1")
    {
        fields.push((
            "body",
            Json::Str(String::from_utf8_lossy(&seen.body).into_owned()),
        ));
    }
    Reply::json(&(Json::object(fields).encode() + "\n"))
        .header("Set-Cookie", "test1=test1")
        .add_header("Set-Cookie", "test2=test2")
}

/// `redirectEndpoint`: to `/param_forwarding/` with the same query, with the
/// status the `status` parameter asks for.
fn redirect(seen: &Seen, query: Option<&str>) -> Reply {
    let params = parse_query(query.unwrap_or_default());
    let status = match params.get("status").and_then(|v| v.first()) {
        None => 301,
        Some(s) => match s.parse::<u16>() {
            Ok(code) => code,
            Err(e) => return go_error(400, &e.to_string()),
        },
    };
    let target = match query {
        Some(q) => format!("/param_forwarding/?{q}"),
        None => "/param_forwarding/".to_owned(),
    };
    go_redirect(seen, status, &target)
}

/// `ServeMux`'s 301 to a cleaned or slash-completed path, query kept.
fn mux_redirect(seen: &Seen, path: &str, query: Option<&str>) -> Reply {
    let target = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    go_redirect(seen, 301, &target)
}

/// `http.Redirect`: `Location`, and for GET and HEAD a small HTML body.
fn go_redirect(seen: &Seen, status: u16, location: &str) -> Reply {
    let mut reply = Reply {
        status,
        headers: vec![("Location".into(), location.into())],
        body: Vec::new(),
        delay: Duration::ZERO,
    };
    if seen.method == "GET" || seen.method == "HEAD" {
        reply = reply.header("Content-Type", "text/html; charset=utf-8");
        reply.body = format!(
            "<a href=\"{}\">{}</a>.\n",
            html_escape(location),
            status_text(status)
        )
        .into_bytes();
    }
    reply
}

/// `http.Error`: a plain-text line.
fn go_error(status: u16, text: &str) -> Reply {
    Reply::json(&format!("{text}\n"))
        .status(status)
        .header("Content-Type", "text/plain; charset=utf-8")
        .add_header("X-Content-Type-Options", "nosniff")
}

fn status_text(status: u16) -> &'static str {
    match status {
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        _ => "",
    }
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The path (percent-decoded, as `r.URL.Path`) and the raw query.
fn split_target(uri: &str) -> (String, Option<&str>) {
    let (path, query) = match uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (uri, None),
    };
    (percent_decode(path, false), query)
}

/// The cleaned path when `path` is not clean (`//`, `/./`, `/../`): the mux
/// redirects those.
fn unclean(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut clean = String::new();
    for (i, seg) in out.iter().enumerate() {
        if seg.is_empty() && i + 1 < out.len() {
            continue;
        }
        clean.push('/');
        clean.push_str(seg);
    }
    if clean.is_empty() {
        clean.push('/');
    }
    (clean != path).then_some(clean)
}

/// `url.ParseQuery`: `&`-separated pairs, `+` as a space; pairs holding a
/// `;` are dropped (Go 1.17+).
fn parse_query(query: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in query
        .split('&')
        .filter(|p| !p.is_empty() && !p.contains(';'))
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(percent_decode(k, true))
            .or_default()
            .push(percent_decode(v, true));
    }
    out
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `textproto.CanonicalMIMEHeaderKey` for a valid token: the first letter
/// and every letter after `-` upper case, the rest lower case.
pub fn canonical_header(name: &str) -> String {
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

/// Just enough JSON to write what `encoding/json` writes: objects with
/// sorted keys (Go maps), HTML-safe string escapes.
enum Json {
    Str(String),
    Num(i64),
    Array(Vec<Json>),
    Object(BTreeMap<String, Json>),
}

impl Json {
    fn object<'a>(fields: impl IntoIterator<Item = (&'a str, Json)>) -> Json {
        Json::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    fn encode(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Str(s) => write_go_string(s, out),
            Json::Num(n) => out.push_str(&n.to_string()),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_go_string(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// A string as `encoding/json` escapes it by default (`SetEscapeHTML(true)`).
fn write_go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<user type="admin">
  <name>Elliot</name>
  <social>
    <facebook>https://facebook.com</facebook>
    <twitter>https://twitter.com</twitter>
    <youtube>https://youtube.com</youtube>
  </social>
</user>"#;

const SYMMETRIC_JWK: &str = r#"{
  "keys": [
    {
      "kty": "oct",
      "alg": "A128KW",
      "k": "GawgguFyGrWKav7AX4VKUg",
      "kid": "sim1"
    },
    {
      "kty": "oct",
      "k": "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
      "kid": "sim2",
      "alg": "HS256"
    }
  ]
}"#;

#[test]
fn go_helpers_table() {
    assert_eq!(canonical_header("x-y-z"), "X-Y-Z");
    assert_eq!(canonical_header("autHoriZatiOn"), "Authorization");
    assert_eq!(unclean("/a//b").as_deref(), Some("/a/b"));
    assert_eq!(unclean("/a/./b/../c").as_deref(), Some("/a/c"));
    assert_eq!(unclean("/param_forwarding/"), None);
    assert_eq!(percent_decode("/a%2Fb+c", false), "/a/b+c");
    assert_eq!(percent_decode("a+b%3", true), "a b%3");
    let q = parse_query("a=1&b=2&b=3&c;d=4&e");
    assert_eq!(q["b"], ["2", "3"]);
    assert_eq!(q["e"], [""]);
    assert!(!q.contains_key("c;d"));
    assert_eq!(
        Json::object([("b", Json::Str("<&>".into())), ("a", Json::Num(1))]).encode(),
        r#"{"a":1,"b":"\u003c\u0026\u003e"}"#
    );
}
