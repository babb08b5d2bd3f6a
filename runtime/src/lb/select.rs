//! Host selection (§7.5.2): the four algorithms over a tier, the tiers
//! (backups only when no primary is eligible), and the failover order of
//! later attempts (§7.5.5).
//!
//! Round robin and weighted round robin share one mechanism: a cursor over
//! a schedule of host indices (round robin's schedule is the primaries in
//! declaration order; weighted round robin's is the smooth schedule the
//! compiler precomputed, [`smooth_wrr`] being the reference). A pick scans
//! from the cursor to the first eligible slot and moves the cursor *past
//! it* in one compare-and-swap, so skipped slots are consumed: over any
//! period the eligible hosts keep their exact ratios (5:3:2 with C down
//! serves A:B = 5:3), and with everything eligible, N sequential requests
//! over N round-robin hosts hit N distinct hosts.
//!
//! Eligibility is a closure the pool supplies (health state, passive
//! ejection, or "every primary" under `fail_open`), read once per slot.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::spec::{Algorithm, PoolPolicy};

/// The hosts a request has already tried (up to 256 hosts tracked; beyond
/// that, hosts are never marked and failover simply rotates).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tried([u64; 4]);

impl Tried {
    /// Marks host `i`.
    pub fn add(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// Whether host `i` was tried.
    pub fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// A pool's selector: the algorithm, its schedules and cursors.
#[derive(Debug)]
pub struct Selector {
    algorithm: Algorithm,
    /// Primary host indices, declaration order.
    primaries: Box<[usize]>,
    /// Backup host indices, declaration order.
    backups: Box<[usize]>,
    /// Weights, by host index.
    weights: Box<[u16]>,
    /// The primaries' schedule (round robin: `primaries`).
    primary_schedule: Box<[usize]>,
    /// The backups' schedule.
    backup_schedule: Box<[usize]>,
    primary_cursor: AtomicUsize,
    backup_cursor: AtomicUsize,
}

impl Selector {
    /// KrakenD's behaviour for a backend without a policy: round robin over
    /// every host entry (duplicates act as weights), from index 0.
    pub fn plain(n: usize) -> Selector {
        let all: Box<[usize]> = (0..n).collect();
        Selector {
            algorithm: Algorithm::RoundRobin,
            primary_schedule: all.clone(),
            primaries: all,
            backups: Box::new([]),
            weights: vec![1; n].into_boxed_slice(),
            backup_schedule: Box::new([]),
            primary_cursor: AtomicUsize::new(0),
            backup_cursor: AtomicUsize::new(0),
        }
    }

    /// The selector of a pool policy. Schedule entries that are out of range
    /// or in the wrong tier (a compiler bug) are dropped.
    pub fn new(p: &PoolPolicy) -> Selector {
        let n = p.hosts.len();
        let primaries: Box<[usize]> = (0..n).filter(|&i| !p.hosts[i].backup).collect();
        let backups: Box<[usize]> = (0..n).filter(|&i| p.hosts[i].backup).collect();
        let weights: Box<[u16]> = p.hosts.iter().map(|h| h.weight.max(1)).collect();
        let (primary_schedule, backup_schedule) = match p.algorithm {
            Algorithm::WeightedRoundRobin => {
                let keep = |s: &[u16], backup: bool| -> Box<[usize]> {
                    s.iter()
                        .map(|&i| usize::from(i))
                        .filter(|&i| p.hosts.get(i).is_some_and(|h| h.backup == backup))
                        .collect()
                };
                let mut ps = keep(p.schedule, false);
                let mut bs = keep(p.backup_schedule, true);
                // Defensive: an empty compiled schedule degrades to plain
                // round robin rather than to "no host".
                if ps.is_empty() {
                    ps = primaries.clone();
                }
                if bs.is_empty() {
                    bs = backups.clone();
                }
                (ps, bs)
            }
            _ => (primaries.clone(), backups.clone()),
        };
        Selector {
            algorithm: p.algorithm,
            primaries,
            backups,
            weights,
            primary_schedule,
            backup_schedule,
            primary_cursor: AtomicUsize::new(0),
            backup_cursor: AtomicUsize::new(0),
        }
    }

    /// Whether host `i` is a backup.
    pub fn is_backup(&self, i: usize) -> bool {
        self.backups.contains(&i)
    }

    /// The first attempt's host: the algorithm over the eligible primaries,
    /// else over the eligible backups; `None` when nothing is eligible.
    pub fn first(&self, eligible: &dyn Fn(usize) -> bool) -> Option<usize> {
        self.pick_tier(false, eligible)
            .or_else(|| self.pick_tier(true, eligible))
    }

    /// `fail_open`: the algorithm over every primary, health ignored.
    pub fn first_ignoring_health(&self) -> Option<usize> {
        self.pick_tier(false, &|_| true)
    }

    fn pick_tier(&self, backup: bool, eligible: &dyn Fn(usize) -> bool) -> Option<usize> {
        let (hosts, schedule, cursor) = if backup {
            (&self.backups, &self.backup_schedule, &self.backup_cursor)
        } else {
            (
                &self.primaries,
                &self.primary_schedule,
                &self.primary_cursor,
            )
        };
        match self.algorithm {
            Algorithm::RoundRobin | Algorithm::WeightedRoundRobin => {
                scheduled(schedule, cursor, eligible)
            }
            Algorithm::Random => {
                let n = hosts.iter().filter(|&&h| eligible(h)).count();
                if n == 0 {
                    return None;
                }
                let k = fastrand::usize(..n);
                hosts.iter().copied().filter(|&h| eligible(h)).nth(k)
            }
            Algorithm::WeightedRandom => {
                let w = |h: usize| u64::from(self.weights.get(h).copied().unwrap_or(1));
                let total: u64 = hosts.iter().filter(|&&h| eligible(h)).map(|&h| w(h)).sum();
                if total == 0 {
                    return None;
                }
                let mut r = fastrand::u64(..total);
                for &h in hosts.iter().filter(|&&h| eligible(h)) {
                    if r < w(h) {
                        return Some(h);
                    }
                    r -= w(h);
                }
                None
            }
        }
    }

    /// A later attempt's host (§7.5.5): the next eligible host after `last`
    /// in declaration order among the untried primaries; then the untried
    /// backups; then, repeats allowed, the eligible primaries (and backups)
    /// in the same rotation.
    pub fn next(
        &self,
        last: usize,
        tried: &Tried,
        eligible: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        let after = |list: &[usize], pred: &dyn Fn(usize) -> bool| -> Option<usize> {
            let start = list.iter().position(|&h| h == last).map_or(0, |p| p + 1);
            (0..list.len())
                .map(|k| list[(start + k) % list.len()])
                .find(|&h| pred(h))
        };
        after(&self.primaries, &|h| eligible(h) && !tried.has(h))
            .or_else(|| after(&self.backups, &|h| eligible(h) && !tried.has(h)))
            .or_else(|| after(&self.primaries, eligible))
            .or_else(|| after(&self.backups, eligible))
    }
}

/// One pick from a schedule: the first eligible slot at or after the
/// cursor; the cursor moves past it (compare-and-swap, so concurrent picks
/// each consume their own slot).
fn scheduled(
    schedule: &[usize],
    cursor: &AtomicUsize,
    eligible: &dyn Fn(usize) -> bool,
) -> Option<usize> {
    let n = schedule.len();
    if n == 0 {
        return None;
    }
    let mut cur = cursor.load(Ordering::Relaxed);
    loop {
        let k = (0..n).find(|&k| eligible(schedule[(cur % n + k) % n]))?;
        let host = schedule[(cur % n + k) % n];
        match cursor.compare_exchange_weak(
            cur,
            cur.wrapping_add(k + 1),
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => return Some(host),
            Err(actual) => cur = actual,
        }
    }
}

/// nginx's smooth weighted round robin, one period: each step adds every
/// weight to its host's running value, picks the largest (the first on a
/// tie) and subtracts the total from it. Weights are divided by their gcd
/// first, so the period is Σw/g. `hosts` are (host index, weight) pairs;
/// weights of 0 are read as 1. The compiler builds the same schedule; this
/// is the reference and the tests' helper.
pub fn smooth_wrr(hosts: &[(u16, u16)]) -> Vec<u16> {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let weights: Vec<u32> = hosts.iter().map(|&(_, w)| u32::from(w.max(1))).collect();
    let g = weights.iter().copied().fold(0, gcd).max(1);
    let weights: Vec<i64> = weights.iter().map(|&w| i64::from(w / g)).collect();
    let total: i64 = weights.iter().sum();
    let mut current = vec![0i64; weights.len()];
    let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for _ in 0..total {
        let mut best = 0;
        for i in 0..weights.len() {
            current[i] += weights[i];
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        out.push(hosts[best].0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_wrr_table() {
        type Row<'a> = (&'a [(u16, u16)], &'a [u16]);
        let table: &[Row] = &[
            (&[(0, 1)], &[0]),
            (&[(0, 1), (1, 1), (2, 1)], &[0, 1, 2]),
            (&[(0, 9), (1, 1)], &[0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
            // gcd: 4:2 is 2:1.
            (&[(0, 4), (1, 2)], &[0, 1, 0]),
            (&[(0, 5), (1, 1), (2, 1)], &[0, 0, 1, 0, 2, 0, 0]),
            (&[(0, 5), (1, 3), (2, 2)], &[0, 1, 2, 0, 0, 1, 0, 2, 1, 0]),
            // Indices are carried through (a backup schedule).
            (&[(3, 1), (5, 2)], &[5, 3, 5]),
            (&[(0, 0), (1, 0)], &[0, 1]),
        ];
        for (hosts, want) in table {
            assert_eq!(smooth_wrr(hosts), *want, "{hosts:?}");
        }
    }

    #[test]
    fn smooth_wrr_keeps_ratios_in_every_window() {
        let s = smooth_wrr(&[(0, 9), (1, 1)]);
        let cycle: Vec<u16> = s.iter().cycle().take(1000).copied().collect();
        for w in cycle.windows(10) {
            assert_eq!(w.iter().filter(|&&h| h == 1).count(), 1);
        }
    }

    fn sel(schedule: &[usize]) -> (Box<[usize]>, AtomicUsize) {
        (schedule.into(), AtomicUsize::new(0))
    }

    #[test]
    fn scheduled_picks_skip_and_consume_ineligible_slots() {
        // 5:3:2 with host 2 down: A:B stays 5:3 in every 8 picks.
        let s: Vec<usize> = smooth_wrr(&[(0, 5), (1, 3), (2, 2)])
            .into_iter()
            .map(usize::from)
            .collect();
        let (s, c) = sel(&s);
        let picks: Vec<usize> = (0..800)
            .filter_map(|_| scheduled(&s, &c, &|h| h != 2))
            .collect();
        assert_eq!(picks.len(), 800);
        for w in picks.chunks(8) {
            assert_eq!(w.iter().filter(|&&h| h == 0).count(), 5, "{w:?}");
            assert_eq!(w.iter().filter(|&&h| h == 1).count(), 3, "{w:?}");
        }
        // Round robin over 3 with the middle one down alternates 0, 2.
        let (s, c) = sel(&[0, 1, 2]);
        let picks: Vec<usize> = (0..6)
            .filter_map(|_| scheduled(&s, &c, &|h| h != 1))
            .collect();
        assert_eq!(picks, [0, 2, 0, 2, 0, 2]);
        // Nothing eligible.
        assert_eq!(scheduled(&s, &c, &|_| false), None);
        assert_eq!(scheduled(&[], &c, &|_| true), None);
    }

    #[test]
    fn failover_order_table() {
        // Hosts 0, 1, 2 primaries; 3, 4 backups.
        let s = Selector {
            algorithm: Algorithm::RoundRobin,
            primaries: Box::new([0, 1, 2]),
            backups: Box::new([3, 4]),
            weights: Box::new([1; 5]),
            primary_schedule: Box::new([0, 1, 2]),
            backup_schedule: Box::new([3, 4]),
            primary_cursor: AtomicUsize::new(0),
            backup_cursor: AtomicUsize::new(0),
        };
        let tried = |hs: &[usize]| {
            let mut t = Tried::default();
            for &h in hs {
                t.add(h);
            }
            t
        };
        let all = |_: usize| true;
        let not1 = |h: usize| h != 1;
        let backups_down = |h: usize| h < 3;
        // (last, tried, eligible, want)
        type Row<'a> = (usize, &'a [usize], &'a dyn Fn(usize) -> bool, Option<usize>);
        let table: &[Row] = &[
            (0, &[0], &all, Some(1)),
            (1, &[1], &all, Some(2)),
            (2, &[2], &all, Some(0)),
            (0, &[0], &not1, Some(2)),
            (0, &[0, 1], &all, Some(2)),
            (2, &[0, 1, 2], &all, Some(3)),
            (3, &[0, 1, 2, 3], &all, Some(4)),
            // Everything tried: primaries again, in rotation after the last.
            (4, &[0, 1, 2, 3, 4], &all, Some(0)),
            (2, &[0, 1, 2], &backups_down, Some(0)),
            (0, &[0, 1, 2], &backups_down, Some(1)),
            (0, &[0], &|h| h == 0, Some(0)),
            (0, &[0], &|_| false, None),
        ];
        for &(last, t, el, want) in table {
            assert_eq!(s.next(last, &tried(t), el), want, "last {last} tried {t:?}");
        }
        // First picks: backups only when no primary is eligible.
        assert_eq!(s.first(&|h| h >= 3), Some(3));
        assert_eq!(s.first(&|h| h >= 3), Some(4));
        assert_eq!(s.first(&|h| h == 1 || h == 3), Some(1));
        assert_eq!(s.first(&|_| false), None);
        assert_eq!(s.first_ignoring_health(), Some(2));
    }

    #[test]
    fn tried_bits() {
        let mut t = Tried::default();
        for i in [0, 63, 64, 255, 300] {
            t.add(i);
        }
        assert!(t.has(0) && t.has(63) && t.has(64) && t.has(255));
        assert!(!t.has(1) && !t.has(300));
    }
}
