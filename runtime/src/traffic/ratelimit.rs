//! `qos/ratelimit/router` (krakend-components §6): an endpoint-wide token
//! bucket (over it: 503) and one bucket per client (over it: 429), as
//! `krakend-ratelimit` v3.3.1 runs them in KrakenD CE.
//!
//! **The bucket** ([`BucketState::allow`]) is CE's `tokenbucket.go`, not a
//! textbook one: it starts full; a request takes a token *without*
//! refilling while any is left; only an empty bucket refills, by
//! `n = ⌊(now − last_refill) / fill_interval⌋` tokens, moving `last_refill`
//! on by `n` whole intervals; and when `n` exceeds the capacity the bucket
//! is filled to the brim *and* the request goes through uncounted. So time
//! that passes while tokens remain is credited later, and the largest burst
//! after idling is `2 × capacity + 1` (§6.3). GCRA would give `capacity`.
//! Time is an integer count of nanoseconds since the limiter was built
//! (the monotonic clock, as Go's `time.Since`), passed in by the caller so
//! that tests run the bucket on a fake clock.
//!
//! **The stage** ([`Limiter::check`]) is CE's order (`router/gin/gin.go`):
//! the client's bucket first, then the endpoint's. A client-limited
//! request (429) never touches the endpoint bucket; an endpoint-limited one
//! (503) has already spent a client token. The client key, by `strategy`:
//! - `ip`: the client's IP as text, gin's `ClientIP()` as CE's is
//!   ([`crate::client_ip`]: with lura's defaults the leftmost
//!   `X-Forwarded-For` entry, so any client picks its own bucket unless
//!   `router.trusted_proxies` says whom to believe, GW709). With `key` (a header such
//!   as `CF-Connecting-IP`), that header's first comma-separated element,
//!   trimmed and cut at the first `:`, is the key when it is an IPv4
//!   address (CE's cut breaks IPv6 values, which fall back to the client
//!   IP there too);
//! - `header`: the first value of the `key` header, byte for byte;
//! - `param`: the value of the endpoint's `{key}` placeholder.
//!
//! An empty key (header absent or empty, `key` unset, a placeholder the
//! endpoint does not have) is a 429 at once, as CE answers it.
//!
//! **State** is one [`Limiter`] per endpoint, shared by every worker
//! thread (behind the gateway's `Arc`), so a limit is exact whatever
//! worker serves a request: the endpoint bucket is one mutex-guarded pair
//! of integers; the clients' buckets live in [`Clients`], a sharded map
//! (at most [`MAX_SHARDS`] shards, each behind its own mutex).
//!
//! **Memory** is bounded under a flood of distinct client keys. CE's idle
//! eviction runs every `cleanup_period`: a client unseen for the TTL (10
//! minutes, or `every` plus up to 25 % when `every` is longer) is dropped
//! and starts again with a full bucket. On top of that, a deliberate
//! difference from CE's unbounded maps, each endpoint keeps at most
//! `max_clients` live keys (the compiler writes 100 000): a new key
//! arriving at a full shard evicts the shard's least recently seen client
//! first (nginx's `limit_req_zone` does the same), which then starts again
//! with a full bucket. A key is stored as a 64-bit SipHash with a random
//! per-process seed, never as its text, so every key costs the same,
//! whatever its length: a 40-byte [`Slot`] in a slab of fixed 64-slot
//! chunks (growing never reallocates), plus 6 to 23 bytes of hash index
//! (hashbrown's 4-byte entries and control bytes, between its load limits
//! and after rehashes), plus what the index's earlier, smaller tables may
//! leave in the allocator. **At most 128 bytes a live key**, 12.8 MB an
//! endpoint at the cap; measured with mimalloc
//! (`runtime/examples/ratelimit_keys.rs`): 63 bytes a key at 100 000
//! keys, 69 at 1 000 000. Plus about 128 bytes a shard. Two distinct keys
//! share a bucket only if their hashes collide: below 3·10⁻¹⁰ for any
//! pair among 100 000 live keys (n²/2⁶⁵).

use std::hash::BuildHasher;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use hashbrown::HashTable;
use hyper::HeaderMap;
use hyper::header::HeaderName;

/// `qos/ratelimit/router`, as the compiler resolved it (CE's defaults and
/// `every` scaling applied).
#[derive(Debug)]
pub struct RateLimit {
    /// The endpoint-wide bucket (`max_rate`, `capacity`); `None` when
    /// `max_rate` is absent or not positive.
    pub endpoint: Option<TokenBucket>,
    /// The per-client buckets (`client_max_rate`, `client_capacity`,
    /// `strategy`, `key`); `None` when `client_max_rate` is not positive or
    /// the strategy is unknown (CE then runs without a client limit).
    pub client: Option<ClientLimit>,
}

