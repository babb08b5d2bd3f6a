//! `cargo bench -p gwc-core --bench lint`: the whole lint (parse, model, schema,
//! every rule) on the largest real config of the corpus (219 endpoints,
//! 458 KB) and on generated configs of 1 000 and 10 000 endpoints.
//!
//! Targets (issue "gwc lint"): < 20 ms for the 219-endpoint file, < 200 ms
//! for 10 000 endpoints, growing linearly.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const LARGEST: &str = "SolomonAIEngineering__backend-api-gateway__krakend.prod.json";

/// A realistic config with `n` endpoints: a mix of static and variable
/// segments, methods, multi-backend aggregations and data manipulation.
fn generated(n: usize) -> String {
    let mut eps = Vec::with_capacity(n);
    for i in 0..n {
        let method = ["GET", "POST", "PUT", "DELETE"][i % 4];
        let ep = match i % 3 {
            0 => format!(
                r#"{{"endpoint": "/v1/svc{s}/items{i}/{{id}}", "method": "{method}", "input_headers": ["Authorization", "Content-Type"], "backend": [{{"url_pattern": "/items/{{id}}", "allow": ["id", "name"]}}]}}"#,
                s = i / 100
            ),
            1 => format!(
                r#"{{"endpoint": "/v1/svc{s}/users{i}/{{id}}/summary", "method": "{method}", "timeout": "2s", "backend": [{{"host": ["http://users{s}:8080"], "url_pattern": "/users/{{id}}", "group": "user"}}, {{"host": ["http://orders{s}:8080"], "url_pattern": "/orders?u={{id}}", "is_collection": true, "mapping": {{"collection": "orders"}}}}]}}"#,
                s = i / 100
            ),
            _ => format!(
                r#"{{"endpoint": "/v1/svc{s}/static{i}", "method": "{method}", "cache_ttl": "60s", "backend": [{{"url_pattern": "/static/{i}", "encoding": "json"}}]}}"#,
                s = i / 100
            ),
        };
        eps.push(ep);
    }
    format!(
        r#"{{"version": 3, "host": ["http://default:8080"], "timeout": "3s", "endpoints": [{}]}}"#,
        eps.join(",\n")
    )
}

fn bench_lint(c: &mut Criterion) {
    let mut group = c.benchmark_group("lint");
    group.sample_size(20);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(LARGEST);
    match std::fs::read_to_string(&corpus) {
        Ok(text) => {
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_function("corpus_219_endpoints", |b| {
                b.iter(|| gwc::lint_text("krakend.prod.json", black_box(&text)))
            });
        }
        Err(_) => eprintln!(
            "skipping the corpus benchmark: {} not found",
            corpus.display()
        ),
    }
    for n in [1_000usize, 10_000] {
        let text = generated(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::new("generated_endpoints", n),
            &text,
            |b, text| b.iter(|| gwc::lint_text("krakend.json", black_box(text))),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_lint);
criterion_main!(benches);
