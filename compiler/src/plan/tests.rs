//! Table tests of the plan functions.

use super::endpoint::{forward, output_encoding, route_segments, split_path};
use super::*;
use crate::model::Config;
use crate::syntax::{self, Format};

fn try_plan_of(text: &str) -> Result<Plan, PlanError> {
    let parsed = syntax::parse(text, Format::Json);
    let root = parsed.root.as_ref().expect("test config parses");
    let config = Config::from_tree(root);
    plan(
        &config,
        &PlanOptions {
            version: "test".to_string(),
        },
    )
}

fn plan_of(text: &str) -> Plan {
    try_plan_of(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A config with one endpoint made of `endpoint` (JSON members) and
/// backends `backends` (a JSON array), plus root members `root`.
fn one(root: &str, endpoint: &str, backends: &str) -> Plan {
    let sep = if root.is_empty() { "" } else { "," };
    plan_of(&format!(
        r#"{{"version": 3, "host": ["http://h"]{sep}{root},
            "endpoints": [{{ {endpoint}, "backend": {backends} }}]}}"#
    ))
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// lura's engine set-up of the client-IP settings, the path options and
/// the root's debug and echo flags: each gin default replaced only when
/// written (a non-empty list), the legacy name read as `router`.
#[test]
fn router_options_table() {
    let router = |ns: &str, json: &str| {
        plan_of(&format!(
            r#"{{"version": 3, "debug_endpoint": true, "extra_config": {{"{ns}": {json}}}, "endpoints": []}}"#
        ))
        .router
    };
    let ten = TrustedNet::V4 {
        net: 0x0a00_0000,
        mask: 0xff00_0000,
    };
    let default = ClientIpOptions::default();
    let p = plan_of(r#"{"version": 3, "echo_endpoint": true, "endpoints": []}"#).router;
    assert_eq!(p.client_ip, default);
    assert_eq!(p.client_ip.trusted_proxies, TrustedNet::EVERYONE.to_vec());
    assert!(p.echo_endpoint && !p.debug_endpoint && !p.remove_extra_slash);

    let r = router(
        "router",
        r#"{"trusted_proxies": [], "remote_ip_headers": []}"#,
    );
    assert_eq!(r.client_ip, default);
    assert!(r.debug_endpoint);

    let r = router(
        "router",
        r#"{"forwarded_by_client_ip": false, "remote_ip_headers": ["X-Real-IP", "bad name", "CF-Connecting-IP"],
            "trusted_proxies": ["10.0.0.0/8", "nope", "127.0.0.1"], "remove_extra_slash": true,
            "disable_path_decoding": true, "logger_skip_paths": ["/__health"]}"#,
    );
    assert_eq!(
        r.client_ip,
        ClientIpOptions {
            forwarded_by_client_ip: false,
            remote_ip_headers: s(&["x-real-ip", "cf-connecting-ip"]),
            // gin stops at `nope`.
            trusted_proxies: vec![ten],
        }
    );
    assert!(r.remove_extra_slash && r.disable_path_decoding);
    assert_eq!(r.logger_skip_paths, s(&["/__health"]));
    // A bad first entry: nothing trusted.
    let r = router(
        "router",
        r#"{"trusted_proxies": ["lb.internal", "10.0.0.0/8"]}"#,
    );
    assert_eq!(r.client_ip.trusted_proxies, vec![]);
    // The legacy name is the same namespace.
    let r = router(
        "github_com/luraproject/lura/router/gin",
        r#"{"trusted_proxies": ["10.0.0.0/8"], "remove_extra_slash": true}"#,
    );
    assert_eq!(r.client_ip.trusted_proxies, vec![ten]);
    assert!(r.remove_extra_slash);
}

#[test]
fn root_defaults() {
    let p = plan_of(r#"{"version": 3, "endpoints": []}"#);
    assert_eq!(p.port, 8080);
    assert_eq!(p.name, "");
    assert_eq!(p.listen_ip, None);
    assert_eq!(p.version_header.as_deref(), Some("Version gwc-test"));
    assert_eq!(p.version_header_name, "X-KrakenD");
    assert_eq!(p.user_agent, "KrakenD Version gwc-test");
    assert_eq!(p.router.health_path.as_deref(), Some("/__health"));
    assert!(!p.router.disable_redirect_fixed_path);
    assert_eq!(p.client.max_idle_connections_per_host, 250);
    assert_eq!(p.client.dialer_keep_alive_ms, 15_000);
    assert_eq!(p.server.max_header_bytes, 1 << 20);

    let p = plan_of(
        r#"{"version": 3, "name": "gw", "port": "9000", "listen_ip": "127.0.0.1",
            "max_idle_connections_per_host": -1, "idle_connection_timeout": "1.5s",
            "dialer_keep_alive": "3s", "max_header_bytes": 2048, "use_h2c": true,
            "disable_compression": true,
            "extra_config": {"router": {"health_path": "//status/", "hide_version_header": true,
              "return_error_msg": true, "auto_options": true,
              "disable_redirect_fixed_path": true,
              "error_body": {"404": {"msg": "nope", "n": 1}}}},
            "endpoints": []}"#,
    );
    assert_eq!(p.name, "gw");
    assert_eq!(p.port, 9000);
    assert_eq!(p.listen_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(p.version_header, None);
    assert_eq!(p.router.health_path.as_deref(), Some("/status/"));
    assert!(p.router.return_error_msg && p.router.auto_options);
    assert!(p.router.disable_redirect_fixed_path && !p.router.disable_redirect_trailing_slash);
    assert_eq!(
        p.router.error_body_404,
        Some(Value::Object(vec![
            ("msg".into(), Value::String("nope".into())),
            ("n".into(), Value::Number("1".into())),
        ]))
    );
    assert_eq!(p.router.error_body_405, None);
    assert_eq!(p.client.max_idle_connections_per_host, 0);
    assert_eq!(p.client.idle_connection_timeout_ms, 1500);
    assert_eq!(p.client.dialer_keep_alive_ms, 3000);
    assert!(p.client.disable_compression && !p.client.disable_keep_alives);
    assert_eq!(p.server.max_header_bytes, 2048);
    assert!(p.server.use_h2c);
    // gwc/server unset: 0, the runtime's defaults.
    assert_eq!(
        (
            p.server.max_connections,
            p.server.max_request_body,
            p.server.send_timeout_ms,
            p.server.max_buffered_responses
        ),
        (0, 0, 0, 0)
    );

    let p = plan_of(
        r#"{"version": 3, "read_header_timeout": "2s", "idle_timeout": "90s",
            "read_timeout": "3s", "write_timeout": 1500000000,
            "extra_config": {"gwc/server": {"max_connections": 100,
              "max_request_body": 1048576, "send_timeout": "1.5s",
              "max_buffered_responses": 33554432}},
            "endpoints": []}"#,
    );
    assert_eq!(
        (
            p.server.read_header_timeout_ms,
            p.server.idle_timeout_ms,
            p.server.read_timeout_ms,
            p.server.write_timeout_ms
        ),
        (2000, 90_000, 3000, 1500)
    );
    assert_eq!(
        (
            p.server.max_connections,
            p.server.max_request_body,
            p.server.send_timeout_ms,
            p.server.max_buffered_responses
        ),
        (100, 1 << 20, 1500, 32 << 20)
    );
    // Refused values (GW805, GW541) keep the defaults.
    let p = plan_of(
        r#"{"version": 3, "extra_config": {"gwc/server": {"max_connections": -3,
              "max_request_body": 0, "send_timeout": "-1s",
              "max_buffered_responses": -1}}, "endpoints": []}"#,
    );
    assert_eq!(
        (
            p.server.max_connections,
            p.server.max_request_body,
            p.server.send_timeout_ms,
            p.server.max_buffered_responses
        ),
        (0, 0, 0, 0)
    );

    let p = plan_of(
        r#"{"version": 3, "extra_config": {"router": {"disable_health": true}}, "endpoints": []}"#,
    );
    assert_eq!(p.router.health_path, None);
}

