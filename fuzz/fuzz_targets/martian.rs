//! Fuzz `modifier/martian` from both ends. No input may panic.
//!
//! - The config: the input up to the first NUL byte is a JSON config
//!   (seeded with the martian fixtures); when it lints without errors it
//!   must also plan (a config the linter passes and the plan refuses
//!   would be a gwc bug, reported as a panic).
//! - The traffic: the rest is a request and a response (first line the
//!   path and query, then `Name: value` header lines; `--` separates the
//!   response's header lines, whose first is its status), run through a
//!   fixed tree holding every modifier and filter, both sides.
#![no_main]

use gw_runtime::modifier::martian::{Incoming, Outgoing, Stage};
use gw_runtime::spec::{Condition, Martian, Modifier, PortChange};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::http::uri::{Authority, Scheme};
use libfuzzer_sys::fuzz_target;

static TREE: Martian = Martian {
    request: Some(&Modifier::Group {
        aggregate_errors: true,
        modifiers: &[
            Modifier::SetHeader {
                name: "X-A",
                value: "1",
            },
            Modifier::AppendHeader {
                name: "X-A",
                value: "2",
            },
            Modifier::CopyHeader {
                from: "Content-Length",
                to: "X-Len",
            },
            Modifier::CopyHeader {
                from: "X-In",
                to: "Host",
            },
            Modifier::RemoveHeaders(&["X-Drop", "Host"]),
            Modifier::RequestId {
                header: "X-Krakend-Id",
            },
            Modifier::SetQuery {
                name: "k",
                value: "v w",
            },
            Modifier::Cookie {
                pair: "c=1",
                set_cookie: "c=1",
            },
            Modifier::Stash { header: "X-Stash" },
            Modifier::Filter {
                when: Condition::HeaderRegex {
                    header: "X-App",
                    regex: 0,
                },
                then: Some(&Modifier::SetUrl {
                    scheme: Some("https"),
                    host: Some("other.internal:8443"),
                    path: Some("/a b/ü"),
                    query: Some("x=1"),
                }),
                otherwise: None,
            },
            Modifier::Filter {
                when: Condition::Port(8080),
                then: Some(&Modifier::Port(PortChange::Use(9000))),
                otherwise: Some(&Modifier::Port(PortChange::Remove)),
            },
            Modifier::Filter {
                when: Condition::Query {
                    name: "p",
                    value: "",
                },
                then: Some(&Modifier::Port(PortChange::DefaultForScheme)),
                otherwise: None,
            },
            Modifier::Filter {
                when: Condition::Url {
                    scheme: Some("http"),
                    host: Some("*.internal:9000"),
                    path: Some("/x"),
                    query: None,
                },
                then: Some(&Modifier::Body {
                    content_type: "text/plain",
                    body: b"replaced",
                }),
                otherwise: None,
            },
            Modifier::Filter {
                when: Condition::UrlRegex(1),
                then: Some(&Modifier::SetHeader {
                    name: "Content-Length",
                    value: "3",
                }),
                otherwise: Some(&Modifier::AppendHeader {
                    name: "Host",
                    value: "h",
                }),
            },
            Modifier::Filter {
                when: Condition::Cookie {
                    name: "c",
                    value: "",
                },
                then: Some(&Modifier::Static {
                    root: "/nonexistent/gwc-fuzz",
                    explicit: &[("/", "i")],
                }),
                otherwise: None,
            },
            Modifier::Filter {
                when: Condition::Header {
                    name: "Host",
                    value: "api.internal:8080",
                },
                then: Some(&Modifier::SetHeader {
                    name: "X-Host",
                    value: "yes",
                }),
                otherwise: None,
            },
        ],
    }),
    response: Some(&Modifier::Group {
        aggregate_errors: true,
        modifiers: &[
            Modifier::SetHeader {
                name: "X-R",
                value: "1",
            },
            Modifier::AppendHeader {
                name: "Content-Length",
                value: "9",
            },
            Modifier::CopyHeader {
                from: "Set-Cookie",
                to: "X-Cookie",
            },
            Modifier::Cookie {
                pair: "c=1",
                set_cookie: "c=1; Path=/",
            },
            Modifier::Stash { header: "X-Stash" },
            Modifier::Filter {
                when: Condition::Cookie {
                    name: "s",
                    value: "1",
                },
                then: Some(&Modifier::Status(299)),
                otherwise: None,
            },
            Modifier::Filter {
                when: Condition::Port(443),
                then: Some(&Modifier::RemoveHeaders(&["X-R"])),
                otherwise: None,
            },
            Modifier::Filter {
                when: Condition::HeaderRegex {
                    header: "X-App",
                    regex: 0,
                },
                then: Some(&Modifier::Body {
                    content_type: "text/plain",
                    body: b"0123456789",
                }),
                otherwise: Some(&Modifier::Static {
                    root: "/nonexistent/gwc-fuzz",
                    explicit: &[],
                }),
            },
        ],
    }),
    regexes: &["(a|b)+$", "^https?://[^/]*/x"],
};

fn header_lines(lines: &mut std::str::Lines<'_>, out: &mut HeaderMap) {
    for line in lines.by_ref() {
        if line == "--" {
            return;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.trim().as_bytes()),
            HeaderValue::from_str(v.trim()),
        ) {
            out.append(k, v);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (config, traffic) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };

    // The config.
    let text = String::from_utf8_lossy(config);
    let (_, diags) = gwc::lint_text_with(
        "krakend.json",
        &text,
        &gwc::check::CheckOptions {
            build: true,
            ..Default::default()
        },
    );
    if !diags.iter().any(|d| d.is_error()) {
        let parsed = gwc::syntax::parse(&text, gwc::syntax::Format::Json);
        if let Some(root) = parsed.root.as_ref() {
            let config = gwc::model::Config::from_tree(root);
            if let Err(e) = gwc::plan::plan(&config, &gwc::plan::PlanOptions::default()) {
                panic!("lints clean but does not plan: {e}\n{text}");
            }
        }
    }

    // The traffic.
    let traffic = String::from_utf8_lossy(traffic);
    let mut lines = traffic.lines();
    let pq = lines.next().unwrap_or("/");
    let mut req_headers = HeaderMap::new();
    header_lines(&mut lines, &mut req_headers);
    let status: u16 = lines
        .next()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(200);
    let mut res_headers = HeaderMap::new();
    header_lines(&mut lines, &mut res_headers);
    let Ok(stage) = Stage::new(&TREE) else {
        panic!("the fixed tree compiles");
    };
    let mut head = hyper::Request::new(());
    *head.headers_mut() = req_headers;
    let mut og = Outgoing::new(
        &head,
        &Scheme::HTTP,
        &Authority::from_static("api.internal:8080"),
        pq,
        pq.len() as u64,
    );
    let _ = stage.request(&mut og);
    let _ = og.clone().into_head(hyper::Method::POST);
    let mut res = Incoming::new(status.clamp(100, 999), res_headers);
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let _ = rt.block_on(stage.response(&mut res, &og));
});
