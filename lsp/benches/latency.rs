//! `cargo bench -p gwc-lsp --bench latency`: how long after a one-character
//! edit the diagnostics of the largest real config (219 endpoints, 458 KB,
//! `../shared/corpus`) are published, through real JSON-RPC in process.
//!
//! Target (issue "gwc lsp"): < 50 ms. The server runs with its default
//! settings (100 ms debounce window): an edit that comes after a quiet
//! period is analysed at once, so each measured edit is preceded by an
//! untimed pause longer than the window, as when someone types a character
//! and stops. `analysis` is the compiler's share alone (parse, model,
//! schema, every rule) for comparison.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gwc::syntax::Format;
use gwc_lsp::document::Analysis;
use gwc_lsp::settings::{DEFAULT_DEBOUNCE, Settings};
use serde_json::json;
use support::{Client, range, vscode_caps};

const LARGEST: &str = "SolomonAIEngineering__backend-api-gateway__krakend.prod.json";

fn bench_latency(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(LARGEST);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipping: {} not found (../shared/corpus is absent)",
            path.display()
        );
        return;
    };
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    else {
        eprintln!("skipping: no tokio runtime");
        return;
    };

    let mut group = c.benchmark_group("lsp");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));

    let uri = support::uri_of(&path);
    let mut client = runtime.block_on(async {
        let mut client = Client::start();
        client.initialize(vscode_caps(), None).await;
        client.open(&uri, "json", &text).await;
        client.diagnostics(&uri, 1).await;
        client
    });
    // `  "name": "Solomon AI…`: the `S` at line 3, column 11 becomes `T`
    // and back, one character per edit.
    assert!(
        text.lines()
            .nth(3)
            .is_some_and(|l| l.starts_with("  \"name\": \"S"))
    );
    let mut version = 1;
    group.bench_function("diagnostics_after_one_char_edit_219_endpoints", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    tokio::time::sleep(DEFAULT_DEBOUNCE + Duration::from_millis(20)).await;
                    version += 1;
                    let ch = if version % 2 == 0 { "T" } else { "S" };
                    let started = Instant::now();
                    client.change(&uri, version, range(3, 11, 3, 12), ch).await;
                    let diags = client.diagnostics(&uri, version.into()).await;
                    total += started.elapsed();
                    std::hint::black_box(diags);
                }
                total
            })
        });
    });

    let text = Arc::new(text);
    let settings = Settings::default();
    group.bench_function("analysis_219_endpoints", |b| {
        b.iter(|| Analysis::new(1, text.clone(), Format::Json, None, false, &settings, &[]));
    });
    group.finish();
    runtime.block_on(async {
        client
            .notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri}}),
            )
            .await;
        client.shutdown().await
    });
}

criterion_group!(benches, bench_latency);
criterion_main!(benches);