#[test]
fn timeouts_and_cache_ttl_inherit_as_lura_does() {
    // (root members, endpoint members, timeout_ms, cache_ttl_s)
    let cases: [(&str, &str, u64, Option<u64>); 8] = [
        ("", "", 2000, None),
        (r#""timeout": "3s""#, "", 3000, None),
        (r#""timeout": "3s""#, r#""timeout": "500ms""#, 500, None),
        (r#""timeout": "0s""#, "", 2000, None),
        ("", r#""timeout": "1us""#, 1, None),
        ("", r#""timeout": 1000000000"#, 1000, None),
        // an explicit 0 inherits the root's ttl
        (
            r#""cache_ttl": "1m""#,
            r#""cache_ttl": "0s""#,
            2000,
            Some(60),
        ),
        ("", r#""cache_ttl": "300ms""#, 2000, Some(0)),
    ];
    for (root, ep, timeout, ttl) in cases {
        let sep = if ep.is_empty() { "" } else { "," };
        let p = one(
            root,
            &format!(r#""endpoint": "/a"{sep}{ep}"#),
            r#"[{"url_pattern": "/a"}]"#,
        );
        let e = &p.endpoints[0];
        assert_eq!(
            (e.timeout_ms, e.cache_ttl_s),
            (timeout, ttl),
            "{root} / {ep}"
        );
    }
}

#[test]
fn segments() {
    use Segment::*;
    let st = |x: &str| Static(x.to_string());
    let pa = |x: &str| Param(x.to_string());
    let cases: Vec<(&str, bool, Vec<Segment>)> = vec![
        ("/a/{id}/b", false, vec![st("a"), pa("id"), st("b")]),
        ("a//b/", false, vec![st("a"), st("b"), st("")]),
        ("/", false, vec![st("")]),
        // gin names the parameter after the rest of the segment
        ("/v1/{id}.json", false, vec![st("v1"), pa("id.json")]),
        ("/v1/{id}.json", true, vec![st("v1"), pa("id.json")]),
        (
            "/f/file.{ext}.gz",
            true,
            vec![
                st("f"),
                Affixed {
                    prefix: "file.".into(),
                    name: "ext.gz".into(),
                    suffix: String::new(),
                },
            ],
        ),
        (
            "/f/file.{ext}",
            true,
            vec![
                st("f"),
                Affixed {
                    prefix: "file.".into(),
                    name: "ext".into(),
                    suffix: String::new(),
                },
            ],
        ),
        ("/f/file.{ext}", false, vec![st("f"), st("file.{ext}")]),
        ("/{a}/{b}", false, vec![pa("a"), pa("b")]),
        // gin joins with `path.Join`: `.` and `..` segments resolved
        ("/a/./b", false, vec![st("a"), st("b")]),
        ("/v1/users/../orders", false, vec![st("v1"), st("orders")]),
        ("/a/b/..", false, vec![st("a")]),
        ("/a/b/../", false, vec![st("a"), st("")]),
        ("/..", false, vec![st("")]),
        (
            "/v1/shops/{shop}/../products/./{id}",
            false,
            vec![st("v1"), st("shops"), st("products"), pa("id")],
        ),
        ("/.well-known/x", false, vec![st(".well-known"), st("x")]),
        // lura replaces every copy of an extracted `{var}`: gin reads
        // `x:id` as a parameter after the text `x`
        (
            "/a/{id}/x{id}",
            false,
            vec![
                st("a"),
                pa("id"),
                Affixed {
                    prefix: "x".into(),
                    name: "id".into(),
                    suffix: String::new(),
                },
            ],
        ),
    ];
    for (path, disable_rest, want) in cases {
        assert_eq!(route_segments(path, disable_rest), want, "{path}");
    }
}

#[test]
fn url_patterns_split_into_pieces() {
    use UrlPiece::*;
    let lit = |x: &str| Literal(x.to_string());
    // (endpoint, url_pattern, pieces, url_has_query)
    let cases: Vec<(&str, &str, Vec<UrlPiece>, bool)> = vec![
        ("/a", "/x", vec![lit("/x")], false),
        ("/a", "x", vec![lit("/x")], false),
        ("/a", "", vec![lit("/")], false),
        (
            "/u/{id}/o/{oid}",
            "/users/{id}/orders/{oid}?full=1",
            vec![
                lit("/users/"),
                Param(0),
                lit("/orders/"),
                Param(1),
                lit("?full=1"),
            ],
            true,
        ),
        (
            "/u/{id}",
            "/{id}{id}",
            vec![lit("/"), Param(0), Param(0)],
            false,
        ),
        (
            "/q/{id}",
            "/search?q={id}",
            vec![lit("/search?q="), Param(0)],
            true,
        ),
        // KrakenD keys parameters by their first letter upper-cased: the
        // later of `{id}` and `{Id}` wins for both.
        ("/a/{id}/{Id}", "/{id}", vec![lit("/"), Param(1)], false),
        // not a variable: left as KrakenD leaves it
        ("/a", "/{JWT.sub}/{}", vec![lit("/{{.JWT.sub}}/{}")], false),
    ];
    for (ep, url, want, q) in cases {
        let p = one(
            "",
            &format!(r#""endpoint": "{ep}""#),
            &format!(r#"[{{"url_pattern": "{url}"}}]"#),
        );
        let b = &p.endpoints[0].backends[0];
        assert_eq!((&b.url, b.url_has_query), (&want, q), "{ep} → {url}");
    }
}

/// A `{var}` that a `..` drops is no parameter of the registered route:
/// lura accepts the backend (its input parameters come from the path as
/// written), gin never sets it, and the backend gets `{{.Var}}` literally.
#[test]
fn dot_segments_are_resolved_in_the_plan() {
    use UrlPiece::*;
    let p = one(
        "",
        r#""endpoint": "/v1/shops/{shop}/../products/./{id}""#,
        r#"[{"url_pattern": "/shops/{shop}/products/{id}"}]"#,
    );
    let e = &p.endpoints[0];
    assert_eq!(e.path, "/v1/shops/{shop}/../products/./{id}");
    assert_eq!(
        e.segments,
        vec![
            Segment::Static("v1".into()),
            Segment::Static("shops".into()),
            Segment::Static("products".into()),
            Segment::Param("id".into()),
        ]
    );
    assert_eq!(e.params, s(&["id"]));
    assert_eq!(
        e.backends[0].url,
        vec![Literal("/shops/{{.Shop}}/products/".into()), Param(0)]
    );
    // gin joins the health path too
    let p = one(
        r#""extra_config": {"router": {"health_path": "status/./live/"}}"#,
        r#""endpoint": "/a""#,
        r#"[{"url_pattern": "/a"}]"#,
    );
    assert_eq!(p.router.health_path.as_deref(), Some("/status/live/"));
}

#[test]
fn sequential_response_pieces_count_regular_backends() {
    let p = one(
        "",
        r#""endpoint": "/a/{id}", "extra_config": {"proxy": {"sequential": true}}"#,
        r#"[{"url_pattern": "/shadow", "extra_config": {"proxy": {"shadow": true}}},
            {"url_pattern": "/first/{id}"},
            {"url_pattern": "/second/{resp0_user.id}/{resp0_x}"}]"#,
    );
    let e = &p.endpoints[0];
    assert!(e.sequential);
    assert!(e.backends[0].shadow);
    // resp0 is the first regular backend (index 1 of the list): N stays 0.
    assert_eq!(
        e.backends[2].url,
        vec![
            UrlPiece::Literal("/second/".into()),
            UrlPiece::Response {
                backend: 0,
                path: s(&["user", "id"])
            },
            UrlPiece::Literal("/".into()),
            UrlPiece::Response {
                backend: 0,
                path: s(&["x"])
            },
        ]
    );
    // Without `sequential`, `{resp0_x}` is left as KrakenD leaves it.
    let p = one(
        "",
        r#""endpoint": "/a""#,
        r#"[{"url_pattern": "/a"}, {"url_pattern": "/b/{resp0_x}"}]"#,
    );
    assert_eq!(
        p.endpoints[0].backends[1].url,
        vec![UrlPiece::Literal("/b/{{.Resp0_x}}".into())]
    );
}

#[test]
fn header_keys_are_canonicalised_like_go() {
    let cases = [
        ("content-type", "Content-Type"),
        ("X-API-KEY", "X-Api-Key"),
        ("x_forwarded", "X_forwarded"),
        ("*", "*"),
        ("accept-", "Accept-"),
        ("bad key", "bad key"),
        ("ünï", "ünï"),
    ];
    for (input, want) in cases {
        assert_eq!(canonical_header_key(input), want, "{input}");
    }
}

#[test]
fn allowlists() {
    // (endpoint members, headers, query)
    let cases: Vec<(&str, Forward, Forward)> = vec![
        ("", Forward::Default, Forward::Default),
        (
            r#""input_headers": [], "input_query_strings": []"#,
            Forward::Default,
            Forward::Default,
        ),
        (
            r#""input_headers": ["authorization", "X-Id", "Authorization"], "input_query_strings": ["Page", "page"]"#,
            Forward::Only(s(&["Authorization", "X-Id"])),
            Forward::Only(s(&["Page", "page"])),
        ),
        (
            r#""input_headers": ["x", "*"], "input_query_strings": ["*"]"#,
            Forward::All,
            Forward::All,
        ),
    ];
    for (members, headers, query) in cases {
        let sep = if members.is_empty() { "" } else { "," };
        let p = one(
            "",
            &format!(r#""endpoint": "/a"{sep}{members}"#),
            r#"[{"url_pattern": "/a"}]"#,
        );
        let e = &p.endpoints[0];
        assert_eq!(
            (&e.input_headers, &e.input_query_strings),
            (&headers, &query),
            "{members}"
        );
    }
    assert_eq!(forward(None, true), Forward::Default);
}

#[test]
fn encodings() {
    let outputs = [
        (None, OutputEncoding::Json),
        (Some("json"), OutputEncoding::Json),
        (Some("fast-json"), OutputEncoding::Json),
        (Some("json-collection"), OutputEncoding::JsonCollection),
        (Some("string"), OutputEncoding::String),
        (Some("xml"), OutputEncoding::Xml),
        (Some("yaml"), OutputEncoding::Yaml),
        (Some("negotiate"), OutputEncoding::Negotiate),
        (Some("no-op"), OutputEncoding::NoOp),
        (Some("NO-OP"), OutputEncoding::Json),
    ];
    for (name, want) in outputs {
        assert_eq!(output_encoding(name), want, "{name:?}");
    }
    let decoders = [
        (None, Encoding::Json),
        (Some("SafeJSON"), Encoding::SafeJson),
        (Some("string"), Encoding::String),
        (Some("xml"), Encoding::Xml),
        (Some("rss"), Encoding::Rss),
        (Some("no-op"), Encoding::NoOp),
        (Some("yaml"), Encoding::Json),
        (Some("form"), Encoding::Json),
    ];
    for (name, want) in decoders {
        assert_eq!(backend::encoding(name), want, "{name:?}");
    }
    // A no-op endpoint (here: inherited from the root) forces no-op backends.
    let p = one(
        r#""output_encoding": "no-op""#,
        r#""endpoint": "/a""#,
        r#"[{"url_pattern": "/a", "encoding": "xml"}]"#,
    );
    assert_eq!(p.endpoints[0].output, OutputEncoding::NoOp);
    assert_eq!(p.endpoints[0].backends[0].encoding, Encoding::NoOp);
}

#[test]
fn hosts_methods_and_defaults() {
    let p = one(
        "",
        r#""endpoint": "/a", "method": "post", "concurrent_calls": 3"#,
        r#"[{"url_pattern": "/a"},
            {"url_pattern": "/b", "host": ["api.local:8080/", "https://x.io"], "method": "put"},
            {"url_pattern": "/c", "host": ["http://h/base"], "disable_host_sanitize": true, "method": "PROPFIND"}]"#,
    );
    let e = &p.endpoints[0];
    assert_eq!(e.method, Method::Post);
    assert_eq!(e.concurrent_calls, 3);
    assert_eq!(e.backends[0].hosts, s(&["http://h"]));
    assert_eq!(e.backends[0].method, Method::Post);
    assert_eq!(
        e.backends[1].hosts,
        s(&["http://api.local:8080", "https://x.io"])
    );
    assert_eq!(e.backends[1].method, Method::Put);
    assert_eq!(e.backends[2].hosts, s(&["http://h/base"]));
    // A method gwc cannot send (GW902) falls back to the endpoint's.
    assert_eq!(e.backends[2].method, Method::Post);
}

#[test]
fn endpoints_with_hosts_gwc_cannot_call_are_left_out() {
    let p = plan_of(
        r#"{"version": 3, "host": ["http://h"], "endpoints": [
            {"endpoint": "/ws", "backend": [{"url_pattern": "/", "disable_host_sanitize": true,
                                             "host": ["ws://chat:5678"]}]},
            {"endpoint": "/raw", "backend": [{"url_pattern": "/", "disable_host_sanitize": true,
                                              "host": ["chat:5678"]}]},
            {"endpoint": "/tls", "backend": [{"url_pattern": "/", "host": ["https://x.io"]}]},
            {"endpoint": "/ok", "backend": [{"url_pattern": "/"}]}]}"#,
    );
    let paths: Vec<&str> = p.endpoints.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["/tls", "/ok"]);
    let cases = [
        ("http://a", true),
        ("https://a", true),
        ("ws://a", false),
        ("a:80", false),
        ("HTTP://a", false),
    ];
    for (host, want) in cases {
        assert_eq!(is_callable_host(host), want, "{host}");
    }
}

#[test]
fn manipulation_plans() {
    let p = one(
        "",
        r#""endpoint": "/a", "extra_config": {"proxy": {"flatmap_filter": [{"type": "del", "args": ["x"]}]}}"#,
        r#"[{"url_pattern": "/a", "allow": ["a.b", "c"], "deny": ["d"], "mapping": {"c": "e.f"},
             "target": "data.items", "group": "g", "is_collection": true,
             "input_headers": ["x-a"], "input_query_strings": []},
            {"url_pattern": "/b", "deny": ["d"], "group": "",
             "extra_config": {"proxy": {"flatmap_filter": [
               {"type": "move", "args": ["a", "b.c"]}, {"type": "append", "args": ["x"]},
               {"type": "del", "args": ["p", "q.*.r"]}, {"type": "nope", "args": ["a"]}]}}}]"#,
    );
    let e = &p.endpoints[0];
    let (a, b) = (&e.backends[0], &e.backends[1]);
    assert_eq!(a.allow, vec![s(&["a", "b"]), s(&["c"])]);
    assert!(a.deny.is_empty(), "deny is ignored with allow");
    assert_eq!(a.mapping, vec![("c".to_string(), "e".to_string())]);
    assert_eq!(a.target, s(&["data", "items"]));
    assert_eq!(a.group.as_deref(), Some("g"));
    assert!(a.is_collection);
    assert_eq!(a.input_headers, Some(s(&["X-A"])));
    assert_eq!(a.input_query_strings, None);
    // the backend flatmap replaces allow/deny/mapping
    assert!(b.deny.is_empty());
    assert_eq!(b.group, None);
    assert_eq!(
        b.flatmap,
        vec![
            FlatmapOp::Move {
                from: s(&["a"]),
                to: s(&["b", "c"])
            },
            FlatmapOp::Del { path: s(&["p"]) },
            FlatmapOp::Del {
                path: s(&["q", "*", "r"])
            },
        ]
    );
    // two regular backends: the endpoint flatmap applies
    assert_eq!(e.flatmap, vec![FlatmapOp::Del { path: s(&["x"]) }]);

    // one regular backend (the other is a shadow): KrakenD skips it
    let p = one(
        "",
        r#""endpoint": "/a", "extra_config": {"proxy": {"flatmap_filter": [{"type": "del", "args": ["x"]}]}}"#,
        r#"[{"url_pattern": "/a"}, {"url_pattern": "/s", "extra_config": {"proxy": {"shadow": true}}}]"#,
    );
    assert!(p.endpoints[0].flatmap.is_empty());
    assert_eq!(split_path(""), Vec::<String>::new());
}

#[test]
fn namespaces() {
    let p = one(
        "",
        r#""endpoint": "/a", "extra_config": {"proxy": {"static": {"strategy": "bogus",
            "data": {"a": 1, "a": [true, null, "x"]}}, "sequential_propagated_params": ["resp0_id"]}}"#,
        r#"[{"url_pattern": "/a",
             "extra_config": {"backend/http": {"return_error_details": "b1"},
               "qos/circuit-breaker": {"interval": 60, "timeout": 10, "max_errors": 1, "log_status_change": true}}},
            {"url_pattern": "/b",
             "extra_config": {"github.com/devopsfaith/krakend/http": {"return_error_code": true}}}]"#,
    );
    let e = &p.endpoints[0];
    assert_eq!(
        e.static_data,
        Some(StaticData {
            strategy: StaticStrategy::Always,
            data: Value::Object(vec![(
                "a".into(),
                Value::Array(vec![
                    Value::Bool(true),
                    Value::Null,
                    Value::String("x".into())
                ])
            )]),
        })
    );
    assert_eq!(e.propagated_params, s(&["resp0_id"]));
    let b = &e.backends[0];
    assert_eq!(b.return_error_details.as_deref(), Some("b1"));
    assert!(!b.return_error_code);
    assert_eq!(
        b.circuit_breaker,
        Some(CircuitBreaker {
            interval_s: 60,
            timeout_s: 10,
            max_errors: 1,
            log_status_change: true
        })
    );
    // the legacy namespace name is read too
    assert!(e.backends[1].return_error_code);
}

