//! End to end: `gwc build` compiles each `testdata/build/*.json` config
//! (its placeholder host pointed at an in-process upstream on 127.0.0.1:0),
//! the gateway runs as a real process, and real HTTP requests check status,
//! headers and bodies.
//!
//! Every gateway shares one cargo target dir, `<target>/e2e/target`: the
//! first build compiles the runtime and its dependencies (about a minute on
//! two cores), every later one only its own small crate.

#![allow(clippy::unwrap_used)]

#[path = "support/jwt.rs"]
mod jwt;
mod support;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use support::*;

/// The upstream API every build config talks to.
fn api(seen: &Seen) -> Reply {
    let segments: Vec<&str> = seen.path().trim_start_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<i64>().map_or_else(|_| json!(s), |n| json!(n));
    match segments.as_slice() {
        ["users", uid] => Reply::json(
            &json!({"id": id(uid), "name": "ann", "email": "ann@example.com", "password": "pw",
                    "address": {"city": "Paris", "zip": "75001"}})
            .to_string(),
        ),
        ["users", _, "posts"] => Reply::json(
            r#"[{"id":1,"title":"hello","secret":"s1"},{"id":2,"title":"again","secret":"s2"}]"#,
        ),
        ["users", _, "settings"] => {
            Reply::json(r#"{"data":{"settings":{"theme":"dark","internal":"x"}}}"#)
        }
        ["slow"] => Reply::json(r#"{"slow":true}"#).delay(Duration::from_secs(3)),
        ["fail"] => Reply::json(r#"{"error":"down"}"#).status(503),
        ["teapot"] => Reply::json(r#"{"why":"teapot"}"#).status(418),
        ["upload"] => {
            let mut body = b"stored:".to_vec();
            body.extend(&seen.body);
            Reply {
                status: 201,
                headers: vec![
                    ("Content-Type".into(), "text/plain".into()),
                    ("X-Upstream".into(), "yes".into()),
                ],
                body,
                delay: Duration::ZERO,
            }
        }
        ["orders", oid] => Reply::json(
            &json!({"order_id": id(oid), "customer": {"id": 42}, "total": 9.5}).to_string(),
        ),
        ["customers", cid] => Reply::json(&json!({"name": format!("cust-{cid}")}).to_string()),
        ["audit"] => Reply::json("{}"),
        ["echo", ..] => Reply::json(&json!({"method": seen.method, "uri": seen.uri}).to_string()),
        ["framed", _] => Reply::json("{}").header("X-Frame-Options", "SAMEORIGIN"),
        _ => Reply::json(r#"{"error":"no such upstream route"}"#).status(404),
    }
}

/// Builds and starts `testdata/build/<name>.json` against a fresh upstream.
fn gateway(name: &str) -> (Upstream, Gateway) {
    let up = upstream(api);
    let bin = build(name, &up.url(), &[]);
    let gw = start(&bin);
    (up, gw)
}

fn query_set(uri: &str) -> BTreeSet<String> {
    uri.split_once('?')
        .map(|(_, q)| q.split('&').map(str::to_string).collect())
        .unwrap_or_default()
}

#[test]
fn aggregation_merges_filters_and_caches() {
    let (up, gw) = gateway("aggregation");
    let r = get(&gw.addr, "/dashboard/7");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    assert!(
        r.header("x-krakend")
            .is_some_and(|v| v.starts_with("Version gwc-")),
        "{:?}",
        r.header("x-krakend")
    );
    assert_eq!(r.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(
        r.json(),
        json!({
            "id": 7, "username": "ann", "address": {"city": "Paris"},
            "posts": {"collection": [{"id": 1, "title": "hello"}, {"id": 2, "title": "again"}]},
            "settings": {"theme": "dark"}
        })
    );
    let paths: BTreeSet<String> = up.seen().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(
        paths,
        ["/users/7", "/users/7/posts", "/users/7/settings"]
            .map(String::from)
            .into()
    );

    // The root's cache_ttl, inherited; deny with a nested path.
    let r = get(&gw.addr, "/profile/7");
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
    assert_eq!(
        r.json(),
        json!({"id": 7, "name": "ann", "address": {"city": "Paris"}})
    );

    // json-collection renders the collection as the top-level array.
    let r = get(&gw.addr, "/posts/7");
    assert_eq!(
        r.json(),
        json!([{"id": 1, "title": "hello", "secret": "s1"}, {"id": 2, "title": "again", "secret": "s2"}])
    );
}

#[test]
fn failures_partial_all_fail_error_codes_and_static_fallback() {
    let (_up, gw) = gateway("failures");
    let t = Instant::now();
    let r = get(&gw.addr, "/partial");
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(r.json(), json!({"user": {"id": 1, "name": "ann"}}));

    let r = get(&gw.addr, "/all-fail");
    assert_eq!((r.status, r.text().as_str()), (500, ""));
    assert_eq!(r.header("x-krakend-completed"), Some("false"));

    let r = get(&gw.addr, "/error-code");
    assert_eq!(r.status, 418);

    let r = get(&gw.addr, "/error-details");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(
        r.json(),
        json!({
            "user": {"id": 1},
            "error_tea": {"http_status_code": 418, "http_body": "{\"why\":\"teapot\"}",
                          "http_body_encoding": "application/json"}
        })
    );

    let r = get(&gw.addr, "/fallback");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(r.json(), json!({"fallback": true, "items": []}));
}

#[test]
fn noop_passes_the_backend_response_through() {
    let (up, gw) = gateway("noop");
    let r = send(
        &gw.addr,
        "POST",
        "/upload",
        &[
            ("Content-Type", "text/plain"),
            ("X-Request-Id", "r1"),
            ("X-Other", "o"),
        ],
        b"hello",
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.header("x-upstream"), Some("yes"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.text(), "stored:hello");
    let seen = up.wait_for("/upload");
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.body, b"hello");
    assert_eq!(seen.header("x-request-id"), Some("r1"));
    assert_eq!(seen.header("content-type"), Some("text/plain"));
    assert_eq!(seen.header("x-other"), None);

    // No status check under no-op: the backend's 418 reaches the client.
    let r = get(&gw.addr, "/raw/teapot");
    assert_eq!((r.status, r.text().as_str()), (418, r#"{"why":"teapot"}"#));
}

#[test]
fn sequential_fills_resp0_and_fires_the_shadow() {
    let (up, gw) = gateway("sequential");
    let r = get(&gw.addr, "/orders/5");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    assert_eq!(
        r.json(),
        json!({"order_id": 5, "customer": {"id": 42}, "buyer": {"name": "cust-42"}})
    );
    assert_eq!(up.seen_at("/customers/42").len(), 1);
    up.wait_for("/audit");
}

#[test]
fn forwarding_allowlists_methods_and_escaping() {
    let (up, gw) = gateway("forwarding");
    let r = send(
        &gw.addr,
        "GET",
        "/search?q=shoes&page=2&debug=1",
        &[
            ("Authorization", "Bearer t"),
            ("X-Request-Id", "r1"),
            ("X-Secret", "s"),
        ],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let s = up.wait_for("/echo/search");
    assert_eq!(
        query_set(&s.uri),
        ["source=gw", "q=shoes", "page=2"].map(String::from).into()
    );
    assert_eq!(s.header("authorization"), Some("Bearer t"));
    assert_eq!(s.header("x-request-id"), Some("r1"));
    assert_eq!(s.header("x-secret"), None);
    assert_eq!(s.header("x-forwarded-for"), Some("127.0.0.1"));
    assert!(
        s.header("user-agent")
            .is_some_and(|ua| ua.starts_with("KrakenD Version gwc-")),
        "{:?}",
        s.header("user-agent")
    );

    // A variable stays one path segment, whatever it holds.
    for (sent, want) in [
        ("/files/a%2Fb", "/echo/files/a%2Fb/meta"),
        ("/files/..%2Fadmin", "/echo/files/..%2Fadmin/meta"),
    ] {
        assert_eq!(get(&gw.addr, sent).status, 200);
        assert!(
            up.seen().iter().any(|s| s.uri == want),
            "{sent}: {:?}",
            up.seen().iter().map(|s| &s.uri).collect::<Vec<_>>()
        );
    }

    // Default headers: Content-Type only; the backend's own method.
    let r = send(
        &gw.addr,
        "POST",
        "/items",
        &[("Content-Type", "application/json"), ("Authorization", "x")],
        br#"{"a":1}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let s = up.wait_for("/echo/items");
    assert_eq!(s.method, "PUT");
    assert_eq!(s.header("content-type"), Some("application/json"));
    assert_eq!(s.header("authorization"), None);
    assert_eq!(s.body, br#"{"a":1}"#);

    // Backend lists narrow the endpoint's.
    send(
        &gw.addr,
        "GET",
        "/narrow?a=1&b=2",
        &[("X-Keep", "k"), ("X-Drop", "d")],
        b"",
    );
    let s = up.wait_for("/echo/narrow");
    assert_eq!(s.uri, "/echo/narrow?a=1");
    assert_eq!(s.header("x-keep"), Some("k"));
    assert_eq!(s.header("x-drop"), None);
}

#[test]
fn routing_404_405_redirects_health_and_hidden_version() {
    let (up, gw) = gateway("routing");
    let r = get(&gw.addr, "/users/3");
    assert_eq!((r.status, r.json()), (200, json!({"id": 3})));
    assert_eq!(r.header("x-krakend"), None, "hide_version_header");
    // A static segment wins over the variable beside it.
    let r = get(&gw.addr, "/users/me");
    assert_eq!(r.json(), json!({"name": "ann"}));
    assert_eq!(up.seen_at("/users/0").len(), 1);

    let r = get(&gw.addr, "/nope");
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"error": "no such route"}))
    );
    let r = send(&gw.addr, "DELETE", "/users/3", &[], b"");
    assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
    let r = get(&gw.addr, "/users/3/");
    assert_eq!((r.status, r.header("location")), (301, Some("/users/3")));

    let r = get(&gw.addr, "/status");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    assert_eq!(get(&gw.addr, "/__health").status, 404);

    let r = send(&gw.addr, "POST", "/users", &[], b"{}");
    assert_eq!(r.status, 200);
    up.wait_for("/echo/users");
}

/// `security/bot-detector` at both levels, with CE's 403 (no body, no
/// `Content-Type`, no KrakenD headers), before routing's 404 and not on the
/// health path (krakend-components §1.1 f, h; §9).
#[test]
fn bot_detector_rejects_bots_as_krakend_does() {
    let (up, gw) = gateway("bot_detector");
    type Headers = Vec<(&'static str, &'static str)>;
    let ua = |agent: &'static str| vec![("User-Agent", agent)];
    let table: Vec<(&str, Headers, u16)> = vec![
        ("/users/1", ua("Mozilla/5.0"), 200),
        ("/users/1", ua("evil/1.0"), 403),
        ("/users/1", ua("Evil/1.0"), 200),
        ("/users/1", ua("SuperCrawler/2"), 403),
        // `allow` wins over the patterns.
        ("/users/1", ua("friendly-crawler/1.0"), 200),
        ("/users/1", ua("facebookexternalhit/1.1"), 403),
        ("/users/1", vec![], 200),
        ("/users/1", ua("curl/8.5"), 200),
        // The endpoint's own detector runs after the service's.
        ("/strict/1", ua("curl/8.5"), 403),
        ("/strict/1", vec![], 403),
        ("/strict/1", ua("evil/1.0"), 403),
        ("/strict/1", ua("Mozilla/5.0"), 200),
        // The service detector runs before the 404, not on the health path.
        ("/nowhere", ua("evil/1.0"), 403),
        ("/nowhere", ua("Mozilla/5.0"), 404),
        ("/__health", ua("evil/1.0"), 200),
    ];
    for (path, headers, want) in &table {
        // Twice: the second verdict may come from the cache.
        for _ in 0..2 {
            let r = send(&gw.addr, "GET", path, headers, b"");
            assert_eq!(r.status, *want, "{path} {headers:?}");
            if r.status == 403 {
                assert!(r.body.is_empty(), "{path}");
                for h in ["content-type", "x-krakend", "x-krakend-completed"] {
                    assert_eq!(r.header(h), None, "{h} on a bot's 403");
                }
            }
        }
    }
    let passed = table
        .iter()
        .filter(|(p, _, s)| *s == 200 && p.starts_with("/users"))
        .count()
        + table
            .iter()
            .filter(|(p, _, s)| *s == 200 && p.starts_with("/strict"))
            .count();
    assert_eq!(
        up.seen().len(),
        2 * passed,
        "a rejected request reaches no backend"
    );
}

/// The upstream of `testdata/build/cors.json`: users, an echo, and a
/// no-op file service that answers with its own CORS headers.
fn cors_api(seen: &Seen) -> Reply {
    if seen.path().starts_with("/files/") {
        return Reply::json(r#"{"file":1}"#)
            .add_header("Vary", "Accept-Encoding")
            .add_header("Access-Control-Allow-Origin", "https://backend.example");
    }
    api(seen)
}

/// `security/cors` (krakend-components §1.1 [S2], §1.2, §1.4, §3): a
/// preflight is answered on any path, known or not, before routing and
/// before the bot detector; every other answer (200, 404, a bot's 403,
/// the health path, a no-op backend's) carries the CORS headers.
#[test]
fn cors_answers_preflights_everywhere_and_decorates_every_answer() {
    let up = upstream(cors_api);
    let gw = start(&build("cors", &up.url(), &[]));
    let values = |r: &Resp, name: &str| -> Vec<String> {
        r.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let cors_names = |r: &Resp| -> Vec<String> {
        r.headers
            .iter()
            .filter(|(k, _)| k.starts_with("access-control-"))
            .map(|(k, _)| k.clone())
            .collect()
    };
    let preflight_vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

    // §1.4's row: 204, empty body, the allow headers only when allowed,
    // `Vary` always, no `X-KrakenD*`; known and unknown paths alike, and a
    // bot's preflight too (CORS runs before the bot detector).
    for path in ["/users/1", "/nowhere/at/all", "/__health"] {
        for agent in ["Mozilla/5.0", "evil/1.0"] {
            let r = send(
                &gw.addr,
                "OPTIONS",
                path,
                &[
                    ("User-Agent", agent),
                    ("Origin", "https://App.Example.com"),
                    ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "content-type,x-client"),
                ],
                b"",
            );
            assert_eq!(r.status, 204, "{path} {agent}");
            assert!(r.body.is_empty(), "{path}");
            assert_eq!(values(&r, "vary"), [preflight_vary], "{path}");
            assert_eq!(
                r.header("access-control-allow-origin"),
                Some("https://App.Example.com"),
                "the origin is echoed as sent"
            );
            assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
            assert_eq!(
                r.header("access-control-allow-headers"),
                Some("content-type,x-client")
            );
            assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
            assert_eq!(r.header("access-control-max-age"), Some("43200"));
            for h in ["content-type", "x-krakend", "x-krakend-completed"] {
                assert_eq!(r.header(h), None, "{h} on a preflight");
            }
        }
    }
    // Refused preflights: a disallowed origin, method or header: `Vary` only.
    for (origin, method, headers) in [
        ("https://evil.test", "GET", "content-type"),
        ("https://app.example.com", "DELETE", "content-type"),
        ("https://app.example.com", "GET", "x-other"),
        ("https://app.example.com", "GET", "x-client,content-type"),
    ] {
        let r = send(
            &gw.addr,
            "OPTIONS",
            "/users/1",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", method),
                ("Access-Control-Request-Headers", headers),
            ],
            b"",
        );
        assert_eq!(r.status, 204, "{origin} {method} {headers}");
        assert_eq!(values(&r, "vary"), [preflight_vary]);
        assert!(cors_names(&r).is_empty(), "{:?}", cors_names(&r));
    }
    assert!(up.seen().is_empty(), "a preflight reached the backend");

    // Actual requests: allowed origins get the allow headers on whatever
    // answers, a bot's 403 and a 404 included.
    let allowed = |r: &Resp, origin: &str| {
        assert_eq!(values(r, "vary"), ["Origin"]);
        assert_eq!(r.header("access-control-allow-origin"), Some(origin));
        assert_eq!(
            r.header("access-control-expose-headers"),
            Some("X-Total, Content-Length")
        );
        assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(r.header("access-control-max-age"), None);
    };
    let table: &[(&str, &str, &str, &str, u16)] = &[
        (
            "GET",
            "/users/1",
            "https://app.example.com",
            "Mozilla/5.0",
            200,
        ),
        // The wildcard: any subdomain, the case kept in the echo.
        (
            "GET",
            "/users/1",
            "https://Shop.EU.example.com",
            "Mozilla/5.0",
            200,
        ),
        (
            "POST",
            "/users/1",
            "http://127.0.0.1:3000",
            "Mozilla/5.0",
            200,
        ),
        (
            "GET",
            "/nowhere",
            "https://app.example.com",
            "Mozilla/5.0",
            404,
        ),
        (
            "GET",
            "/users/1",
            "https://app.example.com",
            "evil/1.0",
            403,
        ),
        (
            "GET",
            "/nowhere",
            "https://app.example.com",
            "evil/1.0",
            403,
        ),
        (
            "GET",
            "/__health",
            "https://app.example.com",
            "evil/1.0",
            200,
        ),
    ];
    for (method, path, origin, agent, status) in table {
        let r = send(
            &gw.addr,
            method,
            path,
            &[("Origin", origin), ("User-Agent", agent)],
            b"",
        );
        assert_eq!(r.status, *status, "{method} {path} {origin} {agent}");
        allowed(&r, origin);
        if r.status == 403 {
            assert!(r.body.is_empty());
            for h in ["content-type", "x-krakend", "x-krakend-completed"] {
                assert_eq!(r.header(h), None, "{h} on a bot's 403");
            }
        }
    }
    // A disallowed origin, a method outside allow_methods, no origin:
    // `Vary` only, and the request is served (and reaches the backend).
    let before = up.seen().len();
    for (method, origin, status) in [
        ("GET", Some("https://evil.test"), 200),
        ("GET", Some("https://example.com"), 200),
        ("GET", None, 200),
        ("DELETE", Some("https://app.example.com"), 405),
    ] {
        let headers: Vec<(&str, &str)> = origin.iter().map(|o| ("Origin", *o)).collect();
        let r = send(&gw.addr, method, "/users/1", &headers, b"");
        assert_eq!(r.status, status, "{method} {origin:?}");
        assert_eq!(values(&r, "vary"), ["Origin"]);
        assert!(cors_names(&r).is_empty(), "{:?}", cors_names(&r));
    }
    assert_eq!(
        up.seen().len(),
        before + 3,
        "disallowed origins are still served"
    );

    // A no-op backend's own CORS headers come after the gateway's (CE adds
    // them, krakend-ce#392).
    let r = send(
        &gw.addr,
        "GET",
        "/files/1",
        &[("Origin", "https://app.example.com")],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(values(&r, "vary"), ["Origin", "Accept-Encoding"]);
    assert_eq!(
        values(&r, "access-control-allow-origin"),
        ["https://app.example.com", "https://backend.example"]
    );
}

#[test]
fn the_bundled_example_builds_and_serves() {
    // testdata/example/krakend.json as written (its hosts point nowhere
    // reachable: only the gateway's own answers are checked).
    let source =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/example/krakend.json");
    let text = std::fs::read_to_string(source).unwrap();
    let gw = start(&build_text("example", &text, &[]));
    assert_eq!(get(&gw.addr, "/__health").status, 200);
    let r = send(
        &gw.addr,
        "OPTIONS",
        "/v1/orders",
        &[
            ("Origin", "https://shop.example.com"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://shop.example.com")
    );
    assert_eq!(r.header("access-control-max-age"), Some("43200"));
}

/// The headers `testdata/build/security_http.json` adds to an HTTPS answer.
const SECURITY_HEADERS: [(&str, &str); 6] = [
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("x-xss-protection", "1; mode=block"),
    ("content-security-policy", "default-src 'self'"),
    ("referrer-policy", "no-referrer"),
];

/// The response's headers but `date`, `content-length` and `connection`, sorted.
fn headers_but_date(r: &Resp) -> Vec<(String, String)> {
    let mut h: Vec<_> = r
        .headers
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "date" | "content-length" | "connection"))
        .cloned()
        .collect();
    h.sort();
    h
}

/// `security/http` (krakend-components §15, §1.4) as KrakenD CE applies it:
/// `allowed_hosts` → `500 Bad Host`, `ssl_redirect` → 301 to https://, the
/// headers on every answer after the stage (404, 405 and the bot
/// detector's 403 included), none on `/__health` or the router's
/// redirects, and the host check before the bot detector (§1.1 d, f).
#[test]
fn security_http_checks_hosts_redirects_and_adds_headers_as_krakend_does() {
    let (up, gw) = gateway("security_http");
    let https = ("X-Forwarded-Proto", "https");
    let host = |h: &'static str| ("Host", h);
    let assert_secured = |r: &Resp, what: &str| {
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(r.header(name), Some(value), "{name} on {what}");
        }
    };
    let assert_bare = |r: &Resp, what: &str| {
        for (name, _) in SECURITY_HEADERS {
            assert_eq!(r.header(name), None, "{name} on {what}");
        }
    };

    // 200 and 404 (and 405) over HTTPS, through the proxy header.
    let r = send(
        &gw.addr,
        "GET",
        "/users/1",
        &[host("api.example.com"), https],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["id"], 1);
    assert_secured(&r, "a 200");
    let r = send(
        &gw.addr,
        "GET",
        "/nowhere",
        &[host("api.example.com"), https],
        b"",
    );
    assert_eq!((r.status, r.text().as_str()), (404, "404 page not found"));
    assert_secured(&r, "a 404");
    let r = send(
        &gw.addr,
        "POST",
        "/users/1",
        &[host("api.example.com"), https],
        b"",
    );
    assert_eq!(r.status, 405);
    assert_secured(&r, "a 405");

    // Hosts compare case-insensitively, the port included; the first
    // non-empty `host_proxy_headers` header stands for the request's.
    for h in ["API.EXAMPLE.COM", "api.example.org:8443"] {
        let r = send(&gw.addr, "GET", "/users/2", &[("Host", h), https], b"");
        assert_eq!(r.status, 200, "{h}");
    }
    let r = send(
        &gw.addr,
        "GET",
        "/users/2",
        &[("X-Forwarded-Host", "api.example.com"), https],
        b"",
    );
    assert_eq!(r.status, 200, "X-Forwarded-Host");

    // A host that is not allowed: CE's 500 (Go's `http.Error`), nothing else.
    let before = up.seen().len();
    for (h, xfh) in [
        ("api.example.com:8080", None),
        ("evil.example", None),
        ("api.example.com", Some("evil.example")),
    ] {
        let mut headers = vec![("Host", h), https];
        headers.extend(xfh.map(|x| ("X-Forwarded-Host", x)));
        for path in ["/users/1", "/nowhere"] {
            let r = send(&gw.addr, "GET", path, &headers, b"");
            assert_eq!(r.status, 500, "{h} {xfh:?} {path}");
            assert_eq!(r.body, b"Bad Host\n");
            assert_eq!(r.header("content-length"), Some("9"));
            assert_eq!(
                headers_but_date(&r),
                [
                    (
                        "content-type".to_string(),
                        "text/plain; charset=utf-8".to_string()
                    ),
                    ("x-content-type-options".to_string(), "nosniff".to_string()),
                ]
            );
        }
    }

    // Plain HTTP: a 301 to https:// on the same host (the proxy header's),
    // path and query, with Go's `http.Redirect` body on GET.
    let r = send(
        &gw.addr,
        "GET",
        "/users/1?a=1&b",
        &[host("api.example.com")],
        b"",
    );
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some("https://api.example.com/users/1?a=1&b")
    );
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(
        r.text(),
        "<a href=\"https://api.example.com/users/1?a=1&amp;b\">Moved Permanently</a>.\n\n"
    );
    assert_bare(&r, "the redirect");
    let r = send(
        &gw.addr,
        "DELETE",
        "/nowhere",
        &[("X-Forwarded-Host", "API.example.com")],
        b"",
    );
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some("https://API.example.com/nowhere")
    );
    assert_eq!((r.header("content-type"), r.body.len()), (None, 0));
    // Only the exact value marks HTTPS.
    let r = send(
        &gw.addr,
        "GET",
        "/users/1",
        &[host("api.example.com"), ("X-Forwarded-Proto", "HTTPS")],
        b"",
    );
    assert_eq!(r.status, 301);
    assert_eq!(
        up.seen().len(),
        before,
        "a rejected request reaches no backend"
    );

    // d before f: a bad host is a 500 even for a bot; a bot on plain HTTP
    // is redirected; a bot over HTTPS gets the detector's 403, which
    // carries the headers (the middleware set them first).
    let bot = ("User-Agent", "evil/1.0");
    let r = send(
        &gw.addr,
        "GET",
        "/users/1",
        &[host("evil.example"), https, bot],
        b"",
    );
    assert_eq!((r.status, r.body.as_slice()), (500, &b"Bad Host\n"[..]));
    let r = send(
        &gw.addr,
        "GET",
        "/users/1",
        &[host("api.example.com"), bot],
        b"",
    );
    assert_eq!(r.status, 301);
    let r = send(
        &gw.addr,
        "GET",
        "/users/1",
        &[host("api.example.com"), https, bot],
        b"",
    );
    assert_eq!(r.status, 403);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-type"), None);
    assert_secured(&r, "the bot's 403");

    // No check and no header on the health path and the router's
    // redirects, which run before the middleware.
    let r = send(&gw.addr, "GET", "/__health", &[host("evil.example")], b"");
    assert_eq!(r.status, 200);
    assert_bare(&r, "/__health");
    let r = send(&gw.addr, "GET", "/users/1/", &[host("evil.example")], b"");
    assert_eq!((r.status, r.header("location")), (301, Some("/users/1")));
    assert_bare(&r, "a trailing-slash redirect");

    // A no-op backend's own value comes after CE's (lura adds it to the
    // header the middleware set).
    let r = send(
        &gw.addr,
        "GET",
        "/framed/1",
        &[host("api.example.com"), https],
        b"",
    );
    assert_eq!(r.status, 200);
    let frames: Vec<&str> = r
        .headers
        .iter()
        .filter(|(k, _)| k == "x-frame-options")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(frames, ["DENY", "SAMEORIGIN"]);
}

/// `allowed_hosts_are_regex` (anchored as unrolled writes it, the
/// gw-runtime feature `security-http` turned on by the plan), `ssl_host`
/// and `force_sts_header`.
#[test]
fn security_http_regex_hosts_and_ssl_host() {
    let up = upstream(api);
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/build/security_http.json"),
    )
    .unwrap()
    .replace(PLACEHOLDER, &up.url());
    let mut config: serde_json::Value = serde_json::from_str(&text).unwrap();
    config["extra_config"]["security/http"] = json!({
        "allowed_hosts": ["(api|www)\\.example\\.com(:\\d+)?"],
        "allowed_hosts_are_regex": true,
        "ssl_redirect": true,
        "ssl_host": "secure.example.com",
        "ssl_proxy_headers": {"X-Forwarded-Proto": "https"},
        "sts_seconds": 60,
        "force_sts_header": true,
        "referrer_policy": ""
    });
    let bin = build_text("security_http_regex", &config.to_string(), &[]);
    let gw = start(&bin);
    let https = ("X-Forwarded-Proto", "https");
    for (host, status) in [
        ("www.example.com:8080", 200),
        ("api.example.com", 200),
        ("api.example.com.evil.example", 500),
        ("API.example.com", 500),
    ] {
        let r = send(&gw.addr, "GET", "/users/3", &[("Host", host), https], b"");
        assert_eq!(r.status, status, "{host}");
        if status == 200 {
            assert_eq!(r.header("strict-transport-security"), Some("max-age=60"));
            assert_eq!(r.header("referrer-policy"), None);
        }
    }
    let r = send(
        &gw.addr,
        "GET",
        "/users/3?x",
        &[("Host", "api.example.com")],
        b"",
    );
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some("https://secure.example.com/users/3?x")
    );
}

/// CE's answer to a refused token (krakend-components §1.4, §4.2): the
/// status, an empty body, and none of the headers a served request gets.
fn assert_refused(r: &Resp, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.text());
    assert!(r.body.is_empty(), "{what}: a body {:?}", r.text());
    for h in [
        "content-type",
        "x-krakend",
        "x-krakend-completed",
        "www-authenticate",
        "cache-control",
    ] {
        assert_eq!(r.header(h), None, "{what}: `{h}` on a refusal");
    }
}

/// `auth/validator` (krakend-components §4) on a real gateway, with tokens
/// signed here (RS256, ES256, EdDSA, HS256) against a JWKS served
/// in-process: valid tokens pass with their claims propagated into the
/// backend's headers and URL; every kind of bad token gets CE's 401, a
/// missing role or scope CE's 403; the cookie; a key rotation picked up by
/// one refetch; a flood of random `kid`s costing at most one JWKS fetch a
/// second (the refetch interval with `cache_duration: 1`); and a JWKS
/// server down at start-up, with the gateway serving and recovering once
/// it is back.
#[test]
fn jwt_validator_as_krakend_does() {
    use std::sync::{Arc, Mutex};

    let keys = Arc::new(jwt::Keys::new());
    let main_set = json!({"keys": [keys.rsa_jwk("rsa"), keys.ec_jwk("ec"), keys.ed_jwk("ed"), keys.hs_jwk("hs")]});
    let rotating = Arc::new(Mutex::new(json!({"keys": [keys.rsa_jwk("old")]})));
    let flood_set = json!({"keys": [keys.hs_jwk("hs")]});
    let jwks = {
        let rotating = rotating.clone();
        upstream(move |seen: &Seen| {
            let doc = match seen.path() {
                "/jwks.json" => main_set.clone(),
                "/rotating.json" => rotating.lock().unwrap().clone(),
                "/flood.json" => flood_set.clone(),
                _ => return Reply::json("{}").status(404),
            };
            Reply::json(&doc.to_string())
        })
    };
    // The late JWKS server's port: free now, listened on later.
    let late_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let up = upstream(api);
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/build/jwt.json"),
    )
    .unwrap();
    let text = source
        .replace(PLACEHOLDER, &up.url())
        .replace("http://jwks.test", &jwks.url())
        .replace("http://jwks-late.test", &format!("http://{late_addr}"));
    let gw = start(&build_text("jwt", &text, &[]));

    let now = jwt::now();
    let good = json!({
        "iss": "https://idp.test", "aud": ["api", "other"], "sub": "user-1",
        "exp": now + 600, "nbf": now - 10, "iat": now - 10,
        "realm_access": {"roles": ["user", "auditor"]}, "scope": "read write"
    });
    let with = |patch: serde_json::Value| {
        let mut c = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let bearer = |t: &str| format!("Bearer {t}");
    let get_with = |path: &str, token: &str| {
        send(
            &gw.addr,
            "GET",
            path,
            &[("Authorization", &bearer(token))],
            b"",
        )
    };

    // Valid tokens of each algorithm.
    let rs = keys.sign("RS256", "rsa", &good);
    let r = get_with("/rs/7", &rs);
    assert_eq!(r.status, 200, "RS256: {}", r.text());
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    // `{JWT.sub}` filled the URL; the claims arrived as headers.
    let seen = up.wait_for("/echo/user-1/7");
    assert_eq!(seen.header("x-user"), Some("user-1"));
    assert_eq!(seen.header("x-roles"), Some("user,auditor"));
    // A missing claim still sets its header, empty (CE does not skip it).
    assert_eq!(seen.header("x-email"), Some(""));
    assert_eq!(seen.header("authorization"), None, "not in input_headers");
    // A client's own X-User is replaced by the claim.
    let r = send(
        &gw.addr,
        "GET",
        "/rs/8",
        &[("Authorization", &bearer(&rs)), ("X-User", "admin")],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        up.wait_for("/echo/user-1/8").header("x-user"),
        Some("user-1")
    );
    let r = get_with("/es", &keys.sign("ES256", "ec", &good));
    assert_eq!(r.status, 200, "ES256: {}", r.text());
    // A claim the token lacks leaves CE's placeholder, encoded.
    up.wait_for("/echo/user-1/%7B%7B.JWT.nope%7D%7D");
    assert_eq!(
        get_with("/ed", &keys.sign("EdDSA", "ed", &good)).status,
        200,
        "EdDSA"
    );
    assert_eq!(
        get_with("/hs", &keys.sign("HS256", "hs", &good)).status,
        200,
        "HS256"
    );
    // A claim is percent-encoded into its segment (CE inserts it raw).
    let slash = keys.sign("RS256", "rsa", &with(json!({"sub": "a/b?c"})));
    assert_eq!(get_with("/rs/5", &slash).status, 200);
    assert_eq!(
        up.wait_for("/echo/a%2Fb%3Fc/5").header("x-user"),
        Some("a/b?c")
    );
    // The same token again (from the verified-token cache).
    assert_eq!(get_with("/rs/7", &rs).status, 200);

    // 401s: missing, expired, not yet valid, wrong iss, wrong aud, bad
    // signature, alg none, another alg, unknown kid, malformed.
    assert_refused(&get(&gw.addr, "/rs/7"), 401, "no token");
    let tampered = {
        let (rest, sig) = rs.rsplit_once('.').unwrap();
        let mut sig =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, sig).unwrap();
        sig[0] ^= 0x40;
        format!("{rest}.{}", jwt::b64(&sig))
    };
    let unsigned = format!(
        "{}.{}.",
        jwt::b64(br#"{"alg":"none","kid":"rsa"}"#),
        jwt::b64(good.to_string().as_bytes())
    );
    let bad: Vec<(&str, &str, String)> = vec![
        (
            "expired",
            "/rs/7",
            keys.sign("RS256", "rsa", &with(json!({"exp": now - 30}))),
        ),
        (
            "not yet valid",
            "/rs/7",
            keys.sign("RS256", "rsa", &with(json!({"nbf": now + 300}))),
        ),
        (
            "wrong iss",
            "/rs/7",
            keys.sign("RS256", "rsa", &with(json!({"iss": "https://evil.test"}))),
        ),
        (
            "wrong aud",
            "/rs/7",
            keys.sign("RS256", "rsa", &with(json!({"aud": ["other"]}))),
        ),
        ("bad signature", "/rs/7", tampered),
        ("alg none", "/rs/7", unsigned),
        ("another alg", "/rs/7", keys.sign("HS256", "hs", &good)),
        ("unknown kid", "/rs/7", keys.sign("RS256", "nobody", &good)),
        ("malformed", "/rs/7", "a.bad.token".into()),
        (
            "ES256 wrong aud",
            "/es",
            keys.sign("ES256", "ec", &with(json!({"aud": "web"}))),
        ),
        (
            "EdDSA wrong iss",
            "/ed",
            keys.sign("EdDSA", "ed", &with(json!({"iss": "x"}))),
        ),
    ];
    for (what, path, token) in &bad {
        assert_refused(&get_with(path, token), 401, what);
    }
    // 403s: a role or a scope missing.
    assert_refused(
        &get_with(
            "/rs/7",
            &keys.sign(
                "RS256",
                "rsa",
                &with(json!({"realm_access": {"roles": ["guest"]}})),
            ),
        ),
        403,
        "missing role",
    );
    assert_refused(
        &get_with(
            "/hs",
            &keys.sign("HS256", "hs", &with(json!({"scope": "read"}))),
        ),
        403,
        "missing scope",
    );

    // The token in a cookie, when there is no Authorization header.
    let cookie = format!("theme=dark; access_token={rs}");
    assert_eq!(
        send(&gw.addr, "GET", "/rs/9", &[("Cookie", &cookie)], b"").status,
        200,
        "cookie"
    );
    // A bad header does not fall back to the cookie.
    let r = send(
        &gw.addr,
        "GET",
        "/rs/9",
        &[("Authorization", "Bearer nope"), ("Cookie", &cookie)],
        b"",
    );
    assert_refused(&r, 401, "bad header beside a good cookie");
    // The open endpoint needs nothing.
    assert_eq!(get(&gw.addr, "/open").status, 200);

    // A key rotation: the JWKS now serves `new` only; one refetch.
    let fetches = |path: &str| jwks.seen_at(path).len();
    assert_eq!(
        get_with("/rotate", &keys.sign("RS256", "old", &good)).status,
        200,
        "before the rotation"
    );
    *rotating.lock().unwrap() = json!({"keys": [keys.rsa_jwk("new")]});
    // Past the refetch interval (cache_duration: 1).
    std::thread::sleep(Duration::from_millis(1200));
    let before = fetches("/rotating.json");
    assert_eq!(
        get_with("/rotate", &keys.sign("RS256", "new", &good)).status,
        200,
        "after the rotation"
    );
    assert_eq!(
        fetches("/rotating.json"),
        before + 1,
        "one refetch picks the new key up"
    );
    assert_refused(
        &get_with("/rotate", &keys.sign("RS256", "old", &good)),
        401,
        "the retired key",
    );

    // A flood of random kids: at most one fetch a second.
    let start_flood = Instant::now();
    let before = fetches("/flood.json");
    let mut sent = 0;
    while start_flood.elapsed() < Duration::from_millis(2500) {
        let kid = format!("random-{sent}-{}", fastrand_like(sent));
        assert_refused(
            &get_with("/flood", &keys.sign("HS256", &kid, &good)),
            401,
            "random kid",
        );
        sent += 1;
    }
    let during = fetches("/flood.json") - before;
    let allowed = start_flood.elapsed().as_secs() as usize + 1;
    assert!(sent >= 50, "{sent} requests");
    assert!(
        during <= allowed,
        "{during} JWKS fetches for {sent} random kids in {:?}",
        start_flood.elapsed()
    );
    assert_eq!(
        get_with("/flood", &keys.sign("HS256", "hs", &good)).status,
        200
    );

    // The JWKS server was down at start-up: the gateway serves, the
    // endpoint answers 401, and 200 once the server is back.
    let late_token = keys.sign("HS256", "hs", &good);
    assert_refused(&get_with("/late", &late_token), 401, "JWKS down");
    assert_eq!(
        get(&gw.addr, "/open").status,
        200,
        "the gateway serves meanwhile"
    );
    let late_set = json!({"keys": [keys.hs_jwk("hs")]}).to_string();
    let late = upstream_on(std::net::TcpListener::bind(late_addr).unwrap(), move |_| {
        Reply::json(&late_set)
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = get_with("/late", &late_token);
        if r.status == 200 {
            break;
        }
        assert_refused(&r, 401, "JWKS coming back");
        assert!(
            Instant::now() < deadline,
            "the JWKS came back but /late still answers 401"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(!late.seen().is_empty());
}

/// A cheap varying number for kid names (no RNG crate in the tests).
fn fastrand_like(i: usize) -> u64 {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xDEAD_BEEF;
    x ^= x >> 31;
    x
}

/// The order of CE's stages where several meet on one endpoint
/// (krakend-components §1.1, §1.2): CORS answers preflights before auth
/// and decorates a 401; the bot detector answers before auth; a 401
/// consumes no rate-limit token; every refusal still carries CORS headers.
#[test]
fn stages_run_in_krakend_order() {
    let keys = jwt::Keys::new();
    let set = json!({"keys": [keys.hs_jwk("hs")]});
    let jwks = upstream(move |_: &Seen| Reply::json(&set.to_string()));
    let up = upstream(api);
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/build/pipeline.json"),
    )
    .unwrap();
    let text = source
        .replace(PLACEHOLDER, &up.url())
        .replace("http://jwks.test", &jwks.url());
    let gw = start(&build_text("pipeline", &text, &[]));
    let good = keys.sign("HS256", "hs", &json!({"sub": "u", "exp": jwt::now() + 600}));
    let bad = keys.sign("HS256", "hs", &json!({"sub": "u", "exp": jwt::now() - 600}));
    let origin = ("Origin", "https://app.example");
    let cors_on = |r: &Resp, what: &str| {
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("https://app.example"),
            "{what}"
        );
    };

    // CORS before auth: a preflight needs no token.
    let r = send(
        &gw.addr,
        "OPTIONS",
        "/private/1",
        &[
            origin,
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
        b"",
    );
    assert_eq!(r.status, 204);
    cors_on(&r, "the preflight");
    // The 401 carries the CORS headers, so a browser can read it.
    let r = send(&gw.addr, "GET", "/private/1", &[origin], b"");
    assert_eq!(r.status, 401);
    cors_on(&r, "a 401");
    // The bot detector before auth: a bot without a token gets the 403.
    let r = send(
        &gw.addr,
        "GET",
        "/private/1",
        &[origin, ("User-Agent", "evil/1.0")],
        b"",
    );
    assert_eq!(r.status, 403);
    cors_on(&r, "a bot's 403");
    // Auth before the rate limit: refused tokens consume nothing, so the
    // endpoint's two tokens are still there for two good requests.
    let bearer = |t: &str| format!("Bearer {t}");
    for _ in 0..5 {
        let r = send(
            &gw.addr,
            "GET",
            "/private/1",
            &[origin, ("Authorization", &bearer(&bad))],
            b"",
        );
        assert_eq!(r.status, 401);
    }
    for want in [200, 200, 503] {
        let r = send(
            &gw.addr,
            "GET",
            "/private/1",
            &[origin, ("Authorization", &bearer(&good))],
            b"",
        );
        assert_eq!(r.status, want, "{}", r.text());
        cors_on(&r, "a good token's answer");
    }
    assert_eq!(
        up.seen().len(),
        2,
        "only the two served requests reached the backend"
    );
}

#[test]
fn refuses_lint_errors_and_unsupported_namespaces_unless_accepted() {
    let gwc = env!("CARGO_BIN_EXE_gwc");
    let dir = e2e_dir().join("configs");
    std::fs::create_dir_all(&dir).unwrap();
    let run = |name: &str, text: &str, extra: &[&str]| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        Command::new(gwc)
            .arg("build")
            .arg(&path)
            .arg("-o")
            .arg(e2e_dir().join("bin").join(name))
            .arg("--emit-crate")
            .arg(e2e_dir().join("crates").join(name))
            .args(extra)
            .env("GWC_TARGET_DIR", e2e_dir().join("target"))
            .output()
            .unwrap()
    };
    // A lint error: exit 1, the diagnostic shown, cargo never runs.
    let out = run(
        "refused-lint.json",
        r#"{"version": 3, "host": ["http://h:1"], "endpoints": []}"#,
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[GW404]"), "{err}");
    assert!(!err.contains("compiling gateway"), "{err}");

    let lua = r#"{"version": 3, "host": ["http://127.0.0.1:8081"],
        "extra_config": {"modifier/lua-endpoint": {"pre": "print(1)"}},
        "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/a"}]}]}"#;
    let out = run("refused-ns.json", lua, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[GW901]"), "{err}");

    // Accepted on the command line: it builds and serves.
    let bin = build_text(
        "accepted-ns",
        lua,
        &["--allow-unsupported", "modifier/lua-endpoint"],
    );
    let gw = start(&bin);
    assert_eq!(get(&gw.addr, "/__health").status, 200);
}

