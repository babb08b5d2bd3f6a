//! The README's "Where the gateway differs from KrakenD at run time", one
//! test an item, for the items no other test pins. Each test would fail
//! against a gateway that behaved as KrakenD CE does on that point; the
//! comment above it says what KrakenD does instead.
//!
//! The other items are pinned where their code is tested:
//! - SIGHUP and SIGUSR2 replace the binary, SIGUSR1 is logged and ignored:
//!   upgrade.rs and binary.rs `reload_and_user_signals_leave_the_gateway_serving`;
//! - a stopping listener answers with `Connection: close` for a 500 ms grace
//!   before it closes idle connections: upgrade.rs
//!   `three_swaps_under_load_lose_no_request`;
//! - exact round robin from the first host: `upstream::tests::
//!   plain_round_robin_is_exact_from_zero`, proxy.rs
//!   `round_robin_over_hosts_is_exact`, lbf.rs `lbf01_round_robin_is_exact`;
//! - a path variable stays in its segment (`%2F`; `?`, `#`, `%` with
//!   `disable_path_decoding`): proxy.rs
//!   `path_variables_cannot_escape_their_segment`, router_options.rs
//!   `encoded_parameters_are_refused_unless_decoding_is_disabled`;
//! - `/__echo/` refuses a body over 1 MiB: router_options.rs
//!   `debug_and_echo_answer_as_lura_does`;
//! - a body keeps its `Content-Length`: proxy.rs
//!   `empty_request_bodies_are_framed_as_gos_client_does` (the `abc` rows);
//! - the version headers name gwc: the compiler's `plan::tests::
//!   root_defaults` and build_e2e.rs (the runtime only sends the strings
//!   it is given).
//! - at most 100 000 clients a limit, least recently seen evicted:
//!   `traffic::ratelimit::tests::live_keys_stay_under_the_cap` (the cap) and
//!   the compiler's `plan::traffic::ratelimit_router` tests (its value);
//! - a fill interval of at least 1 ns: the compiler's
//!   `plan::traffic::ratelimit_router::tests::ce_arithmetic_table`.
//! - `auth/validator` keeps its key set without `cache`, one fetch per
//!   interval: jwks.rs `concurrent_lookups_share_one_fetch` and
//!   `a_flood_of_unknown_kids_fetches_at_most_once_per_interval`;
//! - a failed key set fetch keeps the keys: jwks.rs
//!   `a_jwks_server_down_at_start_recovers`;
//! - unusable JWKs are skipped: `security::jwks::tests::key_set_documents`;
//! - RSA keys under 2048 bits, PSS salts of another length than the hash:
//!   `security::jwt::token_tests::rsa_keys_under_2048_bits_never_verify`
//!   and `pss_salts_must_be_as_long_as_the_hash`;
//! - the JWS JSON serialisation is refused: `security::jwt::token_tests::
//!   signed_tokens_table`;
//! - non-string roles never match: `security::jwt::tests::roles_table`;
//! - claims are encoded in backend URLs: the compiler's build_e2e.rs
//!   `jwt_validator_as_krakend_does`;
//! - a claim no header can hold sets no header: `security::jwt::
//!   token_tests::claims_propagate_into_headers`;
//! - `validation/json-schema` errors in gojsonschema's words for the
//!   common keywords: `validation::json_schema::tests::ce_messages`;
//! - `modifier/martian`: a replaced body is framed by its own length, a
//!   `Range` end past the body is its last byte, and a `Range` start past
//!   it is a 416: `modifier::martian::tests::response_body_and_ranges`;
//!   more than 64 ranges are a 416: `modifier::martian::go::tests::ranges`;
//!   a `Content-Length` a modifier sets does not frame the request:
//!   `modifier::martian::tests::framing_headers_are_never_sent_as_set`;
//!   `static.Modifier`'s size cap and Go's built-in MIME table:
//!   `modifier::martian::tests::static_files` and `go::tests::mime_types`.
//! - `proxy.static` numbers quoted in YAML output:
//!   `encoding::tests::yaml_quotes_static_numbers_like_backend_numbers`;
//! - `qos/http-cache` is bounded by a default when the config sets no
//!   bounds: the compiler's `plan::traffic::http_cache::tests` (the
//!   values) and `traffic::http_cache::tests::the_store_is_bounded_by_items_and_bytes`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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

