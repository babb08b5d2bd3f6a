//! gwc's schema against itself and against KrakenD's official one.
//!
//! - the schema file is a valid draft 2020-12 schema and documents every
//!   property (descriptions become editor hover text);
//! - every corpus file KrakenD's official v2.13 schema accepts gets no GW8xx
//!   finding from gwc, and no corpus file of version 3 gets a GW8xx error;
//! - hand-written broken snippets are rejected by both schemas, each with
//!   the GW8xx code that names its mistake.
//!
//! The corpus and the official schema live in `../shared` beside the
//! workspace; without them the comparisons are skipped with a message.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn our_schema() -> Value {
    serde_json::from_str(gwc_schema::SCHEMA_JSON).expect("schema/krakend.schema.json is JSON")
}

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// KrakenD's official bundled schema (v2.13, draft 2019-09), compiled.
fn official() -> Option<jsonschema::Validator> {
    let path = shared().join("krakend-schema/v2.13/krakend.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipped: {} is absent", path.display());
        return None;
    };
    let schema: Value = serde_json::from_str(&text).expect("official schema is JSON");
    Some(jsonschema::draft201909::new(&schema).expect("official schema compiles"))
}

/// The corpus files that are plain JSON: (file name, text, value).
fn corpus() -> Vec<(String, String, Value)> {
    let dir = shared().join("corpus");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipped: {} is absent", dir.display());
        return Vec::new();
    };
    let mut files: Vec<(String, String, Value)> = entries
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?.to_string();
            if !name.ends_with(".json") {
                return None;
            }
            let text = std::fs::read_to_string(&path).ok()?;
            let value = serde_json::from_str(&text).ok()?;
            Some((name, text, value))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn schema_findings(name: &str, text: &str) -> Vec<gwc::diag::Diagnostic> {
    let (_, diags) = gwc::lint_text(name, text);
    diags
        .into_iter()
        // The schema family; GW850–GW869 are the telemetry components' rules
        // (CE footguns the official schema accepts, such as `listen_ip`).
        .filter(|d| d.code.starts_with("GW8") && d.code < "GW850")
        .collect()
}

fn describe(diags: &[gwc::diag::Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn schema_is_valid_draft_2020_12() {
    let schema = our_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
        panic!(
            "not a valid draft 2020-12 schema: {e} at {}",
            e.instance_path().as_str()
        );
    }
    jsonschema::draft202012::new(&schema).expect("the schema compiles");
}

#[test]
fn every_property_has_a_description() {
    fn walk(node: &Value, at: &str, missing: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                for keyword in ["properties", "patternProperties", "$defs"] {
                    for (name, sub) in map
                        .get(keyword)
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        let described = sub
                            .get("description")
                            .and_then(Value::as_str)
                            .is_some_and(|d| d.len() > 10);
                        if !described {
                            missing.push(format!("{at}/{keyword}/{name}"));
                        }
                    }
                }
                for (key, sub) in map {
                    walk(sub, &format!("{at}/{key}"), missing);
                }
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .for_each(|(i, sub)| walk(sub, &format!("{at}/{i}"), missing)),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(&our_schema(), "", &mut missing);
    assert!(
        missing.is_empty(),
        "properties without a description:\n{}",
        missing.join("\n")
    );
}

#[test]
fn official_schema_valid_corpus_files_get_no_schema_findings() {
    let Some(official) = official() else { return };
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, text, value) in corpus() {
        if !official.is_valid(&value) {
            continue;
        }
        checked += 1;
        let found = schema_findings(&name, &text);
        if !found.is_empty() {
            failures.push(format!("{name}:\n{}", describe(&found)));
        }
    }
    println!("{checked} corpus files are valid against the official schema");
    assert!(
        checked > 10 || corpus().is_empty(),
        "too few official-valid corpus files: {checked}"
    );
    assert!(
        failures.is_empty(),
        "official-valid files with GW8xx findings:\n{}",
        failures.join("\n\n")
    );
}

#[test]
fn version_3_corpus_files_get_no_schema_errors() {
    let mut failures = Vec::new();
    for (name, text, value) in corpus() {
        if value.get("version") != Some(&json!(3)) {
            continue;
        }
        let errors: Vec<_> = schema_findings(&name, &text)
            .into_iter()
            .filter(|d| d.is_error())
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{name}:\n{}", describe(&errors)));
        }
    }
    assert!(
        failures.is_empty(),
        "version 3 corpus files with GW8xx errors:\n{}",
        failures.join("\n\n")
    );
}

/// A config whose one endpoint has `endpoint_patch` merged in and whose one
/// backend has `backend_patch` merged in.
fn config(root_patch: Value, endpoint_patch: Value, backend_patch: Value) -> Value {
    let mut backend = json!({ "url_pattern": "/users", "host": ["http://users.internal:8080"] });
    merge(&mut backend, backend_patch);
    let mut endpoint = json!({ "endpoint": "/users", "backend": [backend] });
    merge(&mut endpoint, endpoint_patch);
    let mut root = json!({ "version": 3, "endpoints": [endpoint] });
    merge(&mut root, root_patch);
    root
}