#[test]
fn unplannable_configs_are_errors_not_panics() {
    let cases = [
        (
            r#"{"version": 3, "port": 70000, "endpoints": []}"#,
            PlanError::InvalidPort(70000),
        ),
        (
            r#"{"version": 3, "endpoints": [{"backend": [{"url_pattern": "/"}]}]}"#,
            PlanError::MissingPath { index: 0 },
        ),
        (
            r#"{"version": 3, "endpoints": [{"endpoint": "/a", "method": "HEAD", "backend": [{"host": ["h"]}]}]}"#,
            PlanError::UnsupportedMethod {
                path: "/a".into(),
                method: "HEAD".into(),
            },
        ),
        (
            r#"{"version": 3, "endpoints": [{"endpoint": "/a", "backend": []}]}"#,
            PlanError::NoBackends { path: "/a".into() },
        ),
        (
            r#"{"version": 3, "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/"}]}]}"#,
            PlanError::NoHost {
                path: "/a".into(),
                backend: 0,
            },
        ),
        (
            r#"{"version": 3, "host": ["http://a/b"], "endpoints": [{"endpoint": "/a", "backend": [{}]}]}"#,
            PlanError::InvalidHost {
                path: "/a".into(),
                host: "http://a/b".into(),
            },
        ),
    ];
    for (text, want) in cases {
        assert_eq!(try_plan_of(text), Err(want), "{text}");
    }
}

