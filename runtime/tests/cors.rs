//! `security/cors` in the handler (krakend-components §1.1 [S2], §1.2, §3):
//! CORS wraps everything, so preflights are answered for every path before
//! routing, and every other answer (a 404, a redirect, the health path, a
//! no-op backend's headers) carries the CORS headers, ours first. The
//! decisions themselves are table-tested in `security::cors`; these tests
//! pin where the stage sits.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::*;
use gw_runtime::spec::*;
use hyper::header::HeaderMap;

fn all<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

const POLICY: Cors = Cors {
    allow_all_origins: false,
    origins: &["https://app.example.com"],
    wildcard_origins: &[("https://", ".example.com")],
    methods: &["GET", "POST"],
    allow_all_headers: false,
    headers: &["content-type", "x-client"],
    expose_headers: Some("X-Total"),
    allow_credentials: true,
    allow_private_network: false,
    options_passthrough: false,
    options_success_status: 204,
    max_age: Some("43200"),
    debug: false,
};

const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// `GET /users/{id}` (JSON) and `GET /files/{id}` (no-op, whose backend
/// sends its own `Vary` and `Access-Control-Allow-Origin`).
async fn gateway_with(policy: Cors, router: RouterOptions) -> (Running, Log) {
    let (h, log) = upstream(|s| {
        if s.uri.starts_with("/files") {
            Reply::json(r#"{"file":1}"#)
                .header("vary", "Accept-Encoding")
                .header("access-control-allow-origin", "https://backend.example")
        } else {
            Reply::json(r#"{"id":1}"#)
        }
    })
    .await;
    let users = endpoint(
        Method::Get,
        "/users/{id}",
        &[Segment::Static("users"), Segment::Param("id")],
        &["id"],
        vec![backend(h, &[UrlPiece::Literal("/users/1")])],
    );
    let mut b = backend(h, &[UrlPiece::Literal("/files/1")]);
    b.encoding = Encoding::NoOp;
    let mut files = endpoint(
        Method::Get,
        "/files/{id}",
        &[Segment::Static("files"), Segment::Param("id")],
        &["id"],
        vec![b],
    );
    files.output = OutputEncoding::NoOp;
    let mut gw = gateway(vec![users, files]);
    gw.cors = Some(leak(policy));
    gw.router = RouterOptions {
        disable_access_log: true,
        ..router
    };
    (start(gw).await, log)
}

fn preflight<'a>(origin: &'a str, method: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("origin", origin),
        ("access-control-request-method", method),
        ("access-control-request-headers", "content-type,x-client"),
    ]
}

/// §1.4: a preflight on any path, known or not, is CORS's 204 with no body,
/// no `Content-Type` and no KrakenD headers, and reaches no backend.
#[tokio::test]
async fn preflights_are_answered_before_routing() {
    let (gw, log) = gateway_with(POLICY, RouterOptions::DEFAULT).await;
    for path in ["/users/1", "/nowhere", "/users/1/", "/__health"] {
        let r = send(
            gw.addr,
            "OPTIONS",
            path,
            &preflight("https://App.example.com", "POST"),
            "",
        )
        .await;
        assert_eq!(r.status, 204, "{path}");
        assert!(r.body.is_empty(), "{path}");
        assert_eq!(all(&r.headers, "vary"), [PREFLIGHT_VARY], "{path}");
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("https://App.example.com")
        );
        assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some("content-type,x-client")
        );
        assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(r.header("access-control-max-age"), Some("43200"));
        for h in [
            "content-type",
            "x-krakend",
            "x-krakend-completed",
            "access-control-expose-headers",
        ] {
            assert_eq!(r.header(h), None, "{h} on {path}");
        }
        // A refused one: the same status, `Vary` only.
        let r = send(
            gw.addr,
            "OPTIONS",
            path,
            &preflight("https://evil.test", "POST"),
            "",
        )
        .await;
        assert_eq!(r.status, 204, "{path}");
        let cors: Vec<_> = r
            .headers
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{path}: {cors:?}");
        assert_eq!(all(&r.headers, "vary"), [PREFLIGHT_VARY]);
    }
    assert!(
        log.lock().unwrap().is_empty(),
        "a preflight reached a backend"
    );
}