#[test]
fn an_unchanged_config_rebuilds_nothing() {
    let config = r#"{"version": 3, "host": ["http://127.0.0.1:8081"],
        "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/a"}]}]}"#;
    build_text("unchanged", config, &[]);
    let dir = e2e_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .arg("build")
        .arg(dir.join("configs/unchanged.json"))
        .arg("-o")
        .arg(dir.join("bin/unchanged"))
        .arg("--emit-crate")
        .arg(dir.join("crates/unchanged"))
        .env("GWC_TARGET_DIR", dir.join("target"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("(unchanged)"), "{err}");
    assert!(!err.contains("Compiling"), "{err}");
}

#[test]
fn the_embedded_runtime_builds_a_working_gateway() {
    // As after `cargo install`: the runtime comes from gwc's own copy,
    // unpacked into the cache dir.
    let up = upstream(api);
    let source =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/build/routing.json");
    let text = std::fs::read_to_string(source)
        .unwrap()
        .replace(PLACEHOLDER, &up.url());
    let dir = e2e_dir();
    let config = dir.join("configs/embedded.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    if std::fs::read_to_string(&config).ok() != Some(text.clone()) {
        std::fs::write(&config, &text).unwrap();
    }
    let bin = dir.join("bin/embedded");
    let out = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .arg("build")
        .arg(&config)
        .arg("-o")
        .arg(&bin)
        .arg("--emit-crate")
        .arg(dir.join("crates/embedded"))
        .env("GWC_TARGET_DIR", dir.join("target"))
        .env("GWC_RUNTIME_EMBEDDED", "1")
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("embedded in gwc"), "{err}");
    let gw = start(&bin);
    let r = get(&gw.addr, "/users/3");
    assert_eq!((r.status, r.json()), (200, json!({"id": 3})));
}

