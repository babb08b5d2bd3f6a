//! `qos/ratelimit/proxy` in a running gateway (krakend-components §12):
//! where the bucket sits in CE's backend stack (inside the circuit
//! breaker, before martian), what shares it (the backend entry's
//! `concurrent_calls`) and what does not (another backend entry on the
//! same host). The buckets refill once an hour here, so nothing refills
//! during a test.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::*;
use gw_runtime::spec::*;

/// One token an hour, `capacity` of them.
fn hourly(capacity: u64) -> Option<TokenBucket> {
    Some(TokenBucket {
        fill_interval_ns: 3_600_000_000_000,
        capacity,
    })
}

fn get_endpoint(path: &'static str, backends: Vec<Backend>) -> Endpoint {
    let segment = leak_slice(vec![Segment::Static(path.trim_start_matches('/'))]);
    endpoint(Method::Get, path, segment, &[], backends)
}

fn with_error_messages(mut gw: Gateway) -> Gateway {
    gw.router.return_error_msg = true;
    gw
}

/// CE wraps the limiter inside `qos/circuit-breaker` (`backend_factory.go`):
/// a refused call is a breaker failure, and with `max_errors: 0` the first
/// one opens the circuit although the backend never failed.
#[tokio::test]
async fn refusals_count_as_circuit_breaker_failures() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let mut b = backend(h, &[UrlPiece::Literal("/ok")]);
    b.rate_limit = hourly(1);
    b.circuit_breaker = Some(CircuitBreaker {
        interval_s: 60,
        timeout_s: 60,
        max_errors: 0,
        log_status_change: false,
    });
    let gw = start(with_error_messages(gateway(vec![get_endpoint(
        "/limited",
        vec![b],
    )])))
    .await;
    let texts = [
        (200, r#"{"ok":true}"#),
        (500, "rate limit exceded"),
        (500, "circuit breaker is open"),
    ];
    for (status, text) in texts {
        let r = get(gw.addr, "/limited").await;
        assert_eq!((r.status, r.text()), (status, text));
    }
    assert_eq!(log.lock().unwrap().len(), 1);
}

/// `concurrent_calls` fans out above the limiter (§1.1 step 3 before
/// step 12): each of the calls spends a token of the backend's one
/// bucket.
#[tokio::test]
async fn concurrent_calls_spend_a_token_each() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let mut b = backend(h, &[UrlPiece::Literal("/ok")]);
    b.rate_limit = hourly(3);
    let mut ep = get_endpoint("/fanned", vec![b]);
    ep.concurrent_calls = 3;
    let gw = start(with_error_messages(gateway(vec![ep]))).await;
    assert_eq!(get(gw.addr, "/fanned").await.status, 200);
    let r = get(gw.addr, "/fanned").await;
    assert_eq!((r.status, r.text()), (500, "rate limit exceded"));
    assert_eq!(log.lock().unwrap().len(), 3);
}

/// One bucket per backend entry, not per host: two entries calling the
/// same host are limited apart. A refusal in a merge leaves a partial 200
/// (no error text, whatever `return_error_msg` says); when every backend
/// is refused, the endpoint fails with their errors, one a line.
#[tokio::test]
async fn each_backend_entry_has_its_own_bucket() {
    let (h, _) = upstream(|s| {
        Reply::json(if s.uri == "/a" {
            r#"{"a":1}"#
        } else {
            r#"{"b":2}"#
        })
    })
    .await;
    let mut a = backend(h, &[UrlPiece::Literal("/a")]);
    a.rate_limit = hourly(1);
    let mut b = backend(h, &[UrlPiece::Literal("/b")]);
    b.rate_limit = hourly(2);
    let gw = start(with_error_messages(gateway(vec![get_endpoint(
        "/both",
        vec![a, b],
    )])))
    .await;
    let seen: Vec<(u16, Option<String>, String)> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let r = get(gw.addr, "/both").await;
            let completed = r.header("x-krakend-completed").map(str::to_string);
            v.push((r.status, completed, r.text().to_string()));
        }
        v
    };
    let row = |status, completed: &str, body: &str| {
        (status, Some(completed.to_string()), body.to_string())
    };
    assert_eq!(
        seen,
        [
            row(200, "true", r#"{"a":1,"b":2}"#),
            row(200, "false", r#"{"b":2}"#),
            row(500, "false", "rate limit exceded\nrate limit exceded"),
        ]
    );
}

/// CE's limiter (§1.1 step 12) runs before martian's request modifiers
/// (step 17): a `static.Modifier` that answers in place of the backend
/// still spends a token, and once the bucket is empty the static file is
/// not served either.
#[tokio::test]
async fn a_martian_static_answer_spends_a_token() {
    let root = std::env::temp_dir().join(format!("gwc-rl-static-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("hello.json"), r#"{"static":true}"#).unwrap();
    let (h, log) = upstream(|_| Reply::json(r#"{"upstream":true}"#)).await;
    let mut b = backend(h, &[UrlPiece::Literal("/hello.json")]);
    b.encoding = Encoding::NoOp;
    b.rate_limit = hourly(1);
    // martian's static.Modifier skips the round trip on the request side
    // and serves the file on the response side.
    let serve = leak(Modifier::Static {
        root: leak_str(root.to_string_lossy().into_owned()),
        explicit: &[],
    });
    b.martian = Some(leak(Martian {
        request: Some(serve),
        response: Some(serve),
        regexes: &[],
    }));
    let mut ep = get_endpoint("/static", vec![b]);
    ep.output = OutputEncoding::NoOp;
    let gw = start(with_error_messages(gateway(vec![ep]))).await;
    let first = get(gw.addr, "/static").await;
    assert_eq!((first.status, first.text()), (200, r#"{"static":true}"#));
    let second = get(gw.addr, "/static").await;
    assert_eq!(second.status, 500);
    assert!(log.lock().unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&root);
}