/// A bucket's two constants, as CE's `NewTokenBucket` derives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    /// `⌊10⁹ / rate⌋` ns, the rate in tokens per second (at least 1 ns:
    /// CE divides by zero above 10⁹ tokens a second).
    pub fill_interval_ns: u64,
    /// How many tokens the bucket holds, and starts with (at least 1).
    pub capacity: u64,
}

/// The per-client limit.
#[derive(Clone, Copy, Debug)]
pub struct ClientLimit {
    /// Each client's bucket.
    pub bucket: TokenBucket,
    /// How a client is identified.
    pub key: ClientKey,
    /// A client unseen for this long is forgotten (CE's `DataTTL`, 10 min,
    /// or `every` when longer)…
    pub idle_ttl_ns: u64,
    /// …plus a random part below this, drawn once at start (CE: up to
    /// 25 % of `every` when `every` is the TTL; 0 otherwise).
    pub idle_jitter_ns: u64,
    /// How often idle clients are swept (`cleanup_period`, at least 1 s).
    pub cleanup_period_ns: u64,
    /// Shards of the client map (`num_shards`, 1 to [`MAX_SHARDS`]).
    pub shards: u16,
    /// The most clients kept at once (gwc's bound; CE has none).
    pub max_clients: u32,
}

/// How a client is identified (`strategy` and `key`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKey {
    /// `ip`; with `key`, the header holding the client's IP (lowercase).
    Ip {
        /// `key`, when set.
        header: Option<&'static str>,
    },
    /// `header`: the header's name (lowercase; empty when `key` is unset,
    /// so every request is a 429).
    Header(&'static str),
    /// `param`: the index of the placeholder in `Endpoint::params`
    /// (`None`: the endpoint has no such placeholder, every request is a
    /// 429).
    Param(Option<u16>),
}

/// The most shards a client map has: enough that the workers rarely meet
/// on one lock, few enough that an idle endpoint costs kilobytes (CE's
/// default `num_shards` is 2048, a map each).
pub const MAX_SHARDS: u16 = 64;

/// One bucket's state: CE's `tokens` and `lastRefill`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketState {
    /// Tokens left.
    pub tokens: u64,
    /// When the bucket was last refilled (ns on the limiter's clock).
    pub last_refill_ns: u64,
}

impl BucketState {
    /// A new bucket at `now`: full (CE's initial stock is the capacity).
    pub fn full(b: TokenBucket, now: u64) -> BucketState {
        BucketState {
            tokens: b.capacity.max(1),
            last_refill_ns: now,
        }
    }

    /// CE's `TokenBucket.Allow` at `now`: whether one more request goes
    /// through, spending a token when it does.
    pub fn allow(&mut self, b: TokenBucket, now: u64) -> bool {
        if self.tokens > 0 {
            // CE: "delay the refill until the bucket is empty".
            self.tokens -= 1;
            return true;
        }
        let fill = b.fill_interval_ns.max(1);
        let n = now.saturating_sub(self.last_refill_ns) / fill;
        if n == 0 {
            return false;
        }
        // n × fill ≤ now − last_refill: no overflow.
        self.last_refill_ns += n * fill;
        // CE: 2 × capacity + 1 burst after idling, krakend-components §6.3:
        // an overflowing refill fills the bucket and does not count this
        // request.
        if self.tokens.saturating_add(n) > b.capacity.max(1) {
            self.tokens = b.capacity.max(1);
            return true;
        }
        self.tokens += n - 1;
        true
    }
}

/// A slot index that means "none" in the LRU links and the free list.
const NIL: u32 = u32::MAX;

/// One client: 40 bytes, whatever its key.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// The key's hash.
    key: u64,
    state: BucketState,
    /// CE's `lastAccess`: when the client was last seen (ns).
    last_access: u64,
    /// Towards the most recently seen (`NIL` at the head).
    prev: u32,
    /// Towards the least recently seen (`NIL` at the tail); the next free
    /// slot while the slot is free.
    next: u32,
}

/// One shard: the live clients in a slab, indexed by hash, linked from the
/// most to the least recently seen.
#[derive(Debug)]
struct Shard {
    /// Slot indices, found by the slot's `key`.
    index: HashTable<u32>,
    /// Live and free slots; never more than `cap` rounded up to a chunk.
    slots: Slab,
    head: u32,
    tail: u32,
    /// The free slots (linked through `next`).
    free: u32,
    /// Live slots.
    len: u32,
    /// The most live slots.
    cap: u32,
}

impl Shard {
    fn new(cap: u32) -> Shard {
        Shard {
            index: HashTable::new(),
            slots: Slab::default(),
            head: NIL,
            tail: NIL,
            free: NIL,
            len: 0,
            cap: cap.max(1),
        }
    }