/// A `GET` endpoint at `/{name}` with one backend calling `/{name}` on
/// `host`, changed by `f`.
fn simple(host: &'static str, name: &str, f: impl FnOnce(&mut Endpoint, &mut Backend)) -> Endpoint {
    let path = leak_str(format!("/{name}"));
    let mut b = backend(host, leak_slice(vec![UrlPiece::Literal(path)]));
    let mut ep = endpoint(
        Method::Get,
        path,
        leak_slice(vec![Segment::Static(&path[1..])]),
        &[],
        vec![],
    );
    f(&mut ep, &mut b);
    ep.backends = leak_slice(vec![b]);
    ep
}

/// KrakenD rebuilds the forwarded query with Go's `url.Values.Encode()`
/// (lura proxy/balancing.go): keys sorted, every value decoded and encoded
/// again, so `?b=2&a=%7e1&a=3&c=x%20y` arrives as `?a=~1&a=3&b=2&c=x+y`.
/// gwc forwards the allowed pairs as the client wrote them, in its order.
#[tokio::test]
async fn query_parameters_keep_the_clients_order_and_encoding() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let everything = simple(h, "all", |ep, _| ep.input_query_strings = Forward::All);
    let listed = simple(h, "listed", |ep, b| {
        ep.input_query_strings = Forward::Only(&["a", "b", "c"]);
        b.url = &[UrlPiece::Literal("/listed?fixed=1")];
        b.url_has_query = true;
    });
    let gw = start(gateway(vec![everything, listed])).await;
    get(gw.addr, "/all?b=2&a=%7e1&a=3&c=x%20y").await;
    get(gw.addr, "/listed?b=2&z=0&a=%7e1&a=3&c=x%20y").await;
    let uris: Vec<String> = log.lock().unwrap().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(
        uris,
        [
            "/all?b=2&a=%7e1&a=3&c=x%20y",
            "/listed?fixed=1&b=2&a=%7e1&a=3&c=x%20y",
        ]
    );
}

