//! `qos/http-cache` (backend level; krakend-components §10): a private HTTP
//! cache in the backend's request executor, as `krakend-httpcache` v2.2.0
//! puts `krakend/httpcache` (a fork of gregjones/httpcache) under CE's HTTP
//! client. Its place in the pipeline is CE's (§1.1 step 18): under
//! `modifier/martian` and the decoder, so the key is the request martian
//! made, and a cached answer still goes through martian's response side,
//! the status check and the decoder ([`crate::proxy`]'s `call_pool`).
//!
//! **The algorithm** ([`Stage::call`]) is gregjones' `RoundTrip`, quirks
//! included, rather than a textbook RFC 9111 cache:
//! - only GET and HEAD without a `Range` header use it; any other request
//!   deletes the entry under its own key (`POST <url>`), which nothing is
//!   stored under, so a POST or DELETE leaves the GET entry of its URL.
//!   The key is the URL (`HEAD <url>` for HEAD); request headers count only when the stored answer's `Vary`
//!   names them (their values are kept in `X-Varied-<Name>` headers of
//!   the stored answer, which a client sees on a no-op endpoint, as in CE);
//! - every answer is stored unless the request or the answer says
//!   `no-store`, whatever its status and even without freshness
//!   information (it is then stale at once, and only its validators help);
//! - fresh ([`freshness`]): `max-age` (over `Expires`) measured from the
//!   answer's `Date` (no `Date`: stale); the request's `max-age`
//!   *replaces* the lifetime (it can lengthen it), `min-fresh` adds to the
//!   age, `max-stale` takes from it (no value: any age); `s-maxage`,
//!   `public`, `private` and `must-revalidate` mean nothing; the answer's
//!   `no-cache` forces a revalidation, the request's bypasses the entry;
//! - a stale entry is revalidated with `If-None-Match` (its `ETag`) and
//!   `If-Modified-Since` (its `Last-Modified`): a 304 to a GET refreshes
//!   the entry with the 304's end-to-end headers and answers from it;
//!   anything but 200 deletes it (and, when storable, stores the new
//!   answer); with `stale-if-error` (answer's or request's) a transport
//!   error or a 5xx answers with the stale entry;
//! - no entry and `only-if-cached`: an empty 504, without the backend;
//! - a stored GET loses `Content-Encoding: gzip`. Go's transport has
//!   already gunzipped what it asked gzip for itself, so that is what gwc
//!   stores for a decoded backend (the body unzipped); on a no-op backend
//!   a gzip answer (the client's `Accept-Encoding` forwarded) keeps its
//!   compressed bytes and loses the header, as CE's does (GW756);
//! - no `X-From-Cache` marker: `krakend-httpcache` leaves it off.
//!
//! A GET answer is stored once it is read to its end (gregjones stores it
//! at EOF): an answer the pipeline never reads (a status other than
//! 200/201 on a decoded backend without `return_error_code` or
//! `return_error_details`) is not stored.
//!
//! **Memory** is bounded, a deliberate difference from CE, whose cache is
//! an unbounded map unless both `max_size` and `max_items` are set: the
//! compiler always writes both, [`DEFAULT_MAX_SIZE`] and
//! [`DEFAULT_MAX_ITEMS`] when the config leaves them out (GW750 warns).
//! The store is a `quick_cache` weighted by the bytes an entry holds (key,
//! headers, body); each entry weighs at least `max_size / max_items`, so
//! the item count stays within `max_items` too. An answer larger than
//! [`Stage::entry_limit`] is served and not stored.
//!
//! **Sharing**, as `krakend-httpcache` selects its store: a private store
//! per backend; `shared: true` with both bounds uses one process-wide store
//! sized by the first such backend (in config order); `shared: true`
//! without bounds another process-wide one.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::lb::client::UpBody;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, DATE, ETAG, EXPIRES, HeaderMap, HeaderName,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RANGE, TRANSFER_ENCODING, VARY,
};
use hyper::{Method, Response, StatusCode};

use crate::error::{Error, ErrorKind};

