//! The fault-injection acceptance scenarios LBF-01…LBF-20
//! (research/lb-failover-health.md §8), against programmable mock upstreams
//! (`support/mock.rs`) on 127.0.0.1. Counts are exact where §8 says so;
//! time bounds are checked on timestamps the mocks and the client record
//! (monotonic `Instant`s), with §8's slack. Every wait is bounded.
//!
//! Latency claims are held with §8's number on a robust statistic, and on
//! every sample (or the tail) with §8's 150 ms slack added: this machine
//! has two cores shared with other builds, and one descheduled sample must
//! not fail a scenario. LBF-14: the median of each group within §8's range,
//! every request within it + 150 ms. LBF-07: added p95 < 50 ms, added p99 <
//! 50 + 150 ms. LBF-12: p90 < 10 ms, p99 < 10 + 150 ms (§8 says p99 < 10 ms).
//! Lower bounds (a per-try timeout cannot fire early) are never relaxed.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;
#[path = "support/mock.rs"]
mod mock;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{backend, endpoint, gateway, leak, leak_slice, leak_str};
use gw_runtime::lb::health::Health;
use gw_runtime::lb::select::smooth_wrr;
use gw_runtime::spec::*;
use gw_runtime::state::Gw;
use gw_runtime::upstream::Upstream;
use mock::{Client, Got, Mock, Mode, delay, ok, status};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

// ---------------------------------------------------------------------------
// Building descriptions by hand (what codegen will emit)
// ---------------------------------------------------------------------------

const HTTP1: HttpOptions = HttpOptions::DEFAULT;

fn hp(name: &str) -> HostPolicy {
    HostPolicy {
        name: leak_str(name.to_owned()),
        weight: 1,
        backup: false,
        http: HTTP1,
        active: None,
    }
}

fn policy(hosts: Vec<HostPolicy>) -> PoolPolicy {
    PoolPolicy {
        algorithm: Algorithm::RoundRobin,
        hosts: leak_slice(hosts),
        schedule: &[],
        backup_schedule: &[],
        all_unhealthy: AllUnhealthy::FailClosed,
        passive: None,
        failover: None,
        debug_headers: true,
    }
}

/// `gwc/failover` with §7.3's defaults.
fn fo(max_attempts: u8) -> Failover {
    Failover {
        max_attempts,
        ..Failover::DEFAULT
    }
}

fn check(interval_ms: u64, timeout_ms: u64, unhealthy: u8, healthy: u8) -> ActiveCheck {
    ActiveCheck {
        method: Method::Get,
        path: "/health",
        from_root: false,
        headers: &[],
        body: None,
        interval_ms,
        timeout_ms,
        jitter_ms: 0,
        unhealthy_threshold: unhealthy,
        healthy_threshold: healthy,
        expect_status: &[(200, 200)],
        expect_body_contains: None,
        start_unhealthy: false,
        reuse_connection: false,
    }
}

/// Every host of the pool gets this check.
fn with_check(mut p: PoolPolicy, c: ActiveCheck) -> PoolPolicy {
    let c: &'static ActiveCheck = leak(c);
    let hosts: Vec<HostPolicy> = p
        .hosts
        .iter()
        .map(|h| HostPolicy {
            name: h.name,
            weight: h.weight,
            backup: h.backup,
            http: h.http,
            active: Some(c),
        })
        .collect();
    p.hosts = leak_slice(hosts);
    p
}

fn pool_of(mocks: &[&Mock]) -> PoolPolicy {
    policy(mocks.iter().map(|m| hp(m.name())).collect())
}

/// One no-op endpoint `path` (method `m`) whose backend `/work` is the pool.
fn pool_endpoint(path: &'static str, m: Method, hosts: &[String], p: PoolPolicy) -> Endpoint {
    let hosts: Vec<&'static str> = hosts.iter().map(|h| leak_str(h.clone())).collect();
    let mut b = backend(hosts[0], &[UrlPiece::Literal("/work")]);
    b.hosts = leak_slice(hosts);
    b.method = m;
    b.encoding = Encoding::NoOp;
    b.lb = Some(leak(p));
    let seg: &'static [Segment] = leak_slice(vec![Segment::Static(&path[1..])]);
    let mut ep = endpoint(m, path, seg, &[], vec![b]);
    ep.output = OutputEncoding::NoOp;
    ep.input_headers = Forward::All;
    ep
}

/// Mocks named `names`, started in order.
async fn mocks<const N: usize>(names: [&str; N]) -> [Mock; N] {
    let mut out = Vec::with_capacity(N);
    for n in names {
        out.push(Mock::start(n).await);
    }
    match out.try_into() {
        Ok(a) => a,
        Err(_) => unreachable!("N mocks were started"),
    }
}

fn urls(mocks: &[&Mock]) -> Vec<String> {
    mocks.iter().map(|m| m.url()).collect()
}

/// A running gateway with its state in reach and an admin listener.
struct Lab {
    gw: Arc<Gw>,
    admin: SocketAddr,
    client: Client,
    _stop: oneshot::Sender<()>,
}

impl Lab {
    async fn start(endpoints: Vec<Endpoint>) -> Lab {
        let spec = leak(gateway(endpoints));
        let gw = Arc::new(Gw::build(spec).unwrap());
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let al = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin = al.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let (atx, arx) = tokio::sync::watch::channel(false);
        let g = Arc::clone(&gw);
        tokio::spawn(async move {
            gw_runtime::server::serve_state(g, l, async {
                let _ = rx.await;
                let _ = atx.send(true);
            })
            .await;
        });
        let g = Arc::clone(&gw);
        tokio::spawn(async move {
            let mut arx = arx;
            gw_runtime::server::serve_admin(g, al, async move {
                let _ = arx.wait_for(|v| *v).await;
            })
            .await;
        });
        Lab {
            gw,
            admin,
            client: Client::new(addr),
            _stop: tx,
        }
    }

    /// One no-op endpoint `/work` (method `m`) balanced over `mocks`.
    async fn work(m: Method, mocks: &[&Mock], p: PoolPolicy) -> Lab {
        Lab::start(vec![pool_endpoint("/work", m, &urls(mocks), p)]).await
    }

    /// `n` sequential GETs of `path`, each answered 200.
    async fn get_ok(&self, path: &str, n: usize) {
        for i in 0..n {
            let status = self.client.get(path).await.status;
            assert_eq!(status, 200, "request {i} of {n} to {path}");
        }
    }

    fn pool(&self, ep: usize) -> &Upstream {
        &self.gw.endpoints[ep].backends[0].upstream
    }

    fn up(&self) -> &Upstream {
        self.pool(0)
    }

    fn state(&self, host: usize) -> Health {
        self.up().hosts[host].health.as_ref().unwrap().state()
    }