/// CE's answer to a request over a rate limit: the status alone, no body,
/// no `Content-Type`, no `X-KrakenD*` headers (krakend-components §6.2).
fn assert_limited(r: &Resp, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}");
    assert!(r.body.is_empty(), "{what}: body {:?}", r.text());
    for h in [
        "content-type",
        "x-krakend",
        "x-krakend-completed",
        "retry-after",
    ] {
        assert_eq!(r.header(h), None, "{what}: {h} on a {status}");
    }
}

/// `testdata/build/<name>.json` with `router.return_error_msg` turned
/// off, built as `<name>_quiet` against `up`.
fn quiet_gateway(name: &str, up: &Upstream) -> Gateway {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../testdata/build/{name}.json"));
    let text = std::fs::read_to_string(source).unwrap();
    let quiet = text.replace(
        r#""return_error_msg": true"#,
        r#""return_error_msg": false"#,
    );
    assert_ne!(quiet, text, "{name}.json turns return_error_msg on");
    start(&build_text(
        &format!("{name}_quiet"),
        &quiet.replace(PLACEHOLDER, &up.url()),
        &[],
    ))
}

/// `validation/json-schema` (krakend-components §11): the body checked
/// before any backend; a valid one reaches the backend unchanged, an
/// invalid, empty or non-JSON one is CE's 400 with one `- field: message`
/// line per error (`return_error_msg` is on) and reaches no backend.
#[test]
fn json_schema_400_and_pass() {
    let (up, gw) = gateway("json_schema");
    let post = |path: &str, body: &str| send(&gw.addr, "POST", path, &[], body.as_bytes());

    let body = r#"{"name":"ann","age":3,"email":"ann@example.com"}"#;
    let r = post("/users", body);
    assert_eq!((r.status, r.text()), (201, format!("stored:{body}")));

    let refused = |r: &Resp, text: &str, what: &str| {
        assert_eq!((r.status, r.text().as_str()), (400, text), "{what}");
        assert_eq!(r.header("x-krakend-completed"), Some("false"), "{what}");
        assert!(r.header("x-krakend").is_some(), "{what}");
    };
    refused(
        &post("/numbers", r#"{"foo": 42}"#),
        "- (root): Invalid type. Expected: number, given: object",
        "CE's spec jsonschema_1",
    );
    let r = post("/numbers", "42");
    assert_eq!(r.status, 200);
    refused(
        &post("/users", ""),
        "could not validate an empty body",
        "empty",
    );
    refused(
        &post("/users", "{}"),
        "- (root): name is required",
        "required",
    );
    // Two errors, one line each (their order is the `jsonschema` crate's).
    let r = post("/users", r#"{"name":"a","age":-1}"#);
    assert_eq!(r.status, 400);
    let mut lines: Vec<String> = r.text().lines().map(str::to_string).collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "- age: Must be greater than or equal to 0",
            "- name: String length must be greater than or equal to 2"
        ]
    );
    refused(
        &post("/users", r#"{"name":"ann","email":"nope"}"#),
        "- email: Does not match format 'email'",
        "format",
    );
    // Not JSON: a 400 too (the parser's words differ from Go's).
    let r = post("/users", "name=ann");
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(
        up.seen_at("/upload").len(),
        1,
        "refused bodies reach no backend"
    );
    assert_eq!(up.seen_at("/audit").len(), 1);

    // Without `router.return_error_msg` the same 400s have an empty body,
    // CE's headers still; a valid body still passes.
    let quiet = quiet_gateway("json_schema", &up);
    let post = |path: &str, body: &str| send(&quiet.addr, "POST", path, &[], body.as_bytes());
    for (path, body) in [
        ("/numbers", r#"{"foo": 42}"#),
        ("/users", ""),
        ("/users", "{}"),
        ("/users", "name=ann"),
    ] {
        let r = post(path, body);
        assert_eq!((r.status, r.text().as_str()), (400, ""), "{path} {body:?}");
        assert_eq!(r.header("x-krakend-completed"), Some("false"));
        assert!(r.header("x-krakend").is_some());
    }
    let body = r#"{"name":"bob"}"#;
    let r = post("/users", body);
    assert_eq!((r.status, r.text()), (201, format!("stored:{body}")));
    assert_eq!(post("/numbers", "7").status, 200);
    assert_eq!(up.seen_at("/upload").len(), 2);
    assert_eq!(up.seen_at("/audit").len(), 2);
}

/// `qos/ratelimit/proxy` (krakend-components §12): one bucket per backend
/// entry, on an `every` long enough that nothing refills during the test.
/// Over it the backend is not called: a lone backend makes the endpoint
/// answer 500 (`rate limit exceded`, with `return_error_msg`), and in a
/// merge the others' data comes back as a partial 200.
#[test]
fn proxy_rate_limit_500_and_partial_200() {
    let (up, gw) = gateway("ratelimit_proxy");

    // 2 an hour, capacity 2: two calls, then CE's error.
    for i in 0..2 {
        let r = get(&gw.addr, "/single");
        assert_eq!(r.status, 200, "/single #{}", i + 1);
        assert_eq!(r.header("x-krakend-completed"), Some("true"));
    }
    for i in 0..2 {
        let r = get(&gw.addr, "/single");
        assert_eq!(
            (r.status, r.text().as_str()),
            (500, "rate limit exceded"),
            "/single #{}",
            i + 3
        );
        assert_eq!(r.header("x-krakend-completed"), Some("false"));
        assert_eq!(r.header("cache-control"), None);
    }
    assert_eq!(
        up.seen_at("/users/1").len(),
        2,
        "refused calls reach no backend"
    );

    // Two backends, the limited one at capacity 1: complete once, then
    // partial with the other backend's data.
    let r = get(&gw.addr, "/partial");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    assert_eq!(
        r.json(),
        json!({"user": {"id": 2, "name": "ann"}, "order": {"order_id": 7}})
    );
    for _ in 0..2 {
        let r = get(&gw.addr, "/partial");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-krakend-completed"), Some("false"));
        assert_eq!(r.json(), json!({"user": {"id": 2, "name": "ann"}}));
    }
    assert_eq!(up.seen_at("/orders/7").len(), 1);
    assert_eq!(up.seen_at("/users/2").len(), 3);

    // Without `router.return_error_msg`: the 500 has an empty body, and
    // the gateway's buckets are its own (a fresh process starts full).
    let quiet = quiet_gateway("ratelimit_proxy", &up);
    let answers: Vec<(u16, bool)> = (0..3)
        .map(|_| {
            let r = get(&quiet.addr, "/single");
            (r.status, r.body.is_empty())
        })
        .collect();
    assert_eq!(answers, [(200, false), (200, false), (500, true)]);
    let r = get(&quiet.addr, "/partial");
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    let r = get(&quiet.addr, "/partial");
    assert_eq!(
        (r.status, r.header("x-krakend-completed")),
        (200, Some("false"))
    );
    assert_eq!(r.json(), json!({"user": {"id": 2, "name": "ann"}}));
    assert_eq!(up.seen_at("/users/1").len(), 4);
}

/// `qos/ratelimit/router` (krakend-components §6): an endpoint burst on an
/// `every` long enough that nothing refills, one refill observed from
/// measured times, the client key of each strategy, the 429/503 split, and
/// no rejected request reaching a backend.
#[test]
fn rate_limits_as_krakend_does() {
    let (up, gw) = gateway("ratelimit");
    let statuses = |path: &str, headers: &[(&str, &str)], n: usize| -> Vec<u16> {
        (0..n)
            .map(|_| send(&gw.addr, "GET", path, headers, b"").status)
            .collect()
    };

    // The endpoint bucket: 5 a hour, capacity 5. It was built at start,
    // full, and refills only when empty: exactly 5 pass, then 503s.
    let mut burst = statuses("/burst", &[], 5);
    for i in 0..3 {
        let r = get(&gw.addr, "/burst");
        assert_limited(&r, 503, &format!("/burst #{}", 6 + i));
        burst.push(r.status);
    }
    assert_eq!(burst, [200, 200, 200, 200, 200, 503, 503, 503]);
    // Whoever asks: the endpoint bucket is everyone's.
    let r = send(
        &gw.addr,
        "GET",
        "/burst",
        &[("X-Forwarded-For", "9.9.9.9")],
        b"",
    );
    assert_limited(&r, 503, "/burst from another client");

    // `header`: one bucket per `X-Tenant` value (2 each); no header, or an
    // empty one, is a 429 at once (CE's empty key).
    for tenant in ["a", "b"] {
        assert_eq!(
            statuses("/by-header", &[("X-Tenant", tenant)], 3),
            [200, 200, 429]
        );
    }
    assert_eq!(statuses("/by-header", &[("x-tenant", "c")], 1), [200]);
    assert_limited(&get(&gw.addr, "/by-header"), 429, "no X-Tenant");
    assert_limited(
        &send(&gw.addr, "GET", "/by-header", &[("X-Tenant", "")], b""),
        429,
        "empty X-Tenant",
    );

    // `param`: one bucket per `{user}`.
    assert_eq!(statuses("/by-param/ann", &[], 3), [200, 200, 429]);
    assert_eq!(statuses("/by-param/bob", &[], 2), [200, 200]);

    // `ip`: gin's `ClientIP()`. Without `router` settings KrakenD CE
    // believes any `X-Forwarded-For`, and so does gwc (GW709 warns): a
    // forged one is a fresh bucket. `router_options.json` pins
    // `trusted_proxies`.
    assert_eq!(statuses("/by-ip", &[], 3), [200, 200, 429]);
    let forged = [("X-Forwarded-For", "9.9.9.9")];
    assert_eq!(statuses("/by-ip", &forged, 3), [200, 200, 429]);

    // `ip` with `key`: the header's IPv4 (before any `:port`), else the
    // connection's address.
    let from = |ip: &'static str| vec![("X-Client-IP", ip)];
    assert_eq!(statuses("/by-ip-header", &from("10.1.1.1"), 2), [200, 200]);
    assert_eq!(
        statuses("/by-ip-header", &from("10.1.1.1:4000, 10.9.9.9"), 1),
        [429]
    );
    assert_eq!(statuses("/by-ip-header", &from("10.2.2.2"), 1), [200]);
    assert_eq!(statuses("/by-ip-header", &from("not an ip"), 2), [200, 200]);
    assert_eq!(statuses("/by-ip-header", &[], 1), [429]);

    // The split: client first (429, no endpoint token), then the endpoint
    // (503, after a client token was spent). 3 endpoint tokens, 2 a user.
    let user = |u: &'static str| vec![("X-User", u)];
    let mut split = Vec::new();
    for u in ["u1", "u1", "u1", "u2", "u2", "u3"] {
        let r = send(&gw.addr, "GET", "/split", &user(u), b"");
        if r.status != 200 {
            assert_limited(&r, r.status, &format!("/split as {u}"));
        } else {
            assert_eq!(r.header("x-krakend-completed"), Some("true"));
        }
        split.push(r.status);
    }
    assert_eq!(split, [200, 200, 429, 200, 503, 503]);
    // `u2` spent its second token on the 503.
    assert_limited(
        &send(&gw.addr, "GET", "/split", &user("u2"), b""),
        429,
        "u2",
    );

    // One refill, measured: `client_max_rate: 1`, `client_capacity: 2`,
    // one token a second. The bucket of a new user is made full by its
    // first request, at a server time `t0` in [sent₁, received₁]. Two
    // requests take its tokens; then the bucket refills only once
    // `now − t0 ≥ 1 s`. So no request answered before sent₁ + 1 s can
    // pass, and any request sent after received₁ + 1 s must.
    let second = Duration::from_secs(1);
    let me = user("refill-user");
    let sent1 = Instant::now();
    let first = send(&gw.addr, "GET", "/refill", &me, b"").status;
    let received1 = Instant::now();
    assert_eq!(first, 200);
    assert_eq!(send(&gw.addr, "GET", "/refill", &me, b"").status, 200);
    let mut polls = Vec::new();
    loop {
        let sent = Instant::now();
        let status = send(&gw.addr, "GET", "/refill", &me, b"").status;
        polls.push((sent, Instant::now(), status));
        if status == 200 || sent.duration_since(sent1) > 5 * second {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let (_, received, status) = *polls.last().unwrap();
    assert_eq!(status, 200, "no refill within 5 s");
    assert!(
        received.duration_since(sent1) >= second,
        "refilled {:?} after the first request",
        received.duration_since(sent1)
    );
    for (s, r, status) in &polls[..polls.len() - 1] {
        assert_eq!(*status, 429);
        assert!(
            *s < received1 + second,
            "a request sent {:?} after received₁ + 1 s was refused",
            s.duration_since(received1 + second)
        );
        assert!(r.duration_since(sent1) < 5 * second);
    }
    // n = 1 ≤ capacity: the refill's token was this request's; the next
    // one is refused again.
    assert_eq!(send(&gw.addr, "GET", "/refill", &me, b"").status, 429);

    // Every 200 reached the backend, no rejected request did.
    let seen = up.seen();
    let passed = |path: &str| {
        seen.iter()
            .filter(|s| s.path() == path || s.path().starts_with(&format!("{path}/")))
            .count()
    };
    assert_eq!(passed("/echo/burst"), 5);
    assert_eq!(passed("/echo/by-header"), 5);
    assert_eq!(passed("/echo/by-param"), 4);
    assert_eq!(passed("/echo/by-ip"), 4);
    assert_eq!(passed("/echo/by-ip-header"), 5);
    assert_eq!(passed("/echo/split"), 3);
    assert_eq!(passed("/echo/refill"), 3);
}

/// `auth/signer` (krakend-components §13) on a real gateway: the listed
/// objects signed as CE signs them (HS256 from a JWKS URL; HS512 from a
/// local file as the JWS JSON serialisation, with its `typ`), other
/// values left unsigned; JSON whatever `output_encoding`, without
/// `X-KrakenD-Completed` or `Cache-Control`; the rate limit never applied;
/// a `kid` missing from the key set at start → 401 to every request; a
/// failing backend → 400 with no body.
#[test]
fn jwt_signer_as_krakend_does() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let keys = jwt::Keys::new();
    let secret512 = b"a 64-byte secret for the HS512 signer of the e2e tests, padded!!".to_vec();
    assert_eq!(secret512.len(), 64);
    let set = json!({"keys": [keys.hs_jwk("hs")]});
    let jwks = upstream(move |_: &Seen| Reply::json(&set.to_string()));
    let dir = std::env::temp_dir().join(format!("gwc-signer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let local = dir.join("private.json");
    std::fs::write(
        &local,
        json!({"keys": [{"kty": "oct", "kid": "hs512", "k": jwt::b64(&secret512)}]}).to_string(),
    )
    .unwrap();
    let up = upstream(|seen: &Seen| match seen.path() {
        "/token" => Reply::json(
            r#"{"access_token": {"sub": "u1", "exp": 1735689600, "html": "<a&b>", "aud": ["x"]}, "refresh_token": "plain", "n": 1}"#,
        ),
        "/id" => Reply::json(r#"{"id_token": {"sub": "u2"}}"#),
        _ => Reply::json("{}").status(500),
    });
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/build/signer.json"),
    )
    .unwrap();
    let text = source
        .replace(PLACEHOLDER, &up.url())
        .replace("http://jwks.test", &jwks.url())
        .replace("LOCAL_JWKS", local.to_str().unwrap());
    let gw = start(&build_text("signer", &text, &[]));
    let hmac = |alg, secret: &[u8], input: &str| {
        b64.encode(ring::hmac::sign(
            &ring::hmac::Key::new(alg, secret),
            input.as_bytes(),
        ))
    };

    // Three requests: the endpoint's rate limit (1 a second) never runs.
    for _ in 0..3 {
        let r = send(&gw.addr, "GET", "/token", &[], b"");
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(r.header("x-krakend-completed"), None);
        assert_eq!(r.header("cache-control"), None);
        let body = r.json();
        assert_eq!(body["refresh_token"], "plain", "a string is not signed");
        assert_eq!(body["n"], 1);
        let token = body["access_token"].as_str().unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        let (header, payload) = input.split_once('.').unwrap();
        assert_eq!(
            b64.decode(header).unwrap(),
            br#"{"alg":"HS256","kid":"hs","typ":"JWT"}"#
        );
        // Go's encoding/json: keys sorted, HTML characters escaped.
        assert_eq!(
            String::from_utf8(b64.decode(payload).unwrap()).unwrap(),
            r#"{"aud":["x"],"exp":1735689600,"html":"\u003ca\u0026b\u003e","sub":"u1"}"#
        );
        assert_eq!(sig, hmac(ring::hmac::HMAC_SHA256, &keys.secret, input));
    }

    // The JSON serialisation, HS512, its `typ`, from the local key set.
    let r = send(&gw.addr, "GET", "/full", &[], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    let doc: serde_json::Value =
        serde_json::from_str(r.json()["id_token"].as_str().unwrap()).unwrap();
    let protected = doc["protected"].as_str().unwrap();
    let payload = doc["payload"].as_str().unwrap();
    assert_eq!(
        b64.decode(protected).unwrap(),
        br#"{"alg":"HS512","kid":"hs512","typ":"at+jwt"}"#
    );
    assert_eq!(b64.decode(payload).unwrap(), br#"{"sub":"u2"}"#);
    assert_eq!(
        doc["signature"].as_str().unwrap(),
        hmac(
            ring::hmac::HMAC_SHA512,
            &secret512,
            &format!("{protected}.{payload}")
        )
    );

    // No such kid at start: 401 forever, the backend never called.
    for _ in 0..2 {
        let r = send(&gw.addr, "GET", "/missing-kid", &[], b"");
        assert_eq!(r.status, 401);
        assert!(r.body.is_empty());
    }
    // A failing backend: 400, empty.
    let r = send(&gw.addr, "GET", "/failing", &[], b"");
    assert_eq!(r.status, 400);
    assert!(r.body.is_empty());
    assert_eq!(r.header("x-krakend-completed"), None);
    assert_eq!(up.seen().iter().filter(|s| s.path() == "/token").count(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `X-Forwarded-For` the backend received for the last call to `path`.
fn forwarded_for(up: &Upstream, path: &str) -> String {
    let seen = up.seen_at(path);
    let last = seen.last().unwrap_or_else(|| panic!("no call to {path}"));
    last.header("x-forwarded-for")
        .unwrap_or_default()
        .to_owned()
}

/// The `router` options that change a request, on a real gateway
/// (`testdata/build/router_options.json`): the client's IP as gin's
/// `ClientIP()` finds it with `trusted_proxies` and `remote_ip_headers`
/// (what the backend receives in `X-Forwarded-For`, what the rate limit
/// keys on), `remove_extra_slash`, `disable_path_decoding`,
/// `logger_skip_paths`, and KrakenD's `/__debug/` and `/__echo/` answers,
/// byte for byte.
#[test]
fn router_options_as_krakend_does() {
    let up = upstream(api);
    let (gw, rx) = start_logged(&build("router_options", &up.url(), &[]), &[]);
    let call = |headers: &[(&str, &str)]| {
        let r = send(&gw.addr, "GET", "/whoami", headers, b"");
        assert_eq!(r.status, 200, "{headers:?}: {}", r.text());
        forwarded_for(&up, "/echo/whoami")
    };
    // The peer (127.0.0.1) is a trusted proxy: `X-Forwarded-For` is read
    // from the right, trusted entries (10.0.0.0/8) skipped; the client's
    // own entry on the left is not believed.
    assert_eq!(call(&[]), "127.0.0.1");
    let chain = [("X-Forwarded-For", "198.51.100.7, 203.0.113.9, 10.1.2.3")];
    assert_eq!(call(&chain), "203.0.113.9");
    // All trusted: the leftmost.
    assert_eq!(
        call(&[("X-Forwarded-For", "10.9.9.9, 10.1.2.3")]),
        "10.9.9.9"
    );
    // `remote_ip_headers` in order: `X-Client-IP` first; gin's default
    // `X-Real-IP` is not read any more; a bad entry spoils its header.
    let both = [
        ("X-Client-IP", "192.0.2.7"),
        ("X-Forwarded-For", "203.0.113.9"),
    ];
    assert_eq!(call(&both), "192.0.2.7");
    assert_eq!(call(&[("X-Real-IP", "192.0.2.44")]), "127.0.0.1");
    let spoiled = [("X-Client-IP", "nope"), ("X-Forwarded-For", "203.0.113.9")];
    assert_eq!(call(&spoiled), "203.0.113.9");

    // The rate limit's `ip` key is the same client IP: one token each.
    let limited = |headers: &[(&str, &str)]| send(&gw.addr, "GET", "/by-ip", headers, b"").status;
    let a = [("X-Forwarded-For", "203.0.113.1, 10.0.0.1")];
    let b = [("X-Forwarded-For", "203.0.113.2")];
    assert_eq!(
        [limited(&a), limited(&a), limited(&b), limited(&[])],
        [200, 429, 200, 200]
    );
    // A forged entry left of the real client changes nothing.
    let forged = [("X-Forwarded-For", "6.6.6.6, 203.0.113.1, 10.0.0.1")];
    assert_eq!(limited(&forged), 429);
    assert_eq!(forwarded_for(&up, "/echo/by-ip"), "127.0.0.1");

    // `remove_extra_slash`: the route is found on the cleaned path.
    let r = get(&gw.addr, "//users///7");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(up.seen_at("/echo/users/7").len(), 1);
    // `disable_path_decoding`: no 400; the value stays encoded in its
    // segment (KrakenD CE would insert `a?b` raw, GW746).
    let r = get(&gw.addr, "/users/a%3Fb");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(up.seen_at("/echo/users/a%3Fb").len(), 1);

    // `/__debug/`: gin's `c.JSON`, any method, no KrakenD headers.
    for method in ["GET", "POST", "DELETE"] {
        let r = send(&gw.addr, method, "/__debug/some/thing?x=1", &[], b"{}");
        assert_eq!(
            (r.status, r.text().as_str()),
            (200, r#"{"message":"pong"}"#),
            "{method}"
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(r.header("x-krakend"), None);
    }
    // gin's trailing-slash redirect to the catch-all.
    let r = get(&gw.addr, "/__debug?x=1");
    assert_eq!(
        (r.status, r.header("location")),
        (301, Some("/__debug/?x=1"))
    );
    // `/__echo/`: lura's `echoResponse` as `encoding/json` writes it.
    let r = send(
        &gw.addr,
        "POST",
        "/__echo/a%20b?z=1&a=2&a=%7e",
        &[("X-Test", "1"), ("Pragma", "no-cache")],
        br#"{"k":"<v>"}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.header("x-krakend"), None);
    let want = format!(
        concat!(
            r#"{{"req_uri":"/__echo/a%20b?z=1\u0026a=2\u0026a=%7e","#,
            r#""req_uri_details":{{"fragment":"","host":"{host}","path":"/__echo/a b","query":"a=2\u0026a=~\u0026z=1","user":""}},"#,
            r#""req_method":"POST","req_querystring":{{"a":["2","~"],"z":["1"]}},"#,
            r#""req_body":"{{\"k\":\"\u003cv\u003e\"}}","#,
            r#""req_headers":{{"Cache-Control":["no-cache"],"Connection":["close"],"Content-Length":["11"],"Pragma":["no-cache"],"X-Test":["1"]}}}}"#
        ),
        host = gw.addr
    );
    assert_eq!(r.text(), want);

    // `logger_skip_paths`: `/quiet` (and `/__health`) leave no log line.
    assert_eq!(get(&gw.addr, "/quiet").status, 200);
    assert_eq!(get(&gw.addr, "/__health").status, 200);
    assert_eq!(get(&gw.addr, "/loud").status, 200);
    // gin's access line on stdout, in request order: wait for `/loud`'s.
    let log = log_lines(&rx, |l| {
        l.last()
            .is_some_and(|l| l.starts_with("[GIN] ") && l.ends_with(r#""/loud""#))
    });
    let logged = |path: &str| {
        log.iter()
            .any(|l| l.starts_with("[GIN] ") && l.ends_with(&format!("\"{path}\"")))
    };
    assert!(logged("/loud") && logged("/whoami"), "{log:?}");
    assert!(!logged("/quiet") && !logged("/__health"), "{log:?}");
    // The access log shows the client IP gin would.
    let by_ip = format!("| {:>15} |", "203.0.113.1");
    assert!(
        log.iter()
            .any(|l| l.contains(&by_ip) && l.ends_with(r#""/by-ip""#)),
        "{log:?}"
    );
}

/// Without `router` settings lura leaves gin's defaults: every peer is a
/// trusted proxy, so the leftmost `X-Forwarded-For` entry (else
/// `X-Real-IP`) is the client, as KrakenD CE believes it (GW709 warns when
/// a rate limit keys on it); lura's parameter check answers 400 to an
/// encoded path variable; no `/__debug/` or `/__echo/`; extra slashes get
/// gin's fixed-path redirect (`testdata/build/router_defaults.json`).
#[test]
fn router_defaults_as_krakend_does() {
    let (up, gw) = gateway("router_defaults");
    let call = |headers: &[(&str, &str)]| {
        assert_eq!(send(&gw.addr, "GET", "/whoami", headers, b"").status, 200);
        forwarded_for(&up, "/echo/whoami")
    };
    assert_eq!(
        call(&[("X-Forwarded-For", "203.0.113.9, 10.0.0.1")]),
        "203.0.113.9"
    );
    assert_eq!(call(&[("X-Real-IP", "192.0.2.44")]), "192.0.2.44");
    let junk = [("X-Forwarded-For", "junk"), ("X-Real-IP", "192.0.2.45")];
    assert_eq!(call(&junk), "192.0.2.45");

    for (path, text) in [
        ("/users/a%3Fb", "error: encoded url params"),
        ("/users/a%23b", "error: encoded url params"),
        ("/users/..%252Fadmin", "error: encoded url params"),
        ("/users/100%25", r#"error: invalid URL escape "%""#),
    ] {
        let r = get(&gw.addr, path);
        assert_eq!((r.status, r.text().as_str()), (400, text), "{path}");
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(r.header("x-krakend"), None);
    }
    assert!(
        up.seen()
            .iter()
            .all(|s| !s.path().starts_with("/echo/users"))
    );

    assert_eq!(get(&gw.addr, "/__debug/").status, 404);
    assert_eq!(get(&gw.addr, "/__echo/").status, 404);
    let r = get(&gw.addr, "//users///7");
    assert_eq!((r.status, r.header("location")), (301, Some("/users/7")));
}

/// KrakenD CE still reads the long legacy namespace names (its alias
/// table), and so does gwc: `github_com/luraproject/lura/router/gin`
/// (`forwarded_by_client_ip: false`, `return_error_msg`), the CORS,
/// `security/http` and bot-detector long names at the root, and the
/// `proxy` and `backend/http` long names below
/// (`testdata/build/router_legacy.json`).
#[test]
fn legacy_namespace_names_are_read() {
    let (up, gw) = gateway("router_legacy");
    // `forwarded_by_client_ip: false`: the peer, whatever the headers say.
    let r = send(
        &gw.addr,
        "GET",
        "/whoami",
        &[("X-Forwarded-For", "203.0.113.9")],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(forwarded_for(&up, "/echo/whoami"), "127.0.0.1");
    // `github_com/devopsfaith/krakend-httpsecure`.
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    // `github_com/devopsfaith/krakend-cors`.
    let r = send(
        &gw.addr,
        "GET",
        "/whoami",
        &[("Origin", "https://app.example.com")],
        b"",
    );
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    // `github_com/devopsfaith/krakend-botdetector`.
    let r = send(
        &gw.addr,
        "GET",
        "/whoami",
        &[("User-Agent", "EvilBot/1.0")],
        b"",
    );
    assert_eq!(r.status, 403);
    // `github.com/devopsfaith/krakend/proxy`: static data merged.
    let r = get(&gw.addr, "/merged");
    assert_eq!(r.json()["from"], "static", "{}", r.text());
    // `github.com/devopsfaith/krakend/http` with the router's
    // `return_error_msg`: the backend's status and body.
    let r = get(&gw.addr, "/teapot");
    assert_eq!((r.status, r.text().as_str()), (418, r#"{"why":"teapot"}"#));
}

/// What `testdata/build/martian.json`'s upstreams answer: `/echo/…` the
/// request as received (headers as lists, in arrival order), `/resp` a
/// response with headers to modify, `/fail` a 503.
fn martian_api(name: &'static str) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |seen: &Seen| {
        let mut headers = serde_json::Map::new();
        for (k, v) in &seen.headers {
            let list = headers.entry(k.clone()).or_insert_with(|| json!([]));
            if let Some(a) = list.as_array_mut() {
                a.push(json!(v));
            }
        }
        match seen.path() {
            "/resp" => Reply::json(r#"{"from":"backend"}"#)
                .header("X-Internal", "secret")
                .header("X-Upstream", "yes"),
            "/fail" => Reply::json(r#"{"error":"down"}"#).status(503),
            _ => Reply::json(
                &json!({
                    "upstream": name,
                    "method": seen.method,
                    "uri": seen.uri,
                    "headers": headers,
                    "body": String::from_utf8_lossy(&seen.body),
                })
                .to_string(),
            ),
        }
    }
}

/// `modifier/martian` (krakend-components §7): every modifier KrakenD CE
/// compiles in, observed at the backend (request side) or the client
/// (response side), where CE runs them: request modifiers on the final
/// upstream request, response modifiers before the status check and the
/// decoder.
#[test]
fn martian_modifiers_change_requests_and_responses() {
    let up = upstream(martian_api("main"));
    let other = upstream(martian_api("other"));
    let root = std::env::temp_dir().join(format!("gwc-martian-static-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("health.json"), br#"{"status":"ok"}"#).unwrap();
    std::fs::write(root.join("index.html"), b"<h1>home</h1>").unwrap();
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/build/martian.json"),
    )
    .unwrap();
    let text = source
        .replace(PLACEHOLDER, &up.url())
        .replace("59999", &other.addr.port().to_string())
        .replace("59998", &up.addr.port().to_string())
        .replace("/tmp/gwc-martian-static", root.to_str().unwrap());
    let gw = start(&build_text("martian", &text, &[]));
    let header = |body: &serde_json::Value, name: &str| body["headers"][name].clone();

    // Request side: header.Modifier, header.Append, header.Blacklist,
    // header.Copy, header.Id, cookie.Modifier, stash.Modifier (and
    // header.Verifier, which changes nothing) on the request the backend
    // receives, after `input_headers` (X-Tenant is not forwarded, yet it
    // arrives).
    let r = send(
        &gw.addr,
        "GET",
        "/req/headers/7",
        &[
            ("X-Tag", "one"),
            ("X-Drop", "gone"),
            ("X-Tenant", "client"),
            ("User-Agent", "tester/1"),
            ("Cookie", "a=1"),
        ],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let b = r.json();
    assert_eq!(b["uri"], "/echo/7");
    assert_eq!(header(&b, "x-tenant"), json!(["acme"]));
    assert_eq!(header(&b, "x-tag"), json!(["one", "two"]));
    assert_eq!(header(&b, "x-drop"), serde_json::Value::Null);
    assert_eq!(header(&b, "x-forwarded-host"), serde_json::Value::Null);
    assert_eq!(header(&b, "x-browser"), json!(["tester/1"]));
    let id = header(&b, "x-krakend-id")[0].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(&id[14..15], "4", "a UUID v4: {id}");
    assert_eq!(header(&b, "cookie"), json!(["a=1; consent=yes"]));
    assert_eq!(
        header(&b, "x-stash"),
        json!([format!("{}/echo/7", up.url())])
    );

    // querystring.Modifier: the whole query re-encoded, keys sorted.
    let r = get(&gw.addr, "/req/query?q=a%20b&page=2");
    assert_eq!(
        r.json()["uri"],
        "/echo/query?api+key=k%261&fixed=1&page=2&q=a+b"
    );

    // url.Modifier: another host, path (escaped as Go does) and query;
    // the `Host` header keeps the original host, as Go's `Request.Host`.
    let r = get(&gw.addr, "/req/url/7");
    let b = r.json();
    assert_eq!(b["upstream"], "other");
    assert_eq!(b["uri"], "/moved%20here?via=martian");
    assert_eq!(header(&b, "host"), json!([up.addr.to_string()]));
    assert!(up.seen_at("/users/7").is_empty());

    // port.Modifier: the same host on another port.
    let b = get(&gw.addr, "/req/port").json();
    assert_eq!(
        (b["upstream"].as_str(), b["uri"].as_str()),
        (Some("other"), Some("/echo/port"))
    );

    // body.Modifier on the request: body, Content-Type and length replaced.
    let r = send(
        &gw.addr,
        "POST",
        "/req/body",
        &[("Content-Type", "text/plain")],
        b"client body",
    );
    let b = r.json();
    assert_eq!(b["body"], r#"{"msg":"you rock!"}"#);
    assert_eq!(header(&b, "content-type"), json!(["application/json"]));
    assert_eq!(header(&b, "content-length"), json!(["19"]));

    // Response side on a no-op endpoint (the only one that passes backend
    // headers): header.Modifier, header.Append, header.Blacklist,
    // header.Copy, cookie.Modifier, stash.Modifier, a response
    // header.Filter and status.Modifier.
    let r = get(&gw.addr, "/res/noop");
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(r.text(), r#"{"from":"backend"}"#);
    assert_eq!(r.header("x-served-by"), Some("gateway"));
    assert_eq!(r.header("x-internal"), None);
    let upstream_values: Vec<&str> = r
        .headers
        .iter()
        .filter(|(k, _)| k == "x-upstream")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(upstream_values, ["yes", "also"]);
    assert_eq!(r.header("x-copied"), Some("yes"));
    assert_eq!(
        r.header("set-cookie"),
        Some("session=abc; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; HttpOnly")
    );
    assert_eq!(
        r.header("x-stash"),
        Some(format!("{}/resp", up.url()).as_str())
    );
    assert_eq!(r.header("x-saw-upstream"), Some("yes"));

    // status.Modifier before the status check: the backend's 503 is a 200
    // that KrakenD accepts and decodes.
    let r = get(&gw.addr, "/res/status");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    assert_eq!(r.json(), json!({"error": "down"}));

    // body.Modifier before the decoder: the replaced body is the data.
    let r = get(&gw.addr, "/res/body");
    assert_eq!(r.json(), json!({"replaced": true}));

    // A response body.Modifier honours the request's Range (206, 416).
    let r = send(
        &gw.addr,
        "GET",
        "/res/range",
        &[("Range", "bytes=2-4")],
        b"",
    );
    assert_eq!(r.status, 206);
    assert_eq!(r.text(), "234");
    assert_eq!(r.header("content-range"), Some("bytes 2-4/10"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    let r = send(
        &gw.addr,
        "GET",
        "/res/range",
        &[("Range", "bytes=7-3")],
        b"",
    );
    assert_eq!((r.status, r.body.len()), (416, 0));
    let r = get(&gw.addr, "/res/range");
    assert_eq!((r.status, r.text().as_str()), (200, "0123456789"));

    // The filters: header.Filter, header.RegexFilter, querystring.Filter,
    // url.Filter, url.RegexFilter, cookie.Filter and port.Filter, their
    // `else` branches when the condition fails.
    let b = send(
        &gw.addr,
        "GET",
        "/filters?legacy=1",
        &[
            ("X-Tenant", "acme"),
            ("X-App", "2.1-beta"),
            ("Cookie", "consent=yes"),
        ],
        b"",
    )
    .json();
    for h in [
        "x-f-header",
        "x-f-regex",
        "x-f-query",
        "x-f-url",
        "x-f-url-regex",
        "x-f-cookie",
        "x-f-port",
    ] {
        assert_eq!(header(&b, h), json!(["yes"]), "{h}: {b}");
    }
    let b = send(&gw.addr, "GET", "/filters", &[("X-App", "2.1")], b"").json();
    for h in ["x-f-header", "x-f-query", "x-f-url", "x-f-cookie"] {
        assert_eq!(header(&b, h), json!(["no"]), "{h}: {b}");
    }
    assert_eq!(header(&b, "x-f-regex"), serde_json::Value::Null);
    // The URL still matches the regex; the port, the backend's own.
    assert_eq!(header(&b, "x-f-url-regex"), json!(["yes"]));
    assert_eq!(header(&b, "x-f-port"), json!(["yes"]));

    // priority.Group: highest first, and of equal ones the later first
    // (fifo.Group runs in order: above).
    let b = get(&gw.addr, "/groups").json();
    assert_eq!(header(&b, "x-order"), json!(["high", "low-later", "low"]));

    // static.Modifier: the file under rootPath (or its explicit path),
    // no round trip to the backend.
    let before = up.seen().len();
    let r = get(&gw.addr, "/static/health.json");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), r#"{"status":"ok"}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = get(&gw.addr, "/static/home");
    assert_eq!(r.text(), "<h1>home</h1>");
    assert_eq!(get(&gw.addr, "/static/missing.txt").status, 404);
    assert_eq!(
        up.seen().len(),
        before,
        "static answers never reach the backend"
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// `Date` as an HTTP date (IMF-fixdate), the clock the cache measures
/// freshness from.
fn http_date(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEK: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEK[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// What `testdata/build/http_cache.json`'s upstream answers: `/cached/hit`
/// fresh for 60 s, `/cached/etag` an `ETag` to revalidate (a 304 to
/// `If-None-Match`, fresh for 60 s), `/cached/nostore` `no-store`,
/// `/cached/vary` per `Accept-Language`.
fn cache_api(seen: &Seen) -> Reply {
    let now = http_date(std::time::SystemTime::now());
    match seen.path() {
        "/cached/hit" => Reply::json(r#"{"cached":"hit"}"#)
            .header("Cache-Control", "max-age=60")
            .header("Date", &now),
        "/cached/etag" if seen.header("if-none-match") == Some("\"v1\"") => Reply::json("")
            .status(304)
            .header("Cache-Control", "max-age=60")
            .header("Date", &now),
        "/cached/etag" => Reply::json(r#"{"version":1}"#)
            .header("ETag", "\"v1\"")
            .header("Cache-Control", "no-cache")
            .header("Date", &now),
        "/cached/nostore" => Reply::json(r#"{"fresh":true}"#)
            .header("Cache-Control", "no-store, max-age=60")
            .header("Date", &now),
        "/cached/vary" => {
            let lang = seen.header("accept-language").unwrap_or("");
            Reply::json(&json!({ "lang": lang }).to_string())
                .header("Cache-Control", "max-age=60")
                .header("Vary", "Accept-Language")
                .header("Date", &now)
        }
        _ => Reply::json("{}").status(404),
    }
}

/// `qos/http-cache` (krakend-components §10): a hit never reaches the
/// backend; a stale entry is revalidated with its `ETag` and the 304
/// refreshes it; `no-store` is never stored; `Vary` keeps one entry a URL
/// for the request headers it names. No `X-From-Cache` marker.
#[test]
fn http_cache_as_krakend_does() {
    let up = upstream(cache_api);
    let gw = start(&build("http_cache", &up.url(), &[]));

    for _ in 0..3 {
        let r = get(&gw.addr, "/hit");
        assert_eq!((r.status, r.text().as_str()), (200, r#"{"cached":"hit"}"#));
        assert_eq!(r.header("x-krakend-completed"), Some("true"));
        assert!(r.header("x-from-cache").is_none());
    }
    assert_eq!(up.seen_at("/cached/hit").len(), 1, "one backend request");

    for _ in 0..3 {
        let r = get(&gw.addr, "/etag");
        assert_eq!((r.status, r.text().as_str()), (200, r#"{"version":1}"#));
    }
    let etag = up.seen_at("/cached/etag");
    assert_eq!(etag.len(), 2, "the 304 made the entry fresh");
    assert_eq!(etag[0].header("if-none-match"), None);
    assert_eq!(etag[1].header("if-none-match"), Some("\"v1\""));

    for _ in 0..3 {
        assert_eq!(get(&gw.addr, "/nostore").status, 200);
    }
    assert_eq!(up.seen_at("/cached/nostore").len(), 3);

    let mut langs = Vec::new();
    for lang in ["de", "de", "fr", "fr", "de"] {
        let r = send(&gw.addr, "GET", "/vary", &[("Accept-Language", lang)], b"");
        assert_eq!(r.status, 200);
        langs.push(r.json()["lang"].as_str().unwrap().to_owned());
    }
    assert_eq!(langs, ["de", "de", "fr", "fr", "de"]);
    let sent: Vec<String> = up
        .seen_at("/cached/vary")
        .iter()
        .map(|s| s.header("accept-language").unwrap_or("").to_owned())
        .collect();
    assert_eq!(sent, ["de", "fr", "de"], "a new value replaces the entry");

    // The same backend without the namespace: every request goes out.
    for _ in 0..2 {
        assert_eq!(get(&gw.addr, "/uncached").status, 200);
    }
    assert_eq!(up.seen_at("/cached/hit").len(), 3);
}

/// `validation/cel` (krakend-components §14), over
/// `testdata/build/cel.json`: CE's results at each level. The endpoint's
/// `req` list refuses with a 500 naming the evaluator's index in its list
/// (`return_error_msg`), its `resp` list the same on a complete answer; a
/// backend's lists fail that backend (a partial 200); the `JWT` list is
/// `auth/validator`'s rejecter (401). A backend rejection does not count
/// as a circuit-breaker failure (a difference from CE the README lists).
#[test]
fn cel_allows_and_denies_as_krakend_does() {
    let keys = jwt::Keys::new();
    let set = json!({"keys": [keys.hs_jwk("hs")]});
    let jwks = upstream(move |_: &Seen| Reply::json(&set.to_string()));
    let up = upstream(api);
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/build/cel.json"),
    )
    .unwrap();
    let text = source
        .replace(PLACEHOLDER, &up.url())
        .replace("http://jwks.test", &jwks.url());
    let gw = start(&build_text("cel", &text, &[]));
    let with_header = |path: &str| send(&gw.addr, "GET", path, &[("X-Header", "something")], b"");

    // Endpoint and backend expressions all true: the whole answer.
    let r = with_header("/cel/30");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["a"]["name"], "ann");
    assert_eq!(r.json()["b"]["order_id"], 30);
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    assert_eq!(r.header("cache-control"), Some("public, max-age=3600"));
    // The backend saw the POST its expression asked for.
    assert_eq!(up.wait_for("/orders/30").method, "POST");

    // Endpoint `req` list: evaluator #1 (odd id), #0 (no header: the
    // missing key is an evaluation error, a refusal too). No backend call.
    let before = up.seen().len();
    let r = with_header("/cel/1");
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), "request aborted by evaluator #1");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(r.header("cache-control"), None);
    let r = get(&gw.addr, "/cel/30");
    assert_eq!(
        (r.status, r.text().as_str()),
        (500, "request aborted by evaluator #0")
    );
    assert_eq!(
        up.seen().len(),
        before,
        "a refused request reaches no backend"
    );

    // Backend `req` lists: the refused backend fails, the other answers.
    let r = with_header("/cel/10");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"b": {"order_id": 10, "customer": {"id": 42}, "total": 9.5}})
    );
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(r.header("cache-control"), None);
    assert!(
        up.seen_at("/users/10").is_empty(),
        "backend a was not called"
    );
    let r = with_header("/cel/6");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["a"]["id"], 6);
    assert!(r.json().get("b").is_none());
    assert!(
        up.seen_at("/orders/6").is_empty(),
        "backend b was not called"
    );

    // A backend `resp` list on its data, as CE sees it: after the
    // backend's manipulation (`group` included). `total` 9.5 fails; the
    // endpoint's `resp` list is skipped on the partial answer (CE's).
    let r = get(&gw.addr, "/total/7");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"customer": {"name": "cust-7"}}));
    assert_eq!(r.header("x-krakend-completed"), Some("false"));

    // The endpoint's `resp` list on a complete answer.
    let r = get(&gw.addr, "/deny/7");
    assert_eq!(
        (r.status, r.text().as_str()),
        (500, "request aborted by evaluator #0")
    );
    assert_eq!(r.header("x-krakend-completed"), Some("false"));

    // `req_querystring` after `input_query_strings`, decoded.
    assert_eq!(get(&gw.addr, "/search?q=x&q=abc").status, 200);
    assert_eq!(get(&gw.addr, "/search?q=ab%63").status, 200);
    assert_eq!(get(&gw.addr, "/search?qq=abc").status, 500);

    // The JWT rejecter: a 401 with nothing of KrakenD's, before roles.
    let now = jwt::now();
    let token = |roles: serde_json::Value| {
        keys.sign(
            "HS256",
            "hs",
            &json!({"sub": "u", "exp": now + 600, "roles": roles}),
        )
    };
    let call = |t: &str| {
        send(
            &gw.addr,
            "GET",
            "/jwt",
            &[("Authorization", &format!("Bearer {t}"))],
            b"",
        )
    };
    let r = call(&token(json!(["role_a", "role_b"])));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = call(&token(json!(["role_y"])));
    assert_eq!(r.status, 401);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-type"), None);
    assert_eq!(r.header("x-krakend-completed"), None);
    // Rejected before the roles check: a token with no wanted role but
    // two roles passes the rejecter and gets the roles' 403.
    assert_eq!(call(&token(json!(["x", "z"]))).status, 403);

    // A backend rejection is no breaker failure (max_errors 0 would trip
    // on the first): the next allowed request still reaches the backend.
    for _ in 0..3 {
        assert_eq!(get(&gw.addr, "/breaker").status, 500);
    }
    let r = send(&gw.addr, "GET", "/breaker", &[("X-Pass", "yes")], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    up.wait_for("/echo/breaker");
}

/// The gateway's stdout lines, read until `done` holds for them (at most
/// `WAIT`).
fn log_lines(
    rx: &std::sync::mpsc::Receiver<String>,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = Instant::now() + WAIT;
    let mut out = Vec::new();
    while !done(&out) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => out.push(l),
            Err(_) => panic!("the expected log lines did not come within {WAIT:?}: {out:?}"),
        }
    }
    out
}

/// How many of `lines` start with `prefix`.
fn count(lines: &[String], prefix: &str) -> usize {
    lines.iter().filter(|l| l.starts_with(prefix)).count()
}

/// `telemetry/logging` (krakend-components §2) over
/// `testdata/build/logging.json`: the application line in each format
/// checked field by field (the logstash one parsed as JSON), syslog on a
/// unix datagram socket the test owns (`--syslog-socket`), the level
/// filter, and gin's access line (skipped for `logger_skip_paths`).
#[test]
fn logging_formats_syslog_and_access_log_as_krakend_does() {
    use std::os::unix::net::UnixDatagram;
    let up = upstream(api);
    let dir = tempfile_dir("logging");
    let sock_path = dir.join("syslog.sock");
    let syslog = UnixDatagram::bind(&sock_path).unwrap();
    syslog.set_read_timeout(Some(WAIT)).unwrap();
    let bin = build("logging", &up.url(), &[]);
    let (gw, rx) = start_logged(&bin, &["--syslog-socket", sock_path.to_str().unwrap()]);

    assert_eq!(get(&gw.addr, "/__health").status, 200);
    assert_eq!(get(&gw.addr, "/users/7?x=1").status, 200);
    let failed = get(&gw.addr, "/fail");
    assert_ne!(failed.status, 200);

    // gin's access line: `[GIN] date - time | status | latency | ip | method "path"`.
    let lines = log_lines(&rx, |l| count(l, "[GIN] ") >= 2 && count(l, "[GW] ") >= 1);
    let access: Vec<&String> = lines.iter().filter(|l| l.starts_with("[GIN] ")).collect();
    let fields: Vec<&str> = access[0].split(" | ").collect();
    assert_eq!(fields.len(), 5, "{access:?}");
    let stamp = fields[0].strip_prefix("[GIN] ").unwrap();
    assert_eq!(stamp.len(), "2006/01/02 - 15:04:05".len(), "{stamp}");
    assert_eq!(&stamp[4..5], "/");
    assert_eq!(&stamp[10..13], " - ");
    assert_eq!(fields[1], "200");
    assert_eq!(fields[2].chars().count(), 13, "{:?}", fields[2]);
    assert!(fields[2].trim().ends_with('s'), "{:?}", fields[2]);
    assert_eq!(fields[3], format!("{:>15}", "127.0.0.1"));
    assert_eq!(fields[4], r#"GET     "/users/7?x=1""#);
    assert!(access[1].ends_with(r#"GET     "/fail""#), "{access:?}");
    // `/__health` is in `logger_skip_paths`: no line for it.
    assert!(!access.iter().any(|l| l.contains("__health")), "{access:?}");

    // The application line (the backend's failure, ERROR ≤ WARNING): the
    // default format with the prefix and go-logging's red colour.
    let app: Vec<&String> = lines.iter().filter(|l| l.starts_with("[GW] ")).collect();
    assert_eq!(app.len(), 1, "{lines:?}");
    let line = app[0].strip_prefix("[GW] ").unwrap();
    let (stamp, rest) = line.split_at("2006/01/02 - 15:04:05.000".len());
    assert_eq!(&stamp[10..13], " - ", "{line}");
    assert_eq!(&stamp[21..22], ".", "{line}");
    assert!(
        rest.starts_with(" \u{1b}[31m▶ ERROR\u{1b}[0m [ENDPOINT: /fail] Error #0: "),
        "{rest:?}"
    );

    // Syslog: Go's local form, local0 (16) × 8 + warning (4) = 132, the
    // prefix as tag, `LEVEL > message`.
    let mut buf = [0u8; 4096];
    let n = syslog.recv(&mut buf).unwrap();
    let record = String::from_utf8_lossy(&buf[..n]).into_owned();
    let (head, msg) = record.split_once("]: ").unwrap();
    assert!(head.starts_with("<132>"), "{record}");
    let stamp = &head[5..5 + "Jan _2 15:04:05".len()];
    assert!(
        stamp.as_bytes()[3] == b' ' && stamp.as_bytes()[6] == b' ',
        "{record}"
    );
    assert!(head[5 + stamp.len()..].starts_with(" [GW]["), "{record}");
    assert!(
        msg.starts_with("ERROR > [ENDPOINT: /fail] Error #0: "),
        "{record}"
    );
    assert!(msg.ends_with('\n'), "{record}");
    drop(gw);

    // The logstash and custom formats, on the same config.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/build/logging.json"),
    )
    .unwrap()
    .replace(PLACEHOLDER, &up.url())
    .replace(r#""syslog": true"#, r#""syslog": false"#);
    let logstash = text
        .replace(r#""format": "default""#, r#""format": "logstash""#)
        .replace(r#""prefix": "[GW]","#, "");
    let (gw, rx) = start_logged(&build_text("logging_logstash", &logstash, &[]), &[]);
    get(&gw.addr, "/fail");
    let app = log_lines(&rx, |l| count(l, "{") >= 1);
    let app: Vec<&String> = app.iter().filter(|l| l.starts_with('{')).collect();
    let v: serde_json::Value = serde_json::from_str(app[0]).unwrap();
    let stamp = v["@timestamp"].as_str().unwrap();
    assert_eq!(
        stamp.len(),
        "2006-01-02T15:04:05.000+00:00".len(),
        "{stamp}"
    );
    assert!(
        stamp.ends_with("+00:00") && &stamp[10..11] == "T",
        "{stamp}"
    );
    assert_eq!(v["@version"], 1);
    assert_eq!(v["level"], "ERROR");
    assert_eq!(v["module"], "KRAKEND");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("[ENDPOINT: /fail] Error #0: "),
        "{v}"
    );
    assert_eq!(v.as_object().unwrap().len(), 5, "{v}");
    drop(gw);

    let custom = text
        .replace(r#""format": "default""#, r#""format": "custom", "custom_format": "%{time:2006-01-02 15:04:05} %{level} %{module} %{message}""#)
        .replace(r#""prefix": "[GW]","#, "");
    let (gw, rx) = start_logged(&build_text("logging_custom", &custom, &[]), &[]);
    get(&gw.addr, "/fail");
    let app = log_lines(&rx, |l| l.iter().any(|l| l.contains(" ERROR KRAKEND ")));
    let app: Vec<&String> = app
        .iter()
        .filter(|l| l.contains(" ERROR KRAKEND "))
        .collect();
    let (stamp, rest) = app[0].split_at("2006-01-02 15:04:05".len());
    assert_eq!(&stamp[4..5], "-", "{}", app[0]);
    assert!(
        rest.starts_with(" ERROR KRAKEND [ENDPOINT: /fail] Error #0: "),
        "{}",
        app[0]
    );
}

/// A fresh directory under the e2e dir.
fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = e2e_dir()
        .join("tmp")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
