//! The failover soak (a benchmark, not a test): a gateway in front of three
//! mock hosts on 127.0.0.1, a steady open-loop request rate, and one host
//! that flaps every `--flap` seconds (down, up, down, …), each down period
//! using the next failure mode: connection refused, 503 on everything,
//! reset after reading the request. Prints the request and error counts.
//! The gateway serves from two worker threads, as a built binary does on
//! two cores ([`gw_runtime::serve_workers`]).
//!
//! `cargo run --release -p gw-runtime --example soak -- --seconds 300 --rate 200`
//! (`bench/soak.sh` wraps it). `--no-failover` runs the same load without
//! `gwc/failover` and passive ejection, for contrast.
#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../tests/support/mock.rs"]
mod mock;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gw_runtime::spec::*;
use gw_runtime::state::Gw;
use mock::{Client, Mock, Mode, ok, status};

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

const HTTP1: HttpOptions = HttpOptions::DEFAULT;

/// The gateway's worker threads (a 2-core machine's count).
const WORKERS: usize = 2;

static CHECK: ActiveCheck = ActiveCheck {
    method: Method::Get,
    path: "/health",
    from_root: false,
    headers: &[],
    body: None,
    interval_ms: 500,
    timeout_ms: 200,
    jitter_ms: 50,
    unhealthy_threshold: 2,
    healthy_threshold: 2,
    expect_status: &[(200, 200)],
    expect_body_contains: None,
    start_unhealthy: false,
    reuse_connection: false,
};