/// `max_size` when the config does not set it (CE: no bound at all).
pub const DEFAULT_MAX_SIZE: u64 = 32 * 1024 * 1024;
/// `max_items` when the config does not set it (CE: no bound at all).
pub const DEFAULT_MAX_ITEMS: u64 = 4096;
/// The largest answer stored, whatever `max_size` (a larger one is served
/// and not stored).
pub const MAX_ENTRY: u64 = 8 * 1024 * 1024;

/// `qos/http-cache`, as the compiler writes it (defaults applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpCache {
    /// `shared`: one process-wide store for every backend that says so.
    pub shared: bool,
    /// Whether the config set both bounds (CE's bounded LRU); `false`: CE's
    /// unbounded map, which gwc bounds with the defaults.
    pub bounded: bool,
    /// The store's size in bytes.
    pub max_size: u64,
    /// The store's entry count.
    pub max_items: u64,
}

/// What [`freshness`] says of a stored answer for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Answer from the cache.
    Fresh,
    /// Revalidate (with validators when the entry has some).
    Stale,
    /// Ignore the entry (the request says `no-cache`).
    Transparent,
}

/// A stored answer.
#[derive(Debug)]
pub struct Entry {
    /// The status.
    pub status: StatusCode,
    /// The headers (with the `X-Varied-*` ones).
    pub headers: HeaderMap,
    /// The body (empty for HEAD).
    pub body: Bytes,
}

impl Entry {
    /// Bytes held, for the weigher.
    fn size(&self, key: &str) -> u64 {
        let headers: usize = self
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 32)
            .sum();
        (key.len() + headers + self.body.len() + 64) as u64
    }

    /// The entry as a response.
    pub fn response(&self) -> Response<Bytes> {
        let mut r = Response::new(self.body.clone());
        *r.status_mut() = self.status;
        *r.headers_mut() = self.headers.clone();
        r
    }
}

/// The weigher: an entry's bytes, at least `floor` (`max_size /
/// max_items`), so the weight bound is an item bound too.
#[cfg(feature = "http-cache")]
#[derive(Clone, Debug)]
struct Weigher {
    floor: u64,
}

#[cfg(feature = "http-cache")]
impl quick_cache::Weighter<Box<str>, Arc<Entry>> for Weigher {
    fn weight(&self, key: &Box<str>, val: &Arc<Entry>) -> u64 {
        val.size(key).max(self.floor)
    }
}

/// A store of answers (one per backend, or process-wide with `shared`).
pub struct Store {
    #[cfg(feature = "http-cache")]
    inner: quick_cache::sync::Cache<Box<str>, Arc<Entry>, Weigher>,
    #[cfg(not(feature = "http-cache"))]
    inner: std::convert::Infallible,
    /// The largest entry stored, in bytes.
    entry_limit: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("entry_limit", &self.entry_limit)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store bounded by `max_size` bytes and `max_items` entries.
    #[cfg(feature = "http-cache")]
    pub fn new(max_size: u64, max_items: u64) -> Result<Store, String> {
        let max_size = max_size.max(1);
        let max_items = max_items.max(1);
        // quick_cache splits the weight between its shards and never
        // admits an entry heavier than a shard's hot part (97 %): one
        // shard for small stores, so an entry near `max_size` fits.
        // Several shards only for a large store of many entries, so a
        // shard always holds the largest entry and the item bound holds.
        let shards = if max_size >= 64 * MAX_ENTRY && max_items >= 64 {
            8
        } else {
            1
        };
        let shard_room = max_size / shards * 9 / 10;
        let entry_limit = MAX_ENTRY.min(shard_room);
        // At most 9/10 of a shard, so a one-item store holds its item.
        let floor = max_size.div_ceil(max_items).min(shard_room).max(1);
        let options = quick_cache::OptionsBuilder::new()
            .shards(shards as usize)
            .estimated_items_capacity(usize::try_from(max_items.min(1 << 20)).unwrap_or(1 << 20))
            .weight_capacity(max_size)
            .build()
            .map_err(|e| format!("qos/http-cache: {e}"))?;
        Ok(Store {
            inner: quick_cache::sync::Cache::with_options(
                options,
                Weigher { floor },
                Default::default(),
                Default::default(),
            ),
            entry_limit,
        })
    }