    fn slot(&mut self, i: u32) -> &mut Slot {
        self.slots.get_mut(i)
    }

    fn unlink(&mut self, i: u32) {
        let Slot { prev, next, .. } = *self.slots.get(i);
        match prev {
            NIL => self.head = next,
            p => self.slot(p).next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.slot(n).prev = prev,
        }
    }

    fn push_front(&mut self, i: u32) {
        let head = self.head;
        let s = self.slot(i);
        s.prev = NIL;
        s.next = head;
        match head {
            NIL => self.tail = i,
            h => self.slot(h).prev = i,
        }
        self.head = i;
    }

    /// Forgets slot `i`.
    fn remove(&mut self, i: u32) {
        self.unlink(i);
        let key = self.slots.get(i).key;
        if let Ok(e) = self.index.find_entry(key, |&j| j == i) {
            e.remove();
        }
        let free = self.free;
        self.slot(i).next = free;
        self.free = i;
        self.len -= 1;
    }

    /// A new client `key` at `now`, evicting the least recently seen one
    /// when the shard is full.
    fn insert(&mut self, key: u64, now: u64, b: TokenBucket) -> u32 {
        if self.len >= self.cap && self.tail != NIL {
            self.remove(self.tail);
        }
        let slot = Slot {
            key,
            state: BucketState::full(b, now),
            last_access: now,
            prev: NIL,
            next: NIL,
        };
        let i = if self.free != NIL {
            let i = self.free;
            self.free = self.slots.get(i).next;
            *self.slots.get_mut(i) = slot;
            i
        } else {
            // Only when every slot is live, so below the cap: the slab
            // never holds more than `cap` slots rounded up to a chunk.
            self.slots.push(slot)
        };
        let slots = &self.slots;
        self.index.insert_unique(key, i, |&j| slots.get(j).key);
        self.push_front(i);
        self.len += 1;
        i
    }

    /// CE's `Load` then `Allow`: finds or makes the client's bucket, marks
    /// it seen and asks it.
    fn allow(&mut self, key: u64, now: u64, b: TokenBucket) -> bool {
        let slots = &self.slots;
        let found = self.index.find(key, |&j| slots.get(j).key == key).copied();
        let i = match found {
            Some(i) => {
                let s = self.slot(i);
                // CE moves `lastAccess` only forwards.
                if now > s.last_access {
                    s.last_access = now;
                }
                if self.head != i {
                    self.unlink(i);
                    self.push_front(i);
                }
                i
            }
            None => self.insert(key, now, b),
        };
        self.slot(i).state.allow(b, now)
    }

    /// CE's eviction tick: forgets every client last seen more than `ttl`
    /// ago (`lastAccess + ttl < now`), from the least recently seen.
    fn evict_idle(&mut self, now: u64, ttl: u64) -> usize {
        let mut n = 0;
        while self.tail != NIL && self.slots.get(self.tail).last_access.saturating_add(ttl) < now {
            self.remove(self.tail);
            n += 1;
        }
        n
    }
}

/// Slots per chunk of a [`Slab`] (2 560 bytes).
const CHUNK: usize = 64;

/// Slots in fixed chunks: growing never moves nor frees a slot, so the
/// slab's memory is its chunks and nothing a reallocation leaves behind
/// in the allocator.
#[derive(Debug, Default)]
struct Slab {
    // Boxed on purpose: the vector of pointers grows, the chunks never move.
    #[allow(clippy::vec_box)]
    chunks: Vec<Box<[Slot; CHUNK]>>,
    len: u32,
}

impl Slab {
    fn get(&self, i: u32) -> &Slot {
        &self.chunks[i as usize / CHUNK][i as usize % CHUNK]
    }

    fn get_mut(&mut self, i: u32) -> &mut Slot {
        &mut self.chunks[i as usize / CHUNK][i as usize % CHUNK]
    }

    /// Appends a slot; returns its index.
    fn push(&mut self, slot: Slot) -> u32 {
        let i = self.len;
        if (i as usize).is_multiple_of(CHUNK) {
            self.chunks.push(Box::new([slot; CHUNK]));
        }
        *self.get_mut(i) = slot;
        self.len += 1;
        i
    }

    /// Slots handed out (live or free).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.len as usize
    }

    /// Slots allocated.
    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.chunks.len() * CHUNK
    }
}

