//! Passive health (outlier ejection, §7.5.4): every attempt's outcome is
//! recorded per (pool, host); `consecutive_failures` failures in a row eject
//! the host for `min(ejection_time × n, max_ejection_time)` (n = its
//! ejection count), unless that would eject more than
//! `max_ejection_percent` of the pool (at least one host may always be
//! ejected). The counter restarts at 0 on ejection and on any success.
//! A passing active probe after the ejection started lifts it and resets n
//! (Envoy's `successful_active_health_check_uneject_host`); n otherwise
//! never decays (v1).
//!
//! The request path reads one atomic per host; ejection decisions (rare)
//! take the pool's lock so the cap is exact under concurrency.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::spec::PassiveCheck;

/// One host's passive state within one pool.
#[derive(Debug, Default)]
pub struct PassiveHost {
    consecutive: AtomicU32,
    /// Ejections so far (n).
    ejections: AtomicU32,
    /// Ejected until this [`super::now_ms`] (0: never ejected).
    until_ms: AtomicU64,
    /// When the current ejection started.
    since_ms: AtomicU64,
    /// Ejections ever (`gwc_passive_ejections_total`).
    pub ejections_total: AtomicU64,
}

impl PassiveHost {
    /// Whether the host is ejected at `now`, given when its active probe
    /// last passed (0: never or no active check).
    pub fn ejected(&self, now: u64, last_pass_ms: u64) -> bool {
        now < self.until_ms.load(Ordering::Relaxed)
            && last_pass_ms <= self.since_ms.load(Ordering::Relaxed)
    }

    /// The end of the current ejection, if ejected.
    pub fn ejected_until(&self, now: u64, last_pass_ms: u64) -> Option<u64> {
        self.ejected(now, last_pass_ms)
            .then(|| self.until_ms.load(Ordering::Relaxed))
    }
}

/// A pool's passive state.
#[derive(Debug)]
pub struct Passive {
    /// The policy.
    pub policy: PassiveCheck,
    /// Per host, index-aligned with the pool's hosts.
    pub hosts: Box<[PassiveHost]>,
    lock: Mutex<()>,
}

/// What recording an outcome did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Nothing changed state.
    Counted,
    /// The host was ejected until this time.
    Ejected(u64),
    /// The threshold was reached but the cap kept the host in.
    Capped,
}

impl Passive {
    /// Passive state for `n` hosts.
    pub fn new(policy: PassiveCheck, n: usize) -> Passive {
        Passive {
            policy,
            hosts: (0..n).map(|_| PassiveHost::default()).collect(),
            lock: Mutex::new(()),
        }
    }

    /// Records one attempt on host `i`. `last_pass` gives a host's last
    /// passing probe time ([`super::now_ms`], 0 without an active check).
    pub fn record(
        &self,
        i: usize,
        failed: bool,
        now: u64,
        last_pass: &dyn Fn(usize) -> u64,
    ) -> Recorded {
        let Some(h) = self.hosts.get(i) else {
            return Recorded::Counted;
        };
        // A probe passed since the last ejection began: lift it, reset n.
        let since = h.since_ms.load(Ordering::Relaxed);
        if since > 0 && last_pass(i) > since {
            h.since_ms.store(0, Ordering::Relaxed);
            h.until_ms.store(0, Ordering::Relaxed);
            h.ejections.store(0, Ordering::Relaxed);
        }
        if !failed {
            h.consecutive.store(0, Ordering::Relaxed);
            return Recorded::Counted;
        }
        let c = h.consecutive.fetch_add(1, Ordering::Relaxed) + 1;
        if c < self.policy.consecutive_failures.max(1) {
            return Recorded::Counted;
        }
        let Ok(_guard) = self.lock.lock() else {
            return Recorded::Counted;
        };
        if h.ejected(now, last_pass(i)) {
            // Already out (an attempt that started before the ejection).
            h.consecutive.store(0, Ordering::Relaxed);
            return Recorded::Counted;
        }
        let ejected_now = (0..self.hosts.len())
            .filter(|&j| self.hosts[j].ejected(now, last_pass(j)))
            .count();
        let cap = (self.hosts.len() * usize::from(self.policy.max_ejection_percent.min(100))) / 100;
        if ejected_now + 1 > cap.max(1) {
            return Recorded::Capped;
        }
        let n = h.ejections.fetch_add(1, Ordering::Relaxed) + 1;
        let dur = self
            .policy
            .ejection_time_ms
            .saturating_mul(u64::from(n))
            .min(
                self.policy
                    .max_ejection_time_ms
                    .max(self.policy.ejection_time_ms),
            );
        let until = now.saturating_add(dur);
        h.since_ms.store(now.max(1), Ordering::Relaxed);
        h.until_ms.store(until, Ordering::Relaxed);
        h.consecutive.store(0, Ordering::Relaxed);
        h.ejections_total.fetch_add(1, Ordering::Relaxed);
        Recorded::Ejected(until)
    }