    /// Without the `http-cache` feature there is no store.
    #[cfg(not(feature = "http-cache"))]
    pub fn new(_max_size: u64, _max_items: u64) -> Result<Store, String> {
        Err("qos/http-cache: this runtime was built without the `http-cache` feature".into())
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        #[cfg(feature = "http-cache")]
        return self.inner.get(key);
        #[cfg(not(feature = "http-cache"))]
        match (self.inner, key).0 {}
    }

    fn set(&self, key: &str, entry: Entry) {
        if entry.size(key) > self.entry_limit {
            // Too big to keep: the old entry goes, as a new answer replaces it.
            self.delete(key);
            return;
        }
        #[cfg(feature = "http-cache")]
        self.inner.insert(key.into(), Arc::new(entry));
        #[cfg(not(feature = "http-cache"))]
        match self.inner {}
    }

    fn delete(&self, key: &str) {
        #[cfg(feature = "http-cache")]
        self.inner.remove(key);
        #[cfg(not(feature = "http-cache"))]
        match (self.inner, key).0 {}
    }

    /// Entries held (tests).
    pub fn len(&self) -> usize {
        #[cfg(feature = "http-cache")]
        return self.inner.len();
        #[cfg(not(feature = "http-cache"))]
        match self.inner {}
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held, as weighed (tests).
    pub fn weight(&self) -> u64 {
        #[cfg(feature = "http-cache")]
        return self.inner.weight();
        #[cfg(not(feature = "http-cache"))]
        match self.inner {}
    }
}

/// The process-wide stores of `shared: true` backends, made while the
/// gateway's state is built (CE's `globalLruCache` and `globalCache`).
#[derive(Default)]
pub struct SharedStores {
    bounded: Option<Arc<Store>>,
    unbounded: Option<Arc<Store>>,
}

/// A backend's cache, ready.
#[derive(Debug)]
pub struct Stage {
    /// Its store.
    pub store: Arc<Store>,
    /// Whether the pipeline reads the body of any status (a no-op backend,
    /// or `return_error_code`/`return_error_details`); otherwise only 200
    /// and 201 are read, and so stored.
    pub reads_every_status: bool,
}

impl Stage {
    /// The stage for a backend (`shared`: the process-wide stores).
    pub fn new(
        spec: &HttpCache,
        reads_every_status: bool,
        shared: &mut SharedStores,
    ) -> Result<Stage, String> {
        let store = if !spec.shared {
            Arc::new(Store::new(spec.max_size, spec.max_items)?)
        } else {
            let slot = if spec.bounded {
                &mut shared.bounded
            } else {
                &mut shared.unbounded
            };
            match slot {
                Some(s) => Arc::clone(s),
                None => {
                    let s = Arc::new(Store::new(spec.max_size, spec.max_items)?);
                    *slot = Some(Arc::clone(&s));
                    s
                }
            }
        };
        Ok(Stage {
            store,
            reads_every_status,
        })
    }

    /// The largest answer stored.
    pub fn entry_limit(&self) -> u64 {
        self.store.entry_limit
    }
}

/// gregjones' `cacheKey`: the URL, after the method for anything but GET
/// (a GET's key is the URL itself, not copied).
pub fn key(method: &Method, url: String) -> String {
    if method == Method::GET {
        url
    } else {
        format!("{method} {url}")
    }
}

/// Whether the request may use the cache (GET or HEAD without `Range`).
pub fn cacheable(method: &Method, headers: &HeaderMap) -> bool {
    (method == Method::GET || method == Method::HEAD) && header_str(headers, &RANGE).is_empty()
}

/// Go's `Header.Get`: the first value, `""` when absent (or not text).
fn header_str<'h>(h: &'h HeaderMap, name: &HeaderName) -> &'h str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// gregjones' `parseCacheControl`: the first `Cache-Control` value split on
/// `,`; `k=v` keeps `v` up to a second `=`, a bare directive maps to `""`.
/// Directives are matched case-sensitively, as there.
fn directive<'h>(h: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let mut found = None;
    for part in header_str(h, &CACHE_CONTROL).split(',') {
        let part = part.trim_matches(' ');
        if part.is_empty() {
            continue;
        }
        // The last occurrence wins (a map insert).
        match part.split_once('=') {
            Some((k, v)) => {
                if k.trim_matches(' ') == name {
                    found = Some(v.split('=').next().unwrap_or("").trim_matches(','));
                }
            }
            None => {
                if part == name {
                    found = Some("");
                }
            }
        }
    }
    found
}

