//! `telemetry/metrics` end to end: a gateway built from
//! `testdata/build/stats.json` (`proxy_disabled`, a 3 s `collection_time`)
//! serves KrakenD's `/__stats` JSON (krakend-components §5.2) on its own
//! listener, `--stats 127.0.0.1:0`; known traffic is checked by metric
//! name and count, before and after the collector's tick.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

fn api(seen: &Seen) -> Reply {
    match seen.path() {
        "/users/1" | "/users/2" => Reply::json(&json!({"id": 1, "name": "ann"}).to_string()),
        "/raw/7" => Reply::json(r#"{"error":"no such thing"}"#).status(404),
        _ => Reply::json(r#"{"error":"boom"}"#).status(500),
    }
}

/// `collection_time` of stats.json.
const TICK: Duration = Duration::from_secs(3);

fn stats(addr: &str) -> (String, Value) {
    let r = get(addr, "/__stats");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    (r.text(), r.json())
}

fn int(doc: &Value, key: &str) -> i64 {
    doc.get(key)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("no integer `{key}` in {doc:#}"))
}

#[test]
fn stats_json_has_ces_names_and_counts() {
    let up = upstream(api);
    let bin = build("stats", &up.url(), &[]);
    let (gw, lines) = start_logged(&bin, &["--stats", "127.0.0.1:0"]);
    // The collector's first tick is TICK after the state is built, which
    // is before the ready lines are printed.
    let ready = Instant::now();
    let stats_addr = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the gateway prints `stats listening on`");
        if let Some(a) = line.strip_prefix("stats listening on ") {
            break a.trim().to_owned();
        }
    };
    assert_ne!(
        stats_addr, "127.0.0.1:8090",
        "--stats overrides listen_address"
    );

    // Known traffic: 3 × 200, 1 × a backend's 404 passed through (no-op),
    // 1 × a backend error (500), 2 × no endpoint (404: not in the router
    // layer, as in CE).
    for id in [1, 2, 1] {
        assert_eq!(get(&gw.addr, &format!("/users/{id}")).status, 200);
    }
    assert_eq!(get(&gw.addr, "/raw/7").status, 404);
    assert_eq!(get(&gw.addr, "/broken").status, 500);
    for _ in 0..2 {
        assert_eq!(get(&gw.addr, "/nowhere").status, 404);
    }
    let (text, doc) = stats(&stats_addr);
    let fetched = ready.elapsed();

    // Cumulative counters, whatever the tick.
    let users = "krakend.router.response./users/:id";
    assert_eq!(int(&doc, &format!("{users}.status.200.count")), 3);
    assert_eq!(int(&doc, &format!("{users}.status")), 0);
    assert_eq!(
        int(&doc, "krakend.router.response./raw/:id.status.404.count"),
        1
    );
    assert_eq!(
        int(&doc, "krakend.router.response./broken.status.500.count"),
        1
    );
    let backend = |name: &str, complete: bool, error: bool| {
        int(
            &doc,
            &format!(
                "krakend.proxy.requests.layer.backend.name.{name}.complete.{complete}.error.{error}"
            ),
        )
    };
    assert_eq!(backend("/users/{{.Id}}", true, false), 3);
    assert_eq!(backend("/users/{{.Id}}", false, true), 0);
    assert_eq!(backend("/raw/{{.Id}}", true, false), 1);
    assert_eq!(backend("/fail", false, true), 1);
    assert_eq!(backend("/fail", true, false), 0);
    // proxy_disabled: no pipe layer; no endpoint: not listed.
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert!(!keys.iter().any(|k| k.contains("layer.pipe")), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("nowhere")), "{keys:?}");
    // Every histogram has go-metrics' ten fields (expvar's names).
    let hist_fields = [
        "50-percentile",
        "75-percentile",
        "95-percentile",
        "99-percentile",
        "999-percentile",
        "count",
        "max",
        "mean",
        "min",
        "std-dev",
    ];
    for h in [
        format!("{users}.size"),
        format!("{users}.time"),
        "krakend.proxy.latency.layer.backend.name./fail.complete.false.error.true".to_owned(),
    ] {
        for f in hist_fields {
            assert!(doc.get(format!("{h}.{f}")).is_some(), "no `{h}.{f}`");
        }
    }
    // Router layer: 5 requests reached an endpoint. Backend layer: 3 + 1
    // + 1 names × (complete, error) × (count + 10 histogram fields).
    let router_keys = keys
        .iter()
        .filter(|k| k.starts_with("krakend.router.response."))
        .count();
    // 3 endpoints × (status + size + time) + 3 status codes.
    assert_eq!(router_keys, 3 * (1 + 10 + 10) + 3, "{keys:?}");
    let backend_keys = keys.iter().filter(|k| k.contains("layer.backend")).count();
    assert_eq!(backend_keys, 3 * 4 * (1 + 10), "{keys:?}");
    // expvar's `cmdline`; keys sorted as expvar writes them.
    assert!(
        doc["cmdline"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v == "--stats"))
    );
    let written: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix('"')?.split("\": ").next())
        .collect();
    let mut sorted = written.clone();
    sorted.sort_unstable();
    assert_eq!(written, sorted);
    assert!(text.starts_with("{\n") && text.ends_with("\n}\n"));

    // This window: only when no tick can have passed yet (measured).
    if fetched < TICK {
        assert_eq!(int(&doc, &format!("{users}.time.count")), 3);
        assert_eq!(int(&doc, &format!("{users}.size.count")), 3);
        assert_eq!(int(&doc, "krakend.router.connected"), 5);
        assert_eq!(int(&doc, "krakend.router.disconnected"), 5);
        assert_eq!(int(&doc, "krakend.router.connected-total"), 0);
        // Sizes are the bodies' bytes: {"id":1,"name":"ann"}.
        assert_eq!(doc[format!("{users}.size.max")], json!(21));
        // Nanoseconds, printed as Go's %g: `1.234567e+06`.
        let min = doc[format!("{users}.time.min")].as_f64().unwrap();
        let max = doc[format!("{users}.time.max")].as_f64().unwrap();
        assert!(min > 0.0 && min <= max && max < fetched.as_nanos() as f64);
    } else {
        eprintln!("fetched {fetched:?} after start: the window checks are skipped");
    }

    // After a tick: the totals hold the 5 requests, the window is empty,
    // the status counters are still cumulative.
    let deadline = Instant::now() + 4 * TICK;
    let doc = loop {
        let (_, doc) = stats(&stats_addr);
        if int(&doc, "krakend.router.connected-total") == 5 {
            break doc;
        }
        assert!(Instant::now() < deadline, "no tick within {:?}", 4 * TICK);
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(int(&doc, "krakend.router.disconnected-total"), 5);
    assert_eq!(int(&doc, "krakend.router.connected"), 0);
    assert_eq!(int(&doc, &format!("{users}.time.count")), 0);
    assert_eq!(int(&doc, &format!("{users}.status.200.count")), 3);
    assert_eq!(backend("/users/{{.Id}}", true, false), 3);

    // CE's gin engine around the handler.
    assert_eq!(send(&stats_addr, "POST", "/__stats", &[], b"").status, 405);
    assert_eq!(get(&stats_addr, "/other").status, 404);
    assert_eq!(get(&stats_addr, "/__stats/").status, 301);
    drop(gw);

    // A deliberate difference (README): a `/__stats` address that cannot
    // be bound stops the gateway at start (CE logs it and runs without).
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = std::process::Command::new(&bin)
        .args(["--listen", "127.0.0.1:0", "--stats", &addr])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/__stats") && err.contains(&addr), "{err}");
}
