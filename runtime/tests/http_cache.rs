//! `qos/http-cache` in a running gateway (krakend-components §10): what
//! the backend sees and what the client gets, for each of gregjones'
//! rules as `krakend-httpcache` runs them, and the cache's place in the
//! pipeline (under martian and the decoder).
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use gw_runtime::spec::*;

const CACHE: HttpCache = HttpCache {
    shared: false,
    bounded: true,
    max_size: 1 << 20,
    max_items: 100,
};

/// A `GET` endpoint `/{name}` whose backend calls `/{name}` on `host` with
/// the cache on, changed by `f`.
fn cached(host: &'static str, name: &str, f: impl FnOnce(&mut Endpoint, &mut Backend)) -> Endpoint {
    let path = leak_str(format!("/{name}"));
    let mut b = backend(host, leak_slice(vec![UrlPiece::Literal(path)]));
    b.http_cache = Some(CACHE);
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

fn noop(ep: &mut Endpoint, b: &mut Backend) {
    ep.output = OutputEncoding::NoOp;
    b.encoding = Encoding::NoOp;
}

fn count(log: &Log) -> usize {
    log.lock().unwrap().len()
}

/// A fresh answer is served from the cache: the backend sees one request,
/// the client three identical answers, decoded as any other.
#[tokio::test]
async fn a_fresh_answer_is_served_from_the_cache() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let (h, log) = upstream(move |_| {
        let i = n2.fetch_add(1, Ordering::SeqCst);
        Reply::json(&format!(r#"{{"n":{i}}}"#)).header("cache-control", "max-age=60")
    })
    .await;
    let gw = start(gateway(vec![cached(h, "hit", |_, _| {})])).await;
    for _ in 0..3 {
        let r = get(gw.addr, "/hit").await;
        assert_eq!((r.status, r.text()), (200, r#"{"n":0}"#));
        assert!(r.header("x-from-cache").is_none());
    }
    assert_eq!(count(&log), 1);
}

/// No `Cache-Control` and no validators: stored, but stale at once, so
/// every request reaches the backend (the common surprise).
#[tokio::test]
async fn without_caching_headers_nothing_is_saved() {
    let (h, log) = upstream(|_| Reply::json(r#"{"a":1}"#)).await;
    let gw = start(gateway(vec![cached(h, "plain", |_, _| {})])).await;
    for _ in 0..3 {
        assert_eq!(get(gw.addr, "/plain").await.status, 200);
    }
    assert_eq!(count(&log), 3);
}

/// `no-store` in the answer: never stored.
#[tokio::test]
async fn no_store_is_never_stored() {
    let (h, log) =
        upstream(|_| Reply::json(r#"{"a":1}"#).header("cache-control", "no-store, max-age=60"))
            .await;
    let gw = start(gateway(vec![cached(h, "nostore", |_, _| {})])).await;
    for _ in 0..3 {
        assert_eq!(get(gw.addr, "/nostore").await.status, 200);
    }
    assert_eq!(count(&log), 3);
}

/// A stale entry is revalidated with its `ETag`; the backend's 304
/// refreshes it (its `Cache-Control: max-age=60` replaces `no-cache`), so
/// the third request is a hit.
#[tokio::test]
async fn a_304_refreshes_the_entry() {
    let (h, log) = upstream(|seen| {
        if seen
            .headers
            .get("if-none-match")
            .is_some_and(|v| v == "\"v1\"")
        {
            Reply::json("")
                .status(304)
                .header("cache-control", "max-age=60")
        } else {
            Reply::json(r#"{"v":1}"#)
                .header("etag", "\"v1\"")
                .header("cache-control", "no-cache")
        }
    })
    .await;
    let gw = start(gateway(vec![cached(h, "etag", |_, _| {})])).await;
    for _ in 0..3 {
        let r = get(gw.addr, "/etag").await;
        assert_eq!((r.status, r.text()), (200, r#"{"v":1}"#));
    }
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].headers.get("if-none-match").is_none());
    assert_eq!(seen[1].headers.get("if-none-match").unwrap(), "\"v1\"");
}

/// A revalidation answered with anything but 200 or 304 deletes the
/// entry; `stale-if-error` answers a 5xx with the stale entry instead.
#[tokio::test]
async fn failed_revalidations_delete_unless_stale_if_error() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let (h, log) = upstream(move |seen| {
        let i = c2.fetch_add(1, Ordering::SeqCst);
        let sie = seen.uri.contains("sie");
        let cc = if sie {
            "no-cache, stale-if-error"
        } else {
            "no-cache"
        };
        match i % 2 {
            0 => Reply::json(r#"{"ok":true}"#)
                .header("etag", "\"e\"")
                .header("cache-control", cc),
            _ => Reply::json(r#"{"down":true}"#).status(503),
        }
    })
    .await;
    let noop_sie = cached(h, "sie", noop);
    let noop_plain = cached(h, "plain", noop);
    let gw = start(gateway(vec![noop_sie, noop_plain])).await;
    // stale-if-error: stored, then the 503 to the revalidation is hidden.
    assert_eq!(get(gw.addr, "/sie").await.status, 200);
    let r = get(gw.addr, "/sie").await;
    assert_eq!((r.status, r.text()), (200, r#"{"ok":true}"#));
    // Without it: the 503 goes through and the entry is gone, so the next
    // request carries no validator.
    assert_eq!(get(gw.addr, "/plain").await.status, 200);
    assert_eq!(get(gw.addr, "/plain").await.status, 503);
    assert_eq!(get(gw.addr, "/plain").await.status, 200);
    let seen = log.lock().unwrap().clone();
    let plain: Vec<_> = seen.iter().filter(|s| s.uri == "/plain").collect();
    assert_eq!(plain.len(), 3);
    assert!(plain[1].headers.get("if-none-match").is_some());
    assert!(plain[2].headers.get("if-none-match").is_none());
}

/// `Vary`: one entry per URL, for the request headers the answer names. A
/// request with another value goes to the backend and its answer replaces
/// the entry (gregjones keeps one entry a URL).
#[tokio::test]
async fn vary_names_the_headers_that_count() {
    let (h, log) = upstream(|seen| {
        let lang = seen
            .headers
            .get("accept-language")
            .map_or("", |v| v.to_str().unwrap());
        Reply::json(&format!(r#"{{"lang":"{lang}"}}"#))
            .header("cache-control", "max-age=60")
            .header("vary", "Accept-Language")
    })
    .await;
    let ep = cached(h, "vary", |ep, b| {
        noop(ep, b);
        ep.input_headers = Forward::Only(&["Accept-Language"]);
    });
    let gw = start(gateway(vec![ep])).await;
    let mut bodies = Vec::new();
    for lang in ["de", "de", "fr", "fr", "de"] {
        let r = send(gw.addr, "GET", "/vary", &[("accept-language", lang)], "").await;
        assert_eq!(r.header("x-varied-accept-language"), Some(lang));
        bodies.push(r.json()["lang"].as_str().unwrap().to_owned());
    }
    assert_eq!(bodies, ["de", "de", "fr", "fr", "de"]);
    let sent: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.headers["accept-language"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(sent, ["de", "fr", "de"]);
}

/// The client's `Cache-Control` counts when it reaches the backend request
/// (`input_headers`): `no-cache` bypasses the entry, `only-if-cached`
/// without one is a 504 without calling the backend, `max-age=0` makes a
/// fresh entry stale.
#[tokio::test]
async fn request_directives_count_when_forwarded() {
    let (h, log) =
        upstream(|_| Reply::json(r#"{"a":1}"#).header("cache-control", "max-age=60")).await;
    let ep = cached(h, "cc", |ep, b| {
        noop(ep, b);
        ep.input_headers = Forward::Only(&["Cache-Control"]);
    });
    let gw = start(gateway(vec![ep])).await;
    let cc = |v: &'static str| [("cache-control", v)];
    let r = send(gw.addr, "GET", "/cc", &cc("only-if-cached"), "").await;
    assert_eq!((r.status, r.text()), (504, ""));
    assert_eq!(count(&log), 0);
    get(gw.addr, "/cc").await;
    get(gw.addr, "/cc").await;
    assert_eq!(count(&log), 1);
    send(gw.addr, "GET", "/cc", &cc("no-cache"), "").await;
    assert_eq!(count(&log), 2);
    send(gw.addr, "GET", "/cc", &cc("max-age=0"), "").await;
    assert_eq!(count(&log), 3);
    let r = send(gw.addr, "GET", "/cc", &cc("only-if-cached"), "").await;
    assert_eq!(r.status, 200);
    assert_eq!(count(&log), 3);
}

/// Only GET and HEAD use the cache. Another method deletes the entry
/// under *its* key, `DELETE <url>`, which nothing is stored under
/// (gregjones' `cacheKey`): the GET entry of the same URL survives a
/// DELETE. (Each backend has its own store, as CE's; the two endpoints
/// here share theirs with `shared: true`.)
#[tokio::test]
async fn other_methods_leave_the_get_entry() {
    let (h, log) =
        upstream(|_| Reply::json(r#"{"a":1}"#).header("cache-control", "max-age=60")).await;
    let shared = |ep: &mut Endpoint, b: &mut Backend| {
        noop(ep, b);
        b.http_cache = Some(HttpCache {
            shared: true,
            ..CACHE
        });
    };
    let get_ep = cached(h, "res", shared);
    let mut del_ep = cached(h, "res", |ep, b| {
        shared(ep, b);
        b.method = Method::Delete;
    });
    del_ep.method = Method::Delete;
    let gw = start(gateway(vec![get_ep, del_ep])).await;
    get(gw.addr, "/res").await;
    get(gw.addr, "/res").await;
    assert_eq!(count(&log), 1);
    send(gw.addr, "DELETE", "/res", &[], "").await;
    assert_eq!(count(&log), 2);
    get(gw.addr, "/res").await;
    assert_eq!(count(&log), 2, "the DELETE left the GET entry");
}

/// CE's placement: the key is the request martian made (its query
/// parameter reaches the backend once), and a hit still goes through
/// martian's response side (the header on every answer).
#[tokio::test]
async fn hits_still_go_through_martian() {
    let (h, log) =
        upstream(|_| Reply::json(r#"{"a":1}"#).header("cache-control", "max-age=60")).await;
    let ep = cached(h, "m", |ep, b| {
        noop(ep, b);
        b.martian = Some(leak(Martian {
            request: Some(&Modifier::SetQuery {
                name: "v",
                value: "1",
            }),
            response: Some(&Modifier::SetHeader {
                name: "X-Martian",
                value: "yes",
            }),
            regexes: &[],
        }));
    });
    let gw = start(gateway(vec![ep])).await;
    for _ in 0..2 {
        assert_eq!(get(gw.addr, "/m").await.header("x-martian"), Some("yes"));
    }
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].uri, "/m?v=1");
}

/// A decoded backend asks for gzip (as Go's transport does, which unzips
/// below the cache): the entry is stored unzipped and decodes on a hit.
#[tokio::test]
async fn gzip_answers_are_stored_unzipped() {
    let zipped = {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, br#"{"zipped":true}"#).unwrap();
        gz.finish().unwrap()
    };
    let (h, _log) = upstream(move |_| {
        let mut r = Reply::json("")
            .header("cache-control", "max-age=60")
            .header("content-encoding", "gzip");
        r.body = zipped.clone();
        r
    })
    .await;
    let gw = start(gateway(vec![cached(h, "gz", |_, _| {})])).await;
    for _ in 0..2 {
        let r = get(gw.addr, "/gz").await;
        assert_eq!((r.status, r.text()), (200, r#"{"zipped":true}"#));
    }
}
