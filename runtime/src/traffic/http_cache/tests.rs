//! Table tests of gregjones' rules as ported (`httpcache_test.go`'s cases
//! where they apply) and of the bounded store.

use super::*;

const DATE_S: &str = "Mon, 07 Dec 2026 11:00:00 GMT";

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::try_from(*k).expect("name"),
            hyper::header::HeaderValue::try_from(*v).expect("value"),
        );
    }
    h
}

fn date_ns() -> i128 {
    rfc1123(DATE_S).expect("date")
}

const S: i128 = 1_000_000_000;

/// Header pairs as a table writes them.
type Pairs<'a> = &'a [(&'a str, &'a str)];

#[test]
fn dates_parse_as_go_rfc1123() {
    let cases: &[(&str, Option<i128>)] = &[
        ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
        ("Thu, 01 Jan 1970 00:00:01 UTC", Some(S)),
        ("Sun, 06 Nov 1994 08:49:37 GMT", Some(784_111_777 * S)),
        ("Tue, 29 Feb 2028 12:00:00 GMT", Some(1_835_438_400 * S)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", None),
        ("Sun Nov  6 08:49:37 1994", None),
        ("Sun, 6 Nov 1994 08:49:37 GMT", None),
        ("Sun, 31 Nov 1994 08:49:37 GMT", None),
        ("", None),
    ];
    for (text, want) in cases {
        assert_eq!(rfc1123(text), *want, "{text}");
    }
}

#[test]
fn seconds_parse_as_go_durations() {
    let cases: &[(&str, Option<i128>)] = &[
        ("60", Some(60 * S)),
        ("1.5", Some(S + S / 2)),
        (".5", Some(S / 2)),
        ("-3", Some(-3 * S)),
        ("+3", Some(3 * S)),
        ("", None),
        ("\"60\"", None),
        ("1e3", None),
        ("99999999999999999999", None),
    ];
    for (text, want) in cases {
        assert_eq!(go_seconds(text), *want, "{text}");
    }
}

#[test]
fn freshness_follows_gregjones() {
    use Freshness::*;
    let d = DATE_S;
    // (response headers, request headers, seconds after Date, expected)
    let cases: &[(Pairs, Pairs, i128, Freshness)] = &[
        // No Date: stale, whatever max-age says.
        (&[("cache-control", "max-age=60")], &[], 0, Stale),
        (
            &[("date", d), ("cache-control", "max-age=60")],
            &[],
            59,
            Fresh,
        ),
        (
            &[("date", d), ("cache-control", "max-age=60")],
            &[],
            60,
            Stale,
        ),
        // max-age wins over Expires, even a later one.
        (
            &[
                ("date", d),
                ("cache-control", "max-age=10"),
                ("expires", "Mon, 07 Dec 2026 12:00:00 GMT"),
            ],
            &[],
            20,
            Stale,
        ),
        (
            &[("date", d), ("expires", "Mon, 07 Dec 2026 12:00:00 GMT")],
            &[],
            20,
            Fresh,
        ),
        (&[("date", d), ("expires", "0")], &[], 0, Stale),
        // s-maxage means nothing to a private cache.
        (
            &[("date", d), ("cache-control", "s-maxage=60")],
            &[],
            1,
            Stale,
        ),
        // No freshness information at all: stale.
        (&[("date", d)], &[], 0, Stale),
        (
            &[("date", d), ("cache-control", "max-age=60, no-cache")],
            &[],
            1,
            Stale,
        ),
        (
            &[("date", d), ("cache-control", "max-age=60")],
            &[("cache-control", "no-cache")],
            1,
            Transparent,
        ),
        (
            &[("date", d)],
            &[("cache-control", "only-if-cached")],
            1000,
            Fresh,
        ),
        // The request's max-age replaces the lifetime, longer or shorter.
        (
            &[("date", d), ("cache-control", "max-age=60")],
            &[("cache-control", "max-age=10")],
            20,
            Stale,
        ),
        (
            &[("date", d), ("cache-control", "max-age=10")],
            &[("cache-control", "max-age=60")],
            20,
            Fresh,
        ),
        (
            &[("date", d), ("cache-control", "max-age=60")],
            &[("cache-control", "min-fresh=50")],
            20,
            Stale,
        ),
        (
            &[("date", d), ("cache-control", "max-age=60")],
            &[("cache-control", "min-fresh=30")],
            20,
            Fresh,
        ),
        (
            &[("date", d), ("cache-control", "max-age=10")],
            &[("cache-control", "max-stale")],
            1000,
            Fresh,
        ),
        (
            &[("date", d), ("cache-control", "max-age=10")],
            &[("cache-control", "max-stale=20")],
            25,
            Fresh,
        ),
        (
            &[("date", d), ("cache-control", "max-age=10")],
            &[("cache-control", "max-stale=20")],
            35,
            Stale,
        ),
        // A malformed max-age is a zero lifetime.
        (
            &[("date", d), ("cache-control", "max-age=\"60\"")],
            &[],
            1,
            Stale,
        ),
        // Directive names are case-sensitive there.
        (
            &[("date", d), ("cache-control", "Max-Age=60")],
            &[],
            1,
            Stale,
        ),
    ];
    for (resp, req, after, want) in cases {
        let got = freshness(&headers(resp), &headers(req), date_ns() + after * S);
        assert_eq!(got, *want, "{resp:?} {req:?} +{after}s");
    }
}

#[test]
fn stale_if_error_follows_gregjones() {
    let d = DATE_S;
    let cases: &[(Pairs, Pairs, i128, bool)] = &[
        (
            &[("date", d), ("cache-control", "stale-if-error")],
            &[],
            1_000_000,
            true,
        ),
        (
            &[("date", d), ("cache-control", "stale-if-error=100")],
            &[],
            50,
            true,
        ),
        (
            &[("date", d), ("cache-control", "stale-if-error=100")],
            &[],
            150,
            false,
        ),
        (
            &[("date", d)],
            &[("cache-control", "stale-if-error=100")],
            50,
            true,
        ),
        (
            &[("date", d)],
            &[("cache-control", "stale-if-error")],
            50,
            true,
        ),
        (&[("date", d)], &[], 0, false),
        (&[("cache-control", "stale-if-error=100")], &[], 0, false),
        (
            &[("date", d), ("cache-control", "stale-if-error=x")],
            &[],
            0,
            false,
        ),
    ];
    for (resp, req, after, want) in cases {
        let got = can_stale_on_error(&headers(resp), &headers(req), date_ns() + after * S);
        assert_eq!(got, *want, "{resp:?} {req:?} +{after}s");
    }
}

#[test]
fn keys_store_and_vary() {
    assert_eq!(key(&Method::GET, "http://h/a?b=1".into()), "http://h/a?b=1");
    assert_eq!(key(&Method::HEAD, "http://h/a".into()), "HEAD http://h/a");
    assert!(cacheable(&Method::GET, &HeaderMap::new()));
    assert!(cacheable(&Method::HEAD, &HeaderMap::new()));
    assert!(!cacheable(&Method::POST, &HeaderMap::new()));
    assert!(!cacheable(
        &Method::GET,
        &headers(&[("range", "bytes=0-1")])
    ));
    assert!(can_store(&HeaderMap::new(), &HeaderMap::new()));
    assert!(!can_store(
        &headers(&[("cache-control", "no-store")]),
        &HeaderMap::new()
    ));
    assert!(!can_store(
        &HeaderMap::new(),
        &headers(&[("cache-control", "max-age=1, no-store")])
    ));

    let req = headers(&[("accept-language", "de")]);
    let mut resp = headers(&[("vary", "Accept-Language, *")]);
    add_varied(&mut resp, &req);
    assert_eq!(
        header_str(&resp, &HeaderName::from_static("x-varied-accept-language")),
        "de"
    );
    assert!(vary_matches(&resp, &req));
    assert!(!vary_matches(&resp, &headers(&[("accept-language", "fr")])));
    assert!(!vary_matches(&resp, &HeaderMap::new()));
    // A header the request lacks is stored as nothing and matches nothing.
    let mut resp = headers(&[("vary", "Authorization")]);
    add_varied(&mut resp, &HeaderMap::new());
    assert!(vary_matches(&resp, &HeaderMap::new()));
    assert!(!vary_matches(
        &resp,
        &headers(&[("authorization", "Bearer x")])
    ));
}

#[test]
fn validators_and_refresh() {
    let entry = headers(&[("etag", "\"v1\""), ("last-modified", DATE_S)]);
    let mut req = HeaderMap::new();
    add_validators(&entry, &mut req);
    assert_eq!(header_str(&req, &IF_NONE_MATCH), "\"v1\"");
    assert_eq!(header_str(&req, &IF_MODIFIED_SINCE), DATE_S);

    let stored = Entry {
        status: StatusCode::OK,
        headers: headers(&[("etag", "\"v1\""), ("x-a", "old"), ("content-length", "3")]),
        body: Bytes::from_static(b"abc"),
    };
    let fresh = refreshed(
        &stored,
        &headers(&[
            ("x-a", "new"),
            ("connection", "x-hop"),
            ("x-hop", "1"),
            ("content-length", "0"),
        ]),
    );
    assert_eq!(
        header_str(&fresh.headers, &HeaderName::from_static("x-a")),
        "new"
    );
    assert!(fresh.headers.get("x-hop").is_none());
    assert!(fresh.headers.get("connection").is_none());
    assert_eq!(header_str(&fresh.headers, &CONTENT_LENGTH), "3");
    assert_eq!(fresh.body, stored.body);
}

#[test]
fn gzip_is_dropped_from_stored_gets() {
    let mut h = headers(&[("content-encoding", "gzip"), ("content-length", "3")]);
    let body = prepare_get(&mut h, Bytes::from_static(b"xyz"), false, 1 << 20).expect("kept");
    assert_eq!(body, Bytes::from_static(b"xyz"));
    assert!(h.get(CONTENT_ENCODING).is_none());

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, b"{\"a\":1}").expect("write");
    let zipped = Bytes::from(gz.finish().expect("gzip"));
    let mut h = headers(&[("content-encoding", "gzip"), ("content-length", "9")]);
    let body = prepare_get(&mut h, zipped, true, 1 << 20).expect("unzipped");
    assert_eq!(body, Bytes::from_static(b"{\"a\":1}"));
    assert!(h.get(CONTENT_ENCODING).is_none() && h.get(CONTENT_LENGTH).is_none());
}

