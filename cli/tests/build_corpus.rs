//! Every plain-JSON, version 3 file of the real corpus (`../shared/corpus`)
//! that lints without errors builds into a gateway that starts and answers
//! its health check, once its unsupported namespaces and settings are
//! accepted (`--allow-unsupported`, one per GW901/GW902/GW904 finding).
//! The largest file has 219 endpoints.
//!
//! The files of [`AS_WRITTEN`] need no acceptance at all: every namespace
//! and setting they use is compiled. The list is exact both ways, so a
//! file that stops building as written, or starts to, fails the test until
//! the list says so.
//!
//! Without the corpus the test is skipped with a message. The builds share
//! `<target>/e2e/target` with the end-to-end tests; an unchanged config is a
//! no-op build the second time.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;

use gwc::check::CheckOptions;
use support::*;

/// The corpus files that build as written (no GW901/GW902/GW904 finding),
/// with what they use beyond KrakenD's core.
const AS_WRITTEN: &[&str] = &[
    // auth/validator (RS256 from a JWKS URL), three endpoints.
    "PedroBSantos__krakend-poc__krakend__krakend.json",
    // router.debug_endpoint.
    "datrine__krakend_api_gtw__krakend__krakend.json",
    // auth/validator on four endpoints.
    "denblackstache__krakend-openapi-importer__test__fixtures__krakend-endpoints-output.json",
    // Core only: merge, groups, targets.
    "krakend__examples__5.data-aggregation__krakend.json",
    // qos/ratelimit/router.
    "krakend__examples__6.traffic-throttling__krakend.json",
    // modifier/martian: a header.Modifier sets the Basic credentials.
    "krakend__examples__7.backends-with-basic-auth__krakend.json",
    // modifier/martian: body.Modifier posts a fixed SOAP body.
    "krakend__examples__multiple_post__community__krakend.json",
    // Core only: return_error_details.
    "krakend__examples__return_error_details__krakend.json",
    // Core only.
    "krakend__krakend-koanf__fixtures__ok.json",
    // telemetry/logging, telemetry/metrics (/__stats), security/cors.
    "krakend__krakend-ce__krakend.json",
];

/// Whether the config has a `/__stats` listener (`telemetry/metrics`, or
/// its legacy name, without `endpoint_disabled`): the test moves it to
/// 127.0.0.1:0 (`--stats`), so that no fixed port is needed.
fn has_stats(config: &serde_json::Value) -> bool {
    [
        "telemetry/metrics",
        "github_com/devopsfaith/krakend-metrics",
    ]
    .iter()
    .find_map(|k| config["extra_config"].get(*k).filter(|v| v.is_object()))
    .is_some_and(|m| m["endpoint_disabled"] != serde_json::Value::Bool(true))
}

/// The name a GW901/GW902/GW904 message gives first (`` `name` … ``).
fn accepted_name(message: &str) -> Option<&str> {
    message.split('`').nth(1)
}

#[test]
fn clean_corpus_files_build_and_serve() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipped: {} is absent", dir.display());
        return;
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut built = 0;
    let mut as_written = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if value.get("version").and_then(serde_json::Value::as_i64) != Some(3) {
            continue;
        }
        let (_, diags) = gwc::lint_text(&name, &text);
        if diags.iter().any(|d| d.is_error()) {
            continue;
        }
        let options = CheckOptions {
            build: true,
            ..Default::default()
        };
        let (_, build_diags) = gwc::lint_text_with(&name, &text, &options);
        let mut accept: Vec<String> = build_diags
            .iter()
            .filter(|d| matches!(d.code, "GW901" | "GW902" | "GW904"))
            .filter_map(|d| accepted_name(&d.message).map(str::to_string))
            .collect();
        accept.sort();
        accept.dedup();
        if accept.is_empty() {
            as_written.push(name.clone());
        }
        let args: Vec<&str> = accept
            .iter()
            .flat_map(|a| ["--allow-unsupported", a.as_str()])
            .collect();
        // Short, stable names: the crate dir and binary are per file.
        let stem = format!("corpus-{:02}", built);
        let bin = build_text(&stem, &text, &args);
        let stats: &[&str] = if has_stats(&value) {
            &["--stats", "127.0.0.1:0"]
        } else {
            &[]
        };
        let (gw, _lines) = start_logged(&bin, stats);
        let health = get(&gw.addr, "/__health");
        println!(
            "{name}: built, {} endpoints, health {}, accepted {accept:?}",
            value["endpoints"].as_array().map_or(0, Vec::len),
            health.status
        );
        // A custom health path or a disabled health check answers 404 here;
        // either way the gateway serves.
        assert!(
            matches!(health.status, 200 | 404),
            "{name}: {}",
            health.status
        );
        built += 1;
    }
    assert!(
        built >= 15,
        "expected the clean corpus files to build, got {built}"
    );
    let mut want: Vec<String> = AS_WRITTEN.iter().map(|s| s.to_string()).collect();
    want.sort();
    as_written.sort();
    assert_eq!(
        as_written, want,
        "the corpus files that build with no `--allow-unsupported` (left) differ from AS_WRITTEN (right)"
    );
}