/// Go's `time.ParseDuration(v + "s")` in nanoseconds: an optionally signed
/// decimal number of seconds (`1`, `1.5`, `.5`, `-3`); `None` when it is
/// not one or overflows an `int64` of nanoseconds.
fn go_seconds(v: &str) -> Option<i128> {
    let (neg, digits) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, v),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut ns: i128 = 0;
    for b in int.bytes() {
        ns = ns.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        if ns > i128::from(i64::MAX) {
            return None;
        }
    }
    ns = ns.checked_mul(1_000_000_000)?;
    let mut scale: i128 = 100_000_000;
    for b in frac.bytes() {
        ns += i128::from(b - b'0') * scale;
        scale /= 10;
    }
    if ns > i128::from(i64::MAX) {
        return None;
    }
    Some(if neg { -ns } else { ns })
}

/// Go's `time.Parse(time.RFC1123, v)` (`Mon, 02 Jan 2006 15:04:05 MST`) as
/// nanoseconds since the Unix epoch. A zone abbreviation Go does not know
/// counts as UTC, as Go fabricates it with offset 0.
fn rfc1123(v: &str) -> Option<i128> {
    let b = v.as_bytes();
    // "Mon, 02 Jan 2006 15:04:05 " is 26 bytes, then the zone.
    if b.len() < 27 || &b[3..5] != b", " || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' {
        return None;
    }
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    DAYS.iter().position(|d| d.as_bytes() == &b[0..3])?;
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let day = num(&b[5..7])?;
    let month = MONTHS.iter().position(|m| m.as_bytes() == &b[8..11])? as i64 + 1;
    let year = num(&b[12..16])?;
    if b[19] != b':' || b[22] != b':' || b[25] != b' ' {
        return None;
    }
    let (hh, mm, ss) = (num(&b[17..19])?, num(&b[20..22])?, num(&b[23..25])?);
    let zone = &b[26..];
    if !zone.iter().all(u8::is_ascii_alphabetic) || zone.len() < 3 {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day < 1 || day > month_days[(month - 1) as usize] || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(i128::from(secs) * 1_000_000_000)
}

/// Nanoseconds since the Unix epoch.
pub fn now_ns() -> i128 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// gregjones' `getFreshness` of a stored answer's headers for a request's,
/// at `now` (nanoseconds since the epoch).
pub fn freshness(resp: &HeaderMap, req: &HeaderMap, now: i128) -> Freshness {
    if directive(req, "no-cache").is_some() {
        return Freshness::Transparent;
    }
    if directive(resp, "no-cache").is_some() {
        return Freshness::Stale;
    }
    if directive(req, "only-if-cached").is_some() {
        return Freshness::Fresh;
    }
    let Some(date) = rfc1123(header_str(resp, &DATE)) else {
        return Freshness::Stale;
    };
    let mut age = now - date;
    let mut lifetime: i128 = 0;
    if let Some(v) = directive(resp, "max-age") {
        lifetime = go_seconds(v).unwrap_or(0);
    } else {
        let expires = header_str(resp, &EXPIRES);
        if !expires.is_empty() {
            lifetime = rfc1123(expires).map_or(0, |e| e - date);
        }
    }
    if let Some(v) = directive(req, "max-age") {
        lifetime = go_seconds(v).unwrap_or(0);
    }
    if let Some(v) = directive(req, "min-fresh")
        && let Some(d) = go_seconds(v)
    {
        age += d;
    }
    if let Some(v) = directive(req, "max-stale") {
        if v.is_empty() {
            return Freshness::Fresh;
        }
        if let Some(d) = go_seconds(v) {
            age -= d;
        }
    }
    if lifetime > age {
        Freshness::Fresh
    } else {
        Freshness::Stale
    }
}