#[cfg(feature = "http-cache")]
#[test]
fn the_store_is_bounded_by_items_and_bytes() {
    let entry = |n: usize| Entry {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: Bytes::from(vec![b'x'; n]),
    };
    // 100 items at most: each weighs at least 1 MiB / 100.
    let store = Store::new(1 << 20, 100).expect("store");
    for i in 0..1000 {
        store.set(&format!("k{i}"), entry(10));
    }
    assert!(store.len() <= 100, "{} items", store.len());
    assert!(store.weight() <= 1 << 20);
    // Bytes: 1000 entries of 10 KiB in a 1 MiB store.
    let store = Store::new(1 << 20, 1_000_000).expect("store");
    for i in 0..1000 {
        store.set(&format!("k{i}"), entry(10 * 1024));
    }
    assert!(store.weight() <= 1 << 20, "{} bytes", store.weight());
    assert!(store.len() > 50);
    // An entry above the limit is not stored, and replaces nothing.
    let store = Store::new(1 << 20, 10).expect("store");
    store.set("big", entry(1));
    store.set("big", entry(2 << 20));
    assert!(store.get("big").is_none());
    assert!(store.entry_limit < 1 << 20);
    // One item at most: the second replaces the first.
    let store = Store::new(1 << 20, 1).expect("store");
    store.set("a", entry(10));
    assert!(store.get("a").is_some());
    store.set("b", entry(10));
    assert_eq!(store.len(), 1);
    // A large store with few items keeps to them (one shard).
    let store = Store::new(1 << 30, 4).expect("store");
    for i in 0..100 {
        store.set(&format!("k{i}"), entry(10));
    }
    assert!(store.len() <= 4, "{} items", store.len());
    // The limit is 8 MiB in a large store.
    let store = Store::new(1 << 30, 10).expect("store");
    assert_eq!(store.entry_limit, MAX_ENTRY);
    store.set("k", entry(4 << 20));
    assert!(store.get("k").is_some());
}

#[cfg(feature = "http-cache")]
#[test]
fn shared_stores_follow_krakend_httpcache() {
    let mut shared = SharedStores::default();
    let spec = |shared, bounded| HttpCache {
        shared,
        bounded,
        max_size: 1 << 20,
        max_items: 10,
    };
    let a = Stage::new(&spec(true, true), false, &mut shared).expect("a");
    let b = Stage::new(&spec(true, true), false, &mut shared).expect("b");
    let c = Stage::new(&spec(true, false), false, &mut shared).expect("c");
    let d = Stage::new(&spec(false, true), false, &mut shared).expect("d");
    assert!(Arc::ptr_eq(&a.store, &b.store));
    assert!(!Arc::ptr_eq(&a.store, &c.store));
    assert!(!Arc::ptr_eq(&a.store, &d.store));
}
