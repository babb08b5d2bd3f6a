//! The retry budget (`budget_percent`, `min_retry_concurrency`; Envoy's
//! retry budget): retries in flight for a pool stay at or below
//! `max(min_retry_concurrency, budget_percent × requests in flight / 100)`,
//! so a failing pool cannot multiply its own load.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A pool's in-flight counters.
#[derive(Debug, Default)]
pub struct RetryBudget {
    requests: AtomicUsize,
    retries: AtomicUsize,
}

/// Holds one in-flight request (or retry) until dropped.
#[derive(Debug)]
pub struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl RetryBudget {
    /// Counts a client request to this pool while the guard lives.
    pub fn request(&self) -> InFlight<'_> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.requests)
    }

    /// Requests in flight.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Retries in flight.
    pub fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }

    /// A retry slot, if the budget allows one more.
    pub fn try_retry(&self, percent: u8, min: u32) -> Option<InFlight<'_>> {
        let limit = allowed(self.requests(), percent, min);
        let mut cur = self.retries.load(Ordering::Relaxed);
        loop {
            if cur >= limit {
                return None;
            }
            match self.retries.compare_exchange_weak(
                cur,
                cur + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(InFlight(&self.retries)),
                Err(actual) => cur = actual,
            }
        }
    }
}

/// The concurrent retries allowed with `requests` in flight.
pub fn allowed(requests: usize, percent: u8, min: u32) -> usize {
    (requests * usize::from(percent.min(100)) / 100).max(min as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_table() {
        let table: &[(usize, u8, u32, usize)] = &[
            (0, 20, 3, 3),
            (10, 20, 3, 3),
            (200, 20, 3, 40),
            (200, 100, 3, 200),
            (7, 0, 0, 0),
        ];
        for &(r, p, m, want) in table {
            assert_eq!(allowed(r, p, m), want, "{r} {p} {m}");
        }
    }

    #[test]
    fn slots_are_counted_and_released() {
        let b = RetryBudget::default();
        let _reqs: Vec<_> = (0..10).map(|_| b.request()).collect();
        let a = b.try_retry(20, 1);
        let c = b.try_retry(20, 1);
        assert!(a.is_some() && c.is_some());
        assert!(b.try_retry(20, 1).is_none());
        drop(a);
        assert!(b.try_retry(20, 1).is_some());
        assert_eq!(b.retries(), 1);
    }
}