/// A shard on cache lines of its own.
#[derive(Debug)]
#[repr(align(128))]
struct Padded(Mutex<Shard>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The critical sections cannot panic half-way through an update that
    // matters (integer arithmetic and slab moves): a poisoned lock still
    // holds consistent buckets.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The clients' buckets of one endpoint, shared by every worker.
#[derive(Debug)]
pub struct Clients {
    /// Keyed hashing: SipHash with a per-process random key, so nobody can
    /// aim two keys at one bucket.
    hasher: std::hash::RandomState,
    shards: Box<[Padded]>,
    bucket: TokenBucket,
    /// The idle TTL, jitter drawn.
    ttl_ns: u64,
    cleanup_period: Duration,
    epoch: Instant,
}

impl Clients {
    fn new(spec: &ClientLimit, epoch: Instant) -> Clients {
        let n = u32::from(spec.shards.clamp(1, MAX_SHARDS));
        let (per, extra) = (spec.max_clients / n, spec.max_clients % n);
        let jitter = match spec.idle_jitter_ns {
            0 => 0,
            j => fastrand::u64(0..j),
        };
        Clients {
            hasher: std::hash::RandomState::new(),
            shards: (0..n)
                .map(|i| Padded(Mutex::new(Shard::new(per + u32::from(i < extra)))))
                .collect(),
            bucket: spec.bucket,
            ttl_ns: spec.idle_ttl_ns.saturating_add(jitter),
            cleanup_period: Duration::from_nanos(spec.cleanup_period_ns.max(1_000_000_000)),
            epoch,
        }
    }

    fn shard(&self, hash: u64) -> &Mutex<Shard> {
        // The high half picks the shard; hashbrown uses the low bits (and
        // the top seven) inside it, so the two never correlate.
        &self.shards[((hash >> 32) % self.shards.len() as u64) as usize].0
    }

    /// Whether client `key` may go on at `now` (spending its token).
    pub fn allow(&self, key: &[u8], now: u64) -> bool {
        let h = self.hasher.hash_one(key);
        lock(self.shard(h)).allow(h, now, self.bucket)
    }

    /// Forgets the clients idle longer than the TTL at `now`; returns how
    /// many.
    pub fn evict_idle(&self, now: u64) -> usize {
        self.shards
            .iter()
            .map(|s| lock(&s.0).evict_idle(now, self.ttl_ns))
            .sum()
    }

    /// The live clients.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(&s.0).len as usize).sum()
    }

    /// Whether no client is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The idle TTL in force (jitter drawn).
    pub fn ttl(&self) -> Duration {
        Duration::from_nanos(self.ttl_ns)
    }

    /// Runs CE's eviction tick every `cleanup_period` (the first one a
    /// period after start), forever; the gateway aborts it on shutdown.
    pub async fn sweep_forever(self: Arc<Clients>) {
        let mut tick = tokio::time::interval(self.cleanup_period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let now = self.epoch.elapsed().as_nanos() as u64;
            self.evict_idle(now);
        }
    }
}

/// What the stage decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go on to the endpoint.
    Pass,
    /// The client's bucket is empty, or the request has no client key: 429.
    ClientLimited,
    /// The endpoint's bucket is empty: 503.
    EndpointLimited,
}

/// How the stage finds the client key (header names parsed once).
#[derive(Debug)]
enum Key {
    /// `ip`, with the optional header holding it.
    Ip(Option<HeaderName>),
    /// `header` (`None`: no valid header name, every request is a 429).
    Header(Option<HeaderName>),
    /// `param`: the placeholder's index.
    Param(Option<usize>),
}

/// One endpoint's rate limit, ready: the stage `n.` of
/// [`crate::handler`].
#[derive(Debug)]
pub struct Limiter {
    epoch: Instant,
    endpoint: Option<(TokenBucket, Mutex<BucketState>)>,
    clients: Option<(Key, Arc<Clients>)>,
}

impl Limiter {
    /// Builds the state: the endpoint bucket full now (CE builds it at
    /// start-up), no client yet.
    pub fn new(spec: &RateLimit) -> Limiter {
        let epoch = Instant::now();
        let header = |h: &str| HeaderName::from_bytes(h.as_bytes()).ok();
        Limiter {
            epoch,
            endpoint: spec
                .endpoint
                .map(|b| (b, Mutex::new(BucketState::full(b, 0)))),
            clients: spec.client.as_ref().map(|c| {
                let key = match c.key {
                    ClientKey::Ip { header: h } => Key::Ip(h.and_then(header)),
                    ClientKey::Header(h) => Key::Header(header(h)),
                    ClientKey::Param(i) => Key::Param(i.map(usize::from)),
                };
                (key, Arc::new(Clients::new(c, epoch)))
            }),
        }
    }

    /// Now on the limiter's clock (ns since it was built).
    pub fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// The stage: the client's bucket, then the endpoint's. `client_ip`
    /// is the client's address as text (gin's `ClientIP()`).
    pub fn check(&self, headers: &HeaderMap, params: &[String], client_ip: &str) -> Verdict {
        self.check_at(headers, params, client_ip, self.now())
    }

