//! `cargo bench -p gw-runtime --bench cel`: one `validation/cel` endpoint
//! `req` list (stage t.) on a request, as the proxy runs it: the
//! activation built (the headers the backends would get, the parameters,
//! `now`), then the expressions evaluated.
//!
//! - `typical endpoint expression`: KrakenD's documented shape, a header
//!   check and a parameter check (`'something' in req_headers['X-Header']
//!   && int(req_params.Id) % 2 == 0`), on a request with five headers.
//! - `method and path`: the cheapest useful list (`req_method == 'GET' &&
//!   req_path.startsWith('/v1/')`), no header map to build.
//! - `resp_data`: a `resp` list reading a 10-item backend answer
//!   (`resp_data.items.all(i, i.price > 0.0)`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gw_runtime::validation::cel::{RequestView, ResponseView, Stage, forwarded_query};
use hyper::HeaderMap;
use hyper::header::{HeaderName, HeaderValue};

fn headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in [
        ("x-header", "something"),
        ("x-forwarded-for", "10.0.0.1"),
        ("x-forwarded-host", "api.example.com"),
        ("user-agent", "KrakenD Version 2.13.8"),
        ("content-type", "application/json"),
    ] {
        h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
    }
    h
}

fn bench(c: &mut Criterion) {
    let h = headers();
    let headers = || h.clone();
    let query = || forwarded_query(gw_runtime::spec::Forward::Default, None, None);
    let values = ["30".to_string()];
    let view = RequestView {
        method: "GET",
        path: "/v1/users/30",
        param_names: &["id"],
        param_values: &values,
        headers: &headers,
        query: &query,
    };
    let Ok(typical) = Stage::compile(
        &["'something' in req_headers['X-Header'] && int(req_params.Id) % 2 == 0"],
        &[],
        &[],
    ) else {
        return;
    };
    assert_eq!(typical.check_request(&view), Ok(()));
    c.bench_function("cel/typical endpoint expression", |b| {
        b.iter(|| black_box(typical.check_request(black_box(&view))))
    });
    let Ok(cheap) = Stage::compile(
        &["req_method == 'GET' && req_path.startsWith('/v1/')"],
        &[],
        &[],
    ) else {
        return;
    };
    assert_eq!(cheap.check_request(&view), Ok(()));
    c.bench_function("cel/method and path", |b| {
        b.iter(|| black_box(cheap.check_request(black_box(&view))))
    });
    let Ok(resp) = Stage::compile(&[], &["resp_data.items.all(i, i.price > 0.0)"], &[]) else {
        return;
    };
    let Ok(gw_runtime::value::Value::Object(data)) = gw_runtime::value::from_slice(
        br#"{"items": [{"price": 1.5}, {"price": 2}, {"price": 3}, {"price": 4}, {"price": 5},
            {"price": 6}, {"price": 7}, {"price": 8}, {"price": 9}, {"price": 10}]}"#,
    ) else {
        return;
    };
    let rv = ResponseView {
        completed: true,
        status: 0,
        headers: None,
        data: Some(&data),
    };
    assert_eq!(resp.check_response(&rv), Ok(()));
    c.bench_function("cel/resp_data", |b| {
        b.iter(|| black_box(resp.check_response(black_box(&rv))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
