//! End to end for the `gwc/*` pool policies: `gwc build` compiles
//! `testdata/build/loadbalancing.json` (its `upstream-*.test` placeholder
//! hosts pointed at in-process upstreams on 127.0.0.1:0), the gateway runs
//! as a real process, and real requests check what the compiled policies
//! do: the weighted schedule, failover past a refused host, the backup tier
//! behind an active health check, `fail_closed`, per-host client options,
//! and the admin `/upstreams` and `/metrics` views.
//!
//! The exhaustive runtime scenarios (LBF-01…LBF-20) run against hand-built
//! descriptions in `runtime/tests/lbf.rs`; this file proves that the
//! compiler emits the policies those scenarios assume.

#![allow(clippy::unwrap_used)]

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use support::*;

/// An upstream that names itself in every answer; `/health` answers
/// `health` (a status).
fn named(name: &'static str, health: u16) -> Upstream {
    upstream(move |seen| match seen.path() {
        "/health" => Reply::json("{}").status(health),
        "/work" => Reply::json(&format!(r#"{{"served_by":"{name}"}}"#)),
        p => Reply::json(&format!(
            r#"{{"id":"{}","served_by":"{name}","secret":"s"}}"#,
            p.rsplit('/').next().unwrap_or_default()
        )),
    })
}

/// A URL where nothing listens (connections are refused).
fn refused_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

struct Setup {
    a: Upstream,
    b: Upstream,
    c: Upstream,
    gw: Gateway,
}

fn setup() -> Setup {
    let (a, b, c) = (named("a", 200), named("b", 200), named("c", 503));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/build/loadbalancing.json");
    let text = std::fs::read_to_string(source)
        .unwrap()
        .replace("http://upstream-a.test", &a.url())
        .replace("http://upstream-b.test", &b.url())
        .replace("http://upstream-c.test", &c.url())
        .replace("http://upstream-dead.test", &refused_url());
    let bin = build_text("loadbalancing", &text, &[]);
    let gw = start_with(&bin, true);
    Setup { a, b, c, gw }
}

fn served_by(r: &Resp) -> String {
    r.json()["served_by"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// One gateway for every check: building it is the slow part.
#[test]
fn compiled_pool_policies() {
    let s = setup();
    weighted_round_robin_follows_the_compiled_schedule(&s);
    failover_skips_a_refused_host(&s);
    backup_takes_over_when_the_primary_fails_its_probe(&s);
    fail_closed_answers_503_without_calling(&s);
    round_robin_with_client_options(&s);
    admin_views_name_the_hosts(&s);
}

/// 3:1 smooth WRR: `a a b a` repeated (a 3, b 1), exact from the start.
fn weighted_round_robin_follows_the_compiled_schedule(s: &Setup) {
    let order: String = (0..16)
        .map(|_| {
            let r = get(&s.gw.addr, "/weighted");
            assert_eq!(r.status, 200, "{}", r.text());
            served_by(&r)
        })
        .collect();
    assert_eq!(order, "aaba".repeat(4));
}

/// Round robin from host 0 (refused): each request that lands there is
/// retried on `a` and succeeds; the debug header counts the attempts.
fn failover_skips_a_refused_host(s: &Setup) {
    let before = s.a.seen_at("/work").len();
    let mut attempts = Vec::new();
    for _ in 0..6 {
        let r = get(&s.gw.addr, "/failover");
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(served_by(&r), "a");
        attempts.push(r.header("x-gwc-attempts").unwrap_or("?").to_string());
    }
    assert_eq!(s.a.seen_at("/work").len() - before, 6);
    assert!(
        attempts.iter().any(|a| a == "2"),
        "no request was retried: {attempts:?}"
    );
    assert!(
        attempts.iter().all(|a| a == "1" || a == "2"),
        "{attempts:?}"
    );
    // The retried attempt carries its number upstream.
    assert!(
        s.a.seen_at("/work")
            .iter()
            .any(|r| r.header("x-gwc-attempt") == Some("2"))
    );
}

/// `c` answers its probe 503; after one failed probe (threshold 1, every
/// 100 ms) only the backup `b` serves.
fn backup_takes_over_when_the_primary_fails_its_probe(s: &Setup) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = get(&s.gw.addr, "/backup");
        assert_eq!(r.status, 200, "{}", r.text());
        if served_by(&r) == "b" {
            break;
        }
        assert!(Instant::now() < deadline, "the backup never took over");
        std::thread::sleep(Duration::from_millis(20));
    }
    for _ in 0..10 {
        let r = get(&s.gw.addr, "/backup");
        assert_eq!(served_by(&r), "b");
    }
    assert!(!s.c.seen_at("/health").is_empty(), "c was never probed");
}

/// `initial_state: unhealthy` and a probe that never passes: no-op answers
/// 503 with `X-Gwc-Upstream: none` and the host sees no traffic.
fn fail_closed_answers_503_without_calling(s: &Setup) {
    let before = s.c.seen_at("/work").len();
    for _ in 0..3 {
        let r = get(&s.gw.addr, "/closed");
        assert_eq!(r.status, 503, "{}", r.text());
        assert_eq!(r.header("x-gwc-upstream"), Some("none"));
    }
    assert_eq!(s.c.seen_at("/work").len(), before);
}

/// A json endpoint over a round-robin pool with its own client options:
/// exact alternation, and KrakenD's manipulation still applies.
fn round_robin_with_client_options(s: &Setup) {
    let order: Vec<String> = (0..4)
        .map(|i| {
            let r = get(&s.gw.addr, &format!("/users/{i}"));
            assert_eq!(r.status, 200, "{}", r.text());
            let v = r.json();
            assert_eq!(v["id"], i.to_string());
            assert!(v.get("secret").is_none(), "{v}");
            served_by(&r)
        })
        .collect();
    assert_eq!(order, ["a", "b", "a", "b"]);
    assert_eq!(s.b.seen_at("/users/1").len(), 1);
}

/// `/upstreams` lists the compiled names, tiers and states; `/metrics` the
/// per-host attempt counters.
fn admin_views_name_the_hosts(s: &Setup) {
    let admin = s.gw.admin.as_deref().expect("admin listener");
    let r = get(admin, "/upstreams");
    assert_eq!(r.status, 200);
    let v = r.json();
    let hosts = v["upstreams"].as_array().expect("upstreams list");
    let find = |endpoint: &str, name: &str| {
        hosts
            .iter()
            .find(|h| h["endpoint"] == endpoint && h["name"] == name)
            .unwrap_or_else(|| panic!("no host {name} of {endpoint} in {v}"))
    };
    let a = find("/weighted", "a");
    assert_eq!(a["ok"], 12, "{a}");
    assert_eq!(a["backup"], false, "{a}");
    let backup = find("/backup", "b-backup");
    assert_eq!(backup["backup"], true, "{backup}");
    let c = find("/backup", &s.c.url());
    assert_eq!(c["eligible"], false, "{c}");
    assert!(c["probes_failed"].as_u64().unwrap_or(0) >= 1, "{c}");
    let metrics = get(admin, "/metrics").text();
    assert!(metrics.contains("gwc_upstream_attempts_total"), "{metrics}");
    assert!(
        metrics.contains("gwc_no_healthy_upstream_total"),
        "{metrics}"
    );
}
