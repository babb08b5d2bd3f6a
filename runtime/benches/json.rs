//! `cargo bench -p gw-runtime --bench json`: a backend's JSON object on the
//! way to the client, as the proxy handles it.
//!
//! - `decode+render`: the slow path (`encoding::decode` into a tree, then
//!   `encoding::render` as JSON), what every endpoint with a manipulation,
//!   a merge or another output encoding runs;
//! - `decode+allow+render`: the same with an `allow` filter on the tree;
//! - `passthrough transcode`: the streaming path of a json → json endpoint
//!   whose body needs rewriting (escapes here);
//! - `passthrough minify`: the scan that copies an already compact body;
//! - `passthrough object`: what a json → json endpoint runs on the plain
//!   body (the scan, and the transcoder when the scan refuses).
//!
//! `... (text)`: the same on a body of mostly strings and small integers
//! (20 posts with a title, a 300-character body, an author), where number
//! handling matters least and string scanning most.
//!
//! The body is a 20-item list of products (ids, prices with two decimals,
//! ratings, coordinates, a 20-digit id, nested objects): about 6 KB, numbers
//! in most of its values.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use gw_runtime::encoding::{self, passthrough};
use gw_runtime::manipulate;
use gw_runtime::spec::{Encoding, OutputEncoding};

fn body(escaped: bool) -> String {
    let mut s = String::from("{\"total\":20,\"page\":1,\"items\":[");
    for i in 0..20 {
        if i > 0 {
            s.push(',');
        }
        let name = if escaped {
            format!("Caf\\u00e9 n\\u00b0{i}")
        } else {
            format!("Product {i}")
        };
        s.push_str(&format!(
            "{{\"id\":{id},\"sku\":\"SKU-{i:05}\",\"name\":\"{name}\",\"price\":{p}.{c:02},\
             \"rating\":{r}.{rr},\"stock\":{st},\"active\":{a},\"ratio\":0.{i}5e-3,\
             \"geo\":{{\"lat\":48.85{i}341,\"lon\":-2.35{i}22}},\"ean\":123456789012345678{i:02},\
             \"tags\":[\"a\",\"b\",\"c\"],\"dims\":[10.50,20.0,1e2]}}",
            id = 1000 + i,
            p = 10 + i * 3,
            c = (i * 7) % 100,
            r = i % 5,
            rr = (i * 3) % 10,
            st = i * 11,
            a = i % 2 == 0,
        ));
    }
    s.push_str("],\"meta\":{\"generated\":\"2026-12-07T10:00:00Z\",\"version\":2.10}}");
    s
}

fn text_body() -> String {
    let lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor \
                 incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud \
                 exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute \
                 irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat.";
    let mut s = String::from("{\"posts\":[");
    for i in 0..20 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"id\":{i},\"userId\":{u},\"title\":\"Post number {i} about things\",\
             \"body\":\"{lorem}\",\"author\":{{\"name\":\"Ann Example\",\
             \"email\":\"ann{i}@example.com\"}},\"tags\":[\"news\",\"tech\"],\"published\":true}}",
            u = i % 7,
        ));
    }
    s.push_str("]}");
    s
}

fn bench(c: &mut Criterion) {
    let text = Bytes::from(text_body());
    c.bench_function("decode+render (text)", |b| {
        b.iter(|| {
            let m = encoding::decode(Encoding::Json, false, black_box(&text));
            m.map(|m| encoding::render(OutputEncoding::Json, &m, None).body)
        })
    });
    c.bench_function("passthrough object (text)", |b| {
        b.iter(|| passthrough::object(black_box(&text)))
    });
    let plain = Bytes::from(body(false));
    let escaped = Bytes::from(body(true));
    c.bench_function("decode+render", |b| {
        b.iter(|| {
            let m = encoding::decode(Encoding::Json, false, black_box(&plain));
            m.map(|m| encoding::render(OutputEncoding::Json, &m, None).body)
        })
    });
    let allow: &[&[&str]] = &[&["items"], &["meta", "version"]];
    c.bench_function("decode+allow+render", |b| {
        b.iter(|| {
            let m = encoding::decode(Encoding::Json, false, black_box(&plain));
            m.map(|mut m| {
                manipulate::allow(&mut m, allow);
                encoding::render(OutputEncoding::Json, &m, None).body
            })
        })
    });
    c.bench_function("passthrough transcode", |b| {
        b.iter(|| passthrough::transcode(black_box(&escaped)))
    });
    c.bench_function("passthrough minify", |b| {
        b.iter(|| passthrough::minify(black_box(&plain)))
    });
    c.bench_function("passthrough object", |b| {
        b.iter(|| passthrough::object(black_box(&plain)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