    /// [`Limiter::check`] at `now` on the limiter's clock.
    pub fn check_at(
        &self,
        headers: &HeaderMap,
        params: &[String],
        client_ip: &str,
        now: u64,
    ) -> Verdict {
        if let Some((key, clients)) = &self.clients
            && !client_allowed(key, clients, headers, params, client_ip, now)
        {
            return Verdict::ClientLimited;
        }
        if let Some((b, state)) = &self.endpoint
            && !lock(state).allow(*b, now)
        {
            return Verdict::EndpointLimited;
        }
        Verdict::Pass
    }

    /// The clients' buckets, when there is a client limit (for the
    /// eviction task and the tests).
    pub fn clients(&self) -> Option<&Arc<Clients>> {
        self.clients.as_ref().map(|(_, c)| c)
    }
}

/// Finds the client key and asks its bucket; an empty key is refused.
fn client_allowed(
    key: &Key,
    clients: &Clients,
    headers: &HeaderMap,
    params: &[String],
    client_ip: &str,
    now: u64,
) -> bool {
    let value = match key {
        Key::Header(name) => name
            .as_ref()
            .and_then(|n| headers.get(n))
            .map(|v| v.as_bytes()),
        Key::Param(i) => i.and_then(|i| params.get(i)).map(String::as_bytes),
        Key::Ip(header) => {
            if let Some(ip) = header
                .as_ref()
                .and_then(|n| headers.get(n))
                .and_then(|v| forwarded_ip(v.as_bytes()))
            {
                return clients.allow(ip, now);
            }
            return clients.allow(client_ip.as_bytes(), now);
        }
    };
    match value {
        Some(v) if !v.is_empty() => clients.allow(v, now),
        // CE: `tokenKey == ""` → 429 (krakend-components §6.2).
        _ => false,
    }
}

