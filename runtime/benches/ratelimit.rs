//! `cargo bench -p gw-runtime --bench ratelimit`: one `qos/ratelimit/router`
//! decision (the stage `n.` of the handler): find the client key, ask its
//! bucket, ask the endpoint's.
//!
//! Target (issue 13): under 1 µs a decision. The limits are high enough
//! that nothing is refused, so every decision takes the full path.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gw_runtime::client_ip::ClientIp;
use gw_runtime::spec::{ClientKey, ClientLimit, RateLimit, TokenBucket};
use gw_runtime::traffic::ratelimit::{Limiter, Verdict};
use hyper::HeaderMap;
use hyper::header::HeaderValue;

const PLENTY: TokenBucket = TokenBucket {
    fill_interval_ns: 1,
    capacity: u64::MAX / 2,
};

fn spec(key: ClientKey) -> &'static RateLimit {
    Box::leak(Box::new(RateLimit {
        endpoint: Some(PLENTY),
        client: Some(ClientLimit {
            bucket: PLENTY,
            key,
            idle_ttl_ns: 600_000_000_000,
            idle_jitter_ns: 0,
            cleanup_period_ns: 60_000_000_000,
            shards: 64,
            max_clients: 100_000,
        }),
    }))
}

fn decisions(c: &mut Criterion) {
    let mut g = c.benchmark_group("ratelimit");
    g.throughput(Throughput::Elements(1));

    // `header`, over 10 000 live clients (the map is warm and larger than
    // the caches of a small machine).
    let by_header = Limiter::new(spec(ClientKey::Header("x-tenant")));
    let tenants: Vec<HeaderMap> = (0..10_000)
        .map(|i| {
            let mut h = HeaderMap::new();
            let v = HeaderValue::from_str(&format!("tenant-{i:05}")).expect("a value");
            h.insert("x-tenant", v);
            h.insert("accept", HeaderValue::from_static("application/json"));
            h
        })
        .collect();
    for h in &tenants {
        by_header.check(h, &[], "127.0.0.1");
    }
    let mut i = 0;
    g.bench_function("header key, 10k clients", |b| {
        b.iter(|| {
            i = (i + 1) % tenants.len();
            let v = by_header.check(black_box(&tenants[i]), &[], "127.0.0.1");
            debug_assert_eq!(v, Verdict::Pass);
            v
        })
    });

    // `ip` (the peer's address formatted and hashed), 10 000 clients.
    let by_ip = Limiter::new(spec(ClientKey::Ip { header: None }));
    let empty = HeaderMap::new();
    let mut n: u32 = 0;
    g.bench_function("ip key, 10k clients", |b| {
        b.iter(|| {
            n = (n + 1) % 10_000;
            let ip = ClientIp::peer(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | n)));
            by_ip.check(&empty, &[], black_box(ip).as_str())
        })
    });

    // The endpoint bucket alone (one mutex, no key).
    let endpoint_only = Limiter::new(Box::leak(Box::new(RateLimit {
        endpoint: Some(PLENTY),
        client: None,
    })));
    g.bench_function("endpoint bucket only", |b| {
        b.iter(|| endpoint_only.check(&empty, &[], "127.0.0.1"))
    });

    // A flood: every decision is a new client (insert, and at the cap an
    // eviction).
    let flood = Limiter::new(spec(ClientKey::Ip { header: None }));
    let mut m: u32 = 0;
    g.bench_function("new client each time (flood, at the cap)", |b| {
        b.iter(|| {
            m = m.wrapping_add(1);
            flood.check(
                &empty,
                &[],
                ClientIp::peer(black_box(IpAddr::V4(Ipv4Addr::from(m)))).as_str(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