/// Sets every key of `patch` on `target`; a `null` removes the key.
fn merge(target: &mut Value, patch: Value) {
    let (Some(t), Value::Object(p)) = (target.as_object_mut(), patch) else {
        return;
    };
    for (k, v) in p {
        if v.is_null() {
            t.remove(&k);
        } else {
            t.insert(k, v);
        }
    }
}

#[test]
fn broken_snippets_fail_both_schemas() {
    let none = json!({});
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "unknown TLS version",
            config(
                json!({ "client_tls": { "min_version": "TLS1.2" } }),
                none.clone(),
                none.clone(),
            ),
            "GW803",
        ),
        (
            "endpoints as an object",
            config(json!({ "endpoints": {} }), none.clone(), none.clone()),
            "GW802",
        ),
        (
            "extra_config as an array",
            config(json!({ "extra_config": [] }), none.clone(), none.clone()),
            "GW802",
        ),
        (
            "unknown root key",
            config(json!({ "timout": "3s" }), none.clone(), none.clone()),
            "GW801",
        ),
        (
            "router flag as a string",
            config(
                json!({ "extra_config": { "router": { "auto_options": "yes" } } }),
                none.clone(),
                none.clone(),
            ),
            "GW802",
        ),
        (
            "endpoint without path",
            config(none.clone(), json!({ "endpoint": null }), none.clone()),
            "GW804",
        ),
        (
            "unknown endpoint key",
            config(none.clone(), json!({ "backends": [] }), none.clone()),
            "GW801",
        ),
        (
            "misspelt endpoint namespace",
            config(
                none.clone(),
                json!({ "extra_config": { "qos/ratelimit/routr": { "max_rate": 5 } } }),
                none.clone(),
            ),
            "GW801",
        ),
        (
            "bad propagated param",
            config(
                none.clone(),
                json!({ "extra_config": { "proxy": { "sequential_propagated_params": ["response0"] } } }),
                none.clone(),
            ),
            "GW805",
        ),
        (
            "backend without url_pattern",
            config(none.clone(), none.clone(), json!({ "url_pattern": null })),
            "GW804",
        ),
        (
            "unknown backend key",
            config(none.clone(), none.clone(), json!({ "hots": ["http://x"] })),
            "GW801",
        ),
        (
            "host as a string",
            config(
                none.clone(),
                none.clone(),
                json!({ "host": "http://users" }),
            ),
            "GW802",
        ),
        (
            "unknown sd",
            config(none.clone(), none.clone(), json!({ "sd": "dsn" })),
            "GW803",
        ),
        (
            "circuit breaker without max_errors",
            config(
                none.clone(),
                none.clone(),
                json!({ "extra_config": { "qos/circuit-breaker": { "interval": 60, "timeout": 10 } } }),
            ),
            "GW804",
        ),
        (
            "shadow as a string",
            config(
                none.clone(),
                none.clone(),
                json!({ "extra_config": { "proxy": { "shadow": "true" } } }),
            ),
            "GW802",
        ),
    ];
    let official = official();
    let mut failures = Vec::new();
    for (what, value, code) in cases {
        let text = serde_json::to_string_pretty(&value).expect("serialises");
        if let Some(official) = &official
            && official.is_valid(&value)
        {
            failures.push(format!("{what}: the official schema accepts it"));
        }
        let found = schema_findings("snippet.json", &text);
        if !found.iter().any(|d| d.code == code) {
            failures.push(format!(
                "{what}: expected {code}, got:\n{}",
                describe(&found)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Mistakes KrakenD's schema lets through but KrakenD itself trips on (gin
/// panics on a health path without `/`, Go on a status above 999): gwc's
/// schema is stricter there on purpose.
#[test]
fn broken_snippets_only_gwc_rejects() {
    let none = json!({});
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "health path without a slash",
            config(
                json!({ "extra_config": { "router": { "health_path": "health" } } }),
                none.clone(),
                none.clone(),
            ),
            "GW805",
        ),
        (
            "preflight status out of range",
            config(
                json!({ "extra_config": { "security/cors": { "allow_origins": ["*"], "options_success_status": 2040 } } }),
                none.clone(),
                none.clone(),
            ),
            "GW805",
        ),
    ];
    for (what, value, code) in cases {
        let text = serde_json::to_string_pretty(&value).expect("serialises");
        let found = schema_findings("snippet.json", &text);
        assert!(
            found.iter().any(|d| d.code == code),
            "{what}: expected {code}, got:\n{}",
            describe(&found)
        );
    }
}

#[test]
fn valid_snippet_passes_both_schemas() {
    let value = config(
        json!({ "port": 8080, "timeout": "3s", "extra_config": { "router": { "auto_options": true }, "security/cors": { "allow_origins": ["*"] } } }),
        json!({ "method": "POST", "extra_config": { "proxy": { "sequential": true } } }),
        json!({ "extra_config": { "qos/circuit-breaker": { "interval": 60, "timeout": 10, "max_errors": 5 }, "backend/http": { "return_error_code": true } } }),
    );
    if let Some(official) = official() {
        let errors: Vec<String> = official
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path().as_str()))
            .collect();
        assert!(
            errors.is_empty(),
            "the official schema rejects the valid snippet: {errors:?}"
        );
    }
    let text = serde_json::to_string_pretty(&value).expect("serialises");
    let found = schema_findings("snippet.json", &text);
    assert!(found.is_empty(), "{}", describe(&found));
}

