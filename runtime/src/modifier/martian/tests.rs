//! The modifiers one by one, on requests and responses built by hand.

#![allow(clippy::unwrap_used)]

use super::*;

fn outgoing(pq: &str, headers: &[(&str, &str)]) -> Outgoing {
    let mut head = Request::new(());
    for (k, v) in headers {
        head.headers_mut().append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    Outgoing::new(
        &head,
        &Scheme::HTTP,
        &Authority::from_static("api.internal:8080"),
        pq,
        0,
    )
}

fn leak<T>(t: T) -> &'static T {
    Box::leak(Box::new(t))
}

fn on_request(m: Modifier, req: &mut Outgoing) -> Result<(), Error> {
    let spec = leak(Martian {
        request: Some(leak(m)),
        response: None,
        regexes: &[],
    });
    Stage::new(spec).unwrap().request(req)
}

fn header(req: &Outgoing, name: &str) -> Option<String> {
    req.headers.get(name).map(text)
}

#[test]
fn headers_on_the_request() {
    let mut r = outgoing("/u", &[("X-A", "1"), ("X-Drop", "x")]);
    on_request(
        Modifier::Group {
            modifiers: &[
                Modifier::SetHeader {
                    name: "X-A",
                    value: "2",
                },
                Modifier::AppendHeader {
                    name: "X-A",
                    value: "3",
                },
                Modifier::RemoveHeaders(&["X-Drop"]),
                Modifier::CopyHeader {
                    from: "X-A",
                    to: "X-Copy",
                },
                Modifier::CopyHeader {
                    from: "X-Absent",
                    to: "X-Empty",
                },
                Modifier::SetHeader {
                    name: "Host",
                    value: "virtual.example",
                },
            ],
            aggregate_errors: false,
        },
        &mut r,
    )
    .unwrap();
    let all: Vec<String> = r.headers.get_all("x-a").iter().map(text).collect();
    assert_eq!(all, ["2", "3"]);
    assert_eq!(header(&r, "x-drop"), None);
    assert_eq!(header(&r, "x-copy").as_deref(), Some("2"));
    assert_eq!(header(&r, "x-empty").as_deref(), Some(""));
    let (head, pq, body) = r.into_head(hyper::Method::GET).unwrap();
    assert_eq!(head.uri().to_string(), "http://api.internal:8080/u");
    assert_eq!(pq, "/u");
    assert!(body.is_none());
    assert_eq!(
        head.headers().get("host").map(text).as_deref(),
        Some("virtual.example")
    );
}

#[test]
fn modifier_errors_are_cees() {
    let mut r = outgoing("/u", &[]);
    let e = on_request(
        Modifier::SetHeader {
            name: "Content-Length",
            value: "ten",
        },
        &mut r,
    )
    .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Modifier), "{e}");
    assert_eq!(e.status(), hyper::StatusCode::INTERNAL_SERVER_ERROR);
    // The request always has a host: appending one fails.
    let e = on_request(
        Modifier::AppendHeader {
            name: "host",
            value: "x",
        },
        &mut r,
    )
    .unwrap_err();
    assert!(e.context.contains("illegal header multiple: Host"), "{e}");
    // With aggregateErrors the group goes on and reports them all.
    let mut r = outgoing("/u", &[]);
    let e = on_request(
        Modifier::Group {
            modifiers: &[
                Modifier::SetHeader {
                    name: "Content-Length",
                    value: "x",
                },
                Modifier::SetHeader {
                    name: "X-After",
                    value: "1",
                },
                Modifier::SetHeader {
                    name: "Content-Length",
                    value: "y",
                },
            ],
            aggregate_errors: true,
        },
        &mut r,
    )
    .unwrap_err();
    assert_eq!(e.context.matches("invalid syntax").count(), 2, "{e}");
    assert_eq!(header(&r, "x-after").as_deref(), Some("1"));
}

#[test]
fn request_id_is_a_uuid_v4_unless_present() {
    let mut r = outgoing("/u", &[]);
    on_request(
        Modifier::RequestId {
            header: "X-Krakend-Id",
        },
        &mut r,
    )
    .unwrap();
    let id = header(&r, "x-krakend-id").unwrap();
    let parts: Vec<&str> = id.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert!(parts[2].starts_with('4'), "{id}");
    assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{id}");
    let mut r = outgoing("/u", &[("X-Krakend-Id", "given")]);
    on_request(
        Modifier::RequestId {
            header: "X-Krakend-Id",
        },
        &mut r,
    )
    .unwrap();
    assert_eq!(header(&r, "x-krakend-id").as_deref(), Some("given"));
}