// ---------------------------------------------------------------------------
// Pool policies (`gwc/*`, research/lb-failover-health.md §7.3)

use super::pool::{
    self, ActiveCheck, Algorithm, Failover, HostPolicy, HttpImplementation, HttpOptions,
    HttpVersion, PassiveCheck, PoolPolicy, TlsOptions, TlsVersion,
};
use crate::model::lb::AllUnhealthy;

fn pool_of(root: &str, backend: &str) -> Option<PoolPolicy> {
    let p = one(root, r#""endpoint": "/x""#, &format!("[{backend}]"));
    p.endpoints[0].backends[0].lb.clone()
}

const DEFAULT_HTTP: HttpOptions = HttpOptions {
    version: HttpVersion::Http11,
    connect_timeout_ms: 5000,
    idle_timeout_ms: 60_000,
    keep_alive: true,
    max_connections_per_host: 100,
    follow_redirects: true,
    max_response_bytes: 64 << 20,
    implementation: HttpImplementation::Gwc,
    tls: None,
};

fn host(name: &str, weight: u16, backup: bool) -> HostPolicy {
    HostPolicy {
        name: name.to_string(),
        weight,
        backup,
        http: DEFAULT_HTTP,
        active: None,
    }
}

#[test]
fn no_gwc_namespace_no_pool_policy() {
    assert_eq!(
        pool_of(
            "",
            r#"{"url_pattern": "/x", "host": ["http://a", "http://b"]}"#
        ),
        None
    );
}

/// `gwc/failover: {}` alone: every other §7.3 default.
#[test]
fn pool_defaults() {
    let p = pool_of(
        "",
        r#"{"url_pattern": "/x", "host": ["http://a", "http://b"],
            "extra_config": {"gwc/failover": {}}}"#,
    )
    .expect("a policy");
    assert_eq!(
        p,
        PoolPolicy {
            algorithm: Algorithm::RoundRobin,
            hosts: vec![host("http://a", 1, false), host("http://b", 1, false)],
            schedule: vec![],
            backup_schedule: vec![],
            all_unhealthy: AllUnhealthy::FailClosed,
            passive: None,
            failover: Some(Failover {
                max_attempts: 2,
                per_try_timeout_ms: None,
                retry_on: 1 | 2 | 4 | 8,
                retriable_status: vec![],
                retry_non_idempotent: false,
                max_retry_body_bytes: 65_536,
                backoff_base_ms: 0,
                backoff_max_ms: 0,
                budget_percent: 20,
                min_retry_concurrency: 3,
            }),
            debug_headers: false,
        }
    );
}

