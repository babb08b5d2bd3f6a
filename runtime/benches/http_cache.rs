//! `cargo bench -p gw-runtime --bench http_cache`: one `qos/http-cache`
//! hit as the request executor takes it (`proxy::execute`): the key from
//! the URL, the store lookup, the `Vary` check, gregjones' freshness, and
//! the answer made from the entry (status, headers, body shared).
//!
//! The store holds 4096 entries (the default bound) so the lookup is not
//! into an empty map.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gw_runtime::spec::HttpCache;
use gw_runtime::traffic::http_cache::{
    Entry, Freshness, SharedStores, Stage, freshness, key, now_ns, vary_matches,
};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};

fn entry(date: &str) -> Entry {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("cache-control", HeaderValue::from_static("max-age=3600"));
    headers.insert("date", HeaderValue::from_str(date).expect("date"));
    headers.insert("vary", HeaderValue::from_static("Accept-Language"));
    headers.insert("x-varied-accept-language", HeaderValue::from_static("en"));
    Entry {
        status: StatusCode::OK,
        headers,
        body: Bytes::from_static(
            br#"{"id":42,"name":"user 42","email":"user42@example.com","active":true,"roles":["reader","writer"],"address":{"city":"Lisbon","zip":"1000-001"}}"#,
        ),
    }
}

fn hits(c: &mut Criterion) {
    let spec = HttpCache {
        shared: false,
        bounded: true,
        max_size: 32 << 20,
        max_items: 4096,
    };
    let stage = Stage::new(&spec, false, &mut SharedStores::default()).expect("a store");
    // Today's date as an HTTP date, from the store's own clock.
    let date = {
        let secs = (now_ns() / 1_000_000_000) as u64;
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        httpdate(t)
    };
    for i in 0..4096 {
        stage.store(&format!("http://127.0.0.1:8081/users/{i}"), entry(&date));
    }
    let mut req = HeaderMap::new();
    req.insert("accept-language", HeaderValue::from_static("en"));
    req.insert(
        "user-agent",
        HeaderValue::from_static("KrakenD Version 2.13"),
    );
    req.insert("accept-encoding", HeaderValue::from_static("gzip"));

    let mut g = c.benchmark_group("http_cache");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("hit: key, lookup, vary, freshness, answer", |b| {
        b.iter(|| {
            i = (i + 1) % 4096;
            let url = format!("http://127.0.0.1:8081/users/{i}");
            let k = key(&Method::GET, black_box(url));
            let e = stage.lookup(&k).expect("stored");
            assert!(vary_matches(&e.headers, &req));
            assert_eq!(freshness(&e.headers, &req, now_ns()), Freshness::Fresh);
            black_box(e.response())
        })
    });
    g.finish();
}

/// IMF-fixdate for the bench's `Date` header.
fn httpdate(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEK: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEK[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

criterion_group!(benches, hits);
criterion_main!(benches);