#[test]
fn query_and_url() {
    let mut r = outgoing("/users/7?z=1&a=b%20c", &[]);
    on_request(
        Modifier::SetQuery {
            name: "amount",
            value: "7 5",
        },
        &mut r,
    )
    .unwrap();
    assert_eq!(r.query, "a=b+c&amount=7+5&z=1");
    on_request(
        Modifier::SetUrl {
            scheme: Some("https"),
            host: Some("legacy.internal:8443"),
            path: Some("/v2/a b"),
            query: None,
        },
        &mut r,
    )
    .unwrap();
    assert_eq!(
        r.url(),
        "https://legacy.internal:8443/v2/a%20b?a=b+c&amount=7+5&z=1"
    );
    let (head, pq, _) = r.into_head(hyper::Method::GET).unwrap();
    assert_eq!(pq, "/v2/a%20b?a=b+c&amount=7+5&z=1");
    assert_eq!(
        head.uri().authority().map(Authority::as_str),
        Some("legacy.internal:8443")
    );
    // Go keeps `Request.Host`: the backend is told the original host.
    assert_eq!(
        head.headers().get("host").map(text).as_deref(),
        Some("api.internal:8080")
    );
}

#[test]
fn ports() {
    let table: &[(PortChange, &str, &str)] = &[
        (
            PortChange::Use(9000),
            "api.internal:8080",
            "api.internal:9000",
        ),
        (PortChange::Remove, "api.internal:8080", "api.internal"),
        (
            PortChange::DefaultForScheme,
            "api.internal:8080",
            "api.internal:80",
        ),
    ];
    for (change, from, want) in table {
        let mut r = outgoing("/", &[]);
        r.host = (*from).to_owned();
        on_request(Modifier::Port(*change), &mut r).unwrap();
        assert_eq!(r.host, *want, "{change:?}");
        // `Header["Host"]` is set too, and never sent.
        let (head, _, _) = r.into_head(hyper::Method::GET).unwrap();
        assert_eq!(
            head.headers().get("host").map(text).as_deref(),
            Some("api.internal:8080")
        );
    }
}