/// gregjones' `canStaleOnError`: `stale-if-error` in the answer or the
/// request (the request's value wins), without a value or younger than it.
pub fn can_stale_on_error(resp: &HeaderMap, req: &HeaderMap, now: i128) -> bool {
    let mut lifetime: Option<i128> = None;
    for h in [resp, req] {
        if let Some(v) = directive(h, "stale-if-error") {
            if v.is_empty() {
                return true;
            }
            match go_seconds(v) {
                Some(d) => lifetime = Some(d),
                None => return false,
            }
        }
    }
    match (lifetime, rfc1123(header_str(resp, &DATE))) {
        (Some(l), Some(date)) if l >= 0 => l > now - date,
        _ => false,
    }
}

/// gregjones' `canStore`: neither says `no-store`.
pub fn can_store(req: &HeaderMap, resp: &HeaderMap) -> bool {
    directive(resp, "no-store").is_none() && directive(req, "no-store").is_none()
}

/// The `X-Varied-<Name>` header for a `Vary` name (`None` for a name that
/// is no header name, such as `*`: it never varies, as in gregjones').
fn varied_name(name: &str) -> Option<HeaderName> {
    if name.is_empty() {
        return None;
    }
    HeaderName::try_from(format!("x-varied-{name}")).ok()
}

/// The `Vary` names of an answer (every value, split on `,`, trimmed).
fn vary_names(h: &HeaderMap) -> impl Iterator<Item = &str> {
    h.get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
}

/// gregjones' `varyMatches`: every header the entry's `Vary` names has the
/// value the entry was stored for.
pub fn vary_matches(entry: &HeaderMap, req: &HeaderMap) -> bool {
    vary_names(entry).all(|name| {
        let Some(varied) = varied_name(name) else {
            return true;
        };
        let sent = HeaderName::try_from(name)
            .ok()
            .map_or("", |n| header_str(req, &n));
        sent == header_str(entry, &varied)
    })
}

/// Adds the `X-Varied-*` headers for the answer's `Vary` names.
pub fn add_varied(resp: &mut HeaderMap, req: &HeaderMap) {
    let names: Vec<String> = vary_names(resp).map(str::to_owned).collect();
    for name in names {
        let (Some(varied), Ok(sent)) = (varied_name(&name), HeaderName::try_from(name.as_str()))
        else {
            continue;
        };
        if let Some(v) = req.get(&sent).filter(|v| !v.is_empty()) {
            resp.insert(varied, v.clone());
        }
    }
}

/// The hop-by-hop headers gregjones never copies from a 304.
fn hop_by_hop(resp: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        // Framing of the 304 itself, not of the stored body.
        "content-length",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for v in resp.get_all(hyper::header::CONNECTION) {
        if let Ok(v) = v.to_str() {
            names.extend(
                v.split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty()),
            );
        }
    }
    names
}

/// The entry refreshed by a 304: each end-to-end header of the 304
/// replaces the stored one.
pub fn refreshed(entry: &Entry, not_modified: &HeaderMap) -> Entry {
    let skip = hop_by_hop(not_modified);
    let mut headers = entry.headers.clone();
    for name in not_modified.keys() {
        if skip.iter().any(|s| s == name.as_str()) {
            continue;
        }
        headers.remove(name);
        for v in not_modified.get_all(name) {
            headers.append(name.clone(), v.clone());
        }
    }
    Entry {
        status: entry.status,
        headers,
        body: entry.body.clone(),
    }
}

/// The request's conditional headers for a stale entry (its `ETag` and
/// `Last-Modified`; gregjones skips each when the request has an `etag`,
/// resp. a `last-modified` header of its own).
pub fn add_validators(entry: &HeaderMap, req: &mut HeaderMap) {
    if let Some(etag) = entry.get(ETAG).filter(|v| !v.is_empty())
        && header_str(req, &ETAG).is_empty()
    {
        req.insert(IF_NONE_MATCH, etag.clone());
    }
    if let Some(lm) = entry.get(LAST_MODIFIED).filter(|v| !v.is_empty())
        && header_str(req, &LAST_MODIFIED).is_empty()
    {
        req.insert(IF_MODIFIED_SINCE, lm.clone());
    }
}