    fn skipped(&self, ep: usize, reason: &str) -> u64 {
        let i = ["non_idempotent", "body_too_large", "budget", "deadline"]
            .iter()
            .position(|r| *r == reason)
            .unwrap();
        self.pool(ep).stats.skipped[i].load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits (bounded) until `f` holds; returns when it first did.
    async fn until(&self, what: &str, limit: Duration, f: impl Fn(&Lab) -> bool) -> Instant {
        let t = Instant::now();
        loop {
            if f(self) {
                return Instant::now();
            }
            assert!(t.elapsed() < limit, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    async fn admin_get(&self, path: &str) -> String {
        let c = Client::new(self.admin);
        c.get(path).await.text().to_owned()
    }
}

/// Sends `n` requests, one every `every` (sequentially: a slow one delays
/// the next), calling `at` with the elapsed time before each, so a test can
/// flip mocks at given instants.
async fn paced(
    c: &Client,
    method: &str,
    n: usize,
    every: Duration,
    mut at: impl FnMut(Duration),
) -> Vec<Got> {
    let start = Instant::now();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let due = start + every * i as u32;
        if let Some(d) = due.checked_duration_since(Instant::now()) {
            tokio::time::sleep(d).await;
        }
        at(start.elapsed());
        out.push(c.send(method, "/work", Bytes::new()).await);
    }
    out
}

fn count_errors(got: &[Got]) -> usize {
    got.iter()
        .filter(|g| !(200..300).contains(&g.status))
        .count()
}

/// Host names of the traffic records of all mocks, in arrival order.
fn sequence(mocks: &[&Mock]) -> Vec<String> {
    let mut all: Vec<(Instant, String)> = mocks
        .iter()
        .flat_map(|m| {
            m.work_records()
                .into_iter()
                .map(|r| (r.at, m.name().to_owned()))
        })
        .collect();
    all.sort();
    all.into_iter().map(|(_, n)| n).collect()
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/// The CPU-heavy scenarios (thousands of requests, hundreds of concurrent
/// clients) run alone; every other one shares the gate, so a timing
/// assertion never runs next to a heavy one in this process.
static GATE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

async fn heavy() -> tokio::sync::RwLockWriteGuard<'static, ()> {
    GATE.write().await
}

async fn light() -> tokio::sync::RwLockReadGuard<'static, ()> {
    GATE.read().await
}

/// §8: timing assertions carry at least 150 ms of slack.
const SLACK_MS: u128 = 150;

fn median(v: &[u128]) -> u128 {
    let mut v = v.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn pct(values: &mut [Duration], pct: f64) -> Duration {
    values.sort();
    let i = ((values.len() as f64 * pct).ceil() as usize).clamp(1, values.len()) - 1;
    values[i]
}

// ---------------------------------------------------------------------------
// The scenarios
// ---------------------------------------------------------------------------

/// LBF-01 Round robin is exact.
#[tokio::test]
async fn lbf01_round_robin_is_exact() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    let ms_ = [&a, &b, &c];
    let lab = Lab::work(Method::Get, &ms_, pool_of(&ms_)).await;
    lab.get_ok("/work", 300).await;
    assert_eq!(
        (a.work_count(), b.work_count(), c.work_count()),
        (100, 100, 100)
    );
    let seq = sequence(&ms_);
    for w in seq.windows(3) {
        assert!(w[0] != w[1] && w[1] != w[2] && w[0] != w[2], "{w:?}");
    }
}

/// LBF-02 Smooth weighted round robin, and skipping a down host.
#[tokio::test]
async fn lbf02_smooth_weighted_round_robin() {
    let _gate = heavy().await;
    // (a) A:9, B:1.
    let [a, b] = mocks(["A", "B"]).await;
    let mut p = pool_of(&[&a, &b]);
    p.algorithm = Algorithm::WeightedRoundRobin;
    let mut hosts = vec![hp("A"), hp("B")];
    hosts[0].weight = 9;
    p.hosts = leak_slice(hosts);
    p.schedule = leak_slice(smooth_wrr(&[(0, 9), (1, 1)]));
    let lab = Lab::work(Method::Get, &[&a, &b], p).await;
    lab.get_ok("/work", 1000).await;
    assert_eq!((a.work_count(), b.work_count()), (900, 100));
    let seq = sequence(&[&a, &b]);
    for w in seq.windows(10) {
        assert_eq!(w.iter().filter(|h| *h == "B").count(), 1, "{w:?}");
    }

    // (b) A:5, B:3, C:2 with C failing its health check.
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    c.probe(status(500));
    let ms_ = [&a, &b, &c];
    let mut p = pool_of(&ms_);
    p.algorithm = Algorithm::WeightedRoundRobin;
    let mut hosts = vec![hp("A"), hp("B"), hp("C")];
    hosts[0].weight = 5;
    hosts[1].weight = 3;
    hosts[2].weight = 2;
    p.hosts = leak_slice(hosts);
    p.schedule = leak_slice(smooth_wrr(&[(0, 5), (1, 3), (2, 2)]));
    let p = with_check(p, check(200, 100, 2, 2));
    let lab = Lab::work(Method::Get, &ms_, p).await;
    lab.until("C unhealthy", Duration::from_secs(3), |l| {
        l.state(2) == Health::Unhealthy
    })
    .await;
    lab.get_ok("/work", 800).await;
    assert_eq!(
        (a.work_count(), b.work_count(), c.work_count()),
        (500, 300, 0)
    );
    let seq = sequence(&ms_);
    for w in seq.windows(8) {
        assert_eq!(w.iter().filter(|h| *h == "A").count(), 5, "{w:?}");
        assert_eq!(w.iter().filter(|h| *h == "B").count(), 3, "{w:?}");
    }
}

/// LBF-03 Random and weighted random distributions (bounds ≈ ±5σ).
#[tokio::test]
async fn lbf03_random_distributions() {
    let _gate = heavy().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    let ms_ = [&a, &b, &c];
    let mut wr = pool_of(&ms_);
    wr.algorithm = Algorithm::WeightedRandom;
    let mut hosts = vec![hp("A"), hp("B"), hp("C")];
    hosts[1].weight = 2;
    hosts[2].weight = 3;
    wr.hosts = leak_slice(hosts);
    let mut r = pool_of(&ms_);
    r.algorithm = Algorithm::Random;
    let lab = Lab::start(vec![
        pool_endpoint("/work", Method::Get, &urls(&ms_), wr),
        pool_endpoint("/random", Method::Get, &urls(&ms_), r),
    ])
    .await;
    lab.get_ok("/work", 6000).await;
    let (na, nb, nc) = (a.work_count(), b.work_count(), c.work_count());
    assert!((850..=1150).contains(&na), "A {na}");
    assert!((1800..=2200).contains(&nb), "B {nb}");
    assert!((2800..=3200).contains(&nc), "C {nc}");
    for m in ms_ {
        m.clear();
    }
    for _ in 0..3000 {
        assert_eq!(lab.client.get("/random").await.status, 200);
    }
    for m in ms_ {
        let n = m.work_count();
        assert!((880..=1120).contains(&n), "{} {n}", m.name());
    }
}

/// LBF-04 An active check removes a failing host with no client errors,
/// and LBF-05: recovery needs `healthy_threshold` consecutive passes, and
/// RECOVERING is not routable.
#[tokio::test]
async fn lbf04_05_active_check_removes_and_restores_a_host() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    let ms_ = [&a, &b, &c];
    let mut p = with_check(pool_of(&ms_), check(200, 100, 2, 2));
    p.failover = Some(fo(2));
    let lab = Lab::work(Method::Get, &ms_, p).await;

    // Watch C's state with timestamps.
    let cell = Arc::clone(lab.up().hosts[2].health.as_ref().unwrap());
    let states = Arc::new(std::sync::Mutex::new(Vec::<(Instant, Health)>::new()));
    let watcher = {
        let states = Arc::clone(&states);
        tokio::spawn(async move {
            let mut last = None;
            loop {
                let s = cell.state();
                if Some(s) != last {
                    states.lock().unwrap().push((Instant::now(), s));
                    last = Some(s);
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };

    let mut t0 = None;
    let mut t1 = None;
    let got = paced(&lab.client, "GET", 175, Duration::from_millis(20), |el| {
        if t0.is_none() && el >= Duration::from_millis(1000) {
            c.both(status(500));
            t0 = Some(Instant::now());
        }
        if t1.is_none() && el >= Duration::from_millis(2500) {
            c.both(ok());
            t1 = Some(Instant::now());
        }
    })
    .await;
    let (t0, t1) = (t0.unwrap(), t1.unwrap());
    watcher.abort();
    assert_eq!(count_errors(&got), 0, "LBF-04: no client errors");

    let states = states.lock().unwrap().clone();
    let down = states
        .iter()
        .find(|(t, s)| *t >= t0 && *s == Health::Unhealthy)
        .expect("C became unhealthy")
        .0;
    assert!(
        down <= t0 + Duration::from_millis(550),
        "LBF-04: unhealthy after {} ms",
        ms(down - t0)
    );
    let c_work = c.work_records();
    let late: Vec<u128> = c_work
        .iter()
        .filter(|r| r.at > t0 + Duration::from_millis(600) && r.at < t1)
        .map(|r| ms(r.at - t0))
        .collect();
    assert!(
        late.is_empty(),
        "LBF-04: C traffic after t0+600ms: {late:?}"
    );
    // Every failed C hit was retried exactly once (on A or B).
    let c_failed = c_work.iter().filter(|r| r.at >= t0 && r.at < t1).count();
    let upstream: usize = ms_
        .iter()
        .map(|m| {
            m.work_records()
                .iter()
                .filter(|r| r.at >= t0 && r.at < t1)
                .count()
        })
        .sum();
    let requests = got.iter().filter(|g| g.sent >= t0 && g.sent < t1).count();
    assert!(c_failed > 0, "C was hit while failing");
    assert_eq!(upstream, requests + c_failed, "LBF-04: one retry per C hit");

    // LBF-05.
    let back: Vec<Instant> = c_work.iter().filter(|r| r.at >= t1).map(|r| r.at).collect();
    let first_back = *back.first().expect("LBF-05: C gets traffic again");
    assert!(
        first_back >= t1 + Duration::from_millis(200),
        "LBF-05: C traffic {} ms after recovery",
        ms(first_back - t1)
    );
    assert!(
        first_back <= t1 + Duration::from_millis(600),
        "LBF-05: C back only after {} ms",
        ms(first_back - t1)
    );
    for m in ms_ {
        m.clear();
    }
    lab.get_ok("/work", 300).await;
    assert_eq!(
        (a.work_count(), b.work_count(), c.work_count()),
        (100, 100, 100),
        "LBF-05: even split after recovery"
    );
}

/// LBF-06 Thresholds are strictly consecutive: a flapping probe does not
/// flap routing.
#[tokio::test]
async fn lbf06_flapping_probe_does_not_flap_routing() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    c.probe(Mode::Cycle(vec![status(500), status(200)]));
    let ms_ = [&a, &b, &c];
    let p = with_check(pool_of(&ms_), check(100, 50, 3, 2));
    let lab = Lab::work(Method::Get, &ms_, p).await;
    let got = paced(&lab.client, "GET", 300, Duration::from_millis(10), |_| {}).await;
    assert_eq!(count_errors(&got), 0);
    let cell = lab.up().hosts[2].health.as_ref().unwrap();
    assert!(c.probe_records().len() >= 25, "the probe flapped for 3 s");
    for from in Health::ALL {
        assert_eq!(cell.transitions(from, Health::Unhealthy), 0);
    }
    assert_eq!(c.work_count(), 100);
}

/// LBF-07 Connection refused fails over even for POST.
#[tokio::test]
async fn lbf07_connection_refused_fails_over_for_post() {
    let _gate = light().await;
    let [a, b] = mocks(["A", "B"]).await;
    a.refuse();
    let mut p = pool_of(&[&a, &b]);
    p.failover = Some(fo(2));
    let lab = Lab::work(Method::Post, &[&a, &b], p).await;
    let body: Vec<u8> = format!("{{\"pad\":\"{}\"}}", "x".repeat(1024 - 10)).into_bytes();
    assert_eq!(body.len(), 1024);
    let mut single = Vec::new();
    let mut all = Vec::new();
    let mut two = 0;
    for _ in 0..100 {
        let g = lab
            .client
            .send("POST", "/work", Bytes::from(body.clone()))
            .await;
        assert_eq!(g.status, 200);
        match g.header("x-gwc-attempts") {
            Some("2") => two += 1,
            Some("1") => single.push(g.took()),
            other => panic!("attempts {other:?}"),
        }
        all.push(g.took());
    }
    assert_eq!(two, 50);
    let recs = b.work_records();
    assert_eq!(recs.len(), 100);
    assert!(recs.iter().all(|r| r.body.as_ref() == body.as_slice()));
    let base = pct(&mut single, 0.5);
    let added95 = pct(&mut all, 0.95).saturating_sub(base);
    let added99 = pct(&mut all, 0.99).saturating_sub(base);
    assert!(added95 < Duration::from_millis(50), "added p95 {added95:?}");
    assert!(
        ms(added99) < 50 + SLACK_MS,
        "added p99 {added99:?} (bound 50 ms + slack)"
    );
}

/// LBF-08 Non-idempotent requests are not re-sent after the request was
/// delivered.
#[tokio::test]
async fn lbf08_non_idempotent_requests_are_not_resent() {
    let _gate = light().await;
    let [a, b] = mocks(["A", "B"]).await;
    a.work(Mode::ResetAfterRead);
    let hosts = urls(&[&a, &b]);
    let mk = |retry_non_idempotent: bool| {
        let mut p = pool_of(&[&a, &b]);
        let mut f = fo(3);
        f.retry_non_idempotent = retry_non_idempotent;
        p.failover = Some(f);
        p
    };
    let lab = Lab::start(vec![
        pool_endpoint("/work", Method::Post, &hosts, mk(false)),
        pool_endpoint("/get", Method::Get, &hosts, mk(false)),
        pool_endpoint("/replay", Method::Post, &hosts, mk(true)),
    ])
    .await;
    let mut statuses = BTreeMap::new();
    for _ in 0..10 {
        let g = lab.client.send("POST", "/work", Bytes::from("{}")).await;
        *statuses.entry(g.status).or_insert(0) += 1;
    }
    assert_eq!(statuses, BTreeMap::from([(200, 5), (502, 5)]));
    assert_eq!((a.work_count(), b.work_count()), (5, 5));
    assert_eq!(lab.skipped(0, "non_idempotent"), 5);
    a.clear();
    b.clear();
    for _ in 0..10 {
        assert_eq!(lab.client.get("/get").await.status, 200);
    }
    assert_eq!((a.work_count(), b.work_count()), (5, 10));
    for _ in 0..10 {
        let g = lab.client.send("POST", "/replay", Bytes::from("{}")).await;
        assert_eq!(g.status, 200);
    }
}

/// LBF-09 A retry goes to the next host in declaration order.
#[tokio::test]
async fn lbf09_retry_goes_to_the_next_host() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    a.work(status(503));
    let ms_ = [&a, &b, &c];
    let mut p = pool_of(&ms_);
    p.failover = Some(fo(2));
    let lab = Lab::work(Method::Get, &ms_, p).await;
    lab.get_ok("/work", 300).await;
    let firsts: Vec<usize> = ms_
        .iter()
        .map(|m| {
            m.work_records()
                .iter()
                .filter(|r| r.attempt() == Some(1))
                .count()
        })
        .collect();
    assert_eq!(firsts, [100, 100, 100]);
    assert_eq!(
        (a.work_count(), b.work_count(), c.work_count()),
        (100, 200, 100)
    );
    assert!(
        b.work_records()
            .iter()
            .filter(|r| r.attempt() == Some(2))
            .count()
            == 100
    );
}

/// LBF-10 Exhaustion returns the last result.
#[tokio::test]
async fn lbf10_exhaustion_returns_the_last_result() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    let ms_ = [&a, &b, &c];
    for m in ms_ {
        m.work(status(503));
    }
    let hosts = urls(&ms_);
    let mk = |n| {
        let mut p = pool_of(&ms_);
        p.failover = Some(fo(n));
        p
    };
    let mut json = pool_endpoint("/json", Method::Get, &hosts, mk(3));
    json.output = OutputEncoding::Json;
    let mut jb = backend(leak_str(hosts[0].clone()), &[UrlPiece::Literal("/work")]);
    jb.hosts = json.backends[0].hosts;
    jb.lb = json.backends[0].lb;
    json.backends = leak_slice(vec![jb]);
    let lab = Lab::start(vec![
        pool_endpoint("/work", Method::Get, &hosts, mk(3)),
        pool_endpoint("/five", Method::Get, &hosts, mk(5)),
        json,
    ])
    .await;
    // First picks A, B, C, …: the third host tried is the one before the first.
    for (i, third) in ["C", "A", "B"].iter().cycle().take(30).enumerate() {
        let g = lab.client.get("/work").await;
        assert_eq!(g.status, 503, "request {i}");
        assert_eq!(g.header("x-gwc-attempts"), Some("3"));
        assert_eq!(g.text(), *third, "request {i}");
    }
    assert_eq!(
        (a.work_count(), b.work_count(), c.work_count()),
        (30, 30, 30),
        "3 distinct hosts per request"
    );
    for m in ms_ {
        m.clear();
    }
    let g = lab.client.get("/five").await;
    assert_eq!((g.status, g.header("x-gwc-attempts")), (503, Some("5")));
    assert!(ms_.iter().all(|m| m.work_count() >= 1));
    assert_eq!(ms_.iter().map(|m| m.work_count()).sum::<usize>(), 5);
    assert_eq!(lab.client.get("/json").await.status, 500);
}

/// LBF-11 The backup tier.
#[tokio::test]
async fn lbf11_backup_tier() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    let ms_ = [&a, &b, &c];
    let mut hosts = vec![hp("A"), hp("B"), hp("C")];
    hosts[2].backup = true;
    let mut p = with_check(policy(hosts), check(200, 100, 2, 2));
    p.failover = Some(fo(3));
    let lab = Lab::work(Method::Get, &ms_, p).await;
    let (mut t0, mut t1, mut t2) = (None, None, None);
    let got = paced(&lab.client, "GET", 225, Duration::from_millis(20), |el| {
        if t0.is_none() && el >= Duration::from_millis(1000) {
            a.both(status(500));
            t0 = Some(Instant::now());
        }
        if t1.is_none() && el >= Duration::from_millis(2000) {
            b.both(status(500));
            t1 = Some(Instant::now());
        }
        if t2.is_none() && el >= Duration::from_millis(3300) {
            a.both(ok());
            t2 = Some(Instant::now());
        }
    })
    .await;
    let (t0, t1, t2) = (t0.unwrap(), t1.unwrap(), t2.unwrap());
    let end = Instant::now();
    assert_eq!(count_errors(&got), 0, "no errors in any phase");
    let hits = |m: &Mock, from: Instant, to: Instant| {
        m.work_records()
            .iter()
            .filter(|r| r.at >= from && r.at < to)
            .count()
    };
    let begin = t0 - Duration::from_secs(2);
    assert_eq!(hits(&c, begin, t1), 0, "phases 1–2: the backup is idle");
    let w3 = t1 + Duration::from_millis(600);
    assert_eq!(
        hits(&a, w3, t2) + hits(&b, w3, t2),
        0,
        "phase 3: primaries idle"
    );
    let requests = got.iter().filter(|g| g.sent >= w3 && g.done < t2).count();
    assert!(hits(&c, w3, t2) >= requests, "phase 3: all on C");
    let w4 = t2 + Duration::from_millis(600);
    assert_eq!(
        hits(&c, w4, end) + hits(&b, w4, end),
        0,
        "phase 4: all on A"
    );
    assert!(hits(&a, w4, end) > 0);
}

/// LBF-12 Everything down, `fail_closed`.
#[tokio::test]
async fn lbf12_everything_down_fail_closed() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    let ms_ = [&a, &b, &c];
    let mut hosts = vec![hp("A"), hp("B"), hp("C")];
    hosts[2].backup = true;
    let p = with_check(policy(hosts), check(200, 100, 2, 2));
    let hs = urls(&ms_);
    // Variants: a json endpoint with this backend alone, and one that also
    // has a healthy backend.
    let (ok_host, _) = common::upstream(|_| common::Reply::json(r#"{"fine":true}"#)).await;
    let mut single = pool_endpoint(
        "/json",
        Method::Get,
        &hs,
        with_check(
            policy(vec![hp("A"), hp("B"), hp("C")]),
            check(200, 100, 2, 2),
        ),
    );
    single.output = OutputEncoding::Json;
    let mut sb = backend(leak_str(hs[0].clone()), &[UrlPiece::Literal("/work")]);
    sb.hosts = single.backends[0].hosts;
    sb.lb = single.backends[0].lb;
    single.backends = leak_slice(vec![sb]);
    let mut multi = endpoint(
        Method::Get,
        "/multi",
        &[Segment::Static("multi")],
        &[],
        vec![backend(ok_host, &[UrlPiece::Literal("/")]), {
            let mut mb = backend(leak_str(hs[0].clone()), &[UrlPiece::Literal("/work")]);
            mb.hosts = single.backends[0].hosts;
            mb.lb = single.backends[0].lb;
            mb
        }],
    );
    multi.timeout_ms = 2000;
    let lab = Lab::start(vec![
        pool_endpoint("/work", Method::Get, &hs, p),
        single,
        multi,
    ])
    .await;
    // `/work` and `/json` share hosts, options and an equal check: one
    // prober and one client per host.
    assert_eq!(lab.gw.shared.probers.len(), 3);
    assert_eq!(lab.gw.shared.clients.len(), 3);
    let attempts = |lab: &Lab| -> u64 {
        lab.up()
            .hosts
            .iter()
            .flat_map(|h| (0..5).map(|i| h.classes.get(i)))
            .sum()
    };
    let mut t0 = None;
    let mut before_counter = (0, 0);
    // The requests sent after the counters' snapshot (taken at t0 + 600 ms,
    // right before one is sent): by index, so none can fall between.
    let (mut calls, mut first_after) = (0usize, None);
    let got = paced(&lab.client, "GET", 100, Duration::from_millis(20), |el| {
        calls += 1;
        if t0.is_none() && el >= Duration::from_millis(300) {
            for m in [&a, &b, &c] {
                m.refuse();
            }
            t0 = Some(Instant::now());
        }
        if let Some(t0) = t0
            && t0.elapsed() >= Duration::from_millis(600)
            && before_counter == (0, 0)
        {
            before_counter = (
                lab.up()
                    .stats
                    .no_healthy
                    .load(std::sync::atomic::Ordering::Relaxed)
                    + 1,
                attempts(&lab),
            );
            first_after = Some(calls - 1);
        }
    })
    .await;
    let t0 = t0.unwrap();
    let after: Vec<&Got> = got[first_after.unwrap()..].iter().collect();
    assert!(after.len() > 50);
    assert!(
        after
            .iter()
            .all(|g| g.sent >= t0 + Duration::from_millis(600))
    );
    for g in &after {
        assert_eq!(g.status, 503);
        assert_eq!(g.header("x-gwc-upstream"), Some("none"));
    }
    let mut lat: Vec<Duration> = after.iter().map(|g| g.took()).collect();
    let p90 = pct(&mut lat, 0.90);
    let p99 = pct(&mut lat, 0.99);
    assert!(p90 < Duration::from_millis(10), "p90 {p90:?}");
    assert!(ms(p99) < 10 + SLACK_MS, "p99 {p99:?} (bound 10 ms + slack)");
    let no_healthy = lab
        .up()
        .stats
        .no_healthy
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(no_healthy - (before_counter.0 - 1), after.len() as u64);
    assert_eq!(
        attempts(&lab),
        before_counter.1,
        "no traffic connection attempts"
    );
    // The variants (their pool shares the probers, so it is down too).
    lab.until("the json pool is down", Duration::from_secs(3), |l| {
        l.pool(1)
            .hosts
            .iter()
            .all(|h| !h.health.as_ref().unwrap().state().routable())
    })
    .await;
    assert_eq!(lab.client.get("/json").await.status, 500);
    let g = lab.client.get("/multi").await;
    assert_eq!(g.status, 200);
    assert_eq!(g.header("x-krakend-completed"), Some("false"));
    assert_eq!(g.text(), r#"{"fine":true}"#);
}

/// LBF-13 Everything down, `fail_open`.
#[tokio::test]
async fn lbf13_everything_down_fail_open() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    let ms_ = [&a, &b, &c];
    for m in ms_ {
        m.probe(status(500));
    }
    let mut hosts = vec![hp("A"), hp("B"), hp("C")];
    hosts[2].backup = true;
    let mut p = with_check(policy(hosts), check(200, 100, 2, 2));
    p.all_unhealthy = AllUnhealthy::FailOpen;
    let lab = Lab::work(Method::Get, &ms_, p).await;
    lab.until("all unhealthy", Duration::from_secs(3), |l| {
        (0..3).all(|i| l.state(i) == Health::Unhealthy)
    })
    .await;
    lab.get_ok("/work", 100).await;
    assert_eq!(
        (a.work_count(), b.work_count(), c.work_count()),
        (50, 50, 0)
    );
}

/// LBF-14 The per-try timeout and the endpoint deadline.
#[tokio::test]
async fn lbf14_per_try_timeout_and_deadline() {
    let _gate = light().await;
    // (a) A slow, B fast; per_try_timeout 300 ms.
    let [a, b] = mocks(["A", "B"]).await;
    a.work(delay(1500, 200));
    b.work(delay(10, 200));
    let hosts = urls(&[&a, &b]);
    let mk = |per_try: Option<u64>, n| {
        let mut p = pool_of(&[&a, &b]);
        let mut f = fo(n);
        f.per_try_timeout_ms = per_try;
        p.failover = Some(f);
        p
    };
    let mut ea = pool_endpoint("/work", Method::Get, &hosts, mk(Some(300), 2));
    ea.timeout_ms = 1000;
    let mut eb = pool_endpoint("/nopertry", Method::Get, &hosts, mk(None, 2));
    eb.timeout_ms = 1000;
    let lab = Lab::start(vec![ea, eb]).await;
    let (mut via_a, mut via_b) = (Vec::new(), Vec::new());
    for i in 0..100 {
        let g = lab.client.get("/work").await;
        assert_eq!(g.status, 200);
        let t = ms(g.took());
        if i % 2 == 0 {
            assert_eq!(g.header("x-gwc-attempts"), Some("2"));
            assert!(
                (300..=400 + SLACK_MS).contains(&t),
                "request {i} first to A: {t} ms"
            );
            via_a.push(t);
        } else {
            assert!(t < 50 + SLACK_MS, "request {i} to B: {t} ms");
            via_b.push(t);
        }
    }
    assert!((300..=400).contains(&median(&via_a)), "{via_a:?}");
    assert!(median(&via_b) < 50, "{via_b:?}");
    // (b) Without per_try_timeout the first attempt takes the whole deadline.
    b.clear();
    let mut failed = Vec::new();
    for i in 0..6 {
        let g = lab.client.get("/nopertry").await;
        let t = ms(g.took());
        if i % 2 == 0 {
            assert_eq!(g.status, 504, "request {i}");
            assert!((950..=1050 + SLACK_MS).contains(&t), "request {i}: {t} ms");
            failed.push(t);
        } else {
            assert_eq!(g.status, 200);
        }
    }
    assert!((950..=1050).contains(&median(&failed)), "{failed:?}");
    assert_eq!(b.work_count(), 3, "no retry after the deadline");
    assert_eq!(lab.skipped(1, "deadline"), 3);

    // (c) Everything slow: the second attempt gets the remaining 500 ms.
    let ms3 = [
        Mock::start("A").await,
        Mock::start("B").await,
        Mock::start("C").await,
    ];
    for m in &ms3 {
        m.work(delay(600, 200));
    }
    let refs: Vec<&Mock> = ms3.iter().collect();
    let mut p = pool_of(&refs);
    let mut f = fo(3);
    f.per_try_timeout_ms = Some(500);
    p.failover = Some(f);
    let mut ec = pool_endpoint("/work", Method::Get, &urls(&refs), p);
    ec.timeout_ms = 1000;
    let lab = Lab::start(vec![ec]).await;
    let mut took = Vec::new();
    for i in 0..4 {
        let g = lab.client.get("/work").await;
        let t = ms(g.took());
        assert_eq!(g.status, 504, "request {i}");
        assert!((950..=1050 + SLACK_MS).contains(&t), "request {i}: {t} ms");
        took.push(t);
    }
    assert!((950..=1050).contains(&median(&took)), "{took:?}");
    // Let the mocks log the abandoned requests.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let total: usize = ms3.iter().map(|m| m.work_count()).sum();
    assert_eq!(total, 8, "exactly 2 attempts per request");
}

/// LBF-15 Passive ejection with a growing ejection time.
#[tokio::test]
async fn lbf15_passive_ejection_grows() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    c.work(status(500));
    let ms_ = [&a, &b, &c];
    let mut p = pool_of(&ms_);
    p.passive = Some(PassiveCheck {
        consecutive_failures: 3,
        failure_on: FailureClasses::DEFAULT,
        ejection_time_ms: 1000,
        max_ejection_time_ms: 300_000,
        max_ejection_percent: 50,
    });
    p.failover = Some(fo(2));
    let lab = Lab::work(Method::Get, &ms_, p).await;
    let mut at_3_5 = None;
    let got = paced(&lab.client, "GET", 100, Duration::from_millis(50), |el| {
        if at_3_5.is_none() && el >= Duration::from_millis(3500) {
            at_3_5 = Some(
                lab.up().passive.as_ref().unwrap().hosts[2]
                    .ejections_total
                    .load(std::sync::atomic::Ordering::Relaxed),
            );
        }
    })
    .await;
    assert_eq!(count_errors(&got), 0);
    let hits: Vec<Instant> = c.work_records().iter().map(|r| r.at).collect();
    assert!(hits.len() >= 7, "{} hits", hits.len());
    let gap = |i: usize| hits[i] - hits[i - 1];
    assert!(gap(1) < Duration::from_millis(500) && gap(2) < Duration::from_millis(500));
    assert!(
        gap(3) >= Duration::from_secs(1),
        "first ejection {:?}",
        gap(3)
    );
    assert!(gap(4) < Duration::from_millis(500) && gap(5) < Duration::from_millis(500));
    assert!(
        gap(6) >= Duration::from_secs(2),
        "second ejection {:?}",
        gap(6)
    );
    assert_eq!(at_3_5, Some(2), "ejections at 3.5 s");
    let metrics = lab.admin_get("/metrics").await;
    assert!(
        metrics.contains(
            "gwc_passive_ejections_total{endpoint=\"/work\",backend=\"/work\",host=\"C\"}"
        ),
        "{metrics}"
    );
}

/// LBF-16 The ejection cap.
#[tokio::test]
async fn lbf16_ejection_cap() {
    let _gate = light().await;
    let ms4 = [
        Mock::start("A").await,
        Mock::start("B").await,
        Mock::start("C").await,
        Mock::start("D").await,
    ];
    for m in &ms4[1..] {
        m.work(status(500));
    }
    let refs: Vec<&Mock> = ms4.iter().collect();
    let mut p = pool_of(&refs);
    p.passive = Some(PassiveCheck {
        consecutive_failures: 2,
        failure_on: FailureClasses::DEFAULT,
        ejection_time_ms: 30_000,
        max_ejection_time_ms: 300_000,
        max_ejection_percent: 50,
    });
    p.failover = Some(fo(4));
    let lab = Lab::work(Method::Get, &refs, p).await;
    let mut max_ejected = 0;
    for _ in 0..200 {
        assert_eq!(lab.client.get("/work").await.status, 200);
        let n = lab
            .up()
            .passive
            .as_ref()
            .unwrap()
            .ejected_count(gw_runtime::lb::now_ms(), &|_| 0);
        max_ejected = max_ejected.max(n);
    }
    assert_eq!(max_ejected, 2, "never more than 50 % ejected");
    // The failing host that is not ejected keeps getting first attempts.
    let late_firsts: usize = ms4[1..]
        .iter()
        .map(|m| {
            let r = m.work_records();
            r[r.len().saturating_sub(20)..]
                .iter()
                .filter(|r| r.attempt() == Some(1))
                .count()
        })
        .sum();
    assert!(late_firsts > 0);
}

/// The most records (attempt ≥ 2) in flight at once at the mocks.
fn max_retries_in_flight(mocks: &[&Mock]) -> usize {
    let mut ev: Vec<(Instant, i32)> = mocks
        .iter()
        .flat_map(|m| m.work_records())
        .filter(|r| r.attempt().is_some_and(|a| a >= 2))
        .flat_map(|r| [(r.at, 1), (r.done, -1)])
        .collect();
    ev.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
    let (mut cur, mut max) = (0i32, 0i32);
    for (_, d) in ev {
        cur += d;
        max = max.max(cur);
    }
    max as usize
}

/// LBF-17 The retry budget limits amplification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lbf17_retry_budget() {
    let _gate = heavy().await;
    let [a, b] = mocks(["A", "B"]).await;
    for m in [&a, &b] {
        m.work(delay(50, 503));
    }
    let hosts = urls(&[&a, &b]);
    let mk = |pct| {
        let mut p = pool_of(&[&a, &b]);
        let mut f = fo(3);
        f.budget_percent = pct;
        f.min_retry_concurrency = 3;
        p.failover = Some(f);
        p
    };
    let lab = Lab::start(vec![
        pool_endpoint("/work", Method::Get, &hosts, mk(20)),
        pool_endpoint("/control", Method::Get, &hosts, mk(100)),
    ])
    .await;
    let run = |path: &'static str, clients: usize, each: usize| {
        let c = lab.client.clone();
        async move {
            let tasks: Vec<_> = (0..clients)
                .map(|_| {
                    let c = c.clone();
                    tokio::spawn(async move {
                        for _ in 0..each {
                            c.get(path).await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        }
    };
    run("/work", 200, 20).await;
    let max = max_retries_in_flight(&[&a, &b]);
    assert!(max <= 42, "retries in flight {max}");
    assert!(lab.skipped(0, "budget") > 0);
    for m in [&a, &b] {
        m.clear();
    }
    run("/control", 50, 10).await;
    let total = a.work_count() + b.work_count();
    assert!(total >= 1450, "control: {total} attempts for 500 requests");
}

/// LBF-18 Probe shape and cadence.
#[tokio::test]
async fn lbf18_probe_shape_and_cadence() {
    let _gate = light().await;
    let a = Mock::start("A").await;
    let mk = |from_root: bool| {
        let mut c = check(200, 100, 2, 2);
        c.method = Method::Head;
        c.path = "/status";
        c.from_root = from_root;
        c.headers = &[("X-Probe", "gwc")];
        let mut h = hp("A");
        h.active = Some(leak(c));
        policy(vec![h])
    };
    let host = vec![format!("{}/api", a.url())];
    let t = Instant::now();
    let lab = Lab::start(vec![pool_endpoint("/work", Method::Get, &host, mk(true))]).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let probes: Vec<_> = a
        .probe_records()
        .into_iter()
        .filter(|r| r.at < t + Duration::from_secs(2))
        .collect();
    assert!((9..=11).contains(&probes.len()), "{} probes", probes.len());
    for r in &probes {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("HEAD", "/status"));
        assert_eq!(r.headers.get("x-probe").unwrap(), "gwc");
    }
    drop(lab);

    let b = Mock::start("B").await;
    let host = vec![format!("{}/api", b.url())];
    let lab = Lab::start(vec![pool_endpoint("/work", Method::Get, &host, mk(false))]).await;
    lab.until("a probe", Duration::from_secs(2), |_| {
        !b.probe_records().is_empty()
    })
    .await;
    assert_eq!(b.probe_records()[0].path, "/api/status");
    // Slow probes are failures.
    b.probe(delay(300, 200));
    let t = Instant::now();
    let down = lab
        .until("unhealthy", Duration::from_secs(3), |l| {
            l.state(0) == Health::Unhealthy
        })
        .await;
    assert!(
        down - t <= Duration::from_millis(2 * 200 + 100 + 150),
        "{} ms",
        ms(down - t)
    );
}

/// LBF-19 Large bodies are not replayed.
#[tokio::test]
async fn lbf19_large_bodies_are_not_replayed() {
    let _gate = light().await;
    let [a, b] = mocks(["A", "B"]).await;
    a.work(Mode::ResetMidBody(10 * 1024));
    let mut p = pool_of(&[&a, &b]);
    let mut f = fo(2);
    f.retry_non_idempotent = true;
    p.failover = Some(f);
    let lab = Lab::work(Method::Post, &[&a, &b], p).await;
    let big = Bytes::from(vec![b'x'; 1024 * 1024]);
    let g = lab.client.send("POST", "/work", big.clone()).await;
    assert_eq!(g.status, 502);
    assert_eq!(b.work_count(), 0);
    assert_eq!(lab.skipped(0, "body_too_large"), 1);
    // 32 KiB fits the replay buffer: the second one is first routed to A.
    let small: Bytes = (0..32 * 1024)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();
    for _ in 0..2 {
        let g = lab.client.send("POST", "/work", small.clone()).await;
        assert_eq!(g.status, 200);
    }
    let recs = b.work_records();
    assert_eq!(recs.len(), 2);
    assert!(recs.iter().all(|r| r.body == small));
    assert_eq!(recs.iter().filter(|r| r.attempt() == Some(2)).count(), 1);
    // A connect failure consumed nothing: a 1 MiB body still reaches B
    // (one request to B first, so the big one is first routed to A).
    assert_eq!(
        lab.client.send("POST", "/work", small.clone()).await.status,
        200
    );
    a.refuse();
    let g = lab.client.send("POST", "/work", big.clone()).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.header("x-gwc-attempts"), Some("2"));
    assert_eq!(b.work_records().last().unwrap().body, big);
}

/// LBF-20 Per-host HTTP options (inherit resolved by the compiler).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lbf20_per_host_http_options() {
    let _gate = light().await;
    let a = Mock::start("A").await;
    let b = Mock::start_h2c("B").await;
    let hosts = urls(&[&a, &b]);
    // (a) B inherits http/1.1 but overrides `version: h2c`.
    let mut hb = hp("B");
    hb.http.version = HttpVersion::H2c;
    let pa = policy(vec![hp("A"), hb]);
    // (b) `inherit: false, http: {}`: B falls back to http/1.1 and fails.
    let mut pb = policy(vec![hp("A"), hp("B")]);
    pb.failover = Some(fo(2));
    let lab = Lab::start(vec![
        pool_endpoint("/work", Method::Get, &hosts, pa),
        pool_endpoint("/fallback", Method::Get, &hosts, pb),
    ])
    .await;
    lab.get_ok("/work", 100).await;
    assert_eq!((a.work_count(), b.work_count()), (50, 50));
    assert!(
        a.work_records()
            .iter()
            .all(|r| r.version == hyper::Version::HTTP_11)
    );
    assert!(
        b.work_records()
            .iter()
            .all(|r| r.version == hyper::Version::HTTP_2)
    );
    a.clear();
    b.clear();
    for _ in 0..100 {
        assert_eq!(lab.client.get("/fallback").await.status, 200);
    }
    assert_eq!((a.work_count(), b.work_count()), (100, 0));
    // Every first attempt on B was an HTTP/1.1 request to an h2c-only
    // server: a protocol error after sending, class `reset`.
    let reset = lab.pool(1).hosts[1].classes.get(1);
    assert_eq!(reset, 50);
    drop(lab);

    // (c) A capped at one connection; B keeps the backend-level 100.
    let a = Mock::start("A").await;
    a.work(delay(100, 200));
    let b = Mock::start("B").await;
    b.work(delay(100, 200));
    let mut ha = hp("A");
    ha.http.max_connections_per_host = 1;
    let p = policy(vec![ha, hp("B")]);
    let lab = Lab::work(Method::Get, &[&a, &b], p).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = lab.client.clone();
            tokio::spawn(async move { c.get("/work").await.status })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!((a.work_count(), b.work_count()), (10, 10));
    assert_eq!(a.max_open_connections(), 1, "A is capped");
    assert!(b.max_open_connections() >= 2, "B is not");
}

/// `/upstreams` and `/metrics` carry the states and counters.
#[tokio::test]
async fn admin_shows_pool_state() {
    let _gate = light().await;
    let [a, b] = mocks(["A", "B"]).await;
    b.probe(status(500));
    // A probe timeout generous enough that A never fails one on a busy
    // machine (threshold 1 would take it out).
    let mut p = with_check(pool_of(&[&a, &b]), check(200, 150, 1, 1));
    p.failover = Some(fo(2));
    let lab = Lab::work(Method::Get, &[&a, &b], p).await;
    lab.until("B down", Duration::from_secs(2), |l| {
        l.state(1) == Health::Unhealthy
    })
    .await;
    assert_eq!(lab.client.get("/work").await.status, 200);
    let u: serde_json::Value = serde_json::from_str(&lab.admin_get("/upstreams").await).unwrap();
    let hosts = u["upstreams"].as_array().unwrap();
    assert_eq!(hosts[0]["name"], "A");
    assert_eq!(hosts[0]["state"], "healthy");
    assert_eq!(hosts[1]["state"], "unhealthy");
    assert_eq!(hosts[1]["eligible"], false);
    assert_eq!(hosts[0]["attempts"]["response"], 1);
    assert_eq!(u["pools"][0]["no_healthy_upstream"], 0);
    let m = lab.admin_get("/metrics").await;
    for line in [
        "gwc_upstream_state{endpoint=\"/work\",backend=\"/work\",host=\"B\"} 2",
        "gwc_upstream_transitions_total{endpoint=\"/work\",backend=\"/work\",host=\"B\",from=\"healthy\",to=\"unhealthy\"} 1",
        "gwc_upstream_attempts_total{endpoint=\"/work\",backend=\"/work\",host=\"A\",class=\"response\"} 1",
        "gwc_retry_skipped_total{endpoint=\"/work\",backend=\"/work\",reason=\"budget\"} 0",
        "gwc_no_healthy_upstream_total{endpoint=\"/work\",backend=\"/work\"} 0",
    ] {
        assert!(m.contains(line), "missing {line}\n{m}");
    }
}

// ---------------------------------------------------------------------------
// TLS (`gwc/http-client.tls`, KrakenD's `client_tls` fields)
// ---------------------------------------------------------------------------

fn tls_file(name: &str) -> &'static str {
    leak_str(format!(
        "{}/tests/support/tls/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
}

/// An https upstream with the self-signed test certificate (127.0.0.1),
/// speaking HTTP/1.1 or h2 as ALPN decides; answers with the version.
async fn tls_upstream() -> String {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(tls_file("cert.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(tls_file("key.pem")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = l.accept().await else { return };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(s).await else {
                    return;
                };
                let svc = hyper::service::service_fn(
                    |req: hyper::Request<hyper::body::Incoming>| async move {
                        let v = format!("{:?}", req.version());
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            http_body_util::Full::new(Bytes::from(v)),
                        ))
                    },
                );
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tls), svc)
                .await;
            });
        }
    });
    format!("https://{addr}")
}

