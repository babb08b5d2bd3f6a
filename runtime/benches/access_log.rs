//! `cargo bench -p gw-runtime --bench access_log | grep -v '^\[GIN\]'`:
//! the access log line of `telemetry/logging` (gin's format), the cost the
//! request path pays per request when the access log is on (issue 14's
//! speed goal): formatting the line and queueing it for the writer thread.
//! The writer thread's `write(2)` runs beside it, as in the gateway.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gw_runtime::telemetry::logging;

fn access(c: &mut Criterion) {
    c.bench_function("access line", |b| {
        b.iter(|| {
            logging::access(
                black_box(200),
                black_box(Instant::now() - Duration::from_nanos(48_123)),
                black_box("127.0.0.1"),
                black_box("GET"),
                black_box("/users/42/orders"),
                black_box(None),
            );
        });
    });
    c.bench_function("access line with query", |b| {
        b.iter(|| {
            logging::access(
                black_box(200),
                black_box(Instant::now() - Duration::from_micros(1_234)),
                black_box("10.1.2.3"),
                black_box("POST"),
                black_box("/search"),
                black_box(Some("q=rust&page=2")),
            );
        });
    });
}

criterion_group!(benches, access);
criterion_main!(benches);