    /// How many hosts are ejected at `now`.
    pub fn ejected_count(&self, now: u64, last_pass: &dyn Fn(usize) -> u64) -> usize {
        (0..self.hosts.len())
            .filter(|&j| self.hosts[j].ejected(now, last_pass(j)))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::FailureClasses;

    fn policy(consecutive: u32, pct: u8) -> PassiveCheck {
        PassiveCheck {
            consecutive_failures: consecutive,
            failure_on: FailureClasses::DEFAULT,
            ejection_time_ms: 1000,
            max_ejection_time_ms: 2500,
            max_ejection_percent: pct,
        }
    }

    #[test]
    fn ejection_grows_and_is_capped() {
        let p = Passive::new(policy(3, 50), 3);
        let never = |_: usize| 0;
        // (time, host, failed) → recorded
        let table: &[(u64, usize, bool, Recorded)] = &[
            (10, 2, true, Recorded::Counted),
            (20, 2, false, Recorded::Counted),
            (30, 2, true, Recorded::Counted),
            (40, 2, true, Recorded::Counted),
            (50, 2, true, Recorded::Ejected(1050)),
            // Counter restarted at ejection.
            (1100, 2, true, Recorded::Counted),
            (1110, 2, true, Recorded::Counted),
            (1120, 2, true, Recorded::Ejected(3120)),
            (3200, 2, true, Recorded::Counted),
            (3210, 2, true, Recorded::Counted),
            // 3 × 1000 capped by max_ejection_time 2500.
            (3220, 2, true, Recorded::Ejected(5720)),
            // 50 % of 3 hosts = 1 host at once: host 0 is capped.
            (3300, 0, true, Recorded::Counted),
            (3310, 0, true, Recorded::Counted),
            (3320, 0, true, Recorded::Capped),
        ];
        for &(t, i, failed, want) in table {
            assert_eq!(p.record(i, failed, t, &never), want, "t={t} host {i}");
        }
        assert!(p.hosts[2].ejected(5000, 0));
        assert!(!p.hosts[2].ejected(5720, 0));
        assert_eq!(p.hosts[2].ejections_total.load(Ordering::Relaxed), 3);
        assert_eq!(p.ejected_count(4000, &never), 1);
    }

    #[test]
    fn a_passing_probe_lifts_the_ejection_and_resets_n() {
        let p = Passive::new(policy(1, 100), 2);
        assert_eq!(p.record(0, true, 100, &|_| 0), Recorded::Ejected(1100));
        assert!(p.hosts[0].ejected(500, 0));
        // The probe passed at 400, after the ejection began.
        assert!(!p.hosts[0].ejected(500, 400));
        assert_eq!(p.record(0, true, 600, &|_| 400), Recorded::Ejected(1600));
        // At least one host may be ejected even with 0 %.
        let p = Passive::new(policy(1, 0), 4);
        assert_eq!(p.record(1, true, 10, &|_| 0), Recorded::Ejected(1010));
        assert_eq!(p.record(2, true, 10, &|_| 0), Recorded::Capped);
    }
}
