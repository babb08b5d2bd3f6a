//! `telemetry/opentelemetry`'s Prometheus exporter end to end: a gateway
//! built from `testdata/build/otel_prometheus.json` serves CE's series
//! (krakend-components §8.2) on its own listener, and a real Prometheus
//! server scrapes them.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::*;

fn api(seen: &Seen) -> Reply {
    match seen.path() {
        "/users/1" | "/users/2" => {
            Reply::json(&json!({"id": 1, "name": "ann", "x": 1}).to_string())
        }
        "/slow" => Reply::json("{}").delay(Duration::from_secs(2)),
        "/chunked" => Reply::json(r#"{"a":1}"#).header("Transfer-Encoding", "chunked"),
        _ => Reply::json(r#"{"error":"no such upstream route"}"#).status(404),
    }
}

/// A gateway started with `--metrics 127.0.0.1:0`.
struct Otel {
    child: Child,
    addr: String,
    metrics: String,
}

impl Drop for Otel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_otel(bin: &Path) -> Otel {
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (mut addr, mut metrics) = (String::new(), String::new());
    while addr.is_empty() || metrics.is_empty() {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the gateway prints its two ready lines");
        if let Some(a) = line.strip_prefix("listening on ") {
            addr = a.trim().to_owned();
        } else if let Some(a) = line.strip_prefix("metrics listening on ") {
            metrics = a.trim().to_owned();
        }
    }
    Otel {
        child,
        addr,
        metrics,
    }
}

/// Known traffic: 3 × `/users/{id}` (200), 2 × `/both` (one backend
/// 404s: an incomplete 200), 1 × an unknown path (404, no endpoint),
/// 1 × `/down` (its host refuses: 500), 1 × `/slow` (the endpoint's
/// 300 ms run out: 500), 1 × `/chunked` (a backend answer without a
/// length).
fn traffic(gw: &Otel) {
    for id in [1, 2, 1] {
        assert_eq!(get(&gw.addr, &format!("/users/{id}")).status, 200);
    }
    for _ in 0..2 {
        assert_eq!(get(&gw.addr, "/both").status, 200);
    }
    assert_eq!(get(&gw.addr, "/nowhere").status, 404);
    assert_eq!(get(&gw.addr, "/down").status, 500);
    assert_eq!(get(&gw.addr, "/slow").status, 500);
    assert_eq!(get(&gw.addr, "/chunked").status, 200);
}

const SCOPE: &str = r#"otel_scope_name="io.krakend.krakend-otel",otel_scope_version="""#;

#[test]
fn prometheus_exporter_serves_ces_series() {
    let up = upstream(api);
    let bin = build("otel_prometheus", &up.url(), &[]);
    let gw = start_otel(&bin);
    traffic(&gw);
    let r = get(&gw.metrics, "/metrics");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let text = r.text();
    let port = up.url().rsplit(':').next().unwrap().to_owned();
    for want in [
        "# TYPE http_server_duration histogram".to_owned(),
        format!(
            r#"http_server_duration_count{{http_request_method="GET",http_response_status_code="200",http_route="/users/:id",{SCOPE},url_scheme="http"}} 3"#
        ),
        format!(
            r#"http_server_duration_bucket{{le="10.0",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",{SCOPE},url_scheme="http"}} 3"#
        ),
        format!(
            r#"http_server_duration_count{{http_request_method="GET",http_response_status_code="200",http_route="/both",{SCOPE},url_scheme="http"}} 2"#
        ),
        format!(
            r#"krakend_backend_duration_count{{canceled="false",complete="true",error="false",http_request_method="GET",http_route="/users/:id",krakend_endpoint_method="GET",krakend_endpoint_route="/users/:id",{SCOPE}}} 3"#
        ),
        format!(
            r#"krakend_backend_duration_count{{canceled="false",complete="false",error="true",http_request_method="GET",http_route="/missing",krakend_endpoint_method="GET",krakend_endpoint_route="/both",{SCOPE}}} 2"#
        ),
        // The proxy stage: complete, partial (a backend failed), timed out.
        "# TYPE krakend_proxy_duration histogram".to_owned(),
        format!(
            r#"krakend_proxy_duration_count{{canceled="false",complete="true",error="false",http_request_method="GET",http_route="/users/:id",{SCOPE}}} 3"#
        ),
        format!(
            r#"krakend_proxy_duration_count{{canceled="false",complete="false",error="true",http_request_method="GET",http_route="/both",{SCOPE}}} 2"#
        ),
        format!(
            r#"krakend_proxy_duration_count{{canceled="false",complete="false",error="true",http_request_method="GET",http_route="/slow",{SCOPE}}} 1"#
        ),
        // The size each response announces: 21 bytes of `{"id":1,"name":"ann"}`.
        "# TYPE http_server_response_size histogram".to_owned(),
        format!(
            r#"http_server_response_size_sum{{http_request_method="GET",http_response_status_code="200",http_route="/users/:id",{SCOPE},url_scheme="http"}} 63.0"#
        ),
        format!(
            r#"http_server_response_size_count{{http_request_method="GET",http_response_status_code="200",http_route="/users/:id",{SCOPE},url_scheme="http"}} 3"#
        ),
        format!(
            r#"http_server_response_size_bucket{{le="128.0",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",{SCOPE},url_scheme="http"}} 3"#
        ),
        format!(
            r#"http_server_response_size_count{{http_request_method="GET",http_response_status_code="404",http_route="404 Not Found",{SCOPE},url_scheme="http"}} 1"#
        ),
        // CE's transport series, by the status each round trip got.
        format!(
            r#"http_client_request_started_count_total{{clientname="/users/:id",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",krakend_endpoint_method="GET",krakend_endpoint_route="/users/:id",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 3"#
        ),
        format!(
            r#"http_client_request_started_count_total{{clientname="/missing",http_request_method="GET",http_response_status_code="404",http_route="/missing",krakend_endpoint_method="GET",krakend_endpoint_route="/both",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 2"#
        ),
        format!(
            r#"http_client_request_size_total{{clientname="/users/:id",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",krakend_endpoint_method="GET",krakend_endpoint_route="/users/:id",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 0"#
        ),
        format!(
            r#"http_client_duration_count{{clientname="/users/:id",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",krakend_endpoint_method="GET",krakend_endpoint_route="/users/:id",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 3"#
        ),
        format!(
            r#"http_client_duration_bucket{{le="10.0",clientname="/users/:id",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",krakend_endpoint_method="GET",krakend_endpoint_route="/users/:id",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 3"#
        ),
        // 27 bytes of `{"id":1,"name":"ann","x":1}` from the backend.
        format!(
            r#"http_client_response_size_sum{{clientname="/users/:id",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",krakend_endpoint_method="GET",krakend_endpoint_route="/users/:id",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 81.0"#
        ),
        format!(
            r#"http_client_response_size_count{{clientname="/users/:id",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",krakend_endpoint_method="GET",krakend_endpoint_route="/users/:id",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 3"#
        ),
        // A refused host: status 0, failed.
        format!(
            r#"http_client_request_started_count_total{{clientname="/down",http_request_method="GET",http_response_status_code="0",http_route="/down",krakend_endpoint_method="GET",krakend_endpoint_route="/down",{SCOPE},server_address="127.0.0.1",server_port="10"}} 1"#
        ),
        format!(
            r#"http_client_request_failed_count_total{{clientname="/down",http_request_method="GET",http_response_status_code="0",http_route="/down",krakend_endpoint_method="GET",krakend_endpoint_route="/down",{SCOPE},server_address="127.0.0.1",server_port="10"}} 1"#
        ),
        format!(
            r#"http_client_duration_count{{clientname="/down",http_request_method="GET",http_response_status_code="0",http_route="/down",krakend_endpoint_method="GET",krakend_endpoint_route="/down",{SCOPE},server_address="127.0.0.1",server_port="10"}} 1"#
        ),
        // The endpoint's timeout: timed out, and failed.
        format!(
            r#"http_client_request_timedout_count_total{{clientname="/slow",http_request_method="GET",http_response_status_code="0",http_route="/slow",krakend_endpoint_method="GET",krakend_endpoint_route="/slow",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 1"#
        ),
        format!(
            r#"http_client_request_failed_count_total{{clientname="/slow",http_request_method="GET",http_response_status_code="0",http_route="/slow",krakend_endpoint_method="GET",krakend_endpoint_route="/slow",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 1"#
        ),
        // A chunked answer: no size, counted as such.
        format!(
            r#"http_client_response_no_content_length_total{{clientname="/chunked",http_request_method="GET",http_response_status_code="200",http_route="/chunked",krakend_endpoint_method="GET",krakend_endpoint_route="/chunked",{SCOPE},server_address="127.0.0.1",server_port="{port}"}} 1"#
        ),
        // No endpoint: CE's route label is the status line.
        format!(
            r#"http_server_duration_count{{http_request_method="GET",http_response_status_code="404",http_route="404 Not Found",{SCOPE},url_scheme="http"}} 1"#
        ),
        "# EOF".to_owned(),
    ] {
        assert!(text.contains(&want), "missing `{want}` in:\n{text}");
    }
    // CE's 20 time bounds and 15 size bounds, `+Inf` last.
    let bounds = |series: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(series) && l.contains("/users/:id"))
            .filter_map(|l| l.split("le=\"").nth(1)?.split('"').next())
            .map(str::to_owned)
            .collect()
    };
    let time = bounds("http_server_duration_bucket");
    assert_eq!(time.len(), 21, "{time:?}");
    assert_eq!((&*time[0], &*time[20]), ("0.01", "+Inf"));
    let size = bounds("http_client_response_size_bucket");
    assert_eq!(size.len(), 16, "{size:?}");
    assert_eq!((&*size[0], &*size[14]), ("128.0", "67108864.0"));
    // `/chunked`'s own `proxy` layer turns its proxy stage off.
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("krakend_proxy_duration") && l.contains("/chunked")),
        "{text}"
    );
    // Only what happened: no canceled round trip, no empty family.
    assert!(!text.contains("canceled_count"), "{text}");
    for family in text.lines().filter_map(|l| l.strip_prefix("# TYPE ")) {
        let name = family.split(' ').next().unwrap();
        assert!(
            text.lines()
                .any(|l| l.starts_with(name) && !l.starts_with('#')),
            "`{name}` has no sample"
        );
    }
    assert_eq!(get(&gw.metrics, "/other").status, 404);
}

