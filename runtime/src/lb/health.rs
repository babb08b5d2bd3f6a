//! Active health checks (§7.5.4): the pure state machine [`step`], the
//! shared [`HealthCell`] a host's state is published in, and the prober
//! task that writes it.
//!
//! One prober runs per distinct (host URL, effective check, HTTP options):
//! `Gw::build` deduplicates them across backends, so every pool that
//! shares the pair reads the same cell. The cell is written by that one
//! task only; readers do one relaxed atomic load per host on the request
//! path.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::Request;
use hyper::header::{HeaderName, HeaderValue};
use tokio::time::Instant;

use super::client::HttpClient;
use super::now_ms;
use crate::body::GwBody;
use crate::proxy::http_method;
use crate::spec::ActiveCheck;

/// The four states (Gravitee's names in brackets); the discriminants are the
/// values of the `gwc_upstream_state` gauge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Health {
    /// Passing; routable.
    Healthy = 0,
    /// Failing, below the threshold; still routable [TRANSITIONALLY_DOWN].
    Suspect = 1,
    /// Not routable [DOWN].
    Unhealthy = 2,
    /// Passing again, below the threshold; not routable yet [TRANSITIONALLY_UP].
    Recovering = 3,
}

impl Health {
    /// Every state, in discriminant order.
    pub const ALL: [Health; 4] = [
        Health::Healthy,
        Health::Suspect,
        Health::Unhealthy,
        Health::Recovering,
    ];

    /// Whether traffic may go to a host in this state.
    pub fn routable(self) -> bool {
        matches!(self, Health::Healthy | Health::Suspect)
    }

    /// The metrics and `/upstreams` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Suspect => "suspect",
            Health::Unhealthy => "unhealthy",
            Health::Recovering => "recovering",
        }
    }

    fn from_u8(v: u8) -> Health {
        match v {
            0 => Health::Healthy,
            1 => Health::Suspect,
            2 => Health::Unhealthy,
            _ => Health::Recovering,
        }
    }
}

/// The consecutive counters: failures while HEALTHY/SUSPECT, passes while
/// UNHEALTHY/RECOVERING. Both are zero right after a transition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Consecutive failed probes.
    pub fail: u8,
    /// Consecutive passed probes.
    pub ok: u8,
}

/// `unhealthy_threshold` / `healthy_threshold` (0 is read as 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Consecutive failures that make a host UNHEALTHY.
    pub unhealthy: u8,
    /// Consecutive passes that make it HEALTHY again.
    pub healthy: u8,
}

/// One probe result applied to the state (§7.5.4's table). Strictly
/// consecutive: an observation that agrees with the current side resets
/// the opposite counter, so alternating results never cross a threshold
/// above 1.
pub fn step(s: Health, c: Counters, pass: bool, th: Thresholds) -> (Health, Counters) {
    let zero = Counters::default();
    let unhealthy = th.unhealthy.max(1);
    let healthy = th.healthy.max(1);
    match (s, pass) {
        (Health::Healthy, true) | (Health::Suspect, true) => (Health::Healthy, zero),
        (Health::Healthy, false) | (Health::Suspect, false) => {
            let fail = c.fail.saturating_add(1);
            if fail >= unhealthy {
                (Health::Unhealthy, zero)
            } else {
                (Health::Suspect, Counters { fail, ok: 0 })
            }
        }
        (Health::Unhealthy, false) | (Health::Recovering, false) => (Health::Unhealthy, zero),
        (Health::Unhealthy, true) | (Health::Recovering, true) => {
            let ok = c.ok.saturating_add(1);
            if ok >= healthy {
                (Health::Healthy, zero)
            } else {
                (Health::Recovering, Counters { fail: 0, ok })
            }
        }
    }
}

/// A host's published health (shared by every pool using the host with
/// the same check).
#[derive(Debug)]
pub struct HealthCell {
    state: AtomicU8,
    /// [`now_ms`] of the last passing probe (0: none yet). Passive ejections
    /// older than this are lifted (Envoy's
    /// `successful_active_health_check_uneject_host`).
    last_pass_ms: AtomicU64,
    /// Transition counts, indexed `from * 4 + to`.
    transitions: [AtomicU64; 16],
    /// Probes that passed.
    pub probes_ok: AtomicU64,
    /// Probes that failed.
    pub probes_failed: AtomicU64,
    /// Why the last probe failed (`None` after a pass), for `/upstreams`.
    pub last_error: Mutex<Option<String>>,
}

