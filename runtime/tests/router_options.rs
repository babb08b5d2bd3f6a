//! The `router` options that change what a request is, end to end through
//! the handler: the client's IP (gin's `ClientIP()` with lura's settings),
//! `/__debug/` and `/__echo/`, lura's parameter check and
//! `disable_path_decoding`, `remove_extra_slash`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::*;
use gw_runtime::spec::*;
use hyper::header::HeaderMap;

/// Every value of header `name`, in order.
fn all<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

/// `GET /users/{id}` → `/u/{id}` on `host`, with `input_headers` `f`.
fn users(host: &'static str, input_headers: Forward) -> Endpoint {
    let b = backend(
        host,
        leak_slice(vec![UrlPiece::Literal("/u/"), UrlPiece::Param(0)]),
    );
    Endpoint {
        input_headers,
        ..endpoint(
            Method::Get,
            "/users/{id}",
            leak_slice(vec![Segment::Static("users"), Segment::Param("id")]),
            &["id"],
            vec![b],
        )
    }
}

fn with_router(endpoints: Vec<Endpoint>, router: RouterOptions) -> Gateway {
    Gateway {
        router: RouterOptions {
            disable_access_log: true,
            ..router
        },
        ..gateway(endpoints)
    }
}

/// KrakenD sets the backend's `X-Forwarded-For` to gin's `ClientIP()`, and
/// lura leaves gin's defaults alone when `router` does not set them: every
/// peer is trusted, so the leftmost valid `X-Forwarded-For` entry (else
/// `X-Real-IP`, else the peer) is the client, the client's own header
/// replaced even with `input_headers: ["*"]`.
#[tokio::test]
async fn x_forwarded_for_is_gins_client_ip() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let mut all_headers = users(h, Forward::All);
    all_headers.path = "/all/{id}";
    all_headers.segments = leak_slice(vec![Segment::Static("all"), Segment::Param("id")]);
    let gw = start(gateway(vec![users(h, Forward::Default), all_headers])).await;
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        ("/users/1", &[], "127.0.0.1"),
        (
            "/users/2",
            &[("x-forwarded-for", "203.0.113.9")],
            "203.0.113.9",
        ),
        (
            "/users/3",
            &[("x-forwarded-for", "198.51.100.1, 10.0.0.1")],
            "198.51.100.1",
        ),
        (
            "/users/4",
            &[("x-forwarded-for", "junk"), ("x-real-ip", "192.0.2.44")],
            "192.0.2.44",
        ),
        (
            "/all/5",
            &[
                ("x-forwarded-for", "203.0.113.9"),
                ("x-forwarded-for", "10.0.0.1"),
            ],
            "203.0.113.9",
        ),
    ];
    for (path, sent, _) in cases {
        assert_eq!(send(gw.addr, "GET", path, sent, "").await.status, 200);
    }
    let seen = log.lock().unwrap().clone();
    for ((path, _, want), s) in cases.iter().zip(&seen) {
        assert_eq!(all(&s.headers, "x-forwarded-for"), [*want], "{path}");
    }
}

/// `trusted_proxies`: only a trusted peer's headers are read, from the
/// right, skipping trusted entries; `remote_ip_headers` replaces the
/// default headers; `forwarded_by_client_ip: false` reads none.
#[tokio::test]
async fn trusted_proxies_decide_whose_header_is_believed() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    const LOOPBACK_AND_TEN: &[TrustedNet] = &[
        TrustedNet::V4 {
            net: 0x7f00_0001,
            mask: u32::MAX,
        },
        TrustedNet::V4 {
            net: 0x0a00_0000,
            mask: 0xff00_0000,
        },
    ];
    const TEN: &[TrustedNet] = &[TrustedNet::V4 {
        net: 0x0a00_0000,
        mask: 0xff00_0000,
    }];
    let routers = [
        (
            LOOPBACK_AND_TEN,
            true,
            &["x-forwarded-for", "x-real-ip"][..],
            "203.0.113.9",
        ),
        (
            TEN,
            true,
            &["x-forwarded-for", "x-real-ip"][..],
            "127.0.0.1",
        ),
        (LOOPBACK_AND_TEN, true, &["x-client-ip"][..], "192.0.2.7"),
        (
            LOOPBACK_AND_TEN,
            false,
            &["x-forwarded-for"][..],
            "127.0.0.1",
        ),
    ];
    for (trusted, forwarded, names, want) in routers {
        let router = RouterOptions {
            client_ip: ClientIpOptions {
                forwarded_by_client_ip: forwarded,
                remote_ip_headers: names,
                trusted_proxies: trusted,
            },
            ..RouterOptions::DEFAULT
        };
        let gw = start(with_router(vec![users(h, Forward::Default)], router)).await;
        let sent = [
            ("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.1.2.3"),
            ("x-client-ip", "192.0.2.7"),
        ];
        assert_eq!(
            send(gw.addr, "GET", "/users/1", &sent, "").await.status,
            200
        );
        let s = log.lock().unwrap().pop().unwrap();
        assert_eq!(
            all(&s.headers, "x-forwarded-for"),
            [want],
            "{trusted:?} {names:?}"
        );
    }
}