fn gateway(hosts: &[String], failover: bool) -> &'static Gateway {
    let hosts: Vec<&'static str> = hosts.iter().map(|h| leak_str(h.clone())).collect();
    let policies: Vec<HostPolicy> = ["A", "B", "C"]
        .iter()
        .map(|n| HostPolicy {
            name: n,
            weight: 1,
            backup: false,
            http: HTTP1,
            active: Some(&CHECK),
        })
        .collect();
    let policy = PoolPolicy {
        algorithm: Algorithm::RoundRobin,
        hosts: Box::leak(policies.into_boxed_slice()),
        schedule: &[],
        backup_schedule: &[],
        all_unhealthy: AllUnhealthy::FailClosed,
        passive: failover.then_some(PassiveCheck {
            consecutive_failures: 3,
            failure_on: FailureClasses::DEFAULT,
            ejection_time_ms: 2000,
            max_ejection_time_ms: 10_000,
            max_ejection_percent: 50,
        }),
        failover: failover.then_some(Failover {
            max_attempts: 3,
            per_try_timeout_ms: Some(500),
            ..Failover::DEFAULT
        }),
        debug_headers: false,
    };
    let backend = Backend {
        hosts: Box::leak(hosts.into_boxed_slice()),
        url: &[UrlPiece::Literal("/work")],
        encoding: Encoding::NoOp,
        lb: Some(leak(policy)),
        ..Backend::DEFAULT
    };
    let endpoint = Endpoint {
        method: Method::Get,
        path: "/work",
        segments: &[Segment::Static("work")],
        output: OutputEncoding::NoOp,
        backends: Box::leak(vec![backend].into_boxed_slice()),
        ..Endpoint::DEFAULT
    };
    leak(Gateway {
        name: "soak",
        port: 0,
        endpoints: Box::leak(vec![endpoint].into_boxed_slice()),
        router: RouterOptions {
            disable_access_log: true,
            ..RouterOptions::DEFAULT
        },
        version_header: None,
        user_agent: "KrakenD Version soak",
        ..Gateway::DEFAULT
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = arg(&args, "--seconds").map_or(300, |s| s.parse().unwrap());
    let rate: u64 = arg(&args, "--rate").map_or(200, |s| s.parse().unwrap());
    let flap: u64 = arg(&args, "--flap").map_or(10, |s| s.parse().unwrap());
    let failover = !args.iter().any(|a| a == "--no-failover");

    let mocks = [
        Mock::start("A").await,
        Mock::start("B").await,
        Mock::start("C").await,
    ];
    let hosts: Vec<String> = mocks.iter().map(Mock::url).collect();
    let spec = gateway(&hosts, failover);
    // The gateway runs as a built binary does: its own worker threads, one
    // current-thread runtime each (gw_runtime::serve_workers), beside this
    // runtime, which runs the mock hosts and the load.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (gw_tx, gw_rx) = std::sync::mpsc::channel::<Arc<Gw>>();
    let server = std::thread::spawn(move || {
        gw_runtime::serve_workers(spec, listener, None, WORKERS, stop_rx, move |gw| {
            gw_tx.send(Arc::clone(gw)).map_err(|e| e.to_string())
        })
    });
    let gw = tokio::task::spawn_blocking(move || gw_rx.recv())
        .await
        .unwrap()
        .expect("the gateway did not start");
    eprintln!(
        "soak: {seconds} s at {rate} req/s, host C flaps every {flap} s, failover {}",
        if failover { "on" } else { "off" }
    );

    // The flapper: C goes down (next failure mode) and up every `flap` s.
    let c = mocks[2].clone();
    let flapper = tokio::spawn(async move {
        let modes = ["refuse", "503", "reset"];
        let mut i = 0usize;
        loop {
            tokio::time::sleep(Duration::from_secs(flap)).await;
            let m = modes[i % modes.len()];
            eprintln!("soak: C down ({m})");
            match m {
                "refuse" => c.refuse(),
                "503" => {
                    c.both(status(503));
                }
                _ => {
                    c.both(Mode::ResetAfterRead);
                }
            }
            tokio::time::sleep(Duration::from_secs(flap)).await;
            eprintln!("soak: C up");
            c.both(ok());
            c.listen().await;
            i += 1;
        }
    });

    // Open loop: one request every 1/rate s, whatever the previous ones do.
    let client = Client::new(addr);
    let sent = Arc::new(AtomicU64::new(0));
    let statuses = Arc::new(std::sync::Mutex::new(BTreeMap::<u16, u64>::new()));
    let slow = Arc::new(AtomicU64::new(0));
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    while start.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        sent.fetch_add(1, Ordering::Relaxed);
        let (client, statuses, slow) = (client.clone(), Arc::clone(&statuses), Arc::clone(&slow));
        tasks.spawn(async move {
            let g = client.get("/work").await;
            if g.took() > Duration::from_millis(1000) {
                slow.fetch_add(1, Ordering::Relaxed);
            }
            *statuses.lock().unwrap().entry(g.status).or_insert(0) += 1;
        });
        while let Some(r) = tasks.try_join_next() {
            r.unwrap();
        }
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let elapsed = start.elapsed();
    flapper.abort();
    let statuses = statuses.lock().unwrap().clone();
    let requests = sent.load(Ordering::Relaxed);
    let errors: u64 = statuses
        .iter()
        .filter(|(s, _)| !(200..300).contains(*s))
        .map(|(_, n)| n)
        .sum();
    let up = &gw.endpoints[0].backends[0].upstream;
    let retries: u64 = up
        .stats
        .retries
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum();
    let per_host: Vec<String> = mocks
        .iter()
        .map(|m| format!("{}={}", m.name(), m.work_count()))
        .collect();
    println!(
        "soak: failover={} seconds={:.1} rate={rate}/s requests={requests} errors={errors} statuses={statuses:?} retries={retries} slower_than_1s={} upstream_hits[{}]",
        if failover { "on" } else { "off" },
        elapsed.as_secs_f64(),
        slow.load(Ordering::Relaxed),
        per_host.join(" "),
    );
    let _ = stop_tx.send(true);
    let stopped = tokio::task::spawn_blocking(move || server.join());
    match tokio::time::timeout(Duration::from_secs(10), stopped).await {
        Ok(Ok(Ok(Ok(_)))) => {}
        Ok(Ok(Ok(Err(e)))) => eprintln!("soak: the gateway: {e}"),
        _ => eprintln!("soak: the gateway did not stop within 10 s"),
    }
    if failover && errors > 0 {
        std::process::exit(1);
    }
}