/// A body read for the store. `Partial` holds the upstream body inline
/// (see [`UpBody`]: no box per request).
#[allow(clippy::large_enum_variant)]
pub enum Read {
    /// Whole (and within the bound).
    Whole(Bytes),
    /// Over the bound: what was read, then the rest of the stream.
    Partial(Bytes, UpBody),
}

/// Reads a body up to `limit` bytes (a `Content-Length` above it is not
/// read at all).
pub async fn read_bounded(body: UpBody, limit: u64, host: &str) -> Result<Read, Error> {
    use hyper::body::Body as _;
    if body.size_hint().lower() > limit {
        return Ok(Read::Partial(Bytes::new(), body));
    }
    let mut body = body;
    let mut buf = BytesMut::new();
    loop {
        match body.frame().await {
            None => return Ok(Read::Whole(buf.freeze())),
            Some(Err(e)) => {
                return Err(Error::new(
                    ErrorKind::Transport,
                    format!("{host}: reading the body: {e}"),
                ));
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    buf.extend_from_slice(&data);
                    if buf.len() as u64 > limit {
                        return Ok(Read::Partial(buf.freeze(), body));
                    }
                }
            }
        }
    }
}

/// The headers a stored GET keeps from the wire: `Content-Encoding: gzip`
/// goes. With `unzip` (gwc asked for gzip itself, as Go's transport does,
/// which unzips below the cache) the body is gunzipped and its length
/// header goes too; without it the bytes stay compressed (CE's quirk).
/// Gunzipping stops past `cap` bytes (the backend's `max_response_bytes`).
pub fn prepare_get(
    headers: &mut HeaderMap,
    body: Bytes,
    unzip: bool,
    cap: u64,
) -> Result<Bytes, String> {
    let gzip = header_str(headers, &CONTENT_ENCODING) == "gzip";
    if !gzip {
        return Ok(body);
    }
    headers.remove(CONTENT_ENCODING);
    if !unzip {
        return Ok(body);
    }
    headers.remove(CONTENT_LENGTH);
    crate::encoding::gunzip(&body, cap)
        .map(Bytes::from)
        .map_err(|e| e.0)
}

/// CE's quirk on a storable GET answer the cache does not keep whole: its
/// `Content-Encoding: gzip` goes, unless gwc asked for gzip itself
/// (`unzip`: the pipeline gunzips it, as Go's transport would have).
pub fn drop_gzip(headers: &mut HeaderMap, unzip: bool) {
    if !unzip && header_str(headers, &CONTENT_ENCODING) == "gzip" {
        headers.remove(CONTENT_ENCODING);
    }
}

/// Headers that frame a wire message and mean nothing once stored.
pub fn strip_framing(headers: &mut HeaderMap) {
    headers.remove(TRANSFER_ENCODING);
}

/// gregjones' synthetic answer to `only-if-cached` without an entry.
pub fn gateway_timeout() -> Entry {
    Entry {
        status: StatusCode::GATEWAY_TIMEOUT,
        headers: HeaderMap::new(),
        body: Bytes::new(),
    }
}

/// Whether the request says `only-if-cached`.
pub fn only_if_cached(req: &HeaderMap) -> bool {
    directive(req, "only-if-cached").is_some()
}

/// Stores and looks up entries for one backend.
impl Stage {
    /// The entry for `key`.
    pub fn lookup(&self, key: &str) -> Option<Arc<Entry>> {
        self.store.get(key)
    }

    /// Stores `entry` under `key` (dropped when too big).
    pub fn store(&self, key: &str, entry: Entry) {
        self.store.set(key, entry);
    }

    /// Deletes `key`.
    pub fn delete(&self, key: &str) {
        self.store.delete(key);
    }

    /// Whether the pipeline reads (and so gregjones stores) a body of
    /// this status.
    pub fn reads(&self, status: StatusCode) -> bool {
        self.reads_every_status || status == StatusCode::OK || status == StatusCode::CREATED
    }
}

#[cfg(test)]
mod tests;
