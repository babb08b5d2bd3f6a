//! `telemetry/gelf` and `telemetry/logstash` end to end (krakend-components
//! §2.2): gateways built from `testdata/build/gelf.json` and
//! `testdata/build/logstash.json` send GELF to a UDP or TCP listener the
//! test owns (`--gelf 127.0.0.1:PORT`), each message parsed field by field,
//! and write logstash's JSON records on stdout.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::Read as _;
use std::net::{TcpListener, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use support::*;

const WAIT: Duration = Duration::from_secs(10);

fn api(seen: &Seen) -> Reply {
    match seen.path() {
        "/users/7" => Reply::json(&json!({"id": 7, "name": "ann"}).to_string()),
        _ => Reply::json(r#"{"error":"boom"}"#).status(500),
    }
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The host name as Go's `os.Hostname` reads it.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "localhost".into())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// GELF messages from `recv` until `done` holds (or [`WAIT`] passes).
fn messages(
    mut recv: impl FnMut() -> Option<Vec<Value>>,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    let mut out = Vec::new();
    while !done(&out) {
        assert!(
            Instant::now() < deadline,
            "the expected GELF messages did not come within {WAIT:?}: {out:?}"
        );
        if let Some(mut m) = recv() {
            out.append(&mut m);
        }
    }
    out
}

fn short(m: &Value) -> &str {
    m["short_message"].as_str().unwrap()
}

/// Stdout lines seen within `d` (the gateway's other writer).
fn lines_for(rx: &std::sync::mpsc::Receiver<String>, d: Duration) -> Vec<String> {
    let deadline = Instant::now() + d;
    let mut out = Vec::new();
    while let Ok(l) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        out.push(l);
    }
    out
}

/// gin's access line, checked field by field.
fn check_access(line: &str, status: &str, target: &str) {
    let fields: Vec<&str> = line.split(" | ").collect();
    assert_eq!(fields.len(), 5, "{line}");
    let stamp = fields[0].strip_prefix("[GIN] ").unwrap();
    assert_eq!(stamp.len(), "2006/01/02 - 15:04:05".len(), "{stamp}");
    assert_eq!(&stamp[10..13], " - ", "{stamp}");
    assert_eq!(fields[1], status);
    assert!(fields[2].trim().ends_with('s'), "{line}");
    assert_eq!(fields[3].trim(), "127.0.0.1");
    assert_eq!(fields[4], format!("GET     \"{target}\""));
}

/// GELF's fields as go-gelf's writer fills them.
fn check_gelf(m: &Value, t0: f64, t1: f64, facility: Option<&str>) {
    assert_eq!(m["version"], "1.1", "{m}");
    assert_eq!(m["host"], hostname().as_str(), "{m}");
    let ts = m["timestamp"].as_f64().unwrap();
    assert!(
        ts >= t0 - 0.001 && ts <= t1 + 0.001,
        "{ts} not in [{t0}, {t1}]"
    );
    assert!(ts.fract() != 0.0, "sub-second timestamp: {ts}");
    // go-gelf gives every line level 6 (informational).
    assert_eq!(m["level"], 6, "{m}");
    assert_eq!(m.get("facility").and_then(Value::as_str), facility, "{m}");
    assert!(m["_file"].is_string() && m["_line"].is_u64(), "{m}");
}

/// GELF over UDP: gin's access lines go to GELF only (not stdout), the
/// application record too (the Go log prefix then the message, pattern
/// `%{message}`), gzip-compressed, with go-gelf's fields; stdout keeps the
/// application line in the default pattern.
#[test]
fn gelf_over_udp_carries_access_and_application_lines() {
    let up = upstream(api);
    let rx_gelf = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx_gelf
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let gelf_addr = rx_gelf.local_addr().unwrap().to_string();
    let bin = build("gelf", &up.url(), &[]);
    let (gw, rx) = start_logged(&bin, &["--gelf", &gelf_addr]);

    let t0 = now_s();
    assert_eq!(get(&gw.addr, "/__health").status, 200);
    assert_eq!(get(&gw.addr, "/users/7?x=1").status, 200);
    assert_ne!(get(&gw.addr, "/fail").status, 200);
    let mut buf = vec![0u8; 65_536];
    let got = messages(
        || {
            let n = rx_gelf.recv(&mut buf).ok()?;
            // go-gelf's UDP writer gzips every message (magic 1f 8b).
            assert_eq!(&buf[..2], &[0x1f, 0x8b]);
            Some(vec![serde_json::from_slice(&gunzip(&buf[..n])).unwrap()])
        },
        |ms| {
            ms.iter().filter(|m| short(m).starts_with("[GIN] ")).count() >= 2
                && ms.iter().any(|m| short(m).starts_with("[GW]"))
        },
    );
    let t1 = now_s();
    for m in &got {
        check_gelf(m, t0, t1, Some("gelf"));
    }
    let access: Vec<&str> = got
        .iter()
        .map(short)
        .filter(|s| s.starts_with("[GIN] "))
        .collect();
    check_access(access[0], "200", "/users/7?x=1");
    check_access(access[1], "500", "/fail");
    assert!(!access.iter().any(|l| l.contains("__health")), "{access:?}");
    let app: Vec<&Value> = got
        .iter()
        .filter(|m| short(m).starts_with("[GW]"))
        .collect();
    assert_eq!(app.len(), 1, "{got:?}");
    assert!(
        short(app[0]).starts_with("[GW][ENDPOINT: /fail] Error #0: "),
        "{}",
        app[0]
    );

    // stdout: the application line in the default pattern, no access line.
    let out = lines_for(&rx, Duration::from_millis(500));
    assert!(!out.iter().any(|l| l.starts_with("[GIN]")), "{out:?}");
    let app_out: Vec<&String> = out.iter().filter(|l| l.starts_with("[GW] ")).collect();
    assert_eq!(app_out.len(), 1, "{out:?}");
    assert!(
        app_out[0].contains(" \u{1b}[31m▶ ERROR\u{1b}[0m [ENDPOINT: /fail] Error #0: "),
        "{out:?}"
    );
}

/// GELF over TCP (`enable_tcp`) with `telemetry/logstash`: NUL-framed
/// uncompressed JSON without `facility` (go-gelf's TCP writer); the
/// application record is logstash's JSON, on stdout bare (the pattern is
/// `%{message}` once both are on) and in GELF's `short_message`; once the
/// input is gone, requests go on without waiting for the writer.
#[test]
fn gelf_over_tcp_with_logstash() {
    let up = upstream(api);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let gelf_addr = listener.local_addr().unwrap().to_string();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/build/gelf.json"),
    )
    .unwrap()
    .replace(PLACEHOLDER, &up.url())
    .replace(r#""enable_tcp": false"#, r#""enable_tcp": true"#)
    .replace(
        r#""router":"#,
        r#""telemetry/logstash": {"enabled": true}, "router":"#,
    );
    let bin = build_text("gelf_tcp", &text, &[]);
    let (gw, rx) = start_logged(&bin, &["--gelf", &gelf_addr]);
    // The writer connects at start, as go-gelf's NewTCPWriter.
    let (mut conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();

    let t0 = now_s();
    assert_eq!(get(&gw.addr, "/users/7").status, 200);
    assert_ne!(get(&gw.addr, "/fail").status, 200);
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    let got = messages(
        || {
            let n = conn.read(&mut buf).ok()?;
            pending.extend_from_slice(&buf[..n]);
            let mut out = Vec::new();
            while let Some(i) = pending.iter().position(|b| *b == 0) {
                let frame: Vec<u8> = pending.drain(..=i).collect();
                out.push(serde_json::from_slice(&frame[..frame.len() - 1]).unwrap());
            }
            Some(out)
        },
        |ms| {
            ms.iter().any(|m| short(m).starts_with("[GIN] "))
                && ms.iter().any(|m| short(m).starts_with('{'))
        },
    );
    let t1 = now_s();
    for m in &got {
        check_gelf(m, t0, t1, None);
    }
    let access = got
        .iter()
        .map(short)
        .find(|s| s.starts_with("[GIN] "))
        .unwrap();
    check_access(access, "200", "/users/7");
    let record: Value =
        serde_json::from_str(got.iter().map(short).find(|s| s.starts_with('{')).unwrap()).unwrap();
    assert_eq!(record["module"], "[GW]", "{record}");
    assert_eq!(record["level"], "ERROR", "{record}");
    assert!(
        record["message"]
            .as_str()
            .unwrap()
            .starts_with("[ENDPOINT: /fail] Error #0: "),
        "{record}"
    );

    // stdout: the same record, bare.
    let out = lines_for(&rx, Duration::from_millis(500));
    let json_lines: Vec<&String> = out.iter().filter(|l| l.starts_with('{')).collect();
    assert_eq!(json_lines.len(), 1, "{out:?}");
    let v: Value = serde_json::from_str(json_lines[0]).unwrap();
    assert_eq!(v["module"], "[GW]");
    assert!(!out.iter().any(|l| l.starts_with("[GIN]")), "{out:?}");

    // The Graylog input goes away: requests do not wait for the writer's
    // reconnects (go-gelf sleeps 1 s per attempt inside the request's
    // write, 3 attempts); lines that cannot be sent are dropped and counted.
    drop(conn);
    drop(listener);
    let t = Instant::now();
    for _ in 0..20 {
        assert_eq!(get(&gw.addr, "/users/7").status, 200);
    }
    let took = t.elapsed();
    assert!(took < Duration::from_secs(3), "20 requests took {took:?}");
}

/// `telemetry/logstash` with the default format: real JSON records
/// (krakend-logstash's `json.Marshal`) inside go-logging's default pattern
/// (krakend-ce#153), the prefix as `module`.
#[test]
fn logstash_records_in_the_default_pattern() {
    let up = upstream(api);
    let bin = build("logstash", &up.url(), &[]);
    let (gw, rx) = start_logged(&bin, &[]);
    let t0 = SystemTime::now();
    assert_ne!(get(&gw.addr, "/fail").status, 200);
    let deadline = Instant::now() + WAIT;
    let line = loop {
        let l = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the logstash line within the wait");
        if l.contains("\u{1b}[0m {") {
            break l;
        }
    };
    let t1 = SystemTime::now();
    // ` 2006/01/02 - 15:04:05.000 <red>▶ ERROR<reset> {json}`: no prefix
    // before the date (krakend-logstash takes it out of the logger).
    assert!(line.starts_with(' '), "{line:?}");
    let (head, json) = line.split_once("\u{1b}[0m ").unwrap();
    assert_eq!(
        head.len(),
        " 2006/01/02 - 15:04:05.000 ".len() + "\u{1b}[31m▶ ERROR".len(),
        "{head:?}"
    );
    assert!(head.ends_with(" \u{1b}[31m▶ ERROR"), "{head:?}");
    let v: Value = serde_json::from_str(json).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "@timestamp",
            "@version",
            "host",
            "level",
            "message",
            "module"
        ],
        "{json}"
    );
    // Go's json.Marshal sorts a map's keys: the text is in that order too.
    let order: Vec<usize> = keys
        .iter()
        .map(|k| json.find(&format!("\"{k}\"")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{json}");
    assert_eq!(v["@version"], 1);
    assert_eq!(v["host"], hostname().as_str());
    assert_eq!(v["level"], "ERROR");
    assert_eq!(v["module"], "[GW]");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("[ENDPOINT: /fail] Error #0: "),
        "{json}"
    );
    // `2006-01-02T15:04:05.000000-07:00` (UTC: +00:00), within the request.
    let ts = v["@timestamp"].as_str().unwrap();
    assert_eq!(ts.len(), "2006-01-02T15:04:05.000000+00:00".len(), "{ts}");
    assert!(
        ts.ends_with("+00:00") && &ts[10..11] == "T" && &ts[19..20] == ".",
        "{ts}"
    );
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let civil = |s: u64| {
        let (h, m, sec) = (s % 86_400 / 3600, s % 3600 / 60, s % 60);
        format!("{h:02}:{m:02}:{sec:02}")
    };
    let hms = &ts[11..19];
    assert!(
        (secs(t0)..=secs(t1)).any(|s| civil(s) == hms),
        "{ts} outside the request"
    );
}
