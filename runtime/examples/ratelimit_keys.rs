//! Memory of `qos/ratelimit/router`'s client map under a flood of distinct
//! client keys: `cargo run --release -p gw-runtime --example ratelimit_keys
//! -- [KEYS] [CAP]` (defaults: 1 000 000 keys, the compiler's cap of 100 000
//! live keys). `bench/ratelimit-memory.sh` runs it.
//!
//! It builds one limiter (an `ip` client limit high enough that nothing is
//! refused), sends KEYS requests from KEYS distinct addresses, then prints
//! the live keys and the process's peak resident memory above what it was
//! before the flood, against the bound the runtime documents (CAP × 128
//! bytes). Linux only (`/proc/self/status`).

use std::net::{IpAddr, Ipv4Addr};

use gw_runtime::client_ip::ClientIp;
use gw_runtime::spec::{ClientKey, ClientLimit, RateLimit, TokenBucket};
use gw_runtime::traffic::ratelimit::Limiter;

/// The documented cost of one live key, in bytes.
const PER_KEY: u64 = 128;

/// A `/proc/self/status` field in bytes (`VmRSS`, `VmHWM`).
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0)
        * 1024
}

fn main() {
    let mut args = std::env::args().skip(1);
    let keys: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let cap: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let plenty = TokenBucket {
        fill_interval_ns: 1,
        capacity: 1_000_000,
    };
    let spec: &'static RateLimit = Box::leak(Box::new(RateLimit {
        endpoint: None,
        client: Some(ClientLimit {
            bucket: plenty,
            key: ClientKey::Ip { header: None },
            idle_ttl_ns: 600_000_000_000,
            idle_jitter_ns: 0,
            cleanup_period_ns: 60_000_000_000,
            shards: 64,
            max_clients: cap,
        }),
    }));
    let limiter = Limiter::new(spec);
    let headers = hyper::HeaderMap::new();
    let before = status_kb("VmRSS:");
    let start = std::time::Instant::now();
    for i in 0..keys {
        let ip = IpAddr::V4(Ipv4Addr::from(0x0b00_0000_u32.wrapping_add(i)));
        limiter.check(&headers, &[], ClientIp::peer(ip).as_str());
    }
    let elapsed = start.elapsed();
    let live = limiter.clients().map_or(0, |c| c.len()) as u64;
    let peak = status_kb("VmHWM:").saturating_sub(before);
    let now = status_kb("VmRSS:").saturating_sub(before);
    let bound = u64::from(cap) * PER_KEY;
    println!("distinct keys sent   {keys}");
    println!("live keys (cap)      {live} ({cap})");
    println!(
        "time                 {elapsed:.2?} ({:.0} ns a request)",
        elapsed.as_nanos() as f64 / f64::from(keys.max(1))
    );
    println!("peak RSS growth      {:.2} MB", peak as f64 / 1e6);
    println!(
        "RSS growth now       {:.2} MB ({:.1} bytes a live key)",
        now as f64 / 1e6,
        now as f64 / live.max(1) as f64
    );
    println!("bound cap × {PER_KEY} B     {:.2} MB", bound as f64 / 1e6);
    println!(
        "{}",
        if peak <= bound {
            "within the bound"
        } else {
            "OVER THE BOUND"
        }
    );
    if peak > bound {
        std::process::exit(1);
    }
}