/// Every field written, per-host overrides, inheritance and the sugar form.
#[test]
fn pool_everything_resolved() {
    let p = pool_of(
        r#""dialer_timeout": "3s", "extra_config": {"gwc/build": {"debug_headers": true}}"#,
        r#"{"url_pattern": "/x",
            "host": ["http://a:8080", "http://b:8080", {"url": "http://c:8080", "backup": true, "name": "spare"}],
            "extra_config": {
              "gwc/loadbalancer": {"algorithm": "weighted_round_robin", "all_unhealthy": "fail_open",
                "hosts": {"http://a:8080": {"weight": 9, "name": "alpha",
                                            "http": {"version": "h2c", "idle_timeout": "5s"}},
                          "http://b:8080": {"weight": 1, "inherit": false,
                                            "healthcheck": {"path": "/ready"}}}},
              "gwc/healthcheck": {
                "active": {"path": "/health", "method": "head", "interval": "500ms", "timeout": "100ms",
                           "jitter": "50ms", "unhealthy_threshold": 2, "healthy_threshold": 3,
                           "expect_status": [204, "2xx"], "expect_body_contains": "ok",
                           "headers": {"Host": "probe"}, "initial_state": "unhealthy",
                           "reuse_connection": true, "from_root": true},
                "passive": {"consecutive_failures": 3, "failure_on": ["gateway-error", "timeout"],
                            "ejection_time": "2s", "max_ejection_time": "10s",
                            "max_ejection_percent": 33.9}},
              "gwc/failover": {"max_attempts": 3, "per_try_timeout": "250ms",
                               "retry_on": ["connect-failure", "retriable-status"],
                               "retriable_status": [429, 503], "retry_non_idempotent": true,
                               "max_retry_body_bytes": 1024, "backoff_base": "10ms",
                               "budget_percent": 50, "min_retry_concurrency": 1},
              "gwc/http-client": {"connect_timeout": "1s", "max_connections_per_host": 8,
                                  "follow_redirects": false, "keep_alive": false,
                                  "implementation": "hyper"}
            }}"#,
    )
    .expect("a policy");
    let active = ActiveCheck {
        method: Method::Head,
        path: "/health".to_string(),
        from_root: true,
        headers: vec![("Host".to_string(), "probe".to_string())],
        body: None,
        interval_ms: 500,
        timeout_ms: 100,
        jitter_ms: 50,
        unhealthy_threshold: 2,
        healthy_threshold: 3,
        expect_status: vec![(204, 204), (200, 299)],
        expect_body_contains: Some("ok".to_string()),
        start_unhealthy: true,
        reuse_connection: true,
    };
    let backend_http = HttpOptions {
        connect_timeout_ms: 1000,
        keep_alive: false,
        max_connections_per_host: 8,
        follow_redirects: false,
        implementation: HttpImplementation::Hyper,
        ..DEFAULT_HTTP
    };
    assert_eq!(
        p.hosts,
        vec![
            HostPolicy {
                name: "alpha".to_string(),
                weight: 9,
                backup: false,
                http: HttpOptions {
                    version: HttpVersion::H2c,
                    idle_timeout_ms: 5000,
                    ..backend_http.clone()
                },
                active: Some(active.clone()),
            },
            HostPolicy {
                name: "http://b:8080".to_string(),
                weight: 1,
                backup: false,
                // `inherit: false`: the root's dialer_timeout, then defaults.
                http: HttpOptions {
                    connect_timeout_ms: 3000,
                    ..DEFAULT_HTTP
                },
                active: Some(ActiveCheck {
                    path: "/ready".to_string(),
                    ..active.clone()
                }),
            },
            HostPolicy {
                name: "spare".to_string(),
                weight: 1,
                backup: true,
                http: backend_http,
                active: Some(active),
            },
        ]
    );
    assert_eq!(p.algorithm, Algorithm::WeightedRoundRobin);
    assert_eq!(p.schedule, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    assert_eq!(p.backup_schedule, [2]);
    assert_eq!(p.all_unhealthy, AllUnhealthy::FailOpen);
    assert_eq!(
        p.passive,
        Some(PassiveCheck {
            consecutive_failures: 3,
            failure_on: 16 | 4,
            ejection_time_ms: 2000,
            max_ejection_time_ms: 10_000,
            max_ejection_percent: 33,
        })
    );
    assert_eq!(
        p.failover,
        Some(Failover {
            max_attempts: 3,
            per_try_timeout_ms: Some(250),
            retry_on: 1 | 32,
            retriable_status: vec![429, 503],
            retry_non_idempotent: true,
            max_retry_body_bytes: 1024,
            backoff_base_ms: 10,
            backoff_max_ms: 100,
            budget_percent: 50,
            min_retry_concurrency: 1,
        })
    );
    assert!(p.debug_headers);
}