impl HealthCell {
    /// A cell in its initial state.
    pub fn new(start_unhealthy: bool) -> HealthCell {
        let s = if start_unhealthy {
            Health::Unhealthy
        } else {
            Health::Healthy
        };
        HealthCell {
            state: AtomicU8::new(s as u8),
            last_pass_ms: AtomicU64::new(0),
            transitions: Default::default(),
            probes_ok: AtomicU64::new(0),
            probes_failed: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    /// The current state.
    pub fn state(&self) -> Health {
        Health::from_u8(self.state.load(Ordering::Relaxed))
    }

    /// When the last probe passed ([`now_ms`]; 0: never).
    pub fn last_pass_ms(&self) -> u64 {
        self.last_pass_ms.load(Ordering::Relaxed)
    }

    /// How many times the state went `from` → `to`.
    pub fn transitions(&self, from: Health, to: Health) -> u64 {
        self.transitions[from as usize * 4 + to as usize].load(Ordering::Relaxed)
    }

    /// Applies one probe result (the prober is the only writer).
    pub fn observe(&self, counters: &mut Counters, pass: bool, th: Thresholds) {
        let before = self.state();
        let (after, c) = step(before, *counters, pass, th);
        *counters = c;
        if pass {
            self.probes_ok.fetch_add(1, Ordering::Relaxed);
            self.last_pass_ms.store(now_ms().max(1), Ordering::Relaxed);
        } else {
            self.probes_failed.fetch_add(1, Ordering::Relaxed);
        }
        if after != before {
            self.transitions[before as usize * 4 + after as usize].fetch_add(1, Ordering::Relaxed);
            self.state.store(after as u8, Ordering::Relaxed);
        }
    }
}

/// One prober: a host, its check, the client it probes with, its cell.
#[derive(Debug)]
pub struct Prober {
    /// The probe URL (`scheme://authority` + base path unless `from_root`
    /// + `path`).
    pub uri: hyper::Uri,
    /// The check.
    pub check: &'static ActiveCheck,
    /// A client built from the host's HTTP options (no idle pool unless
    /// `reuse_connection`).
    pub client: HttpClient,
    /// Where the state goes.
    pub cell: Arc<HealthCell>,
}

/// How much of a probe body `expect_body_contains` searches.
const BODY_LIMIT: usize = 64 * 1024;

impl Prober {
    /// Runs forever at fixed rate: first probe at U[0, jitter], then every
    /// `interval + U[0, jitter]` after the previous start. `timeout <
    /// interval` (HC-E3) means probes never overlap.
    pub async fn run(self: Arc<Self>) {
        let c = self.check;
        let th = Thresholds {
            unhealthy: c.unhealthy_threshold,
            healthy: c.healthy_threshold,
        };
        let mut counters = Counters::default();
        // Saturating (`proxy::after`): no configured duration can overflow
        // the clock and panic the prober.
        let jitter = |max: u64| if max == 0 { 0 } else { fastrand::u64(0..=max) };
        let mut next = crate::proxy::after(Instant::now(), jitter(c.jitter_ms));
        loop {
            tokio::time::sleep_until(next).await;
            let pass = self.probe().await;
            self.cell.observe(&mut counters, pass, th);
            next = crate::proxy::after(
                next,
                c.interval_ms.max(1).saturating_add(jitter(c.jitter_ms)),
            );
            // After a stall (a suspended process), do not fire a burst.
            let now = Instant::now();
            if next < now {
                next = now;
            }
        }
    }

    /// One probe: passes iff a response arrives within `timeout`, its status
    /// is expected, and the body (first 64 KiB) contains the expected text.
    pub async fn probe(&self) -> bool {
        let c = self.check;
        let t = Duration::from_millis(c.timeout_ms.max(1));
        let r = tokio::time::timeout(t, self.exchange()).await;
        let outcome = match r {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(_) => Some(format!("timeout after {} ms", c.timeout_ms)),
        };
        let pass = outcome.is_none();
        if let Ok(mut last) = self.cell.last_error.lock() {
            *last = outcome;
        }
        pass
    }

    async fn exchange(&self) -> Result<(), String> {
        let c = self.check;
        let mut req = Request::new(match c.body {
            Some(b) => GwBody::full(Bytes::from_static(b.as_bytes())),
            None => GwBody::Empty,
        });
        *req.method_mut() = http_method(c.method);
        *req.uri_mut() = self.uri.clone();
        for (k, v) in c.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(*k), HeaderValue::try_from(*v)) {
                req.headers_mut().append(k, v);
            }
        }
        let resp = self.client.request(req).await.map_err(|e| format!("{e}"))?;
        let status = resp.status().as_u16();
        if !c
            .expect_status
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&status))
        {
            return Err(format!("unexpected status {status}"));
        }
        let Some(needle) = c.expect_body_contains else {
            return Ok(());
        };
        let mut body = resp.into_body();
        let mut seen: Vec<u8> = Vec::new();
        while seen.len() < BODY_LIMIT {
            match body.frame().await {
                Some(Ok(f)) => {
                    if let Some(d) = f.data_ref() {
                        seen.extend_from_slice(d);
                    }
                }
                Some(Err(e)) => return Err(format!("reading the body: {e}")),
                None => break,
            }
        }
        seen.truncate(BODY_LIMIT);
        let n = needle.as_bytes();
        if n.is_empty() || seen.windows(n.len()).any(|w| w == n) {
            Ok(())
        } else {
            Err(format!("body does not contain {needle:?}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Health::*;

    #[test]
    fn step_covers_every_transition() {
        let c = |fail, ok| Counters { fail, ok };
        let th = |unhealthy, healthy| Thresholds { unhealthy, healthy };
        // (state, counters, pass, thresholds) → (state, counters)
        type Row = (Health, Counters, bool, Thresholds, Health, Counters);
        let table: &[Row] = &[
            // HEALTHY
            (Healthy, c(0, 0), true, th(3, 2), Healthy, c(0, 0)),
            (Healthy, c(0, 0), false, th(3, 2), Suspect, c(1, 0)),
            (Healthy, c(0, 0), false, th(1, 2), Unhealthy, c(0, 0)),
            (Healthy, c(0, 0), false, th(0, 2), Unhealthy, c(0, 0)),
            // SUSPECT
            (Suspect, c(1, 0), true, th(3, 2), Healthy, c(0, 0)),
            (Suspect, c(1, 0), false, th(3, 2), Suspect, c(2, 0)),
            (Suspect, c(2, 0), false, th(3, 2), Unhealthy, c(0, 0)),
            (Suspect, c(1, 0), false, th(2, 2), Unhealthy, c(0, 0)),
            (Suspect, c(254, 0), false, th(255, 2), Unhealthy, c(0, 0)),
            // UNHEALTHY
            (Unhealthy, c(0, 0), false, th(3, 2), Unhealthy, c(0, 0)),
            (Unhealthy, c(0, 0), true, th(3, 2), Recovering, c(0, 1)),
            (Unhealthy, c(0, 0), true, th(3, 1), Healthy, c(0, 0)),
            (Unhealthy, c(0, 0), true, th(3, 0), Healthy, c(0, 0)),
            // RECOVERING
            (Recovering, c(0, 1), false, th(3, 2), Unhealthy, c(0, 0)),
            (Recovering, c(0, 1), true, th(3, 2), Healthy, c(0, 0)),
            (Recovering, c(0, 1), true, th(3, 3), Recovering, c(0, 2)),
            (Recovering, c(0, 2), true, th(3, 3), Healthy, c(0, 0)),
        ];
        for &(s, cs, pass, t, want_s, want_c) in table {
            assert_eq!(
                step(s, cs, pass, t),
                (want_s, want_c),
                "{s:?} {cs:?} pass={pass} {t:?}"
            );
        }
    }

    #[test]
    fn alternating_probes_never_cross_a_threshold_above_one() {
        let th = Thresholds {
            unhealthy: 2,
            healthy: 2,
        };
        let (mut s, mut c) = (Healthy, Counters::default());
        for i in 0..100 {
            (s, c) = step(s, c, i % 2 == 0, th);
            assert!(s.routable(), "probe {i}: {s:?}");
        }
        let (mut s, mut c) = (Unhealthy, Counters::default());
        for i in 0..100 {
            (s, c) = step(s, c, i % 2 == 1, th);
            assert!(!s.routable(), "probe {i}: {s:?}");
        }
    }

    #[test]
    fn the_cell_counts_transitions() {
        let cell = HealthCell::new(false);
        let th = Thresholds {
            unhealthy: 2,
            healthy: 1,
        };
        let mut c = Counters::default();
        for pass in [false, false, true] {
            cell.observe(&mut c, pass, th);
        }
        assert_eq!(cell.state(), Healthy);
        assert_eq!(cell.transitions(Healthy, Suspect), 1);
        assert_eq!(cell.transitions(Suspect, Unhealthy), 1);
        assert_eq!(cell.transitions(Unhealthy, Healthy), 1);
        assert_eq!(cell.probes_failed.load(Ordering::Relaxed), 2);
        assert!(cell.last_pass_ms() > 0);
    }
}