/// gwc's own namespaces (research/lb-failover-health.md §7): the canonical
/// backend passes gwc's schema (KrakenD's rejects every `gwc/…` namespace,
/// which is why `gwc lint` replaces `krakend check --lint` for such files),
/// and each mistake gets the code that names it: GW501 for unknown keys (an
/// error, never GW801's warning), GW802/GW803/GW805 for the types, value sets
/// and ranges the schema owns.
#[test]
fn gwc_namespace_snippets() {
    let none = json!({});
    let findings = |value: &Value| -> Vec<gwc::diag::Diagnostic> {
        let text = serde_json::to_string_pretty(value).expect("serialises");
        let (_, diags) = gwc::lint_text("snippet.json", &text);
        diags
            .into_iter()
            .filter(|d| d.code.starts_with("GW8") || d.code == "GW501")
            .collect()
    };
    let backend = |extra: Value| {
        config(
            none.clone(),
            none.clone(),
            json!({ "host": ["http://a:8080", "http://b:8080"], "extra_config": extra }),
        )
    };
    let canonical = backend(json!({
        "gwc/loadbalancer": {
            "algorithm": "weighted_round_robin",
            "hosts": {
                "http://a:8080": { "weight": 3, "name": "a", "healthcheck": { "path": "/status" } },
                "http://b:8080": { "backup": true, "inherit": false, "http": { "version": "h2c", "tls": { "allow_insecure_connections": false } } }
            },
            "all_unhealthy": "fail_open"
        },
        "gwc/healthcheck": {
            "active": { "path": "/health", "method": "HEAD", "headers": { "X-Probe": "gwc" }, "interval": "5s", "timeout": "1s",
                        "jitter": "250ms", "unhealthy_threshold": 3, "healthy_threshold": 2, "expect_status": [200, "2xx"],
                        "initial_state": "unhealthy", "reuse_connection": true, "from_root": true },
            "passive": { "consecutive_failures": 5, "failure_on": ["connect-failure", "gateway-error"], "ejection_time": "30s",
                         "max_ejection_time": "300s", "max_ejection_percent": 50 }
        },
        "gwc/failover": { "max_attempts": 2, "per_try_timeout": "500ms", "retry_on": ["connect-failure", "retriable-status"],
                          "retriable_status": [429], "max_retry_body_bytes": 65536, "backoff_base": "25ms", "backoff_max": "250ms",
                          "budget_percent": 20, "min_retry_concurrency": 3 },
        "gwc/http-client": { "version": "http/1.1", "connect_timeout": "250ms", "idle_timeout": "60s", "keep_alive": true,
                             "max_connections_per_host": 100, "pipelining": false, "follow_redirects": true }
    }));
    let found = findings(&canonical);
    assert!(found.is_empty(), "{}", describe(&found));
    if let Some(official) = official() {
        assert!(
            !official.is_valid(&canonical),
            "KrakenD's schema now accepts `gwc/…` namespaces: revisit the README"
        );
    }
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "misspelt failover key",
            backend(json!({ "gwc/failover": { "max_atempts": 3 } })),
            "GW501",
        ),
        (
            "gwc namespace at endpoint level",
            config(
                none.clone(),
                json!({ "extra_config": { "gwc/failover": {} } }),
                none.clone(),
            ),
            "GW501",
        ),
        (
            "Gravitee camelCase key",
            backend(json!({ "gwc/http-client": { "connectTimeout": "1s" } })),
            "GW501",
        ),
        (
            "unknown all_unhealthy",
            backend(json!({ "gwc/loadbalancer": { "all_unhealthy": "fail-open" } })),
            "GW803",
        ),
        (
            "unknown passive failure class",
            backend(json!({ "gwc/healthcheck": { "passive": { "failure_on": ["5XX"] } } })),
            "GW803",
        ),
        (
            "no connections allowed",
            backend(json!({ "gwc/http-client": { "max_connections_per_host": 0 } })),
            "GW805",
        ),
        (
            "retry budget above 100%",
            backend(json!({ "gwc/failover": { "budget_percent": 150 } })),
            "GW805",
        ),
        (
            "weight as a string",
            backend(
                json!({ "gwc/loadbalancer": { "hosts": { "http://a:8080": { "weight": "3" } } } }),
            ),
            "GW802",
        ),
    ];
    let mut failures = Vec::new();
    for (what, value, code) in cases {
        let found = findings(&value);
        if !found.iter().any(|d| d.code == code) || found.iter().any(|d| d.code == "GW801") {
            failures.push(format!(
                "{what}: expected {code} (and no GW801), got:\n{}",
                describe(&found)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
