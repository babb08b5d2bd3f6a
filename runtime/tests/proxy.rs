//! End-to-end behaviour: a gateway in front of real upstreams on
//! 127.0.0.1:0, asserting status, headers and bodies.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use gw_runtime::spec::*;
use serde_json::json;

const USERS_ID: &[Segment] = &[Segment::Static("users"), Segment::Param("id")];

#[tokio::test]
async fn two_backends_with_group_merge_in_declaration_order() {
    let (a, _) = upstream(|_| Reply::json(r#"{"name":"ann","shared":"a"}"#)).await;
    let (b, _) = upstream(|_| Reply::json(r#"{"posts":[1,2],"shared":"b"}"#)).await;
    let mut bb = backend(b, &[UrlPiece::Literal("/posts")]);
    bb.group = Some("blog");
    let mut cc = backend(a, &[UrlPiece::Literal("/again")]);
    cc.allow = &[&["shared"]];
    let ep = endpoint(
        Method::Get,
        "/agg",
        &[Segment::Static("agg")],
        &[],
        vec![backend(a, &[UrlPiece::Literal("/user")]), bb, cc],
    );
    let gw = start(gateway(vec![ep])).await;
    let r = get(gw.addr, "/agg").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    assert_eq!(r.header("x-krakend"), Some("Version gwc-test"));
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    // Declaration order, later wins on `shared`; key order is stable.
    assert_eq!(
        r.text(),
        r#"{"name":"ann","shared":"a","blog":{"posts":[1,2],"shared":"b"}}"#
    );
}

#[tokio::test]
async fn data_manipulation_per_backend() {
    let (h, _) = upstream(|s| match s.uri.as_str() {
        "/list" => Reply::json(r#"[{"id":1,"pw":"x"},{"id":2,"pw":"y"}]"#),
        _ => Reply::json(
            r#"{"data":{"user":{"id":7,"name":"ann","secret":"s","meta":{"a":1,"b":2}}}}"#,
        ),
    })
    .await;
    let mut target_allow = backend(h, &[UrlPiece::Literal("/u")]);
    target_allow.target = &["data", "user"];
    target_allow.allow = &[&["id"], &["meta", "b"], &["name"]];
    target_allow.mapping = &[("name", "username")];
    let mut deny = backend(h, &[UrlPiece::Literal("/u")]);
    deny.target = &["data", "user"];
    deny.deny = &[&["secret"], &["meta", "a"]];
    let mut coll = backend(h, &[UrlPiece::Literal("/list")]);
    coll.is_collection = true;
    coll.flatmap = &[FlatmapOp::Del {
        path: &["collection", "*", "pw"],
    }];
    let eps = vec![
        endpoint(
            Method::Get,
            "/allow",
            &[Segment::Static("allow")],
            &[],
            vec![target_allow],
        ),
        endpoint(
            Method::Get,
            "/deny",
            &[Segment::Static("deny")],
            &[],
            vec![deny],
        ),
        endpoint(
            Method::Get,
            "/coll",
            &[Segment::Static("coll")],
            &[],
            vec![coll],
        ),
    ];
    let gw = start(gateway(eps)).await;
    assert_eq!(
        get(gw.addr, "/allow").await.json(),
        json!({"id": 7, "username": "ann", "meta": {"b": 2}})
    );
    assert_eq!(
        get(gw.addr, "/deny").await.json(),
        json!({"id": 7, "name": "ann", "meta": {"b": 2}})
    );
    assert_eq!(
        get(gw.addr, "/coll").await.json(),
        json!({"collection": [{"id": 1}, {"id": 2}]})
    );
}

#[tokio::test]
async fn partial_response_on_a_slow_backend_and_500_when_all_fail() {
    let (fast, _) = upstream(|_| Reply::json(r#"{"fast":true}"#)).await;
    let (slow, _) =
        upstream(|_| Reply::json(r#"{"slow":true}"#).delay(Duration::from_secs(3))).await;
    let (bad, _) = upstream(|_| Reply::json("{}").status(503)).await;
    let mut partial = endpoint(
        Method::Get,
        "/partial",
        &[Segment::Static("partial")],
        &[],
        vec![
            backend(fast, &[UrlPiece::Literal("/")]),
            backend(slow, &[UrlPiece::Literal("/")]),
        ],
    );
    partial.timeout_ms = 400;
    partial.cache_ttl_s = Some(60);
    let mut all_fail = endpoint(
        Method::Get,
        "/fail",
        &[Segment::Static("fail")],
        &[],
        vec![
            backend(bad, &[UrlPiece::Literal("/")]),
            backend(bad, &[UrlPiece::Literal("/x")]),
        ],
    );
    all_fail.cache_ttl_s = Some(60);
    let gw = start(gateway(vec![partial, all_fail])).await;

    let t = Instant::now();
    let r = get(gw.addr, "/partial").await;
    let took = t.elapsed();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(r.json(), json!({"fast": true}));
    assert_eq!(
        r.header("cache-control"),
        None,
        "incomplete responses are not cacheable"
    );
    // The merge gives up at 85 % of 400 ms, far before the slow backend.
    assert!(took < Duration::from_millis(1500), "{took:?}");

    let r = get(gw.addr, "/fail").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(r.body, "");
    assert_eq!(r.header("cache-control"), None);
}

#[tokio::test]
async fn cache_control_on_complete_responses() {
    let (h, _) = upstream(|_| Reply::json(r#"{"a":1}"#)).await;
    let mut ep = endpoint(
        Method::Get,
        "/c",
        &[Segment::Static("c")],
        &[],
        vec![backend(h, &[UrlPiece::Literal("/")])],
    );
    ep.cache_ttl_s = Some(300);
    let gw = start(gateway(vec![ep])).await;
    let r = get(gw.addr, "/c").await;
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
}

#[tokio::test]
async fn noop_passes_status_headers_and_body_through() {
    let big: String = "0123456789".repeat(50_000);
    let big2 = big.clone();
    let (h, log) = upstream(move |_| Reply {
        status: 201,
        headers: vec![
            ("x-custom", "yes".into()),
            ("content-type", "application/octet-stream".into()),
        ],
        body: big2.as_bytes().to_vec(),
        delay: Duration::ZERO,
    })
    .await;
    let mut b = backend(h, &[UrlPiece::Literal("/upload")]);
    b.encoding = Encoding::NoOp;
    b.method = Method::Post;
    let mut ep = endpoint(Method::Post, "/up", &[Segment::Static("up")], &[], vec![b]);
    ep.output = OutputEncoding::NoOp;
    let gw = start(gateway(vec![ep])).await;
    let r = send(
        gw.addr,
        "POST",
        "/up",
        &[("content-type", "text/plain")],
        "payload",
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("x-custom"), Some("yes"));
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(r.body.len(), big.len());
    assert_eq!(r.body, big.as_bytes());
    let seen = log.lock().unwrap();
    assert_eq!(seen[0].body, "payload");
    assert_eq!(seen[0].method, "POST");
}

#[tokio::test]
async fn sequential_fills_resp0_fields() {
    let (h, log) = upstream(|s| match s.uri.as_str() {
        "/first" => Reply::json(r#"{"id":42,"tags":["a","b"],"user":{"name":"ann"}}"#),
        _ => Reply::json(r#"{"second":true}"#),
    })
    .await;
    let first = backend(h, &[UrlPiece::Literal("/first")]);
    let mut second = backend(
        h,
        &[
            UrlPiece::Literal("/items/"),
            UrlPiece::Response {
                backend: 0,
                path: &["id"],
            },
            UrlPiece::Literal("/"),
            UrlPiece::Response {
                backend: 0,
                path: &["user", "name"],
            },
            UrlPiece::Literal("?tags="),
            UrlPiece::Response {
                backend: 0,
                path: &["tags"],
            },
        ],
    );
    second.url_has_query = true;
    second.group = Some("detail");
    let mut ep = endpoint(
        Method::Get,
        "/seq",
        &[Segment::Static("seq")],
        &[],
        vec![first, second],
    );
    ep.sequential = true;
    let gw = start(gateway(vec![ep])).await;
    let r = get(gw.addr, "/seq").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    let uris: Vec<String> = log.lock().unwrap().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(uris, ["/first", "/items/42/ann?tags=a,b"]);
    assert_eq!(
        r.json(),
        json!({"id": 42, "tags": ["a", "b"], "user": {"name": "ann"}, "detail": {"second": true}})
    );
}

#[tokio::test]
async fn sequential_first_failure_is_500_later_failure_is_partial() {
    let (ok, _) = upstream(|_| Reply::json(r#"{"id":1}"#)).await;
    let (bad, _) = upstream(|_| Reply::json("{}").status(500)).await;
    let mut first_fails = endpoint(
        Method::Get,
        "/a",
        &[Segment::Static("a")],
        &[],
        vec![
            backend(bad, &[UrlPiece::Literal("/")]),
            backend(ok, &[UrlPiece::Literal("/")]),
        ],
    );
    first_fails.sequential = true;
    let mut last_fails = endpoint(
        Method::Get,
        "/b",
        &[Segment::Static("b")],
        &[],
        vec![
            backend(ok, &[UrlPiece::Literal("/")]),
            backend(bad, &[UrlPiece::Literal("/")]),
        ],
    );
    last_fails.sequential = true;
    let gw = start(gateway(vec![first_fails, last_fails])).await;
    assert_eq!(get(gw.addr, "/a").await.status, 500);
    let r = get(gw.addr, "/b").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(r.json(), json!({"id": 1}));
}

#[tokio::test]
async fn header_and_query_allowlists() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let default_b = backend(h, &[UrlPiece::Literal("/d")]);
    let mut listed_b = backend(h, &[UrlPiece::Literal("/l?fixed=1")]);
    listed_b.url_has_query = true;
    let mut narrowed_b = backend(h, &[UrlPiece::Literal("/n")]);
    narrowed_b.input_headers = Some(&["X-Keep"]);
    narrowed_b.input_query_strings = Some(&["a"]);
    let default_ep = endpoint(
        Method::Post,
        "/d",
        &[Segment::Static("d")],
        &[],
        vec![default_b],
    );
    let mut listed_ep = endpoint(
        Method::Get,
        "/l",
        &[Segment::Static("l")],
        &[],
        vec![listed_b],
    );
    listed_ep.input_headers = Forward::Only(&["Authorization", "X-Keep"]);
    listed_ep.input_query_strings = Forward::Only(&["a", "b"]);
    let mut narrowed_ep = endpoint(
        Method::Get,
        "/n",
        &[Segment::Static("n")],
        &[],
        vec![narrowed_b],
    );
    narrowed_ep.input_headers = Forward::All;
    narrowed_ep.input_query_strings = Forward::All;
    let gw = start(gateway(vec![default_ep, listed_ep, narrowed_ep])).await;
    let hdrs: &[(&str, &str)] = &[
        ("authorization", "Bearer t"),
        ("x-keep", "k"),
        ("x-secret", "s"),
        ("content-type", "application/json"),
        ("user-agent", "curl/8"),
    ];
    send(gw.addr, "POST", "/d?a=1", hdrs, "{}").await;
    send(gw.addr, "GET", "/l?a=1&c=3&b=2", hdrs, "").await;
    send(gw.addr, "GET", "/n?a=1&b=2", hdrs, "").await;
    let seen = log.lock().unwrap().clone();

    // Default: only Content-Type, no query.
    let d = &seen[0];
    assert_eq!(d.uri, "/d");
    assert_eq!(d.headers.get("content-type").unwrap(), "application/json");
    assert!(d.headers.get("authorization").is_none());
    assert!(d.headers.get("x-secret").is_none());
    assert_eq!(
        d.headers.get("user-agent").unwrap(),
        "KrakenD Version gwc-test"
    );
    assert_eq!(d.headers.get("x-forwarded-for").unwrap(), "127.0.0.1");
    assert!(
        d.headers
            .get("x-forwarded-host")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    assert_eq!(d.body, "{}");

    // A list replaces the default (no Content-Type); the query is appended
    // after the pattern's own.
    let l = &seen[1];
    assert_eq!(l.uri, "/l?fixed=1&a=1&b=2");
    assert_eq!(l.headers.get("authorization").unwrap(), "Bearer t");
    assert_eq!(l.headers.get("x-keep").unwrap(), "k");
    assert!(l.headers.get("x-secret").is_none());
    assert!(l.headers.get("content-type").is_none());

    // Backend lists narrow `*`, and strip the gateway's own headers too.
    let n = &seen[2];
    assert_eq!(n.uri, "/n?a=1");
    assert_eq!(n.headers.get("x-keep").unwrap(), "k");
    assert!(n.headers.get("authorization").is_none());
    assert!(n.headers.get("x-forwarded-for").is_none());
}

#[tokio::test]
async fn path_variables_cannot_escape_their_segment() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let ep = || {
        let b = backend(
            h,
            &[
                UrlPiece::Literal("/api/users/"),
                UrlPiece::Param(0),
                UrlPiece::Literal("/profile"),
            ],
        );
        endpoint(Method::Get, "/users/{id}", USERS_ID, &["id"], vec![b])
    };
    let gw = start(gateway(vec![ep()])).await;
    assert_eq!(get(gw.addr, "/users/..%2Fadmin").await.status, 200);
    assert_eq!(get(gw.addr, "/users/a%2Fb").await.status, 200);
    // `?` and `#` are lura's 400 (its `paramChecker`)…
    assert_eq!(get(gw.addr, "/users/%3Fx=1%23f%0D%0A").await.status, 400);
    // …unless `disable_path_decoding`, and then they stay in the segment.
    let mut unchecked = gateway(vec![ep()]);
    unchecked.router.disable_path_decoding = true;
    let unchecked = start(unchecked).await;
    assert_eq!(
        get(unchecked.addr, "/users/%3Fx=1%23f%0D%0A").await.status,
        200
    );
    assert_eq!(get(gw.addr, "/users/..").await.status, 200);
    // A literal slash is another path: no route.
    assert_eq!(get(gw.addr, "/users/a/b").await.status, 404);
    let uris: Vec<String> = log.lock().unwrap().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(
        uris,
        [
            "/api/users/..%2Fadmin/profile",
            "/api/users/a%2Fb/profile",
            "/api/users/%3Fx=1%23f%0D%0A/profile",
            "/api/users/%2E%2E/profile",
        ]
    );
}

#[tokio::test]
async fn not_found_method_not_allowed_redirect_and_health() {
    let (h, _) = upstream(|_| Reply::json("{}")).await;
    let ep = endpoint(
        Method::Get,
        "/users/{id}",
        USERS_ID,
        &["id"],
        vec![backend(h, &[UrlPiece::Literal("/")])],
    );
    let gw = start(gateway(vec![ep])).await;
    let r = get(gw.addr, "/nope").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(r.text(), "404 page not found");
    let r = send(gw.addr, "DELETE", "/users/1", &[], "").await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET"));
    let r = get(gw.addr, "/users/1/").await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/users/1"));
    let r = get(gw.addr, "/__health").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["agents"], json!({}));
    assert!(v["now"].as_str().unwrap().ends_with("+0000 UTC"));
    assert_eq!(
        r.text().find("\"agents\""),
        Some(1),
        "keys in KrakenD's order"
    );
}

#[tokio::test]
async fn backend_status_rules() {
    let (h, _) = upstream(|s| match s.uri.as_str() {
        "/created" => Reply::json(r#"{"ok":1}"#).status(201),
        "/nocontent" => Reply::json("").status(204),
        _ => Reply::json(r#"{"why":"teapot"}"#).status(418),
    })
    .await;
    let mut code = backend(h, &[UrlPiece::Literal("/x")]);
    code.return_error_code = true;
    let mut details = backend(h, &[UrlPiece::Literal("/x")]);
    details.return_error_details = Some("svc");
    let eps = vec![
        endpoint(
            Method::Get,
            "/created",
            &[Segment::Static("created")],
            &[],
            vec![backend(h, &[UrlPiece::Literal("/created")])],
        ),
        endpoint(
            Method::Get,
            "/nocontent",
            &[Segment::Static("nocontent")],
            &[],
            vec![backend(h, &[UrlPiece::Literal("/nocontent")])],
        ),
        endpoint(
            Method::Get,
            "/code",
            &[Segment::Static("code")],
            &[],
            vec![code],
        ),
        endpoint(
            Method::Get,
            "/details",
            &[Segment::Static("details")],
            &[],
            vec![details],
        ),
    ];
    let gw = start(gateway(eps)).await;
    let r = get(gw.addr, "/created").await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"ok": 1})),
        "201 is a success rendered as 200"
    );
    assert_eq!(
        get(gw.addr, "/nocontent").await.status,
        500,
        "204 is a failure"
    );
    let r = get(gw.addr, "/code").await;
    assert_eq!(
        (r.status, r.text()),
        (418, ""),
        "return_error_code: status, no body"
    );
    let r = get(gw.addr, "/details").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(
        r.json(),
        json!({"error_svc": {"http_status_code": 418, "http_body": "{\"why\":\"teapot\"}", "http_body_encoding": "application/json"}})
    );
}

#[tokio::test]
async fn return_error_msg_returns_backend_body_with_error_code() {
    let (h, _) = upstream(|_| Reply::json(r#"{"why":"teapot"}"#).status(418)).await;
    let mut code = backend(h, &[UrlPiece::Literal("/x")]);
    code.return_error_code = true;
    let mut g = gateway(vec![endpoint(
        Method::Get,
        "/code",
        &[Segment::Static("code")],
        &[],
        vec![code],
    )]);
    g.router.return_error_msg = true;
    let gw = start(g).await;
    let r = get(gw.addr, "/code").await;
    assert_eq!(r.status, 418);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.text(), r#"{"why":"teapot"}"#);
}

#[tokio::test]
async fn endpoint_timeout_is_500_and_cancels_the_backend_call() {
    let (h, log) = upstream(|_| Reply::json("{}").delay(Duration::from_secs(5))).await;
    let mut ep = endpoint(
        Method::Get,
        "/slow",
        &[Segment::Static("slow")],
        &[],
        vec![backend(h, &[UrlPiece::Literal("/")])],
    );
    ep.timeout_ms = 300;
    let mut g = gateway(vec![ep]);
    g.router.return_error_msg = true;
    let gw = start(g).await;
    let t = Instant::now();
    let r = get(gw.addr, "/slow").await;
    assert_eq!(r.status, 500, "KrakenD answers a timeout with 500");
    assert_eq!(r.text(), "endpoint timeout after 300 ms");
    assert!(
        t.elapsed() < Duration::from_millis(2000),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_calls_first_answer_wins() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The first copy to arrive is slow; the others answer at once.
    let n = AtomicUsize::new(0);
    let (h, log) = upstream(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        let r = Reply::json(&format!(r#"{{"copy":{i}}}"#));
        if i == 0 {
            r.delay(Duration::from_secs(5))
        } else {
            r
        }
    })
    .await;
    let mut ep = endpoint(
        Method::Get,
        "/cc",
        &[Segment::Static("cc")],
        &[],
        vec![backend(h, &[UrlPiece::Literal("/")])],
    );
    ep.concurrent_calls = 3;
    let gw = start(gateway(vec![ep])).await;
    let t = Instant::now();
    let r = get(gw.addr, "/cc").await;
    assert_eq!(r.status, 200);
    assert_ne!(r.json()["copy"], 0, "a fast copy wins");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    timed(async {
        while log.lock().unwrap().len() < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn shadow_backends_are_fired_and_ignored() {
    let (main, _) = upstream(|_| Reply::json(r#"{"main":1}"#)).await;
    let (shadow, shadow_log) = upstream(|_| Reply::json(r#"{"shadow":1}"#)).await;
    let mut s = backend(shadow, &[UrlPiece::Literal("/s")]);
    s.shadow = true;
    let ep = endpoint(
        Method::Get,
        "/sh",
        &[Segment::Static("sh")],
        &[],
        vec![backend(main, &[UrlPiece::Literal("/")]), s],
    );
    let gw = start(gateway(vec![ep])).await;
    let r = get(gw.addr, "/sh").await;
    assert_eq!(r.json(), json!({"main": 1}));
    assert_eq!(r.header("x-krakend-completed"), Some("true"));
    timed(async {
        while shadow_log.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(shadow_log.lock().unwrap()[0].uri, "/s");
}

/// Numbers reach the client with the backend's text (KrakenD decodes with
/// `UseNumber`: a `json.Number` is a string, written back as it came)
/// through decode, `target`, `allow`, `deny`, `mapping`, `group`, a merge
/// of two backends, `is_collection`, `flatmap`, and the json,
/// json-collection and xml renders. None of these stages converts a number
/// in KrakenD either: lura's formatter and krakend/flatmap move values
/// without looking at them.
#[tokio::test]
async fn numbers_keep_the_backends_text() {
    const A: &str = r#"{"keep":{"p":1.10,"z":-0,"e":1e2,"E":1E+2,"s":-1.5e-3,"f":0.0},
        "big":123456789012345678901234567890,"long":0.1000000000000000055511151231257827,
        "drop":0.0,"list":[1.10,{"n":1E+2}]}"#;
    const B: &str = r#"{"b":{"x":-0,"y":0.0,"w":7.50},"secret":1.10}"#;
    const C: &str = r#"[1.10,{"n":-0},[1e2,123456789012345678901234567890]]"#;
    let (h, _) = upstream(|s| match s.uri.as_str() {
        "/a" => Reply::json(A),
        "/b" => Reply::json(B),
        _ => Reply::json(C),
    })
    .await;
    let mut a = backend(h, &[UrlPiece::Literal("/a")]);
    a.deny = &[&["drop"]];
    a.mapping = &[("big", "huge")];
    let mut b = backend(h, &[UrlPiece::Literal("/b")]);
    b.allow = &[&["b", "x"], &["b", "y"]];
    b.group = Some("grp");
    let coll = || {
        let mut c = backend(h, &[UrlPiece::Literal("/c")]);
        c.is_collection = true;
        c
    };
    let mut flat = coll();
    flat.flatmap = &[FlatmapOp::Move {
        from: &["collection", "1", "n"],
        to: &["moved"],
    }];
    let mut target = backend(h, &[UrlPiece::Literal("/a")]);
    target.target = &["keep"];
    let seg = |s: &'static [Segment]| s;
    let mut coll_out = endpoint(
        Method::Get,
        "/coll-out",
        seg(&[Segment::Static("coll-out")]),
        &[],
        vec![coll()],
    );
    coll_out.output = OutputEncoding::JsonCollection;
    let mut xml = endpoint(
        Method::Get,
        "/xml",
        seg(&[Segment::Static("xml")]),
        &[],
        vec![target],
    );
    xml.output = OutputEncoding::Xml;
    let eps = vec![
        endpoint(
            Method::Get,
            "/merge",
            seg(&[Segment::Static("merge")]),
            &[],
            vec![a, b],
        ),
        endpoint(
            Method::Get,
            "/coll",
            seg(&[Segment::Static("coll")]),
            &[],
            vec![coll()],
        ),
        endpoint(
            Method::Get,
            "/flat",
            seg(&[Segment::Static("flat")]),
            &[],
            vec![flat],
        ),
        coll_out,
        xml,
    ];
    let gw = start(gateway(eps)).await;
    let cases = [
        (
            "/merge",
            r#"{"keep":{"p":1.10,"z":-0,"e":1e2,"E":1E+2,"s":-1.5e-3,"f":0.0},"huge":123456789012345678901234567890,"long":0.1000000000000000055511151231257827,"list":[1.10,{"n":1E+2}],"grp":{"b":{"x":-0,"y":0.0}}}"#,
        ),
        (
            "/coll",
            r#"{"collection":[1.10,{"n":-0},[1e2,123456789012345678901234567890]]}"#,
        ),
        (
            "/flat",
            r#"{"collection":[1.10,{},[1e2,123456789012345678901234567890]],"moved":-0}"#,
        ),
        (
            "/coll-out",
            r#"[1.10,{"n":-0},[1e2,123456789012345678901234567890]]"#,
        ),
        (
            "/xml",
            "<doc><p>1.10</p><z>-0</z><e>1e2</e><E>1E+2</E><s>-1.5e-3</s><f>0.0</f></doc>",
        ),
    ];
    for (path, want) in cases {
        let r = get(gw.addr, path).await;
        assert_eq!((r.status, r.text()), (200, want), "{path}");
    }
}

#[tokio::test]
async fn static_data_by_strategy() {
    let (ok, _) = upstream(|_| Reply::json(r#"{"a":1}"#)).await;
    let (bad, _) = upstream(|_| Reply::json("{}").status(500)).await;
    static DATA: Value = Value::Object(&[("static", Value::Bool(true))]);
    let mut always = endpoint(
        Method::Get,
        "/always",
        &[Segment::Static("always")],
        &[],
        vec![backend(ok, &[UrlPiece::Literal("/")])],
    );
    always.static_data = Some(StaticData {
        strategy: StaticStrategy::Always,
        data: &DATA,
    });
    let mut errored = endpoint(
        Method::Get,
        "/errored",
        &[Segment::Static("errored")],
        &[],
        vec![backend(bad, &[UrlPiece::Literal("/")])],
    );
    errored.static_data = Some(StaticData {
        strategy: StaticStrategy::Errored,
        data: &DATA,
    });
    let mut success = endpoint(
        Method::Get,
        "/success",
        &[Segment::Static("success")],
        &[],
        vec![backend(bad, &[UrlPiece::Literal("/")])],
    );
    success.static_data = Some(StaticData {
        strategy: StaticStrategy::Success,
        data: &DATA,
    });
    let gw = start(gateway(vec![always, errored, success])).await;
    assert_eq!(
        get(gw.addr, "/always").await.json(),
        json!({"a": 1, "static": true})
    );
    let r = get(gw.addr, "/errored").await;
    assert_eq!((r.status, r.json()), (200, json!({"static": true})));
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(get(gw.addr, "/success").await.status, 500);
}

#[tokio::test]
async fn encodings_gzip_xml_string_and_outputs() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(br#"{"zipped":true}"#).unwrap();
    let gz = gz.finish().unwrap();
    let (h, log) = upstream(move |s| match s.uri.as_str() {
        "/gz" => Reply {
            status: 200,
            headers: vec![("content-encoding", "gzip".into())],
            body: gz.clone(),
            delay: Duration::ZERO,
        },
        "/xml" => Reply::json(r#"<user id="7"><name>ann</name></user>"#),
        "/text" => Reply::json("plain words"),
        _ => Reply::json(r#"[{"id":1}]"#),
    })
    .await;
    let mut xml_b = backend(h, &[UrlPiece::Literal("/xml")]);
    xml_b.encoding = Encoding::Xml;
    let mut text_b = backend(h, &[UrlPiece::Literal("/text")]);
    text_b.encoding = Encoding::String;
    let mut coll_b = backend(h, &[UrlPiece::Literal("/coll")]);
    coll_b.is_collection = true;
    let mut string_ep = endpoint(
        Method::Get,
        "/text",
        &[Segment::Static("text")],
        &[],
        vec![text_b],
    );
    string_ep.output = OutputEncoding::String;
    let mut coll_ep = endpoint(
        Method::Get,
        "/coll",
        &[Segment::Static("coll")],
        &[],
        vec![coll_b],
    );
    coll_ep.output = OutputEncoding::JsonCollection;
    let mut neg_ep = endpoint(
        Method::Get,
        "/neg",
        &[Segment::Static("neg")],
        &[],
        vec![backend(h, &[UrlPiece::Literal("/gz")])],
    );
    neg_ep.output = OutputEncoding::Negotiate;
    let eps = vec![
        endpoint(
            Method::Get,
            "/gz",
            &[Segment::Static("gz")],
            &[],
            vec![backend(h, &[UrlPiece::Literal("/gz")])],
        ),
        endpoint(
            Method::Get,
            "/xml",
            &[Segment::Static("xml")],
            &[],
            vec![xml_b],
        ),
        string_ep,
        coll_ep,
        neg_ep,
    ];
    let gw = start(gateway(eps)).await;
    assert_eq!(get(gw.addr, "/gz").await.json(), json!({"zipped": true}));
    assert_eq!(
        log.lock().unwrap()[0]
            .headers
            .get("accept-encoding")
            .unwrap(),
        "gzip"
    );
    assert_eq!(
        get(gw.addr, "/xml").await.json(),
        json!({"user": {"-id": "7", "name": "ann"}})
    );
    let r = get(gw.addr, "/text").await;
    assert_eq!(
        (r.text(), r.header("content-type")),
        ("plain words", Some("text/plain; charset=utf-8"))
    );
    assert_eq!(get(gw.addr, "/coll").await.text(), r#"[{"id":1}]"#);
    let r = send(gw.addr, "GET", "/neg", &[("accept", "application/xml")], "").await;
    assert_eq!(r.text(), "<doc><zipped>true</zipped></doc>");
    let r = send(gw.addr, "GET", "/neg", &[("accept", "text/plain")], "").await;
    assert_eq!(r.text(), "zipped: true\n");
}

#[tokio::test]
async fn bad_backend_json_is_a_failed_backend() {
    let (h, _) = upstream(|_| Reply::json("{not json")).await;
    let (ok, _) = upstream(|_| Reply::json(r#"{"ok":1}"#)).await;
    let eps = vec![
        endpoint(
            Method::Get,
            "/one",
            &[Segment::Static("one")],
            &[],
            vec![backend(h, &[UrlPiece::Literal("/")])],
        ),
        endpoint(
            Method::Get,
            "/two",
            &[Segment::Static("two")],
            &[],
            vec![
                backend(h, &[UrlPiece::Literal("/")]),
                backend(ok, &[UrlPiece::Literal("/")]),
            ],
        ),
    ];
    let gw = start(gateway(eps)).await;
    assert_eq!(get(gw.addr, "/one").await.status, 500);
    let r = get(gw.addr, "/two").await;
    assert_eq!(
        (r.status, r.header("x-krakend-completed")),
        (200, Some("false"))
    );
}

#[tokio::test]
async fn round_robin_over_hosts_is_exact() {
    let (a, la) = upstream(|_| Reply::json(r#"{"h":"a"}"#)).await;
    let (b, lb) = upstream(|_| Reply::json(r#"{"h":"b"}"#)).await;
    let mut be = backend(a, &[UrlPiece::Literal("/")]);
    be.hosts = leak_slice(vec![a, b]);
    let gw = start(gateway(vec![endpoint(
        Method::Get,
        "/rr",
        &[Segment::Static("rr")],
        &[],
        vec![be],
    )]))
    .await;
    let mut hs = Vec::new();
    for _ in 0..4 {
        hs.push(
            get(gw.addr, "/rr").await.json()["h"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(hs, ["a", "b", "a", "b"]);
    assert_eq!((la.lock().unwrap().len(), lb.lock().unwrap().len()), (2, 2));
}

#[tokio::test]
async fn unreachable_backend_is_500() {
    let ep = endpoint(
        Method::Get,
        "/down",
        &[Segment::Static("down")],
        &[],
        vec![backend("http://127.0.0.1:1", &[UrlPiece::Literal("/")])],
    );
    let gw = start(gateway(vec![ep])).await;
    assert_eq!(get(gw.addr, "/down").await.status, 500);
}

#[tokio::test]
async fn wildcard_endpoint_forwards_the_rest_of_the_path() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let b = backend(h, &[UrlPiece::Literal("/static/"), UrlPiece::Wildcard]);
    let ep = endpoint(
        Method::Get,
        "/files/*",
        &[Segment::Static("files"), Segment::Wildcard],
        &[],
        vec![b],
    );
    let gw = start(gateway(vec![ep])).await;
    assert_eq!(get(gw.addr, "/files/css/site.css").await.status, 200);
    assert_eq!(get(gw.addr, "/files/a%2Fb/../c").await.status, 200);
    let uris: Vec<String> = log.lock().unwrap().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(uris, ["/static/css/site.css", "/static/a%2Fb/%2E%2E/c"]);
}

#[tokio::test]
async fn user_agent_forwarded_moves_ours_to_x_forwarded_via() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let mut ep = endpoint(
        Method::Get,
        "/all",
        &[Segment::Static("all")],
        &[],
        vec![backend(h, &[UrlPiece::Literal("/")])],
    );
    ep.input_headers = Forward::All;
    let gw = start(gateway(vec![ep])).await;
    send(
        gw.addr,
        "GET",
        "/all",
        &[
            ("user-agent", "curl/8"),
            ("x-any", "1"),
            ("connection", "keep-alive"),
        ],
        "",
    )
    .await;
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.headers.get("user-agent").unwrap(), "curl/8");
    assert_eq!(
        seen.headers.get("x-forwarded-via").unwrap(),
        "KrakenD Version gwc-test"
    );
    assert_eq!(seen.headers.get("x-any").unwrap(), "1");
    assert!(
        seen.headers
            .get("host")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("127.0.0.1:"),
        "the backend's host, not ours"
    );
}

#[tokio::test]
async fn h2c_requests_reach_http1_backends() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let ep = endpoint(
        Method::Get,
        "/h2",
        &[Segment::Static("h2")],
        &[],
        vec![backend(h, &[UrlPiece::Literal("/")])],
    );
    let mut g = gateway(vec![ep]);
    g.server.use_h2c = true;
    let gw = start(g).await;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let resp = timed(client.get(format!("http://{}/h2", gw.addr).parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    assert_eq!(resp.status(), 200);
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn auto_options_and_custom_error_bodies() {
    let (h, _) = upstream(|_| Reply::json("{}")).await;
    let eps = vec![
        endpoint(
            Method::Get,
            "/x",
            &[Segment::Static("x")],
            &[],
            vec![backend(h, &[UrlPiece::Literal("/")])],
        ),
        endpoint(
            Method::Post,
            "/x",
            &[Segment::Static("x")],
            &[],
            vec![backend(h, &[UrlPiece::Literal("/")])],
        ),
    ];
    static NOT_FOUND: Value = Value::Object(&[("error", Value::String("nope"))]);
    let mut g = gateway(eps);
    g.router.auto_options = true;
    g.router.error_body_404 = Some(&NOT_FOUND);
    let gw = start(g).await;
    let r = send(gw.addr, "OPTIONS", "/x", &[], "").await;
    assert_eq!(
        (r.status, r.header("allow")),
        (200, Some("GET, POST, OPTIONS"))
    );
    let r = get(gw.addr, "/missing").await;
    assert_eq!((r.status, r.json()), (404, json!({"error": "nope"})));
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

/// KrakenD follows a backend's 30x as Go's client does (module
/// `redirect`): 302 to a relative Location, 303 after a POST (GET, no
/// body), a 307 after a POST with a body is the answer, a loop stops after
/// 10 redirects, and a redirect may leave for another host.
#[tokio::test]
async fn backend_redirects_are_followed_like_gos_client() {
    let (other, other_log) = upstream(|s| {
        Reply::json(&format!(
            r#"{{"where":"other","auth":{}}}"#,
            s.headers.contains_key("authorization")
        ))
    })
    .await;
    let (h, log) = upstream(move |s| match s.uri.as_str() {
        "/old" => Reply::json("{}").status(302).header("location", "new?x=1"),
        "/new?x=1" => Reply::json(r#"{"where":"new"}"#),
        "/form" => Reply::json("{}").status(303).header("location", "/done"),
        "/done" => Reply::json(&format!(
            r#"{{"method":"{}","body":{}}}"#,
            s.method,
            s.body.len()
        )),
        "/temp" => Reply::json("{}").status(307).header("location", "/new?x=1"),
        "/loop" => Reply::json("{}").status(302).header("location", "/loop"),
        "/away" => Reply::json("{}")
            .status(301)
            .header("location", &format!("{other}/there")),
        _ => Reply::json("{}").status(404),
    })
    .await;
    let json_ep = |path: &'static str, method: Method, url: &'static str| {
        let mut b = backend(h, leak_slice(vec![UrlPiece::Literal(url)]));
        b.method = method;
        let mut ep = endpoint(
            method,
            path,
            leak_slice(vec![Segment::Static(&path[1..])]),
            &[],
            vec![b],
        );
        ep.input_headers = Forward::All;
        ep
    };
    let mut noop = json_ep("/temp", Method::Post, "/temp");
    noop.output = OutputEncoding::NoOp;
    let eps = vec![
        json_ep("/old", Method::Get, "/old"),
        json_ep("/form", Method::Post, "/form"),
        noop,
        json_ep("/loop", Method::Get, "/loop"),
        json_ep("/away", Method::Get, "/away"),
    ];
    let gw = start(gateway(eps)).await;

    let r = get(gw.addr, "/old").await;
    assert_eq!((r.status, r.json()), (200, json!({"where": "new"})));
    {
        let seen = log.lock().unwrap();
        let hop = seen.iter().find(|s| s.uri == "/new?x=1").expect("followed");
        let referer = hop.headers.get("referer").and_then(|v| v.to_str().ok());
        assert_eq!(referer, Some(format!("{h}/old").as_str()));
    }

    let r = send(
        gw.addr,
        "POST",
        "/form",
        &[("content-type", "text/plain")],
        "payload",
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"method": "GET", "body": 0}))
    );

    // A body lura cannot re-send: the 307 is the answer (no-op passes it).
    let r = send(
        gw.addr,
        "POST",
        "/temp",
        &[("content-type", "text/plain")],
        "payload",
    )
    .await;
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("/new?x=1"));

    let before = log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.uri == "/loop")
        .count();
    let r = get(gw.addr, "/loop").await;
    assert_eq!(r.status, 500);
    let loops = log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.uri == "/loop")
        .count()
        - before;
    assert_eq!(loops, 11, "the first request and 10 redirects");

    // Another port of the same host name keeps the credentials, as in Go
    // (which compares host names); another host drops them (unit-tested
    // in `redirect`: tests only talk to 127.0.0.1).
    let r = send(
        gw.addr,
        "GET",
        "/away",
        &[("authorization", "Bearer t")],
        "",
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"where": "other", "auth": true}))
    );
    assert_eq!(other_log.lock().unwrap().len(), 1);
}

/// `gwc/http-client.follow_redirects: false`: the 30x is the answer.
#[tokio::test]
async fn follow_redirects_false_keeps_the_30x() {
    let (h, log) = upstream(|s| match s.uri.as_str() {
        "/old" => Reply::json("{}").status(302).header("location", "/new"),
        _ => Reply::json(r#"{"where":"new"}"#),
    })
    .await;
    let mut b = backend(h, &[UrlPiece::Literal("/old")]);
    b.encoding = Encoding::NoOp;
    b.lb = Some(leak(PoolPolicy {
        algorithm: Algorithm::RoundRobin,
        hosts: leak_slice(vec![HostPolicy {
            name: "h",
            weight: 1,
            backup: false,
            http: HttpOptions {
                follow_redirects: false,
                ..HttpOptions::DEFAULT
            },
            active: None,
        }]),
        schedule: &[],
        backup_schedule: &[],
        all_unhealthy: AllUnhealthy::FailClosed,
        passive: None,
        failover: None,
        debug_headers: false,
    }));
    let mut ep = endpoint(Method::Get, "/x", &[Segment::Static("x")], &[], vec![b]);
    ep.output = OutputEncoding::NoOp;
    let gw = start(gateway(vec![ep])).await;
    let r = get(gw.addr, "/x").await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/new"));
    assert_eq!(log.lock().unwrap().len(), 1);
}

/// For each case `i`, asks `/p/{i}` (a json-passthrough endpoint) and
/// `/m/{i}` (its twin on the decoding path): the same status, body and
/// `headers`; then the passthrough's (status, `X-KrakenD-Completed`, body)
/// is `want[i]`, one for each of the `n` cases. `case(i)` names the case
/// in failure messages.
async fn assert_twins(
    addr: std::net::SocketAddr,
    headers: &[&str],
    n: usize,
    want: &[(u16, &str, &str)],
    case: impl Fn(usize) -> String,
) {
    assert_eq!(want.len(), n, "one answer a case");
    for (i, (ws, wc, wb)) in want.iter().enumerate() {
        let f = get(addr, &format!("/p/{i}")).await;
        let s = get(addr, &format!("/m/{i}")).await;
        let case = case(i);
        for k in headers {
            assert_eq!(f.header(k), s.header(k), "{k} for {case}");
        }
        assert_eq!((f.status, &f.body), (s.status, &s.body), "{case}");
        assert_eq!(
            (f.status, f.header("x-krakend-completed"), &f.body[..]),
            (*ws, Some(*wc), wb.as_bytes()),
            "{case}"
        );
    }
}

/// The json passthrough (one plain json backend, json output) answers
/// exactly what the decoded path answers: the same endpoint made ineligible
/// by a no-op `mapping` is the reference, for bodies the passthrough takes
/// and bodies it leaves to the decoded path.
#[tokio::test]
async fn json_passthrough_answers_like_the_decoded_path() {
    const BODIES: &[&str] = &[
        r#"{ "id" : 42, "n":[1.0,-0,1e2,18446744073709551616], "s":"\u00e9\/\n", "o":{"k":[]} }"#,
        "{}",
        r#"{"a":1,"b":2,"a":3}"#,
        "[1,2]",
        "{not json",
        r#"{"a":1e400}"#,
    ];
    let (h, _) = upstream(|seen| {
        let i: usize = seen.uri.trim_start_matches("/b/").parse().unwrap();
        Reply::json(BODIES[i])
    })
    .await;
    const N: &[Segment] = &[Segment::Static("p"), Segment::Param("n")];
    const M: &[Segment] = &[Segment::Static("m"), Segment::Param("n")];
    let url = &[UrlPiece::Literal("/b/"), UrlPiece::Param(0)];
    let mut fast = endpoint(Method::Get, "/p/{n}", N, &["n"], vec![backend(h, url)]);
    fast.cache_ttl_s = Some(60);
    let mut reference = backend(h, url);
    reference.mapping = &[("absent", "other")];
    let mut slow = endpoint(Method::Get, "/m/{n}", M, &["n"], vec![reference]);
    slow.cache_ttl_s = Some(60);
    let gw = start(gateway(vec![fast, slow])).await;
    let want: &[(u16, &str, &str)] = &[
        (
            200,
            "true",
            // Numbers as the backend wrote them (KrakenD's json.Number).
            r#"{"id":42,"n":[1.0,-0,1e2,18446744073709551616],"s":"é/\n","o":{"k":[]}}"#,
        ),
        (200, "false", "{}"),
        (200, "true", r#"{"a":3,"b":2}"#),
        (500, "false", ""),
        (500, "false", ""),
        // Beyond f64's range, still a JSON number: kept, as Go's decoder
        // (UseNumber) keeps it.
        (200, "true", r#"{"a":1e400}"#),
    ];
    let headers = ["content-type", "x-krakend-completed", "cache-control"];
    assert_twins(gw.addr, &headers, BODIES.len(), want, |i| {
        BODIES[i].to_owned()
    })
    .await;
}

/// Several grouped backends on the json passthrough: each body under its
/// group, in declaration order, partial answers and fallbacks included —
/// the same answers as the decoded merge (the reference endpoint is made
/// ineligible by a no-op `mapping`).
#[tokio::test]
async fn grouped_json_passthrough_answers_like_the_decoded_merge() {
    // (user, orders) bodies per case.
    const CASES: &[(&str, &str)] = &[
        (
            r#"{ "id": 1, "tags": ["a"] }"#,
            r#"{"orders":[{"total":12.5}],"count":2}"#,
        ),
        ("{}", "{}"),
        (r#"{"id":1}"#, "{not json"),
        ("{not json", r#"{"n":1}"#),
        ("{not json", "[1]"),
        (r#"{"a":1,"a":2}"#, r#"{"b":"\u00e9"}"#),
    ];
    let user = |seen: &Seen| {
        let i: usize = seen.uri.rsplit('/').next().unwrap().parse().unwrap();
        Reply::json(CASES[i].0)
    };
    let orders = |seen: &Seen| {
        let i: usize = seen.uri.rsplit('/').next().unwrap().parse().unwrap();
        Reply::json(CASES[i].1)
    };
    let (hu, _) = upstream(user).await;
    let (ho, _) = upstream(orders).await;
    const P: &[Segment] = &[Segment::Static("p"), Segment::Param("n")];
    const M: &[Segment] = &[Segment::Static("m"), Segment::Param("n")];
    let url = &[UrlPiece::Literal("/x/"), UrlPiece::Param(0)];
    let grouped = |h, g| Backend {
        group: Some(g),
        ..backend(h, url)
    };
    let fast = endpoint(
        Method::Get,
        "/p/{n}",
        P,
        &["n"],
        vec![grouped(hu, "user"), grouped(ho, "orders")],
    );
    let reference = Backend {
        mapping: &[("absent", "other")],
        ..grouped(ho, "orders")
    };
    let slow = endpoint(
        Method::Get,
        "/m/{n}",
        M,
        &["n"],
        vec![grouped(hu, "user"), reference],
    );
    let gw = start(gateway(vec![fast, slow])).await;
    let want: &[(u16, &str, &str)] = &[
        (
            200,
            "true",
            r#"{"user":{"id":1,"tags":["a"]},"orders":{"orders":[{"total":12.5}],"count":2}}"#,
        ),
        (200, "true", r#"{"user":{},"orders":{}}"#),
        (200, "false", r#"{"user":{"id":1}}"#),
        (200, "false", r#"{"orders":{"n":1}}"#),
        (500, "false", ""),
        (200, "true", r#"{"user":{"a":2},"orders":{"b":"é"}}"#),
    ];
    let headers = ["content-type", "x-krakend-completed"];
    assert_twins(gw.addr, &headers, CASES.len(), want, |i| {
        format!("{:?}", CASES[i])
    })
    .await;
}

/// KrakenD CE's `Content-Type` per output encoding, as literals (the
/// encoding module's constants are what is under test).
#[tokio::test]
async fn content_type_per_output_encoding() {
    let (h, _) = upstream(|_| Reply::json(r#"{"content":"words","a":1}"#)).await;
    let outputs = [
        ("/json", OutputEncoding::Json),
        ("/xml", OutputEncoding::Xml),
        ("/yaml", OutputEncoding::Yaml),
        ("/string", OutputEncoding::String),
        ("/collection", OutputEncoding::JsonCollection),
        ("/negotiate", OutputEncoding::Negotiate),
    ];
    let eps = outputs
        .iter()
        .map(|(path, output)| Endpoint {
            output: *output,
            ..endpoint(
                Method::Get,
                path,
                leak_slice(vec![Segment::Static(&path[1..])]),
                &[],
                vec![backend(h, &[UrlPiece::Literal("/x")])],
            )
        })
        .collect();
    let gw = start(gateway(eps)).await;
    let json = "application/json; charset=utf-8";
    let (xml, yaml) = ("application/xml", "application/yaml; charset=utf-8");
    let table: &[(&str, Option<&str>, &str)] = &[
        ("/json", None, json),
        ("/xml", None, xml),
        ("/yaml", None, yaml),
        ("/string", None, "text/plain; charset=utf-8"),
        ("/collection", None, json),
        ("/negotiate", None, json),
        ("/negotiate", Some("application/json"), json),
        ("/negotiate", Some("application/xml"), xml),
        ("/negotiate", Some("text/plain"), yaml),
        ("/negotiate", Some("application/x-yaml"), yaml),
        ("/negotiate", Some("image/png"), json),
    ];
    for (path, accept, want) in table {
        let headers: Vec<(&str, &str)> = accept.iter().map(|a| ("accept", *a)).collect();
        let r = send(gw.addr, "GET", path, &headers, "").await;
        assert_eq!(r.status, 200, "{path} {accept:?}");
        assert_eq!(r.header("content-type"), Some(*want), "{path} {accept:?}");
    }
}

/// lura's `invalid status code` text: the backend's method and
/// `url_pattern` as `config.Init` keeps them, then the URL that answered
/// (after any redirect), shown with `return_error_msg`.
#[tokio::test]
async fn status_error_names_the_pattern_and_the_url() {
    let (h, _) = upstream(|s| match s.uri.as_str() {
        "/old" => Reply::json("")
            .status(302)
            .header("location", "/gone?page=2"),
        _ => Reply::json(r#"{"why":"missing"}"#).status(404),
    })
    .await;
    let pattern: &'static [UrlPiece] = &[
        UrlPiece::Literal("/people/"),
        UrlPiece::Param(0),
        UrlPiece::Literal("?x=1"),
    ];
    let mut post = backend(h, &[UrlPiece::Literal("/old")]);
    post.method = Method::Post;
    let mut g = gateway(vec![
        endpoint(
            Method::Get,
            "/users/{id}",
            USERS_ID,
            &["id"],
            vec![backend(h, pattern)],
        ),
        endpoint(
            Method::Get,
            "/moved",
            &[Segment::Static("moved")],
            &[],
            vec![backend(h, &[UrlPiece::Literal("/old")])],
        ),
        endpoint(
            Method::Get,
            "/posted",
            &[Segment::Static("posted")],
            &[],
            vec![post],
        ),
    ]);
    g.router.return_error_msg = true;
    let gw = start(g).await;
    let table = [
        (
            "/users/7",
            format!("invalid status code 404 [GET /people/{{{{.Id}}}}?x=1]: {h}/people/7?x=1"),
        ),
        (
            "/moved",
            format!("invalid status code 404 [GET /old]: {h}/gone?page=2"),
        ),
        (
            "/posted",
            format!("invalid status code 404 [POST /old]: {h}/gone?page=2"),
        ),
    ];
    for (path, want) in table {
        let r = get(gw.addr, path).await;
        assert_eq!(r.status, 500, "{path}");
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(r.text(), want, "{path}");
    }
}

/// Go's transport frames a body-less POST, PUT or PATCH with
/// `Content-Length: 0` (servers answer 411 without it) and a GET or DELETE
/// with no length at all; a body keeps its length. No-op endpoints too.
#[tokio::test]
async fn empty_request_bodies_are_framed_as_gos_client_does() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let methods = [
        ("GET", Method::Get),
        ("POST", Method::Post),
        ("PUT", Method::Put),
        ("PATCH", Method::Patch),
        ("DELETE", Method::Delete),
    ];
    let mut eps = Vec::new();
    for (name, method) in methods {
        for noop in [false, true] {
            let path = leak_str(format!(
                "/{}{}",
                name.to_lowercase(),
                if noop { "-noop" } else { "" }
            ));
            let mut b = backend(h, leak_slice(vec![UrlPiece::Literal(path)]));
            b.method = method;
            if noop {
                b.encoding = Encoding::NoOp;
            }
            let mut ep = endpoint(
                method,
                path,
                leak_slice(vec![Segment::Static(&path[1..])]),
                &[],
                vec![b],
            );
            if noop {
                ep.output = OutputEncoding::NoOp;
            }
            eps.push(ep);
        }
    }
    let gw = start(gateway(eps)).await;
    for (name, _) in methods {
        for suffix in ["", "-noop"] {
            let path = format!("/{}{suffix}", name.to_lowercase());
            for (body, want) in [
                ("", (name != "GET" && name != "DELETE").then_some("0")),
                ("abc", Some("3")),
            ] {
                log.lock().unwrap().clear();
                let r = send(gw.addr, name, &path, &[], body).await;
                assert_eq!(r.status, 200, "{name} {path}");
                let seen = log.lock().unwrap()[0].clone();
                assert_eq!(
                    seen.headers
                        .get("content-length")
                        .map(|v| v.to_str().unwrap()),
                    want,
                    "{name} {path} with body {body:?}"
                );
                assert!(
                    seen.headers.get("transfer-encoding").is_none(),
                    "{name} {path}"
                );
            }
        }
    }
}

/// CE's proxy stack puts `validation/json-schema` (u.) inside
/// `validation/cel` (t.): a request CEL's `req` list refuses is a 500
/// whatever its body, and only a request it lets through has its body
/// validated (a 400) before any backend.
#[tokio::test]
async fn cel_refuses_before_the_json_schema_check() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let url = leak_slice(vec![UrlPiece::Literal("/users")]);
    let mut ep = endpoint(
        Method::Post,
        "/users",
        leak_slice(vec![Segment::Static("users")]),
        &[],
        vec![backend(h, url)],
    );
    ep.input_headers = Forward::Only(&["X-Pass"]);
    ep.json_schema = Some(leak(JsonSchema {
        schema: r#"{"type":"object","required":["name"]}"#,
    }));
    ep.cel = Some(leak(Cel {
        pre: leak_slice(vec!["req_headers['X-Pass'][0] == 'yes'"]),
        post: &[],
        jwt: &[],
    }));
    let mut gw = gateway(vec![ep]);
    gw.router.return_error_msg = true;
    let gw = start(gw).await;
    let pass = [("X-Pass", "yes")];

    let r = send(gw.addr, "POST", "/users", &[("X-Pass", "no")], "[]").await;
    assert_eq!(
        (r.status, r.text()),
        (500, "request aborted by evaluator #0")
    );
    let r = send(gw.addr, "POST", "/users", &pass, "[]").await;
    assert_eq!(r.status, 400);
    assert!(log.lock().unwrap().is_empty(), "no backend was called");
    let r = send(gw.addr, "POST", "/users", &pass, r#"{"name":"ann"}"#).await;
    assert_eq!((r.status, r.text()), (200, r#"{"ok":true}"#));
    assert_eq!(log.lock().unwrap().len(), 1);
}
