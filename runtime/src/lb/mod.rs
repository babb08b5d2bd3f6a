//! Load balancing, health checks and failover (research/lb-failover-health.md
//! §7.5), one policy a module:
//! - [`select`]: the four algorithms, tiers, the failover order, and the
//!   smooth weighted round-robin schedule (reference implementation);
//! - [`health`]: the active health state machine (`step`, pure) and the
//!   prober tasks;
//! - [`passive`]: outlier ejection with growing ejection time and a cap;
//! - [`failover`]: outcome classes and the retry decision (pure); the loop
//!   is `Upstream::call`;
//! - [`budget`]: the retry budget;
//! - [`breaker`]: KrakenD's `qos/circuit-breaker`;
//! - [`client`]: per-host HTTP clients (version, implementation, timeouts,
//!   keep-alive, connection cap, TLS) and the upstream body type;
//! - [`h1`]: the HTTP/1.1 connection pool of one host over hyper (TLS
//!   hosts and the escape hatch from the own client, `crate::http1`);
//! - [`framing`]: the response heads no client may pass on (conflicting
//!   lengths, an unasked-for `101`), and closing their connections.
//!
//! The static description of all this is `spec::PoolPolicy`.

pub mod breaker;
pub mod budget;
pub mod client;
pub mod failover;
pub mod framing;
pub mod h1;
pub mod health;
pub mod passive;
pub mod select;

use std::sync::OnceLock;
use std::time::Instant;

/// Milliseconds since the first call in this process (monotonic). Health
/// and ejection times are stored as these in atomics.
pub fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}