#[tokio::test]
async fn https_hosts_with_client_tls_options() {
    let _gate = light().await;
    let url = tls_upstream().await;
    let hosts = vec![url.clone()];
    let tls = |insecure: bool, ca: &'static [&'static str]| -> &'static TlsOptions {
        leak(TlsOptions {
            allow_insecure_connections: insecure,
            ca_certs: ca,
            client_certs: &[],
            min_version: TlsVersion::Tls12,
            max_version: TlsVersion::Tls13,
            disable_system_ca_pool: false,
        })
    };
    let with = |version: HttpVersion, t: Option<&'static TlsOptions>| {
        let mut h = hp("T");
        h.http.version = version;
        h.http.tls = t;
        policy(vec![h])
    };
    let ca: &'static [&'static str] = leak_slice(vec![tls_file("cert.pem")]);
    let lab = Lab::start(vec![
        pool_endpoint(
            "/untrusted",
            Method::Get,
            &hosts,
            with(HttpVersion::Http1, None),
        ),
        pool_endpoint(
            "/insecure",
            Method::Get,
            &hosts,
            with(HttpVersion::Http1, Some(tls(true, &[]))),
        ),
        pool_endpoint(
            "/ca",
            Method::Get,
            &hosts,
            with(HttpVersion::Http1, Some(tls(false, ca))),
        ),
        pool_endpoint(
            "/h2",
            Method::Get,
            &hosts,
            with(HttpVersion::H2, Some(tls(false, ca))),
        ),
        pool_endpoint(
            "/auto",
            Method::Get,
            &hosts,
            with(HttpVersion::Auto, Some(tls(false, ca))),
        ),
    ])
    .await;
    // A self-signed certificate is not in Mozilla's roots: the handshake
    // fails (a connect failure: 502 on a no-op pool).
    assert_eq!(lab.client.get("/untrusted").await.status, 502);
    for (path, want) in [
        ("/insecure", "HTTP/1.1"),
        ("/ca", "HTTP/1.1"),
        ("/h2", "HTTP/2.0"),
        ("/auto", "HTTP/2.0"),
    ] {
        let g = lab.client.get(path).await;
        assert_eq!((g.status, g.text()), (200, want), "{path}");
    }
}