#[test]
fn body_cookie_stash_on_the_request() {
    let mut r = outgoing("/u?x=1", &[("Content-Encoding", "gzip"), ("Cookie", "a=1")]);
    on_request(
        Modifier::Group {
            modifiers: &[
                Modifier::Body {
                    content_type: "application/json",
                    body: b"{}",
                },
                Modifier::Cookie {
                    pair: "b=2",
                    set_cookie: "b=2",
                },
                Modifier::Stash { header: "X-Stash" },
            ],
            aggregate_errors: false,
        },
        &mut r,
    )
    .unwrap();
    assert_eq!(
        header(&r, "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(header(&r, "content-encoding"), None);
    assert_eq!(header(&r, "cookie").as_deref(), Some("a=1; b=2"));
    assert_eq!(
        header(&r, "x-stash").as_deref(),
        Some("http://api.internal:8080/u?x=1")
    );
    let (_, _, body) = r.into_head(hyper::Method::POST).unwrap();
    assert_eq!(body.as_deref(), Some(&b"{}"[..]));
}

#[test]
fn framing_headers_are_never_sent_as_set() {
    let mut r = outgoing("/u", &[]);
    on_request(
        Modifier::Group {
            modifiers: &[
                Modifier::SetHeader {
                    name: "Content-Length",
                    value: "5",
                },
                Modifier::SetHeader {
                    name: "Transfer-Encoding",
                    value: "chunked",
                },
                Modifier::CopyHeader {
                    from: "Content-Length",
                    to: "X-Length",
                },
            ],
            aggregate_errors: false,
        },
        &mut r,
    )
    .unwrap();
    // Modifiers read what they set…
    assert_eq!(header(&r, "x-length").as_deref(), Some("5"));
    // …but the request is framed by its body.
    let (head, _, _) = r.into_head(hyper::Method::POST).unwrap();
    assert!(head.headers().get("content-length").is_none());
    assert!(head.headers().get("transfer-encoding").is_none());
}

#[test]
fn filters_choose_a_branch() {
    static SPEC: Martian = Martian {
        request: Some(&Modifier::Group {
            modifiers: &[
                Modifier::Filter {
                    when: Condition::Header {
                        name: "X-Tenant",
                        value: "acme",
                    },
                    then: Some(&Modifier::SetHeader {
                        name: "X-Header",
                        value: "yes",
                    }),
                    otherwise: Some(&Modifier::SetHeader {
                        name: "X-Header",
                        value: "no",
                    }),
                },
                Modifier::Filter {
                    when: Condition::HeaderRegex {
                        header: "X-App",
                        regex: 0,
                    },
                    then: Some(&Modifier::SetHeader {
                        name: "X-Regex",
                        value: "yes",
                    }),
                    otherwise: None,
                },
                Modifier::Filter {
                    when: Condition::Query {
                        name: "legacy",
                        value: "",
                    },
                    then: Some(&Modifier::SetHeader {
                        name: "X-Query",
                        value: "yes",
                    }),
                    otherwise: None,
                },
                Modifier::Filter {
                    when: Condition::Url {
                        scheme: None,
                        host: Some("*.internal:8080"),
                        path: Some("/a b"),
                        query: None,
                    },
                    then: Some(&Modifier::SetHeader {
                        name: "X-Url",
                        value: "yes",
                    }),
                    otherwise: None,
                },
                Modifier::Filter {
                    when: Condition::UrlRegex(1),
                    then: Some(&Modifier::SetHeader {
                        name: "X-Url-Regex",
                        value: "yes",
                    }),
                    otherwise: None,
                },
                Modifier::Filter {
                    when: Condition::Cookie {
                        name: "consent",
                        value: "yes",
                    },
                    then: Some(&Modifier::SetHeader {
                        name: "X-Cookie",
                        value: "yes",
                    }),
                    otherwise: None,
                },
                Modifier::Filter {
                    when: Condition::Port(8080),
                    then: Some(&Modifier::SetHeader {
                        name: "X-Port",
                        value: "yes",
                    }),
                    otherwise: None,
                },
            ],
            aggregate_errors: false,
        }),
        response: None,
        regexes: &["-(beta|alpha)$", "^http://api\\.internal"],
    };
    let stage = Stage::new(&SPEC).unwrap();
    let mut r = outgoing(
        "/a%20b?legacy=1",
        &[
            ("X-Tenant", "acme"),
            ("X-App", "2.0-beta"),
            ("Cookie", "x=1; consent=yes"),
        ],
    );
    stage.request(&mut r).unwrap();
    for h in [
        "x-header",
        "x-regex",
        "x-query",
        "x-url",
        "x-url-regex",
        "x-cookie",
        "x-port",
    ] {
        assert_eq!(header(&r, h).as_deref(), Some("yes"), "{h}");
    }
    let mut r = outgoing("/other", &[("X-App", "2.0")]);
    r.host = "api.internal:9000".into();
    stage.request(&mut r).unwrap();
    assert_eq!(header(&r, "x-header").as_deref(), Some("no"));
    for h in ["x-regex", "x-query", "x-url", "x-cookie", "x-port"] {
        assert_eq!(header(&r, h), None, "{h}");
    }
}

fn respond(m: Modifier, res: &mut Incoming, req: &Outgoing) -> Result<(), Error> {
    let spec = leak(Martian {
        request: None,
        response: Some(leak(m)),
        regexes: &[],
    });
    let stage = Stage::new(spec).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(stage.response(res, req))
}

fn answer(headers: &[(&str, &str)]) -> Incoming {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    Incoming::new(500, h)
}

#[test]
fn response_head() {
    let req = outgoing("/u", &[("X-Stash", "http://api.internal:8080/u")]);
    let mut res = answer(&[
        ("Content-Length", "5"),
        ("X-Internal", "1"),
        ("Set-Cookie", "s=1"),
    ]);
    respond(
        Modifier::Group {
            modifiers: &[
                Modifier::Status(200),
                Modifier::RemoveHeaders(&["X-Internal"]),
                Modifier::Cookie {
                    pair: "c=2",
                    set_cookie: "c=2; Path=/",
                },
                Modifier::Stash { header: "X-Stash" },
                Modifier::Filter {
                    when: Condition::Cookie {
                        name: "s",
                        value: "",
                    },
                    then: Some(&Modifier::SetHeader {
                        name: "X-Had-Cookie",
                        value: "1",
                    }),
                    otherwise: None,
                },
            ],
            aggregate_errors: false,
        },
        &mut res,
        &req,
    )
    .unwrap();
    assert_eq!(res.status, 200);
    assert!(res.headers.get("x-internal").is_none());
    let cookies: Vec<String> = res.headers.get_all("set-cookie").iter().map(text).collect();
    assert_eq!(cookies, ["s=1", "c=2; Path=/"]);
    assert_eq!(
        res.headers.get("x-stash").map(text).as_deref(),
        Some("http://api.internal:8080/u")
    );
    assert_eq!(
        res.headers.get("x-had-cookie").map(text).as_deref(),
        Some("1")
    );
    assert!(res.body.is_none());
}

#[test]
fn response_body_and_ranges() {
    let body = Modifier::Body {
        content_type: "text/plain",
        body: b"0123456789",
    };
    let table: &[(&str, u16, &str)] = &[
        ("", 500, "0123456789"),
        ("bytes=2-4", 206, "234"),
        ("bytes=8-", 206, "89"),
        ("bytes=5-100", 206, "56789"),
        ("bytes=4-2", 416, ""),
        ("bytes=50-60", 416, ""),
    ];
    for (range, status, want) in table {
        let req = outgoing("/u", &[("Range", range)]);
        let mut res = answer(&[("Content-Encoding", "gzip"), ("Content-Length", "999")]);
        respond(
            Modifier::Body {
                content_type: "text/plain",
                body: b"0123456789",
            },
            &mut res,
            &req,
        )
        .unwrap();
        assert_eq!(res.status, *status, "{range}");
        assert_eq!(res.body.as_deref(), Some(want.as_bytes()), "{range}");
        assert!(res.headers.get("content-encoding").is_none());
        assert_eq!(
            res.headers.get("content-length").map(text),
            Some(want.len().to_string())
        );
    }
    let req = outgoing("/u", &[("Range", "bytes=0-1,8-9")]);
    let mut res = answer(&[]);
    respond(body, &mut res, &req).unwrap();
    let ct = res.headers.get("content-type").map(text).unwrap();
    let boundary = ct.strip_prefix("multipart/byteranges; boundary=").unwrap();
    assert_eq!(boundary.len(), 60);
    let text = String::from_utf8(res.body.unwrap().to_vec()).unwrap();
    assert!(
        text.contains("Content-Range: bytes 8-9/10\r\nContent-Type: text/plain\r\n\r\n89"),
        "{text}"
    );
    // A range martian cannot parse fails the call.
    let req = outgoing("/u", &[("Range", "bytes=x-1")]);
    let mut res = answer(&[]);
    let e = respond(
        Modifier::Body {
            content_type: "text/plain",
            body: b"0123",
        },
        &mut res,
        &req,
    )
    .unwrap_err();
    assert!(e.context.contains("invalid syntax"), "{e}");
}

#[test]
fn static_files() {
    let dir = std::env::temp_dir().join(format!("gw-martian-static-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("docs/health.json"), br#"{"ok":true}"#).unwrap();
    std::fs::write(dir.join("index.html"), b"<h1>hi</h1>").unwrap();
    let root: &'static str = Box::leak(dir.display().to_string().into_boxed_str());
    let m = |explicit: &'static [(&'static str, &'static str)]| Modifier::Static { root, explicit };
    // The request's path under the root (`..` cannot climb out).
    let req = outgoing("/../docs/health.json", &[]);
    let mut res = Incoming::skipped();
    respond(m(&[]), &mut res, &req).unwrap();
    assert_eq!(res.status, 200);
    assert_eq!(res.body.as_deref(), Some(&br#"{"ok":true}"#[..]));
    assert_eq!(
        res.headers.get("content-type").map(text).as_deref(),
        Some("application/json")
    );
    // An explicit path.
    let req = outgoing("/", &[]);
    let mut res = Incoming::skipped();
    respond(m(&[("/", "index.html")]), &mut res, &req).unwrap();
    assert_eq!(res.body.as_deref(), Some(&b"<h1>hi</h1>"[..]));
    // A file over the cap fails the call (a sparse file: nothing written).
    let big = std::fs::File::create(dir.join("big.bin")).unwrap();
    big.set_len(MAX_STATIC_BYTES + 1).unwrap();
    let req = outgoing("/big.bin", &[]);
    let mut res = Incoming::skipped();
    let e = respond(m(&[]), &mut res, &req).unwrap_err();
    assert!(e.context.contains("larger than"), "{e}");
    assert_eq!(res.status, 500);
    // A directory is no file: 404.
    let req = outgoing("/docs", &[]);
    let mut res = Incoming::skipped();
    respond(m(&[]), &mut res, &req).unwrap();
    assert_eq!(res.status, 404);
    // A missing file is a 404 with the body left as it was.
    let req = outgoing("/nope.txt", &[]);
    let mut res = Incoming::skipped();
    respond(m(&[]), &mut res, &req).unwrap();
    assert_eq!(res.status, 404);
    // The request side marks the skip and downgrades https.
    let mut r = outgoing("/x", &[]);
    r.scheme = "https".into();
    on_request(m(&[]), &mut r).unwrap();
    assert!(r.skip);
    assert_eq!(r.scheme, "http");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redirects_move_the_url_responses_see() {
    let mut r = outgoing("/a?x=1", &[]);
    r.answered_by(&Uri::from_static("http://other.internal/b?y=2"));
    assert_eq!(r.url(), "http://other.internal/b?y=2");
    assert_eq!(r.path(), "/b");
}

#[test]
fn a_stage_without_patterns_needs_no_feature() {
    static SPEC: Martian = Martian {
        request: Some(&Modifier::RemoveHeaders(&[])),
        response: Some(&Modifier::Static {
            root: "/srv",
            explicit: &[],
        }),
        regexes: &[],
    };
    let s = Stage::new(&SPEC).unwrap();
    assert!(!s.may_skip);
    assert_eq!(s.statics.len(), 1);
}