/// Every other answer gets `Vary: Origin`, and the allow headers when the
/// origin and method are allowed: a 200, a 404, a 405, a redirect, the
/// health path, an `OPTIONS` without `Access-Control-Request-Method`. A
/// disallowed origin still reaches the backend.
#[tokio::test]
async fn every_other_answer_carries_the_cors_headers() {
    let (gw, log) = gateway_with(POLICY, RouterOptions::DEFAULT).await;
    let allowed = [("origin", "https://x.example.com")];
    let table: &[(&str, &str, u16)] = &[
        ("GET", "/users/1", 200),
        ("GET", "/nowhere", 404),
        ("POST", "/users/1", 405),
        ("GET", "/users/1/", 301),
        ("GET", "/__health", 200),
        // OPTIONS is always an allowed method; without ACRM it is routed.
        ("OPTIONS", "/users/1", 405),
    ];
    for (method, path, status) in table {
        let r = send(gw.addr, method, path, &allowed, "").await;
        assert_eq!(r.status, *status, "{method} {path}");
        assert_eq!(all(&r.headers, "vary"), ["Origin"], "{method} {path}");
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("https://x.example.com"),
            "{method} {path}"
        );
        assert_eq!(r.header("access-control-expose-headers"), Some("X-Total"));
        assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(r.header("access-control-max-age"), None);
    }
    // A method outside allow_methods, a disallowed origin, no origin:
    // `Vary` only, and the request is served all the same.
    for headers in [vec![("origin", "https://evil.test")], vec![]] {
        let r = send(gw.addr, "GET", "/users/1", &headers, "").await;
        assert_eq!(r.status, 200);
        assert_eq!(all(&r.headers, "vary"), ["Origin"]);
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
    let r = send(
        gw.addr,
        "DELETE",
        "/users/1",
        &[("origin", "https://app.example.com")],
        "",
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(
        log.lock().unwrap().len(),
        3,
        "the allowed GET, the disallowed one and the one without Origin"
    );
}

/// A no-op backend's own CORS headers are added after the gateway's, as
/// CE's `Header().Add` does (krakend-ce#392): both values reach the client.
#[tokio::test]
async fn a_noop_backends_cors_headers_come_after_ours() {
    let (gw, _) = gateway_with(POLICY, RouterOptions::DEFAULT).await;
    let r = send(
        gw.addr,
        "GET",
        "/files/1",
        &[("origin", "https://app.example.com")],
        "",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(all(&r.headers, "vary"), ["Origin", "Accept-Encoding"]);
    assert_eq!(
        all(&r.headers, "access-control-allow-origin"),
        ["https://app.example.com", "https://backend.example"]
    );
}

/// `options_passthrough`: the preflight headers are written, then the
/// router answers (405 with `Allow`, 404, or `auto_options`' 200), with
/// the KrakenD headers it always sends.
#[tokio::test]
async fn passthrough_lets_the_router_answer_preflights() {
    const PASSTHROUGH: Cors = Cors {
        options_passthrough: true,
        ..POLICY
    };
    let (gw, log) = gateway_with(PASSTHROUGH, RouterOptions::DEFAULT).await;
    let r = send(
        gw.addr,
        "OPTIONS",
        "/users/1",
        &preflight("https://app.example.com", "GET"),
        "",
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET"));
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(all(&r.headers, "vary"), [PREFLIGHT_VARY]);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(r.header("access-control-allow-methods"), Some("GET"));
    assert_eq!(r.header("access-control-max-age"), Some("43200"));
    assert_eq!(r.header("access-control-expose-headers"), None);
    let r = send(
        gw.addr,
        "OPTIONS",
        "/nowhere",
        &preflight("https://app.example.com", "GET"),
        "",
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(all(&r.headers, "vary"), [PREFLIGHT_VARY]);

    let (gw, _) = gateway_with(
        PASSTHROUGH,
        RouterOptions {
            auto_options: true,
            ..RouterOptions::DEFAULT
        },
    )
    .await;
    let r = send(
        gw.addr,
        "OPTIONS",
        "/users/1",
        &preflight("https://app.example.com", "GET"),
        "",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("allow"), Some("GET, OPTIONS"));
    assert_eq!(r.header("access-control-allow-methods"), Some("GET"));
    assert!(log.lock().unwrap().is_empty());
}