/// `qos/circuit-breaker` wraps the pool: it trips on the
/// `max_errors + 1`-th consecutive failure and then calls nothing.
#[tokio::test]
async fn circuit_breaker_wraps_the_pool() {
    let _gate = light().await;
    let a = Mock::start("A").await;
    a.work(status(500));
    let mut ep = pool_endpoint("/work", Method::Get, &urls(&[&a]), pool_of(&[&a]));
    let mut b = backend(ep.backends[0].hosts[0], &[UrlPiece::Literal("/work")]);
    b.hosts = ep.backends[0].hosts;
    b.lb = ep.backends[0].lb;
    b.circuit_breaker = Some(CircuitBreaker {
        interval_s: 60,
        timeout_s: 60,
        max_errors: 1,
        log_status_change: false,
    });
    ep.output = OutputEncoding::Json;
    ep.backends = leak_slice(vec![b]);
    let lab = Lab::start(vec![ep]).await;
    for _ in 0..5 {
        assert_eq!(lab.client.get("/work").await.status, 500);
    }
    assert_eq!(a.work_count(), 2, "open after the 2nd failure");
    let u = lab.admin_get("/upstreams").await;
    assert!(u.contains(r#""circuit_breaker":"open""#), "{u}");
}

/// Probe options beyond §8: jitter (fixed rate plus U[0, jitter]),
/// `initial_state: unhealthy`, `expect_status` classes and
/// `expect_body_contains`.
#[tokio::test]
async fn probe_jitter_initial_state_and_expectations() {
    let _gate = light().await;
    let [a, b, c] = mocks(["A", "B", "C"]).await;
    // A: jittered, starts unhealthy, must answer 2xx containing its name.
    let mut ca = check(100, 50, 2, 2);
    ca.jitter_ms = 50;
    ca.start_unhealthy = true;
    ca.expect_status = &[(200, 299)];
    ca.expect_body_contains = Some("A");
    // B: expects a body it never sends.
    let mut cb = check(100, 50, 1, 1);
    cb.expect_body_contains = Some("zzz");
    cb.start_unhealthy = true;
    // C: expects 204 only.
    let mut cc = check(100, 50, 1, 1);
    cc.expect_status = &[(204, 204)];
    cc.start_unhealthy = true;
    let mut hosts = vec![hp("A"), hp("B"), hp("C")];
    hosts[0].active = Some(leak(ca));
    hosts[1].active = Some(leak(cb));
    hosts[2].active = Some(leak(cc));
    let mut p = policy(hosts);
    p.all_unhealthy = AllUnhealthy::FailClosed;
    let t = Instant::now();
    let lab = Lab::work(Method::Get, &[&a, &b, &c], p).await;
    // Starting unhealthy: nothing is eligible before A's second pass.
    assert_eq!(lab.client.get("/work").await.status, 503);
    let up = lab
        .until("A healthy", Duration::from_secs(3), |l| {
            l.state(0) == Health::Healthy
        })
        .await;
    assert!(
        up - t >= Duration::from_millis(100),
        "two passes, one interval apart"
    );
    assert_eq!(lab.state(1), Health::Unhealthy);
    assert_eq!(lab.state(2), Health::Unhealthy);
    lab.get_ok("/work", 6).await;
    assert_eq!((a.work_count(), b.work_count(), c.work_count()), (6, 0, 0));
    let u = lab.admin_get("/upstreams").await;
    assert!(u.contains("body does not contain"), "{u}");
    assert!(u.contains("unexpected status 200"), "{u}");
    // Jitter: every gap between A's probe starts is interval + U[0, 50].
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let at: Vec<Instant> = a.probe_records().iter().map(|r| r.at).collect();
    let gaps: Vec<u128> = at.windows(2).map(|w| ms(w[1] - w[0])).collect();
    assert!(at.len() >= 5, "{} probes, gaps {gaps:?}", at.len());
    // Never faster than the interval; typically interval + jitter/2 (the
    // median, robust to a descheduled test thread).
    assert!(gaps.iter().all(|&g| g >= 95), "{gaps:?}");
    assert!((100..=150).contains(&median(&gaps)), "{gaps:?}");
    assert!(
        gaps.iter().any(|&g| g > 110),
        "jitter spreads the probes: {gaps:?}"
    );
}

/// `keep_alive: false`: one connection per request; `true`: reused.
#[tokio::test]
async fn keep_alive_off_opens_a_connection_per_request() {
    let _gate = light().await;
    let [a, b] = mocks(["A", "B"]).await;
    let mut ha = hp("A");
    ha.http.keep_alive = false;
    let lab = Lab::start(vec![pool_endpoint(
        "/work",
        Method::Get,
        &urls(&[&a, &b]),
        policy(vec![ha, hp("B")]),
    )])
    .await;
    lab.get_ok("/work", 20).await;
    let conns = |m: &Mock| {
        let mut c: Vec<usize> = m.work_records().iter().map(|r| r.conn).collect();
        c.dedup();
        c.len()
    };
    assert_eq!(conns(&a), 10);
    assert_eq!(conns(&b), 1);
}