/// KrakenD's Go client adds `Accept-Encoding: gzip` to every backend call,
/// no-op ones included (CE's own `no-op_1` spec expects it in the echo),
/// and then unzips the body and drops `Content-Encoding`. gwc asks a no-op
/// backend for no encoding, so what it sends is what the client gets; a
/// decoding endpoint (here `/json`) still asks for gzip.
///
/// Every value of a repeated backend header reaches the client. Note that
/// this half is not a difference: lura's `noopRender` `Add`s every value
/// since 2019 (luraproject/lura 184539d); only the JWT signer copies the
/// first one.
#[tokio::test]
async fn noop_does_not_ask_for_gzip_and_copies_every_header_value() {
    let (h, log) = upstream(|_| {
        Reply::json(r#"{"ok":true}"#)
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2")
            .header("x-multi", "one")
            .header("x-multi", "two")
    })
    .await;
    let noop = simple(h, "noop", |ep, b| {
        ep.output = OutputEncoding::NoOp;
        b.encoding = Encoding::NoOp;
    });
    let json = simple(h, "json", |_, _| {});
    let gw = start(gateway(vec![noop, json])).await;

    let r = get(gw.addr, "/noop").await;
    assert_eq!((r.status, r.text()), (200, r#"{"ok":true}"#));
    assert_eq!(all(&r.headers, "set-cookie"), ["a=1", "b=2"]);
    assert_eq!(all(&r.headers, "x-multi"), ["one", "two"]);
    get(gw.addr, "/json").await;

    let seen = log.lock().unwrap().clone();
    assert_eq!(seen[0].uri, "/noop");
    assert_eq!(all(&seen[0].headers, "accept-encoding"), Vec::<&str>::new());
    assert_eq!(seen[1].uri, "/json");
    assert_eq!(all(&seen[1].headers, "accept-encoding"), ["gzip"]);
}

/// KrakenD merges the backends' answers in the order they arrive, so on a
/// shared key the slowest backend wins: here the first, slow backend's
/// `"first"`. gwc merges in declaration order, the later backend winning,
/// however long each took.
#[tokio::test]
async fn merges_follow_declaration_order_and_a_later_backend_wins() {
    let (slow, _) =
        upstream(|_| Reply::json(r#"{"shared":"first","a":1}"#).delay(Duration::from_millis(300)))
            .await;
    let (fast, _) = upstream(|_| Reply::json(r#"{"shared":"second","b":2}"#)).await;
    let ep = endpoint(
        Method::Get,
        "/merged",
        &[Segment::Static("merged")],
        &[],
        vec![
            backend(slow, &[UrlPiece::Literal("/")]),
            backend(fast, &[UrlPiece::Literal("/")]),
        ],
    );
    let gw = start(gateway(vec![ep])).await;
    for _ in 0..3 {
        let r = get(gw.addr, "/merged").await;
        assert_eq!(r.header("x-krakend-completed"), Some("true"));
        assert_eq!(r.text(), r#"{"shared":"second","a":1,"b":2}"#);
    }
}

/// KrakenD decodes a backend's body and `proxy.static` into Go maps, and
/// its JSON, YAML and XML renderers write a map's keys sorted (`alpha`,
/// `charlie`, `sierra`, `zulu` here). gwc keeps the order the backend sent
/// (a JSON or an XML backend), then the static data in the config's order.
#[tokio::test]
async fn outputs_keep_the_backends_key_order_and_static_data_in_config_order() {
    let (h, _) = upstream(|s| match s.uri.as_str() {
        "/from-xml" => Reply::json("<doc><zulu>one</zulu><alpha>two</alpha></doc>"),
        _ => Reply::json(r#"{"zulu":"one","alpha":{"yankee":"two","bravo":"three"}}"#),
    })
    .await;
    static DATA: Value = Value::Object(&[
        ("sierra", Value::String("s")),
        (
            "charlie",
            Value::Object(&[("tango", Value::String("t")), ("delta", Value::String("d"))]),
        ),
    ]);
    let with_static = |name: &str, output: OutputEncoding| {
        simple(h, name, |ep, _| {
            ep.output = output;
            ep.static_data = Some(StaticData {
                strategy: StaticStrategy::Always,
                data: &DATA,
            });
        })
    };
    let eps = vec![
        with_static("json", OutputEncoding::Json),
        with_static("yaml", OutputEncoding::Yaml),
        with_static("xml", OutputEncoding::Xml),
        simple(h, "from-xml", |_, b| b.encoding = Encoding::Xml),
    ];
    let gw = start(gateway(eps)).await;
    let want = [
        (
            "/json",
            r#"{"zulu":"one","alpha":{"yankee":"two","bravo":"three"},"sierra":"s","charlie":{"tango":"t","delta":"d"}}"#,
        ),
        (
            "/yaml",
            "zulu: one\nalpha:\n  yankee: two\n  bravo: three\nsierra: s\ncharlie:\n  tango: t\n  delta: d\n",
        ),
        (
            "/xml",
            "<doc><zulu>one</zulu><alpha><yankee>two</yankee><bravo>three</bravo></alpha>\
             <sierra>s</sierra><charlie><tango>t</tango><delta>d</delta></charlie></doc>",
        ),
        ("/from-xml", r#"{"doc":{"zulu":"one","alpha":"two"}}"#),
    ];
    // Every output at once, so a failure shows which encodings sort.
    let mut got = Vec::new();
    for (path, _) in want {
        let r = get(gw.addr, path).await;
        assert_eq!(r.status, 200, "{path}");
        got.push((path, r.text().to_owned()));
    }
    assert_eq!(got, want.map(|(path, body)| (path, body.to_owned())));
}

/// KrakenD fills `{{.RespN_x}}` only for the fields the earlier backend
/// returned and leaves any other placeholder as literal text, so the
/// backend is called at `/items/42/{{.Resp0_missing}}/...`. gwc puts an
/// empty value in its place, in the path and in the query alike.
#[tokio::test]
async fn a_missing_resp_n_field_becomes_empty() {
    let (h, log) = upstream(|s| match s.uri.as_str() {
        "/first" => Reply::json(r#"{"id":42,"user":{}}"#),
        _ => Reply::json("{}"),
    })
    .await;
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
                path: &["missing"],
            },
            UrlPiece::Literal("/"),
            UrlPiece::Response {
                backend: 0,
                path: &["user", "name"],
            },
            UrlPiece::Literal("/end?q="),
            UrlPiece::Response {
                backend: 0,
                path: &["gone"],
            },
            UrlPiece::Literal("&id="),
            UrlPiece::Response {
                backend: 0,
                path: &["id"],
            },
        ],
    );
    second.url_has_query = true;
    let mut ep = endpoint(
        Method::Get,
        "/seq",
        &[Segment::Static("seq")],
        &[],
        vec![backend(h, &[UrlPiece::Literal("/first")]), second],
    );
    ep.sequential = true;
    let gw = start(gateway(vec![ep])).await;
    assert_eq!(get(gw.addr, "/seq").await.status, 200);
    let uris: Vec<String> = log.lock().unwrap().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(uris, ["/first", "/items/42///end?q=&id=42"]);
}

/// `validation/json-schema`: KrakenD CE reads the whole body, however
/// large, before validating it. gwc reads at most 8 MiB: a larger body is
/// a 400 without being parsed, and reaches no backend.
#[tokio::test]
async fn a_validated_body_over_8_mib_is_a_400() {
    use gw_runtime::validation::json_schema::MAX_BODY_BYTES;
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let ep = simple(h, "big", |ep, _| {
        ep.method = Method::Post;
        ep.json_schema = Some(leak(JsonSchema {
            schema: r#"{"type":"string"}"#,
        }));
    });
    let mut gw = gateway(vec![ep]);
    gw.router.return_error_msg = true;
    let gw = start(gw).await;
    let fits = format!("\"{}\"", "a".repeat(MAX_BODY_BYTES - 2));
    let r = send(gw.addr, "POST", "/big", &[], &fits).await;
    assert_eq!(r.status, 200);
    let over = format!("\"{}\"", "a".repeat(MAX_BODY_BYTES));
    let r = send(gw.addr, "POST", "/big", &[], &over).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        format!("the body is larger than {MAX_BODY_BYTES} bytes: not validated")
    );
    assert_eq!(r.header("x-krakend-completed"), Some("false"));
    assert_eq!(log.lock().unwrap().len(), 1);
}

/// `validation/json-schema` on a body that is not JSON: KrakenD CE's 400
/// says what Go's `encoding/json` says (`invalid character 'a' looking
/// for beginning of value`); gwc's says what serde_json says.
#[tokio::test]
async fn a_body_that_is_not_json_gets_serde_jsons_message() {
    let (h, log) = upstream(|_| Reply::json("{}")).await;
    let ep = simple(h, "form", |ep, _| {
        ep.method = Method::Post;
        ep.json_schema = Some(leak(JsonSchema {
            schema: r#"{"type":"object"}"#,
        }));
    });
    let mut gw = gateway(vec![ep]);
    gw.router.return_error_msg = true;
    let gw = start(gw).await;
    let r = send(gw.addr, "POST", "/form", &[], "a=1").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), "expected value at line 1 column 1");
    assert!(log.lock().unwrap().is_empty());
}

/// KrakenD CE's circuit breaker wraps the whole backend proxy, martian's
/// response modifiers included: a `status.Modifier` that turns the
/// backend's 500 into a 200 is a success for it, and the circuit never
/// opens. gwc's breaker judges the pool's answer before martian's response
/// side runs: the 500s open it (after `max_errors + 1` of them) although
/// the client got 200s.
#[tokio::test]
async fn the_circuit_breaker_judges_the_status_before_martian() {
    let (h, _) = upstream(|_| Reply::json(r#"{"down":true}"#).status(500)).await;
    let ep = simple(h, "fixed", |_, b| {
        b.martian = Some(leak(Martian {
            request: None,
            response: Some(&Modifier::Status(200)),
            regexes: &[],
        }));
        b.circuit_breaker = Some(CircuitBreaker {
            interval_s: 60,
            timeout_s: 60,
            max_errors: 1,
            log_status_change: false,
        });
    });
    let gw = start(gateway(vec![ep])).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get(gw.addr, "/fixed").await.status);
    }
    assert_eq!(statuses, [200, 200, 500]);
}

/// KrakenD CE runs martian's request side after its balancer picked the
/// host, so a `static.Modifier` under a `url.Filter` on one host skips the
/// round trip only for the requests balanced to it. gwc decides the skip
/// before the pool picks, on the request built for the backend's first
/// host: the second host's requests are sent.
#[tokio::test]
async fn martian_skips_the_round_trip_on_the_first_hosts_request() {
    let (a, a_log) = upstream(|_| Reply::json(r#"{"host":"a"}"#)).await;
    let (b, b_log) = upstream(|_| Reply::json(r#"{"host":"b"}"#)).await;
    let b_authority = leak_str(b.trim_start_matches("http://").to_owned());
    let ep = simple(a, "static", |ep, bk| {
        ep.output = OutputEncoding::NoOp;
        bk.hosts = leak_slice(vec![a, b]);
        bk.martian = Some(leak(Martian {
            request: Some(leak(Modifier::Filter {
                when: Condition::Url {
                    scheme: None,
                    host: Some(b_authority),
                    path: None,
                    query: None,
                },
                then: Some(&Modifier::Static {
                    root: "/nonexistent",
                    explicit: &[],
                }),
                otherwise: None,
            })),
            response: None,
            regexes: &[],
        }));
    });
    let gw = start(gateway(vec![ep])).await;
    // Round robin from the first host: a, then b.
    assert_eq!(get(gw.addr, "/static").await.text(), r#"{"host":"a"}"#);
    assert_eq!(get(gw.addr, "/static").await.text(), r#"{"host":"b"}"#);
    assert_eq!(a_log.lock().unwrap().len(), 1);
    assert_eq!(b_log.lock().unwrap().len(), 1, "CE would skip b's request");
}

/// A `qos/http-cache` backend calling `/{name}` with the given bounds.
fn cached_backend(
    host: &'static str,
    name: &str,
    max_size: u64,
    f: impl FnOnce(&mut Endpoint, &mut Backend),
) -> Endpoint {
    simple(host, name, |ep, b| {
        b.http_cache = Some(HttpCache {
            shared: false,
            bounded: true,
            max_size,
            max_items: 100,
        });
        f(ep, b);
    })
}

/// An upstream that answers every request with `body` in chunks of 100
/// bytes (no `Content-Length`), `Cache-Control: max-age=60`; returns its
/// host and a request counter.
async fn chunked_upstream(body: Vec<u8>) -> (&'static str, Arc<AtomicUsize>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (body, c) = (body.clone(), c.clone());
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                loop {
                    // The request head (these requests have no body).
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    c.fetch_add(1, Ordering::SeqCst);
                    let mut out = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: max-age=60\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                    for chunk in body.chunks(100) {
                        out.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
                        out.extend(chunk);
                        out.extend(b"\r\n");
                    }
                    out.extend(b"0\r\n\r\n");
                    if w.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (leak_str(format!("http://{addr}")), count)
}

/// KrakenD CE's cache is an unbounded map unless both `max_size` and
/// `max_items` are set, and its LRU stores an answer of any size. gwc's
/// store is always bounded (the compiler writes its defaults), and an
/// answer over the entry limit (here 90 % of a 1000-byte store) is served
/// whole, streamed, and not stored: each request reaches the backend. A
/// small answer is still a hit.
#[tokio::test]
async fn answers_over_the_entry_limit_are_served_and_not_stored() {
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(2000));
    let (chunked, count) = chunked_upstream(big.clone().into_bytes()).await;
    let (small, small_log) =
        upstream(|_| Reply::json(r#"{"small":true}"#).header("cache-control", "max-age=60")).await;
    let decoded = cached_backend(chunked, "big", 1000, |_, _| {});
    let raw = cached_backend(chunked, "raw", 1000, |ep, b| {
        ep.output = OutputEncoding::NoOp;
        b.encoding = Encoding::NoOp;
    });
    let tiny = cached_backend(small, "small", 1000, |_, _| {});
    let gw = start(gateway(vec![decoded, raw, tiny])).await;
    for _ in 0..2 {
        let r = get(gw.addr, "/big").await;
        assert_eq!((r.status, r.text()), (200, big.as_str()));
        let r = get(gw.addr, "/raw").await;
        assert_eq!((r.status, r.text()), (200, big.as_str()));
        assert_eq!(get(gw.addr, "/small").await.status, 200);
    }
    assert_eq!(count.load(Ordering::SeqCst), 4, "CE would store both");
    assert_eq!(small_log.lock().unwrap().len(), 1);
}

/// CE's balancer picks the host before the cache, so each host's answers
/// are cached under that host's URL. gwc's pool picks the host inside the
/// cache, which keys every request by the first host's URL: the second
/// request is a hit instead of going to the second host.
#[tokio::test]
async fn a_multi_host_backend_caches_under_its_first_hosts_url() {
    let (a, a_log) =
        upstream(|_| Reply::json(r#"{"host":"a"}"#).header("cache-control", "max-age=60")).await;
    let (b, b_log) =
        upstream(|_| Reply::json(r#"{"host":"b"}"#).header("cache-control", "max-age=60")).await;
    let ep = cached_backend(a, "hosts", 1 << 20, |_, bk| {
        bk.hosts = leak_slice(vec![a, b])
    });
    let gw = start(gateway(vec![ep])).await;
    for _ in 0..2 {
        assert_eq!(get(gw.addr, "/hosts").await.text(), r#"{"host":"a"}"#);
    }
    assert_eq!(a_log.lock().unwrap().len(), 1);
    assert_eq!(b_log.lock().unwrap().len(), 0, "CE would call b once");
}

/// CE's circuit breaker wraps the request executor the cache sits in, so
/// an open circuit fails a request the cache could answer. gwc's breaker
/// is inside the pool, under the cache: a fresh entry is served while the
/// circuit is open.
#[tokio::test]
async fn a_fresh_entry_is_served_while_the_circuit_is_open() {
    let (h, log) = upstream(|seen| {
        if seen.uri.contains("bad") {
            Reply::json(r#"{"down":true}"#).status(500)
        } else {
            Reply::json(r#"{"up":true}"#).header("cache-control", "max-age=60")
        }
    })
    .await;
    let ep = cached_backend(h, "cb", 1 << 20, |ep, b| {
        ep.input_query_strings = Forward::Only(&["q"]);
        b.circuit_breaker = Some(CircuitBreaker {
            interval_s: 60,
            timeout_s: 60,
            max_errors: 1,
            log_status_change: false,
        });
    });
    let gw = start(gateway(vec![ep])).await;
    assert_eq!(get(gw.addr, "/cb?q=ok").await.status, 200);
    for _ in 0..3 {
        get(gw.addr, "/cb?q=bad").await;
    }
    let sent = log.lock().unwrap().len();
    // Open: the backend is not called for an uncached URL...
    assert_eq!(get(gw.addr, "/cb?q=bad").await.status, 500);
    assert_eq!(log.lock().unwrap().len(), sent);
    // ...and the cached one is served (CE: 500, circuit open).
    let r = get(gw.addr, "/cb?q=ok").await;
    assert_eq!((r.status, r.text()), (200, r#"{"up":true}"#));
}

/// CE's cache is the transport of Go's client, so each redirect hop is a
/// round trip of its own: the final answer is cached under the URL it came
/// from, and the first hop (a 302 without caching headers) is asked again
/// on every request. gwc's cache wraps the pool, which follows redirects:
/// the final answer is stored under the URL first asked, and a second
/// request calls nothing.
#[tokio::test]
async fn a_redirected_answer_is_cached_under_the_url_first_asked() {
    let (h, log) = upstream(|seen| {
        if seen.uri == "/moved" {
            Reply::json("").status(302).header("location", "/final")
        } else {
            Reply::json(r#"{"final":true}"#).header("cache-control", "max-age=60")
        }
    })
    .await;
    let gw = start(gateway(vec![cached_backend(
        h,
        "moved",
        1 << 20,
        |_, _| {},
    )]))
    .await;
    for _ in 0..2 {
        let r = get(gw.addr, "/moved").await;
        assert_eq!((r.status, r.text()), (200, r#"{"final":true}"#));
    }
    let uris: Vec<String> = log.lock().unwrap().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(uris, ["/moved", "/final"], "CE would ask /moved again");
}

/// CE stores a GET answer when its body is read to the end; a martian
/// response `body.Modifier` replaces the body unread, so CE never stores
/// it and every request reaches the backend. gwc's cache reads the answer
/// before martian's response side: it is stored, and the next request is
/// a hit (which martian then modifies the same way).
#[tokio::test]
async fn an_answer_whose_body_martian_replaces_is_still_stored() {
    let (h, log) =
        upstream(|_| Reply::json(r#"{"from":"backend"}"#).header("cache-control", "max-age=60"))
            .await;
    let ep = cached_backend(h, "replaced", 1 << 20, |_, b| {
        b.martian = Some(leak(Martian {
            request: None,
            response: Some(&Modifier::Body {
                content_type: "application/json",
                body: br#"{"from":"martian"}"#,
            }),
            regexes: &[],
        }));
    });
    let gw = start(gateway(vec![ep])).await;
    for _ in 0..2 {
        assert_eq!(
            get(gw.addr, "/replaced").await.text(),
            r#"{"from":"martian"}"#
        );
    }
    assert_eq!(
        log.lock().unwrap().len(),
        1,
        "CE would call the backend twice"
    );
}