/// A host with `healthcheck.enabled: false` is never probed.
#[test]
fn probe_disabled_per_host() {
    let p = pool_of(
        "",
        r#"{"url_pattern": "/x", "host": ["http://a", "http://b"],
            "extra_config": {
              "gwc/healthcheck": {"active": {"path": "/h"}},
              "gwc/loadbalancer": {"hosts": {"http://b": {"healthcheck": {"enabled": false}}}}}}"#,
    )
    .expect("a policy");
    assert!(p.hosts[0].active.is_some());
    assert_eq!(p.hosts[1].active, None);
    // Defaults of an active check.
    let a = p.hosts[0].active.as_ref().expect("probed");
    assert_eq!(
        (
            a.method,
            a.interval_ms,
            a.timeout_ms,
            a.unhealthy_threshold,
            a.healthy_threshold
        ),
        (Method::Get, 10_000, 2000, 3, 2)
    );
    assert_eq!(a.expect_status, [(200, 200)]);
}

/// The compiled schedules are the runtime's own smooth WRR (LBF-02).
#[test]
fn compiled_schedules_match_the_runtime() {
    let cases: &[&[(u16, bool)]] = &[
        &[(9, false), (1, false)],
        &[(5, false), (3, false), (2, false)],
        &[(5, false), (1, false), (1, false)],
        &[(3, false), (2, true), (7, false), (1, true), (4, true)],
        &[(1000, false), (999, false), (1, true)],
        &[(6, false), (4, false), (2, false), (8, false)],
    ];
    for hosts in cases {
        let urls: Vec<String> = (0..hosts.len()).map(|i| format!("http://h{i}")).collect();
        let attrs: Vec<String> = urls
            .iter()
            .zip(hosts.iter())
            .map(|(u, (w, b))| format!(r#""{u}": {{"weight": {w}, "backup": {b}}}"#))
            .collect();
        let p = pool_of(
            "",
            &format!(
                r#"{{"url_pattern": "/x", "host": {urls:?},
                    "extra_config": {{"gwc/loadbalancer": {{"algorithm": "weighted_round_robin",
                                                            "hosts": {{ {} }}}}}}}}"#,
                attrs.join(", ")
            ),
        )
        .expect("a policy");
        let tier = |backup: bool| -> Vec<(u16, u16)> {
            hosts
                .iter()
                .enumerate()
                .filter(|(_, (_, b))| *b == backup)
                .map(|(i, (w, _))| (i as u16, *w))
                .collect()
        };
        let runtime = |backup: bool| {
            let t = tier(backup);
            if t.is_empty() {
                Vec::new()
            } else {
                gw_runtime::lb::select::smooth_wrr(&t)
            }
        };
        assert_eq!(p.schedule, runtime(false), "{hosts:?}");
        assert_eq!(p.backup_schedule, runtime(true), "{hosts:?}");
    }
}