/// `/__debug/` and `/__echo/` as lura answers them: `c.JSON`'s type, no
/// `X-KrakenD` headers, any method; the echo's body is the request.
#[tokio::test]
async fn debug_and_echo_answer_as_lura_does() {
    let router = RouterOptions {
        debug_endpoint: true,
        echo_endpoint: true,
        ..RouterOptions::DEFAULT
    };
    let gw = start(with_router(vec![], router)).await;
    for method in ["GET", "POST", "DELETE", "OPTIONS"] {
        let r = send(gw.addr, method, "/__debug/a/b?x=1", &[], "body").await;
        assert_eq!(
            (r.status, r.text()),
            (200, r#"{"message":"pong"}"#),
            "{method}"
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert!(r.header("x-krakend").is_none() && r.header("x-krakend-completed").is_none());
    }
    let r = send(
        gw.addr,
        "PATCH",
        "/__echo/p?b=2&a=1",
        &[("x-one", "1")],
        "{\"k\":1}",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let host = gw.addr.to_string();
    assert_eq!(
        r.text(),
        format!(
            r#"{{"req_uri":"/__echo/p?b=2\u0026a=1","req_uri_details":{{"fragment":"","host":"{host}","path":"/__echo/p","query":"a=1\u0026b=2","user":""}},"req_method":"PATCH","req_querystring":{{"a":["1"],"b":["2"]}},"req_body":"{{\"k\":1}}","req_headers":{{"Content-Length":["7"],"X-One":["1"]}}}}"#
        )
    );
    // A body over the bound is refused, not echoed.
    let big = "x".repeat(gw_runtime::echo::MAX_BODY + 1);
    assert_eq!(
        send(gw.addr, "POST", "/__echo/", &[], &big).await.status,
        413
    );
    // Off by default.
    let plain = start(with_router(vec![], RouterOptions::DEFAULT)).await;
    assert_eq!(get(plain.addr, "/__debug/").await.status, 404);
    assert_eq!(get(plain.addr, "/__echo/").await.status, 404);
}

/// lura's `paramChecker`: a parameter that would decode again, or holds
/// `?` or `#`, is a 400 with Go's text and no `X-KrakenD` header; with
/// `disable_path_decoding` it goes to the backend, encoded in its segment.
#[tokio::test]
async fn encoded_parameters_are_refused_unless_decoding_is_disabled() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let checked = start(gateway(vec![users(h, Forward::Default)])).await;
    for (path, text) in [
        ("/users/a%3Fb", "error: encoded url params"),
        ("/users/a%23b", "error: encoded url params"),
        ("/users/..%252Fadmin", "error: encoded url params"),
        ("/users/100%25", r#"error: invalid URL escape "%""#),
    ] {
        let r = get(checked.addr, path).await;
        assert_eq!((r.status, r.text()), (400, text), "{path}");
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        assert!(r.header("x-krakend").is_none());
    }
    assert!(log.lock().unwrap().is_empty());
    let router = RouterOptions {
        disable_path_decoding: true,
        ..RouterOptions::DEFAULT
    };
    let unchecked = start(with_router(vec![users(h, Forward::Default)], router)).await;
    for path in ["/users/a%3Fb", "/users/..%252Fadmin", "/users/100%25"] {
        assert_eq!(get(unchecked.addr, path).await.status, 200, "{path}");
    }
    let uris: Vec<String> = log.lock().unwrap().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(uris, ["/u/a%3Fb", "/u/..%252Fadmin", "/u/100%25"]);
}

/// `remove_extra_slash`: the route is looked up on the cleaned path.
#[tokio::test]
async fn extra_slashes_are_removed_when_asked() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let router = RouterOptions {
        remove_extra_slash: true,
        ..RouterOptions::DEFAULT
    };
    let gw = start(with_router(vec![users(h, Forward::Default)], router)).await;
    assert_eq!(get(gw.addr, "//users///7").await.status, 200);
    assert_eq!(log.lock().unwrap().pop().unwrap().uri, "/u/7");
    // Without it, gin's fixed-path redirect answers instead.
    let plain = start(gateway(vec![users(h, Forward::Default)])).await;
    let r = get(plain.addr, "//users///7").await;
    assert_eq!((r.status, r.header("location")), (301, Some("/users/7")));
}