/// CE's `NewIPTokenExtractor` on a header value: the first comma-separated
/// element, trimmed, cut at its first `:`, when that is an IP address.
/// Without a `:` Go's `net.ParseIP` accepts only IPv4 (four decimal
/// octets, no leading zeros), as Rust's parser does.
fn forwarded_ip(value: &[u8]) -> Option<&[u8]> {
    let first = value.split(|&b| b == b',').next()?;
    let first = std::str::from_utf8(first).ok()?.trim();
    let ip = first.split(':').next()?;
    ip.parse::<Ipv4Addr>().ok()?;
    Some(ip.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;
    const MS: u64 = 1_000_000;

    /// Requests allowed in one instant at `now`, until the first refusal.
    fn burst(s: &mut BucketState, b: TokenBucket, now: u64) -> u32 {
        let mut n = 0;
        while s.allow(b, now) {
            n += 1;
            assert!(n < 1_000_000, "endless burst");
        }
        n
    }

    /// krakend-components §6.3, row by row, on a fake clock (capacity 10,
    /// 1 token a second unless the row says otherwise).
    #[test]
    fn ce_token_bucket_table() {
        let b = TokenBucket {
            fill_interval_ns: SECOND,
            capacity: 10,
        };
        // fresh bucket: 10.
        let mut s = BucketState::full(b, 0);
        assert_eq!(burst(&mut s, b, 0), 10, "fresh");
        // fresh bucket, idle 100 s: 21 (10 stock + 1 uncounted + 10).
        let mut s = BucketState::full(b, 0);
        assert_eq!(burst(&mut s, b, 100 * SECOND), 21, "fresh, idle 100 s");
        // 5 used, idle 100 s: 16.
        let mut s = BucketState::full(b, 0);
        for _ in 0..5 {
            assert!(s.allow(b, 0));
        }
        assert_eq!(burst(&mut s, b, 100 * SECOND), 16, "5 used, idle 100 s");
        // drained, idle 100 s: 11.
        let mut s = BucketState::full(b, 0);
        burst(&mut s, b, 0);
        assert_eq!(burst(&mut s, b, 100 * SECOND), 11, "drained, idle 100 s");
        // drained, then one request every 500 ms for 10 s: 10 of 20, one
        // on each whole second.
        let mut s = BucketState::full(b, 0);
        burst(&mut s, b, 0);
        let allowed: Vec<u64> = (1..=20)
            .map(|i| i * 500 * MS)
            .filter(|&t| s.allow(b, t))
            .collect();
        assert_eq!(allowed, (1..=10).map(|i| i * SECOND).collect::<Vec<_>>());
        // capacity 1, rate 10/s (the `client_capacity` bug case): 1 at
        // once, then 1 each 100 ms.
        let one = TokenBucket {
            fill_interval_ns: 100 * MS,
            capacity: 1,
        };
        let mut s = BucketState::full(one, 0);
        assert_eq!(burst(&mut s, one, 0), 1);
        for k in 1..=10 {
            assert!(!s.allow(one, k * 100 * MS - 1), "before tick {k}");
            assert_eq!(burst(&mut s, one, k * 100 * MS), 1, "tick {k}");
        }
        // `max_rate: 100, every: "1m"`, no capacity: 1.67 tokens a second
        // floors the capacity to 1, a token each 600 ms: 1 at once, then 2
        // after 60 s idle.
        let slow = TokenBucket {
            fill_interval_ns: 600 * MS,
            capacity: 1,
        };
        let mut s = BucketState::full(slow, 0);
        assert_eq!(burst(&mut s, slow, 0), 1);
        assert_eq!(burst(&mut s, slow, 60 * SECOND), 2);
    }

    #[test]
    fn refill_boundaries() {
        let b = TokenBucket {
            fill_interval_ns: 7,
            capacity: 3,
        };
        let mut s = BucketState::full(b, 100);
        assert_eq!(burst(&mut s, b, 100), 3);
        // n = 3 = capacity: this request takes one of the three.
        assert!(s.allow(b, 121));
        assert_eq!(
            s,
            BucketState {
                tokens: 2,
                last_refill_ns: 121
            }
        );
        // Partial intervals carry over: 6 ns later nothing, 1 ns more one.
        burst(&mut s, b, 121);
        assert!(!s.allow(b, 127));
        assert!(s.allow(b, 128));
        assert_eq!(
            s,
            BucketState {
                tokens: 0,
                last_refill_ns: 128
            }
        );
        // A clock that reads earlier than the last refill adds nothing.
        assert!(!s.allow(b, 50));
    }

    fn limit(key: ClientKey, max_clients: u32, shards: u16) -> &'static RateLimit {
        Box::leak(Box::new(RateLimit {
            endpoint: None,
            client: Some(ClientLimit {
                bucket: TokenBucket {
                    fill_interval_ns: 3600 * SECOND,
                    capacity: 2,
                },
                key,
                idle_ttl_ns: 600 * SECOND,
                idle_jitter_ns: 0,
                cleanup_period_ns: 60 * SECOND,
                shards,
                max_clients,
            }),
        }))
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, hyper::header::HeaderValue::from_static(v));
        }
        h
    }

    const PEER: &str = "10.0.0.1";

    #[test]
    fn client_keys_per_strategy() {
        let by_header = Limiter::new(limit(ClientKey::Header("x-tenant"), 100, 4));
        let h = |v| headers(&[("x-tenant", v)]);
        // Two tokens each, per value, whatever the peer.
        for _ in 0..2 {
            assert_eq!(by_header.check_at(&h("a"), &[], PEER, 0), Verdict::Pass);
            assert_eq!(by_header.check_at(&h("b"), &[], PEER, 0), Verdict::Pass);
        }
        assert_eq!(
            by_header.check_at(&h("a"), &[], PEER, 0),
            Verdict::ClientLimited
        );
        // The first value counts; an absent or empty header is a 429.
        let two = headers(&[("x-tenant", "c"), ("x-tenant", "a")]);
        assert_eq!(by_header.check_at(&two, &[], PEER, 0), Verdict::Pass);
        assert_eq!(
            by_header.check_at(&headers(&[]), &[], PEER, 0),
            Verdict::ClientLimited
        );
        assert_eq!(
            by_header.check_at(&h(""), &[], PEER, 0),
            Verdict::ClientLimited
        );
        assert_eq!(by_header.clients().map(|c| c.len()), Some(3));
        // No valid header name: every request is a 429.
        let unnamed = Limiter::new(limit(ClientKey::Header(""), 100, 1));
        assert_eq!(
            unnamed.check_at(&h("a"), &[], PEER, 0),
            Verdict::ClientLimited
        );

        let by_param = Limiter::new(limit(ClientKey::Param(Some(1)), 100, 4));
        let p = |v: &str| vec!["x".to_string(), v.to_string()];
        assert_eq!(
            by_param.check_at(&headers(&[]), &p("u1"), PEER, 0),
            Verdict::Pass
        );
        assert_eq!(
            by_param.check_at(&headers(&[]), &p("u1"), PEER, 0),
            Verdict::Pass
        );
        assert_eq!(
            by_param.check_at(&headers(&[]), &p("u1"), PEER, 0),
            Verdict::ClientLimited
        );
        assert_eq!(
            by_param.check_at(&headers(&[]), &p("u2"), PEER, 0),
            Verdict::Pass
        );
        let no_param = Limiter::new(limit(ClientKey::Param(None), 100, 4));
        assert_eq!(
            no_param.check_at(&headers(&[]), &p("u1"), PEER, 0),
            Verdict::ClientLimited
        );

        // `ip`: the client IP; the same text from the `key` header is the same
        // client; an invalid header value falls back to the client IP.
        let by_ip = Limiter::new(limit(
            ClientKey::Ip {
                header: Some("cf-connecting-ip"),
            },
            100,
            4,
        ));
        let cf = |v| headers(&[("cf-connecting-ip", v)]);
        assert_eq!(by_ip.check_at(&headers(&[]), &[], PEER, 0), Verdict::Pass);
        assert_eq!(
            by_ip.check_at(&cf(" 10.0.0.1:5000 , 9.9.9.9"), &[], "9.9.9.9", 0),
            Verdict::Pass
        );
        assert_eq!(
            by_ip.check_at(&cf("garbage"), &[], PEER, 0),
            Verdict::ClientLimited
        );
        assert_eq!(
            by_ip.check_at(&cf("2001:db8::1"), &[], "10.0.0.2", 0),
            Verdict::Pass
        );
        assert_eq!(
            by_ip.check_at(&cf("010.0.0.2"), &[], "10.0.0.2", 0),
            Verdict::Pass
        );
        assert_eq!(
            by_ip.check_at(&cf("1.2.3.4"), &[], "10.0.0.2", 0),
            Verdict::Pass
        );
        assert_eq!(
            by_ip.check_at(&headers(&[]), &[], "10.0.0.2", 0),
            Verdict::ClientLimited
        );
        // An IPv4-mapped peer is the IPv4 client (its text is made by
        // `client_ip`, as Go prints it).
        let mapped = crate::client_ip::ClientIp::peer([0, 0, 0, 0, 0, 0xffff, 0x0a00, 3].into());
        let by_peer = Limiter::new(limit(ClientKey::Ip { header: None }, 100, 4));
        assert_eq!(
            by_peer.check_at(&headers(&[]), &[], mapped.as_str(), 0),
            Verdict::Pass
        );
        assert_eq!(
            by_peer.check_at(&headers(&[]), &[], "10.0.0.3", 0),
            Verdict::Pass
        );
        assert_eq!(
            by_peer.check_at(&headers(&[]), &[], mapped.as_str(), 0),
            Verdict::ClientLimited
        );
    }

    #[test]
    fn forwarded_ip_table() {
        let table: &[(&[u8], Option<&[u8]>)] = &[
            (b"1.2.3.4", Some(b"1.2.3.4")),
            (b" 1.2.3.4 , 5.6.7.8", Some(b"1.2.3.4")),
            (b"1.2.3.4:8080", Some(b"1.2.3.4")),
            (b"1.2.3.4,\xff", Some(b"1.2.3.4")),
            (b"::1", None),
            (b"2001:db8::1", None),
            (b"01.2.3.4", None),
            (b"1.2.3", None),
            (b"256.1.1.1", None),
            (b"", None),
            (b"host", None),
        ];
        for (value, want) in table {
            assert_eq!(
                forwarded_ip(value),
                *want,
                "{}",
                String::from_utf8_lossy(value)
            );
        }
    }

    /// CE's order: a 429 spends no endpoint token, a 503 has spent a
    /// client token.
    #[test]
    fn client_limit_before_endpoint_limit() {
        let spec: &'static RateLimit = Box::leak(Box::new(RateLimit {
            endpoint: Some(TokenBucket {
                fill_interval_ns: 3600 * SECOND,
                capacity: 3,
            }),
            client: limit(ClientKey::Header("x-user"), 100, 1).client,
        }));
        let l = Limiter::new(spec);
        let u = |v| headers(&[("x-user", v)]);
        let got: Vec<Verdict> = ["a", "a", "a", "a", "b", "b", "c"]
            .into_iter()
            .map(|v| l.check_at(&u(v), &[], PEER, 0))
            .collect();
        use Verdict::*;
        assert_eq!(
            got,
            [
                Pass,
                Pass,
                ClientLimited,
                ClientLimited,
                Pass,
                EndpointLimited,
                EndpointLimited
            ]
        );
        // `b` spent both its tokens (one on the 503).
        assert_eq!(l.check_at(&u("b"), &[], PEER, 0), ClientLimited);
    }

    /// Every worker thread asks the same buckets: exactly the capacity goes
    /// through, however the requests are spread.
    #[test]
    fn threads_share_exact_state() {
        let spec: &'static RateLimit = Box::leak(Box::new(RateLimit {
            endpoint: Some(TokenBucket {
                fill_interval_ns: 3600 * SECOND,
                capacity: 1000,
            }),
            client: Some(ClientLimit {
                bucket: TokenBucket {
                    fill_interval_ns: 3600 * SECOND,
                    capacity: 300,
                },
                ..limit(ClientKey::Header("x-user"), 100, 8)
                    .client
                    .expect("a client limit")
            }),
        }));
        let l = Limiter::new(spec);
        let counts = std::sync::Mutex::new([0u32; 3]);
        std::thread::scope(|s| {
            for t in 0..8 {
                let (l, counts) = (&l, &counts);
                s.spawn(move || {
                    let users = ["u0", "u1", "u2", "u3", "u4"];
                    let mut mine = [0u32; 3];
                    for i in 0..400 {
                        let h = headers(&[("x-user", users[(i + t) % users.len()])]);
                        let v = l.check_at(&h, &[], PEER, 0);
                        mine[v as usize] += 1;
                    }
                    let mut c = lock(counts);
                    for k in 0..3 {
                        c[k] += mine[k];
                    }
                });
            }
        });
        let c = *lock(&counts);
        // 5 users × 300 client tokens = 1500 > 1000 endpoint tokens: the
        // endpoint bucket is the limit, exactly.
        assert_eq!(c[Verdict::Pass as usize], 1000, "{c:?}");
        assert_eq!(c.iter().sum::<u32>(), 3200);
    }

    /// A flood of distinct keys never keeps more than `max_clients`, the
    /// least recently seen go first, and an evicted client starts again
    /// with a full bucket.
    #[test]
    fn live_keys_stay_under_the_cap() {
        let l = Limiter::new(limit(ClientKey::Header("x-user"), 1000, 8));
        let clients = l.clients().cloned().expect("a client limit");
        let ask = |v: &str, now| {
            let mut h = HeaderMap::new();
            h.insert(
                "x-user",
                hyper::header::HeaderValue::from_str(v).expect("a value"),
            );
            l.check_at(&h, &[], PEER, now)
        };
        assert_eq!(ask("keep", 0), Verdict::Pass);
        for i in 0..100_000u32 {
            // `keep` is seen now and then: it is never the least recent.
            if i % 50 == 0 {
                let _ = ask("keep", u64::from(i));
            }
            assert_eq!(ask(&format!("flood-{i}"), u64::from(i)), Verdict::Pass);
            assert!(clients.len() <= 1000, "{} live at {i}", clients.len());
        }
        assert_eq!(clients.len(), 1000);
        // `keep` kept its (empty) bucket.
        assert_eq!(ask("keep", 200_000), Verdict::ClientLimited);
        // `flood-0` was evicted long ago: a full bucket again.
        assert_eq!(ask("flood-0", 200_000), Verdict::Pass);
        assert_eq!(ask("flood-0", 200_000), Verdict::Pass);
        assert_eq!(ask("flood-0", 200_000), Verdict::ClientLimited);
        // Each shard's slab never grew past its share.
        for s in clients.shards.iter() {
            let s = lock(&s.0);
            assert!(
                s.slots.capacity() <= (s.cap as usize).div_ceil(CHUNK) * CHUNK,
                "{} > {}",
                s.slots.capacity(),
                s.cap
            );
            assert_eq!(s.len, s.cap);
        }
        assert_eq!(std::mem::size_of::<Slot>(), 40);
    }

    /// CE's eviction tick: clients idle past the TTL go, the others stay.
    #[test]
    fn idle_clients_are_evicted() {
        // One shard, so that freed slots are visibly reused.
        let l = Limiter::new(limit(ClientKey::Header("x-user"), 1000, 1));
        let clients = l.clients().cloned().expect("a client limit");
        let ttl = 600 * SECOND;
        assert_eq!(clients.ttl(), Duration::from_nanos(ttl));
        let u = |v| headers(&[("x-user", v)]);
        for v in ["a", "b", "c"] {
            assert_eq!(l.check_at(&u(v), &[], PEER, 0), Verdict::Pass);
        }
        assert_eq!(l.check_at(&u("b"), &[], PEER, 10 * SECOND), Verdict::Pass);
        // `lastAccess + ttl < now`, strictly.
        assert_eq!(clients.evict_idle(ttl), 0);
        assert_eq!(clients.evict_idle(ttl + 1), 2);
        assert_eq!(clients.len(), 1);
        // `b` is empty still; `a` starts again full.
        assert_eq!(
            l.check_at(&u("b"), &[], PEER, ttl + 1),
            Verdict::ClientLimited
        );
        assert_eq!(l.check_at(&u("a"), &[], PEER, ttl + 1), Verdict::Pass);
        assert_eq!(clients.evict_idle(10 * ttl), 2);
        assert!(clients.is_empty());
        // Freed slots are reused: the slab does not grow.
        let before: usize = clients.shards.iter().map(|s| lock(&s.0).slots.len()).sum();
        for v in ["d", "e", "f"] {
            assert_eq!(l.check_at(&u(v), &[], PEER, 10 * ttl), Verdict::Pass);
        }
        let after: usize = clients.shards.iter().map(|s| lock(&s.0).slots.len()).sum();
        assert_eq!((before, after), (3, 3));
    }
}