#[test]
fn client_tls() {
    let p = plan_of(
        r#"{"version": 3, "endpoints": [],
            "client_tls": {"allow_insecure_connections": true, "ca_certs": ["/ca.pem"],
                           "client_certs": [{"certificate": "/c.pem", "private_key": "/k.pem"}],
                           "min_version": "TLS12", "disable_system_ca_pool": true}}"#,
    );
    assert_eq!(
        p.client.tls,
        Some(TlsOptions {
            allow_insecure_connections: true,
            ca_certs: s(&["/ca.pem"]),
            client_certs: vec![("/c.pem".to_string(), "/k.pem".to_string())],
            min_version: TlsVersion::Tls12,
            max_version: TlsVersion::Tls13,
            disable_system_ca_pool: true,
        })
    );
    assert_eq!(
        plan_of(r#"{"version": 3, "endpoints": []}"#).client.tls,
        None
    );
    let versions = [
        ("TLS13", TlsVersion::Tls13),
        ("TLS12", TlsVersion::Tls12),
        ("TLS11", TlsVersion::Tls12),
        ("TLS10", TlsVersion::Tls12),
        ("SSL3.0", TlsVersion::Tls12),
        ("nope", pool::DEFAULT_TLS_VERSION),
    ];
    for (text, want) in versions {
        assert_eq!(
            TlsVersion::parse(text).unwrap_or(pool::DEFAULT_TLS_VERSION),
            want,
            "{text}"
        );
    }
}