/// Percent-encodes a PromQL query for a URL.
fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A Prometheus server; killed by PID when dropped.
struct Prometheus {
    child: Child,
    addr: String,
    _dir: std::path::PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real Prometheus (Debian's `prometheus` package) scrapes the gateway
/// every second; its HTTP API then returns CE's series (server, backend
/// and transport ones) with the counts sent. Skips with a message where Prometheus is not installed, except
/// under CI (`CI=true`, where `.ci/run` installs it).
#[test]
fn a_real_prometheus_scrapes_the_exporter() {
    let Some(prom_bin) = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "prometheus is not installed (apt-get install prometheus)"
        );
        eprintln!("skipped: prometheus is not installed (apt-get install prometheus)");
        return;
    };
    let up = upstream(api);
    let bin = build("otel_prometheus", &up.url(), &[]);
    let gw = start_otel(&bin);
    traffic(&gw);
    let dir = e2e_dir().join(format!("prometheus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: gwc\n    static_configs:\n      - targets: ['{}']\n",
            gw.metrics
        ),
    )
    .unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let prom = Prometheus {
        child: Command::new(prom_bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
            .spawn()
            .unwrap(),
        addr,
        _dir: dir.clone(),
    };
    let queries = [
        (
            r#"http_server_duration_count{http_route="/users/:id",http_request_method="GET",http_response_status_code="200",url_scheme="http",otel_scope_name="io.krakend.krakend-otel"}"#,
            "3",
        ),
        (
            r#"http_server_duration_count{http_route="/both",http_response_status_code="200"}"#,
            "2",
        ),
        (
            r#"http_server_duration_count{http_route="404 Not Found",http_response_status_code="404"}"#,
            "1",
        ),
        (
            r#"krakend_backend_duration_count{krakend_endpoint_route="/both",http_route="/missing",error="true",complete="false",canceled="false"}"#,
            "2",
        ),
        (
            r#"krakend_backend_duration_count{krakend_endpoint_route="/users/:id",http_route="/users/:id",error="false"}"#,
            "3",
        ),
        (
            r#"http_client_request_started_count_total{krakend_endpoint_route="/users/:id",http_route="/users/:id",clientname="/users/:id",server_address="127.0.0.1",otel_scope_name="io.krakend.krakend-otel"}"#,
            "3",
        ),
        (
            r#"http_server_response_size_count{http_route="/users/:id",http_response_status_code="200"}"#,
            "3",
        ),
        (
            r#"krakend_proxy_duration_count{http_route="/both",error="true",complete="false",canceled="false"}"#,
            "2",
        ),
        (
            r#"http_client_duration_count{krakend_endpoint_route="/users/:id",http_response_status_code="200",clientname="/users/:id"}"#,
            "3",
        ),
        (
            r#"http_client_request_timedout_count_total{krakend_endpoint_route="/slow",http_response_status_code="0"}"#,
            "1",
        ),
        (
            r#"http_client_response_no_content_length_total{krakend_endpoint_route="/chunked"}"#,
            "1",
        ),
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    for (q, want) in queries {
        let mut last = String::new();
        loop {
            let r = std::net::TcpStream::connect(&prom.addr)
                .ok()
                .map(|_| get(&prom.addr, &format!("/api/v1/query?query={}", encode(q))));
            if let Some(r) = r.filter(|r| r.status == 200) {
                let v = r.json();
                let result = &v["data"]["result"];
                if result.as_array().is_some_and(|a| a.len() == 1) && result[0]["value"][1] == want
                {
                    break;
                }
                last = v.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "Prometheus never answered {want} to `{q}`; last answer: {last}; log: {}",
                std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    drop(prom);
    let _ = std::fs::remove_dir_all(&dir);
}
