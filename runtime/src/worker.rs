//! Worker threads: a gateway binary serves from one single-threaded tokio
//! runtime per core ([`crate::run`] starts them), and state that every
//! request writes is kept per worker, so two cores never write the same
//! cache line on the request path.
//!
//! Why not tokio's multi-thread runtime: with it, a request's task, the
//! upstream connection's task and the I/O driver wander between threads,
//! and every hand-off is a wake-up of another core (a futex or an eventfd
//! write). Thread-per-core keeps a client connection, the request it
//! carries and the upstream connection it uses on one thread, as nginx's
//! worker processes do; the listener is shared (each worker accepts from
//! it), so a busier worker simply accepts fewer connections.
//!
//! Outside such workers (the async [`crate::serve`] in tests or an
//! embedder's runtime) there is one slot, and every thread uses it: the
//! behaviour is the same, only without the per-core split.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// How many workers share the per-worker state; 1 until [`set_count`].
static COUNT: AtomicUsize = AtomicUsize::new(1);

thread_local! {
    /// This thread's worker index (0 outside the workers).
    static INDEX: Cell<usize> = const { Cell::new(0) };
}

/// Sets the number of workers. Call it before building the state that
/// [`PerWorker`] values live in; values made earlier keep their size.
pub fn set_count(n: usize) {
    COUNT.store(n.max(1), Ordering::Relaxed);
}

/// The number of workers.
pub fn count() -> usize {
    COUNT.load(Ordering::Relaxed)
}

/// Marks the current thread as worker `i`.
pub fn enter(i: usize) {
    INDEX.with(|c| c.set(i));
}

/// The current thread's worker index (0 outside the workers).
pub fn index() -> usize {
    INDEX.with(Cell::get)
}

/// The number of workers a gateway binary runs: `TOKIO_WORKER_THREADS` when
/// set to a positive number (as tokio's own runtime reads it), else one
/// per available core.
pub fn configured() -> usize {
    std::env::var("TOKIO_WORKER_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// One `T` per worker, each on cache lines of its own.
#[derive(Debug)]
pub struct PerWorker<T> {
    slots: Box<[Padded<T>]>,
}

/// Two cache lines: adjacent-line prefetch pairs lines on x86.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded<T>(T);

impl<T> PerWorker<T> {
    /// One value per worker ([`count`] of them), made by `make`.
    pub fn new(make: impl FnMut() -> T) -> Self {
        PerWorker::with_len(count(), make)
    }

    /// `n` values (at least one), made by `make`.
    pub fn with_len(n: usize, mut make: impl FnMut() -> T) -> Self {
        PerWorker {
            slots: (0..n.max(1)).map(|_| Padded(make())).collect(),
        }
    }

    /// The current worker's value.
    pub fn get(&self) -> &T {
        self.at(index())
    }

    /// Worker `i`'s value.
    pub fn at(&self, i: usize) -> &T {
        // `slots` is never empty: `count()` is at least 1.
        &self.slots[i % self.slots.len()].0
    }

    /// Every worker's value (to sum counters, to sweep every pool).
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().map(|p| &p.0)
    }

    /// How many slots there are.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Never true; for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

impl<T: Default> Default for PerWorker<T> {
    fn default() -> Self {
        PerWorker::new(T::default)
    }
}

/// The most shards a [`Counters`] has: on a machine with many more cores,
/// workers share shards (index modulo this), which bounds the memory of
/// per-status counters while keeping contention low.
const MAX_COUNTER_SHARDS: usize = 16;

/// `N` event counters (relaxed, summed when read) with a shard per worker:
/// counting is an add on the worker's own cache lines.
#[derive(Debug)]
pub struct Counters<const N: usize> {
    shards: Box<[Padded<[AtomicU64; N]>]>,
}

impl<const N: usize> Counters<N> {
    /// All zero.
    pub fn new() -> Self {
        Counters {
            shards: (0..count().min(MAX_COUNTER_SHARDS))
                .map(|_| Padded(std::array::from_fn(|_| AtomicU64::new(0))))
                .collect(),
        }
    }

    /// Adds `n` to counter `i` (out of range: nothing).
    pub fn add(&self, i: usize, n: u64) {
        let shard = &self.shards[index() % self.shards.len()].0;
        if let Some(c) = shard.get(i) {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Counter `i` over every shard (out of range: 0).
    pub fn get(&self, i: usize) -> u64 {
        self.shards
            .iter()
            .filter_map(|s| s.0.get(i))
            .map(|c| c.load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

impl<const N: usize> Default for Counters<N> {
    fn default() -> Self {
        Counters::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_sum_their_shards() {
        let c = Counters::<3> {
            shards: (0..2)
                .map(|_| Padded(std::array::from_fn(|_| AtomicU64::new(0))))
                .collect(),
        };
        std::thread::scope(|s| {
            for w in 0..4 {
                let c = &c;
                s.spawn(move || {
                    enter(w);
                    c.add(1, 10);
                    c.add(2, 1);
                    c.add(3, 99);
                });
            }
        });
        assert_eq!([c.get(0), c.get(1), c.get(2), c.get(3)], [0, 40, 4, 0]);
        assert!(
            c.shards
                .iter()
                .all(|s| s.0[1].load(Ordering::Relaxed) == 20)
        );
    }

    #[test]
    fn slots_are_per_worker_and_padded() {
        let slots = PerWorker::with_len(3, || AtomicU64::new(0));
        std::thread::scope(|s| {
            for i in 0..3 {
                let slots = &slots;
                s.spawn(move || {
                    enter(i);
                    for _ in 0..=i {
                        slots.get().fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        let got: Vec<u64> = slots.iter().map(|a| a.load(Ordering::Relaxed)).collect();
        assert_eq!(got, [1, 2, 3]);
        // A thread that is no worker uses slot 0.
        slots.get().fetch_add(10, Ordering::Relaxed);
        assert_eq!(
            slots.iter().next().map(|a| a.load(Ordering::Relaxed)),
            Some(11)
        );
        assert_eq!(std::mem::align_of::<Padded<AtomicU64>>(), 128);
    }
}