/// `telemetry/logging` as krakend-gologging builds its logger: the short
/// and the legacy name, CE's basic logger without it or with a level
/// go-logging refuses, the prefix dropped by logstash, one syslog priority.
#[test]
fn logging_plans() {
    use telemetry::logging::{Format as F, Level as L};
    let logging = |extra: &str| {
        one(
            &format!(r#""extra_config": {{{extra}}}"#),
            r#""endpoint": "/a""#,
            r#"[{"url_pattern": "/a"}]"#,
        )
        .logging
    };
    // (extra_config members, level, stdout, syslog priority, prefix, format)
    type Row<'a> = (&'a str, L, bool, Option<u8>, &'a str, F);
    let table: &[Row<'_>] = &[
        ("", L::Debug, true, None, "", F::Basic),
        (
            r#""telemetry/logging": {"level": "FATAL", "stdout": false}"#,
            L::Debug,
            true,
            None,
            "",
            F::Basic,
        ),
        (
            r#""telemetry/logging": {"level": "info", "stdout": true, "prefix": "[GW]"}"#,
            L::Info,
            true,
            None,
            "[GW]",
            F::Default,
        ),
        (
            r#""github_com/devopsfaith/krakend-gologging": {"level": "ERROR", "syslog": true, "prefix": "[GW]", "format": "logstash"}"#,
            L::Error,
            false,
            Some(19 * 8 + 3),
            "",
            F::Logstash,
        ),
        (
            r#""telemetry/logging": {"level": "DEBUG", "syslog": true, "syslog_facility": "local7", "format": "Logstash"}"#,
            L::Debug,
            false,
            Some(23 * 8 + 7),
            "",
            F::Default,
        ),
    ];
    for (extra, level, stdout, syslog, prefix, format) in table {
        let l = logging(extra);
        assert_eq!(
            (l.level, l.stdout, l.syslog, l.prefix.as_str(), &l.format),
            (*level, *stdout, *syslog, *prefix, format),
            "{extra}"
        );
    }
}

/// `telemetry/logstash` and `telemetry/gelf` as krakend-ce's LoggerBuilder
/// combines them with gologging (krakend-components §2.2): logstash's
/// module is the prefix (or `KRAKEND`) and the prefix leaves the logger;
/// GELF needs an object with a non-empty string `address`, and with it
/// stdout's pattern is the default one (the bare message under logstash);
/// without a usable `telemetry/logging` both leave lura's basic logger.
#[test]
fn logstash_and_gelf_plans() {
    use telemetry::logging::{Format as F, Verb};
    let plan = |extra: &str| {
        one(
            &format!(r#""extra_config": {{{extra}}}"#),
            r#""endpoint": "/a""#,
            r#"[{"url_pattern": "/a"}]"#,
        )
    };
    const LOG: &str = r#""telemetry/logging": {"level": "INFO", "stdout": true, "prefix": "[GW]""#;
    // (extra_config members, prefix, format, logstash module, gelf)
    type Row<'a> = (String, &'a str, F, Option<&'a str>, Option<(&'a str, bool)>);
    let table: Vec<Row<'_>> = vec![
        (
            format!(r#"{LOG}}}, "telemetry/logstash": {{"enabled": false}}"#),
            "",
            F::Default,
            Some("[GW]"),
            None,
        ),
        (
            r#""telemetry/logging": {"level": "INFO", "prefix": 7}, "github_com/devopsfaith/krakend-logstash": null"#.into(),
            "",
            F::Default,
            Some("KRAKEND"),
            None,
        ),
        (
            format!(r#"{LOG}, "format": "logstash"}}, "telemetry/logstash": true"#),
            "",
            F::Logstash,
            Some("[GW]"),
            None,
        ),
        (
            r#""telemetry/logstash": {}"#.into(),
            "",
            F::Basic,
            None,
            None,
        ),
        (
            format!(r#"{LOG}}}, "telemetry/gelf": {{"address": "g:12201"}}"#),
            "[GW]",
            F::Default,
            None,
            Some(("g:12201", false)),
        ),
        (
            format!(
                r#"{LOG}, "format": "custom", "custom_format": "%{{level}}"}}, "github_com/devopsfaith/krakend-gelf": {{"address": "g:1", "enable_tcp": true}}"#
            ),
            "",
            F::Default,
            None,
            Some(("g:1", true)),
        ),
        (
            format!(
                r#"{LOG}}}, "telemetry/logstash": {{}}, "telemetry/gelf": {{"address": "g:1"}}"#
            ),
            "",
            F::Custom(vec![Verb::Message]),
            Some("[GW]"),
            Some(("g:1", false)),
        ),
        (
            r#""telemetry/gelf": {"address": "g:1"}"#.into(),
            "",
            F::Basic,
            None,
            Some(("g:1", false)),
        ),
        (
            r#""telemetry/gelf": {"address": ""}"#.into(),
            "",
            F::Basic,
            None,
            None,
        ),
    ];
    for (extra, prefix, format, module, gelf) in table {
        let p = plan(&extra);
        assert_eq!(
            (
                p.logging.prefix.as_str(),
                &p.logging.format,
                p.logging.logstash.as_deref(),
                p.gelf.as_ref().map(|g| (g.address.as_str(), g.tcp)),
            ),
            (prefix, &format, module, gelf),
            "{extra}"
        );
        assert_eq!(
            p.runtime_features().contains(&"gelf"),
            gelf.is_some(),
            "{extra}"
        );
    }
}

/// `telemetry/metrics` as krakend-metrics' `ConfigGetter` reads it: the
/// short and legacy names, CE's defaults, values of another type ignored.
#[test]
fn stats_plans() {
    use telemetry::metrics::Stats;
    let stats = |extra: &str| {
        one(
            &format!(r#""extra_config": {{ {extra} }}"#),
            r#""endpoint": "/a""#,
            r#"[{"url_pattern": "/"}]"#,
        )
        .stats
    };
    let default = Stats {
        listen: "0.0.0.0:8090".into(),
        collection_ms: 60_000,
        router_disabled: false,
        proxy_disabled: false,
        backend_disabled: false,
        endpoint_disabled: false,
    };
    let table: Vec<(&str, Option<Stats>)> = vec![
        ("", None),
        (r#""telemetry/metrics": {}"#, Some(default.clone())),
        (
            r#""github_com/devopsfaith/krakend-metrics": {}"#,
            Some(default.clone()),
        ),
        (
            r#""telemetry/metrics": {"listen_address": "127.0.0.1:9000", "collection_time": "2s",
                "router_disabled": true, "backend_disabled": "true", "endpoint_disabled": true}"#,
            Some(Stats {
                listen: "127.0.0.1:9000".into(),
                collection_ms: 2000,
                router_disabled: true,
                endpoint_disabled: true,
                ..default.clone()
            }),
        ),
        (
            r#""telemetry/metrics": {"listen_address": 9000, "collection_time": "2"}"#,
            Some(default.clone()),
        ),
    ];
    for (extra, want) in table {
        assert_eq!(stats(extra), want, "{extra}");
    }
}
