//! The upstream layer: one pool of hosts per backend ([`Upstream`], §7.6's
//! `Pool`), its hosts ([`HostRt`], §7.6's `Host`), and the failover loop
//! ([`Upstream::call`], §7.5.5) that picks hosts, sends attempts, records
//! their outcomes (passive health, counters) and decides on retries.
//!
//! A backend without a `gwc/*` policy is a pool too: KrakenD's exact round
//! robin over its host entries from index 0, the root client, every host
//! always eligible, one attempt — so one code path serves both.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};

use hyper::header::{HeaderName, HeaderValue};
use hyper::http::uri::{Authority, PathAndQuery, Scheme};
use hyper::{Request, Response, Uri, Version};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use crate::body::{GwBody, OnceBody, OnceCell};
use crate::error::{Error, ErrorKind};
use crate::lb::breaker::Breaker;
use crate::lb::budget::RetryBudget;
use crate::lb::client::{self, ConnLimit, HttpClient, UpBody};
use crate::lb::failover::{self, Decision, Outcome, Skip};
use crate::lb::health::{HealthCell, Prober};
use crate::lb::now_ms;
use crate::lb::passive::Passive;
use crate::lb::select::{Selector, Tried};
use crate::redirect;
use crate::spec::{
    ActiveCheck, AllUnhealthy, Backend, ClientOptions, HttpOptions, Method, PoolPolicy,
};
use crate::worker::Counters;

/// The upstream request header naming the attempt (debug aid, §7.5.6).
pub const X_GWC_ATTEMPT: HeaderName = HeaderName::from_static("x-gwc-attempt");

/// Per-host counters of `gw_upstream_requests_total` and `/upstreams`, by
/// [`AttemptResult`] (kept per worker).
#[derive(Debug, Default)]
pub struct HostStats(Counters<4>);

/// The result label of one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// Accepted.
    Ok,
    /// An answer with a status KrakenD treats as a failure.
    BadStatus,
    /// Connect or transport failure.
    Error,
    /// Timeout (per-try, header timeout, or the attempt cancelled by a
    /// deadline).
    Timeout,
}

impl AttemptResult {
    /// Every result, in metrics order.
    pub const ALL: [AttemptResult; 4] = [
        AttemptResult::Ok,
        AttemptResult::BadStatus,
        AttemptResult::Error,
        AttemptResult::Timeout,
    ];

    /// Its label in `gw_upstream_requests_total` and `/upstreams`.
    pub fn label(self) -> &'static str {
        match self {
            AttemptResult::Ok => "ok",
            AttemptResult::BadStatus => "bad_status",
            AttemptResult::Error => "error",
            AttemptResult::Timeout => "timeout",
        }
    }
}

impl HostStats {
    /// Counts one attempt.
    pub fn record(&self, r: AttemptResult) {
        self.0.add(r as usize, 1);
    }

    /// Attempts with result `r`.
    pub fn get(&self, r: AttemptResult) -> u64 {
        self.0.get(r as usize)
    }
}

/// One host of a pool.
#[derive(Debug)]
pub struct HostRt {
    /// The host as configured (`http://h:port`).
    pub url: &'static str,
    /// The label in metrics and `/upstreams` (`hosts.*.name`, else the URL).
    pub name: &'static str,
    /// Parsed scheme.
    pub scheme: Scheme,
    /// Parsed authority.
    pub authority: Authority,
    /// A base path after the authority (`http://h/api` → `/api`).
    pub base_path: &'static str,
    /// The client this host is reached with.
    pub client: HttpClient,
    /// Follow its 30x answers (`follow_redirects`; always for KrakenD
    /// backends).
    pub follow_redirects: bool,
    /// `max_connections_per_host`.
    pub limit: ConnLimit,
    /// `max_response_bytes`: the most a decoded backend reads of a body
    /// (after gunzipping); no-op endpoints stream theirs.
    pub max_response_bytes: u64,
    /// The active health cell, when a check applies to this host.
    pub health: Option<Arc<HealthCell>>,
    /// Counters (KrakenD-style results).
    pub stats: HostStats,
    /// Attempts by outcome class, indexed by [`Outcome::slot`].
    pub classes: Counters<5>,
    /// `telemetry/opentelemetry`'s round-trip metrics, when the backend's
    /// layer has them.
    #[cfg(feature = "otel")]
    pub otel: Option<Box<crate::telemetry::opentelemetry::ClientMetrics>>,
}

/// Splits a sanitised host URL into scheme, authority and base path.
pub fn parse_host(url: &'static str) -> Result<(Scheme, Authority, &'static str), String> {
    let (scheme, rest) = if let Some(r) = url.strip_prefix("http://") {
        (Scheme::HTTP, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (Scheme::HTTPS, r)
    } else {
        return Err(format!("host `{url}` has no http:// or https:// scheme"));
    };
    let (auth, base_path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    // A trailing slash on the base path would double the pattern's.
    let base_path = base_path.strip_suffix('/').unwrap_or(base_path);
    let authority =
        Authority::try_from(auth).map_err(|e| format!("host `{url}`: bad authority: {e}"))?;
    Ok((scheme, authority, base_path))
}

impl HostRt {
    /// A host reached with `client`.
    pub fn new(url: &'static str, client: HttpClient) -> Result<HostRt, String> {
        let (scheme, authority, base_path) = parse_host(url)?;
        Ok(HostRt {
            url,
            name: url,
            scheme,
            authority,
            base_path,
            client,
            follow_redirects: true,
            limit: ConnLimit::none(),
            max_response_bytes: HttpOptions::DEFAULT.max_response_bytes,
            health: None,
            stats: HostStats::default(),
            classes: Default::default(),
            #[cfg(feature = "otel")]
            otel: None,
        })
    }

    /// The `/upstreams` state: the active state, or `unknown` without a check.
    pub fn state_label(&self) -> &'static str {
        self.health
            .as_ref()
            .map_or("unknown", |c| c.state().as_str())
    }

    fn last_pass(&self) -> u64 {
        self.health.as_ref().map_or(0, |c| c.last_pass_ms())
    }
}

/// What pools share, built while they are: one client (connection pool
/// and connection cap) per distinct (host URL, HTTP options) — §7.5.1's
/// host runtime — and one prober per distinct (host URL, check, HTTP
/// options).
#[derive(Debug, Default)]
pub struct Shared {
    /// The probers, each with its cell.
    pub probers: Vec<Arc<Prober>>,
    keys: Vec<(&'static str, &'static ActiveCheck, HttpOptions)>,
    /// The host clients.
    pub clients: Vec<(&'static str, HttpOptions, HttpClient, ConnLimit)>,
    /// The clients of hosts without a policy, one per host URL: like
    /// KrakenD's one transport, every backend calling a host shares its
    /// connections.
    root_clients: Vec<(&'static str, HttpClient)>,
    /// The TLS configuration of the root `client_tls`, made once.
    root_tls: Option<rustls::ClientConfig>,
}

impl Shared {
    /// The client of a host without a policy.
    fn root_client(
        &mut self,
        url: &'static str,
        root: &ClientOptions,
    ) -> Result<HttpClient, String> {
        if let Some((_, c)) = self.root_clients.iter().find(|(u, _)| *u == url) {
            return Ok(c.clone());
        }
        let tls = match &self.root_tls {
            Some(t) => t.clone(),
            None => self.root_tls.insert(client::tls_config(root.tls)?).clone(),
        };
        let c = client::root_client(url, root, tls)?;
        self.root_clients.push((url, c.clone()));
        Ok(c)
    }

    /// The client and connection cap for this host and options.
    fn client(
        &mut self,
        url: &'static str,
        http: &HttpOptions,
        root: &ClientOptions,
    ) -> Result<(HttpClient, ConnLimit), String> {
        if let Some((_, _, c, l)) = self
            .clients
            .iter()
            .find(|(u, h, _, _)| *u == url && h == http)
        {
            return Ok((c.clone(), l.clone()));
        }
        let c = client::host_client(url, http, root, None)?;
        let l = ConnLimit::for_options(http);
        self.clients.push((url, *http, c.clone(), l.clone()));
        Ok((c, l))
    }

    /// The cell for this host and check, creating its prober the first time.
    fn cell(
        &mut self,
        url: &'static str,
        check: &'static ActiveCheck,
        http: &HttpOptions,
        root: &ClientOptions,
    ) -> Result<Arc<HealthCell>, String> {
        if let Some(i) = self
            .keys
            .iter()
            .position(|(u, c, h)| *u == url && **c == *check && h == http)
            && let Some(p) = self.probers.get(i)
        {
            return Ok(Arc::clone(&p.cell));
        }
        let (scheme, authority, base_path) = parse_host(url)?;
        let prefix = if check.from_root { "" } else { base_path };
        let uri = Uri::builder()
            .scheme(scheme)
            .authority(authority)
            .path_and_query(format!("{prefix}{}", check.path))
            .build()
            .map_err(|e| format!("host `{url}`: health check path `{}`: {e}", check.path))?;
        let cell = Arc::new(HealthCell::new(check.start_unhealthy));
        self.probers.push(Arc::new(Prober {
            uri,
            check,
            client: client::host_client(url, http, root, Some(check.reuse_connection))?,
            cell: Arc::clone(&cell),
        }));
        self.keys.push((url, check, *http));
        Ok(cell)
    }
}

/// Pool-level counters (`gwc_*` metrics).
#[derive(Debug, Default)]
pub struct PoolStats {
    /// `gwc_failover_retries_total{reason}`, by [`Outcome::slot`].
    pub retries: [AtomicU64; 5],
    /// `gwc_retry_skipped_total{reason}`, in [`Skip::ALL`] order.
    pub skipped: [AtomicU64; 4],
    /// `gwc_no_healthy_upstream_total`.
    pub no_healthy: AtomicU64,
}

impl PoolStats {
    fn skip(&self, s: Skip) {
        let i = Skip::ALL.iter().position(|&x| x == s).unwrap_or(0);
        self.skipped[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// One backend's hosts, selector, health, failover state.
#[derive(Debug)]
pub struct Upstream {
    /// The hosts, in declaration order.
    pub hosts: Box<[HostRt]>,
    /// The selector.
    pub selector: Selector,
    /// The policy, `None` for KrakenD behaviour.
    pub policy: Option<&'static PoolPolicy>,
    /// Passive health, when configured.
    pub passive: Option<Passive>,
    /// The retry budget's counters.
    pub budget: RetryBudget,
    /// `qos/circuit-breaker`.
    pub breaker: Option<Breaker>,
    /// `qos/ratelimit/proxy`.
    pub rate_limit: Option<crate::traffic::ratelimit_proxy::ProxyLimiter>,
    /// `response_header_timeout` (none when zero).
    pub header_timeout: Option<Duration>,
    /// Counters.
    pub stats: PoolStats,
}

/// The request body as the failover loop holds it.
#[derive(Debug)]
pub enum Replay {
    /// No body.
    Empty,
    /// Buffered: every attempt gets a copy.
    Buffered(Bytes),
    /// Streamed: usable until an attempt polls it.
    Once(OnceCell),
}

impl Replay {
    /// The body for the next attempt (`None`: the stream is gone).
    fn body(&self) -> Option<GwBody> {
        match self {
            Replay::Empty => Some(GwBody::Empty),
            Replay::Buffered(b) => Some(GwBody::full(b.clone())),
            Replay::Once(cell) => OnceBody::new(cell).map(GwBody::Once),
        }
    }

    /// Whether it can be sent again after an attempt consumed it.
    fn replayable(&self, max: u64) -> bool {
        match self {
            Replay::Empty => true,
            Replay::Buffered(b) => b.len() as u64 <= max,
            Replay::Once(_) => false,
        }
    }
}

/// A body of unknown length goes chunked on every method. hyper sends a
/// GET, HEAD or CONNECT with such a body as `Content-Length: 0` and drops
/// the body ("GET, HEAD, and CONNECT almost never have bodies", unless
/// the request says `Transfer-Encoding` itself); Go's transport, hence
/// KrakenD, sends it chunked. hyper's HTTP/2 client removes the header
/// again (a connection header there) and streams the body in DATA frames.
fn unknown_length_chunked(parts: &mut hyper::http::request::Parts, body: &GwBody) {
    use hyper::body::Body as _;
    use hyper::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
    if !body.is_end_stream()
        && body.size_hint().exact().is_none()
        && !parts.headers.contains_key(CONTENT_LENGTH)
        && !parts.headers.contains_key(TRANSFER_ENCODING)
    {
        parts
            .headers
            .insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
    }
}

/// Go's transport sends `Content-Length: 0` on a POST, PUT or PATCH
/// without a body (many servers answer 411 without it), where hyper would
/// send no length at all (`transferWriter.shouldSendContentLength`).
fn empty_body_length(parts: &mut hyper::http::request::Parts, body: &GwBody) {
    use hyper::Method;
    let wants_length = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
    if wants_length
        && body.is_end_stream()
        && !parts.headers.contains_key(hyper::header::CONTENT_LENGTH)
    {
        parts
            .headers
            .insert(hyper::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    }
}

/// Reads up to `limit + 1` bytes of a streamed body: all of it when it fits
/// (it can then be replayed), else the prefix read so far and the rest.
pub async fn buffer_for_replay(mut body: Incoming, limit: u64) -> Result<Replay, Error> {
    if body.is_end_stream() {
        return Ok(Replay::Empty);
    }
    if body.size_hint().lower() > limit {
        return Ok(Replay::Once(Arc::new(Mutex::new(Some((
            Bytes::new(),
            body,
        ))))));
    }
    let mut buf = BytesMut::new();
    while buf.len() as u64 <= limit {
        match body.frame().await {
            Some(Ok(f)) => {
                if let Ok(d) = f.into_data() {
                    buf.extend_from_slice(&d);
                }
            }
            Some(Err(e)) => {
                return Err(Error::new(
                    ErrorKind::BadRequest,
                    format!("reading the request body: {e}"),
                ));
            }
            None => return Ok(Replay::Buffered(buf.freeze())),
        }
    }
    Ok(Replay::Once(Arc::new(Mutex::new(Some((
        buf.freeze(),
        body,
    ))))))
}

/// Counts an attempt as timed out unless it finished (a dropped future is
/// a cancelled attempt).
#[derive(Debug)]
pub struct AttemptGuard<'a> {
    host: &'a HostRt,
    done: bool,
}

impl<'a> AttemptGuard<'a> {
    /// Guards an attempt on `host`.
    pub fn new(host: &'a HostRt) -> Self {
        AttemptGuard { host, done: false }
    }

    /// Records the attempt's result.
    pub fn finish(&mut self, r: AttemptResult) {
        if !self.done {
            self.done = true;
            self.host.stats.record(r);
        }
    }

    /// Forgets the attempt (it was counted elsewhere).
    pub fn disarm(&mut self) {
        self.done = true;
    }
}

impl Drop for AttemptGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.host.stats.record(AttemptResult::Timeout);
        }
    }
}

/// A response head from the loop.
#[derive(Debug)]
pub struct Reply<'a> {
    /// The response (body unread).
    pub resp: Response<UpBody>,
    /// The host that answered.
    pub host: &'a HostRt,
    /// Its connection slot: keep it until the body is read.
    pub permit: Option<OwnedSemaphorePermit>,
    /// The final attempt's accounting: the caller records the result.
    pub guard: AttemptGuard<'a>,
    /// Attempts made (≥ 1).
    pub attempts: u8,
    /// Where the last redirect followed led, when one was: the request
    /// this response answers (lura names it in a status error).
    pub redirected_to: Option<Uri>,
}

/// What the caller tells the loop about the backend.
#[derive(Clone, Copy, Debug)]
pub struct CallOptions {
    /// The backend `method` (idempotency is judged on it).
    pub method: Method,
    /// The deadline for every attempt and backoff.
    pub deadline: Instant,
    /// A no-op backend (the breaker counts only transport failures).
    pub noop: bool,
}

/// A request head for one host, as the caller makes it for the failover
/// loop.
#[derive(Debug)]
pub struct Head {
    /// Method and headers. Its URI is left empty, and the loop makes it
    /// from the host and [`Head::path_and_query`], unless
    /// `modifier/martian` moved the request: then it is absolute and used
    /// as it is.
    pub req: Request<()>,
    /// The path and query (what follows the host's authority).
    pub path_and_query: String,
    /// A body that replaces the client's (`modifier/martian`'s
    /// `body.Modifier`).
    pub body: Option<Bytes>,
}

impl Head {
    /// A head whose URI the loop makes from the host.
    pub fn new(req: Request<()>, path_and_query: String) -> Head {
        Head {
            req,
            path_and_query,
            body: None,
        }
    }

    /// The URL this head goes to on `host`, as text (the cache's key):
    /// the absolute URI martian made, else the host and the path.
    pub(crate) fn url(&self, host: &HostRt) -> String {
        if self.req.uri().authority().is_some() {
            return self.req.uri().to_string();
        }
        format!(
            "{}://{}{}",
            host.scheme, host.authority, self.path_and_query
        )
    }

    /// The URI this head goes to on `host`.
    fn uri(&self, host: &HostRt) -> Result<Uri, String> {
        if self.req.uri().authority().is_some() {
            return Ok(self.req.uri().clone());
        }
        let pq = PathAndQuery::try_from(self.path_and_query.as_str())
            .map_err(|e| format!("backend path and query: {e}"))?;
        Uri::builder()
            .scheme(host.scheme.clone())
            .authority(host.authority.clone())
            .path_and_query(pq)
            .build()
            .map_err(|e| format!("backend uri: {e}"))
    }
}

/// Makes the request head for a host; the loop adds the URI (unless the
/// head has one), the body and the attempt header.
pub type BuildHead<'b> = dyn Fn(&HostRt) -> Result<Head, Error> + Sync + 'b;

/// The error of a failed attempt with its class.
type Failed = (Error, Outcome);

impl Upstream {
    /// Builds the pool for a backend.
    pub fn new(
        b: &'static Backend,
        root: &ClientOptions,
        shared: &mut Shared,
        label: &str,
    ) -> Result<Upstream, String> {
        let header_timeout = (root.response_header_timeout_ms > 0)
            .then(|| Duration::from_millis(root.response_header_timeout_ms));
        let breaker = b
            .circuit_breaker
            .map(|cb| Breaker::new(cb, label.to_owned()));
        let Some(p) = b.lb else {
            let hosts = b
                .hosts
                .iter()
                .map(|h| HostRt::new(h, shared.root_client(h, root)?))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Upstream {
                selector: Selector::plain(hosts.len()),
                hosts: hosts.into_boxed_slice(),
                policy: None,
                passive: None,
                budget: RetryBudget::default(),
                breaker,
                rate_limit: b
                    .rate_limit
                    .map(crate::traffic::ratelimit_proxy::ProxyLimiter::new),
                header_timeout,
                stats: PoolStats::default(),
            });
        };
        if p.hosts.len() != b.hosts.len() {
            return Err(format!(
                "the pool policy has {} hosts, the backend {}",
                p.hosts.len(),
                b.hosts.len()
            ));
        }
        let mut hosts = Vec::with_capacity(b.hosts.len());
        for (url, hp) in b.hosts.iter().zip(p.hosts) {
            let (c, limit) = shared.client(url, &hp.http, root)?;
            let mut h = HostRt::new(url, c)?;
            h.name = hp.name;
            h.limit = limit;
            h.follow_redirects = hp.http.follow_redirects;
            h.max_response_bytes = hp.http.max_response_bytes;
            if let Some(check) = hp.active {
                h.health = Some(shared.cell(url, check, &hp.http, root)?);
            }
            hosts.push(h);
        }
        Ok(Upstream {
            selector: Selector::new(p),
            passive: p.passive.map(|pc| Passive::new(pc, hosts.len())),
            hosts: hosts.into_boxed_slice(),
            policy: Some(p),
            budget: RetryBudget::default(),
            breaker,
            rate_limit: b
                .rate_limit
                .map(crate::traffic::ratelimit_proxy::ProxyLimiter::new),
            header_timeout,
            stats: PoolStats::default(),
        })
    }

    /// Whether host `i` may get traffic at `now`: its active state is
    /// routable (or no check applies) and it is not passively ejected.
    pub fn eligible(&self, i: usize, now: u64) -> bool {
        let Some(h) = self.hosts.get(i) else {
            return false;
        };
        h.health.as_ref().is_none_or(|c| c.state().routable())
            && self
                .passive
                .as_ref()
                .and_then(|p| p.hosts.get(i))
                .is_none_or(|ph| !ph.ejected(now, h.last_pass()))
    }

    /// Whether host `i` is ejected now (`gwc_upstream_ejected`).
    pub fn ejected_until(&self, i: usize) -> Option<u64> {
        let h = self.hosts.get(i)?;
        self.passive
            .as_ref()?
            .hosts
            .get(i)?
            .ejected_until(now_ms(), h.last_pass())
    }

    /// How the body must be held for this pool: the replay limit when a
    /// retry after sending may happen, `None` when it may stream.
    pub fn replay_limit(&self, method: Method) -> Option<u64> {
        let f = self.policy?.failover?;
        let after_send = f.retry_on.0 & !crate::spec::FailureClasses::CONNECT_FAILURE != 0;
        (f.max_attempts > 1
            && after_send
            && (failover::idempotent(method) || f.retry_non_idempotent))
            .then_some(f.max_retry_body_bytes)
    }

    /// One client request through the pool: the circuit breaker, then
    /// `qos/ratelimit/proxy` (inside the breaker, as in CE: a refusal is a
    /// breaker failure), then the §7.5.5 failover loop. `build` makes the request for a host (path,
    /// headers; the loop sets the URI, body and attempt header).
    pub async fn call<'a>(
        &'a self,
        opts: CallOptions,
        body: Replay,
        build: &BuildHead<'_>,
    ) -> Result<Reply<'a>, Error> {
        let ticket = match &self.breaker {
            Some(b) => match b.allow() {
                Some(t) => Some(t),
                None => {
                    return Err(Error::new(
                        ErrorKind::CircuitOpen,
                        "circuit breaker is open",
                    ));
                }
            },
            None => None,
        };
        let r = match self.rate_limit.as_ref().map(|l| l.check()) {
            Some(Err(e)) => Err(e),
            // Boxed: every caller's future (up to the connection task's)
            // would otherwise hold, and move, this loop's state.
            _ => Box::pin(self.failover(opts, body, build)).await,
        };
        if let (Some(b), Some(t)) = (&self.breaker, ticket) {
            let ok = match &r {
                Ok(reply) => opts.noop || matches!(reply.resp.status().as_u16(), 200 | 201),
                Err(_) => false,
            };
            b.report(t, ok);
        }
        r
    }

    async fn failover<'a>(
        &'a self,
        opts: CallOptions,
        body: Replay,
        build: &BuildHead<'_>,
    ) -> Result<Reply<'a>, Error> {
        // Only pools shown in `/upstreams` count (a shared counter every
        // worker would write on every request of a plain backend).
        let _in_flight =
            (self.policy.is_some() || self.breaker.is_some()).then(|| self.budget.request());
        let f = self.policy.and_then(|p| p.failover);
        let max = f.map_or(1, |f| f.max_attempts.max(1));
        let debug = self.policy.is_some_and(|p| p.debug_headers);
        let mut tried = Tried::default();
        let mut last: Option<(usize, Result<Reply<'a>, Failed>)> = None;
        let mut ignore_health = false;
        for attempt in 1..=max {
            let now = now_ms();
            let pick = match &last {
                None => match self.selector.first(&|i| self.eligible(i, now)) {
                    Some(h) => Some(h),
                    None => match self.policy.map(|p| p.all_unhealthy) {
                        Some(AllUnhealthy::FailOpen) => {
                            ignore_health = true;
                            self.selector.first_ignoring_health()
                        }
                        Some(AllUnhealthy::FailClosed) => {
                            self.stats.no_healthy.fetch_add(1, Ordering::Relaxed);
                            return Err(Error::new(
                                ErrorKind::NoHealthyUpstream,
                                "no healthy upstream",
                            ));
                        }
                        None => None,
                    },
                },
                Some((prev, _)) => {
                    let sel = &self.selector;
                    sel.next(*prev, &tried, &|i| {
                        if ignore_health {
                            !sel.is_backup(i)
                        } else {
                            self.eligible(i, now)
                        }
                    })
                }
            };
            let Some(hi) = pick.filter(|&i| i < self.hosts.len()) else {
                return finish(last);
            };
            let host = &self.hosts[hi];
            let mut _retry_slot = None;
            if attempt > 1 {
                let f = f.unwrap_or(NO_FAILOVER);
                match self
                    .budget
                    .try_retry(f.budget_percent, f.min_retry_concurrency)
                {
                    Some(slot) => _retry_slot = Some(slot),
                    None => {
                        self.stats.skip(Skip::Budget);
                        return finish(last);
                    }
                }
                let wait = failover::backoff_ms(&f, attempt);
                if wait > 0 {
                    let until = crate::proxy::after(Instant::now(), wait).min(opts.deadline);
                    tokio::time::sleep_until(until).await;
                }
                if Instant::now() >= opts.deadline {
                    self.stats.skip(Skip::Deadline);
                    return finish(last);
                }
            }
            let head = build(host)?;
            let uri = head.uri(host);
            let req_body = match head.body {
                Some(replaced) => GwBody::full(replaced),
                None => match body.body() {
                    Some(b) => b,
                    None => {
                        self.stats.skip(Skip::BodyTooLarge);
                        return finish(last);
                    }
                },
            };
            // The previous failure is not the answer any more: drain it so
            // its connection can go back to the pool.
            if let Some((_, Ok(prev))) = last.take() {
                drain(prev);
            }
            let (mut parts, ()) = head.req.into_parts();
            if debug && let Ok(v) = HeaderValue::try_from(attempt.to_string()) {
                parts.headers.insert(X_GWC_ATTEMPT, v);
            }
            empty_body_length(&mut parts, &req_body);
            unknown_length_chunked(&mut parts, &req_body);
            let req = Request::from_parts(parts, req_body);
            // A pool bounds each attempt by the deadline (and the per-try
            // timeout) itself, to classify and count the timeout; a plain
            // KrakenD backend leaves that to the endpoint's own timer.
            // Absolute instants, so the attempt's timer and the endpoint's
            // fire together at the deadline (the loop then sees it first).
            let t = match (self.policy, f.and_then(|f| f.per_try_timeout_ms)) {
                (None, _) => None,
                (Some(_), Some(ms)) => {
                    Some(crate::proxy::after(Instant::now(), ms).min(opts.deadline))
                }
                (Some(_), None) => Some(opts.deadline),
            };
            let mut outcome = self
                .attempt(host, req, uri, t, attempt, opts.deadline)
                .await;
            if host.follow_redirects
                && let Ok(r) = &outcome
                && redirect::is_redirect(r.resp.status())
                && let Ok(r) = outcome
            {
                let had_body = !matches!(body, Replay::Empty);
                // Boxed: the common future need not carry this rare state.
                outcome = Box::pin(self.redirects(host, r, build, t, had_body)).await;
            }
            let class = match &outcome {
                Ok(r) => Outcome::Status(r.resp.status().as_u16()),
                Err((_, c)) => *c,
            };
            host.classes.add(class.slot(), 1);
            if let Some(p) = &self.passive {
                let failed = class.is_in(p.policy.failure_on, &[]);
                p.record(hi, failed, now_ms(), &|j| {
                    self.hosts.get(j).map_or(0, HostRt::last_pass)
                });
            }
            let Some(fo) = f else {
                return outcome.map_err(|(e, _)| e);
            };
            let decision = failover::decide(
                &fo,
                attempt,
                class,
                opts.method,
                body.replayable(fo.max_retry_body_bytes),
                Instant::now() >= opts.deadline,
            );
            match decision {
                Decision::Final => return outcome.map_err(|(e, _)| e),
                Decision::Skip(s) => {
                    self.stats.skip(s);
                    return outcome.map_err(|(e, _)| e);
                }
                Decision::Retry => {
                    self.stats.retries[class.slot()].fetch_add(1, Ordering::Relaxed);
                    let outcome = outcome.map(|mut r| {
                        // Not the answer (unless nothing follows): count it as
                        // the failure it is.
                        r.guard.finish(AttemptResult::BadStatus);
                        r
                    });
                    tried.add(hi);
                    last = Some((hi, outcome));
                }
            }
        }
        finish(last)
    }

    /// One attempt: the connection slot, the request, the response head,
    /// all within `t`.
    async fn attempt<'a>(
        &'a self,
        host: &'a HostRt,
        mut req: Request<GwBody>,
        uri: Result<Uri, String>,
        t: Option<Instant>,
        attempt: u8,
        deadline: Instant,
    ) -> Result<Reply<'a>, Failed> {
        let mut guard = AttemptGuard::new(host);
        // OTel's transport metrics: one round trip, request to response head.
        #[cfg(feature = "otel")]
        let round_trip = host.otel.as_deref().map(|m| {
            crate::telemetry::opentelemetry::RoundTrip::start(
                m,
                t.map_or(deadline, |t| t.min(deadline)),
                hyper::body::Body::size_hint(req.body()).exact(),
                req.method() == hyper::Method::HEAD,
            )
        });
        #[cfg(not(feature = "otel"))]
        let _ = deadline;
        let uri = uri.map_err(|e| {
            guard.disarm();
            (Error::new(ErrorKind::Internal, e), Outcome::ConnectFailure)
        })?;
        *req.uri_mut() = uri;
        // The client picks the wire version (HTTP/1.1, or HTTP/2 for h2/h2c
        // pools); an inbound h2 request must not carry its version over.
        *req.version_mut() = Version::HTTP_11;
        let asked_upgrade = crate::lb::framing::asks_upgrade(req.headers());
        let header_t = match (
            self.header_timeout.map(|h| {
                crate::proxy::after(
                    Instant::now(),
                    u64::try_from(h.as_millis()).unwrap_or(u64::MAX),
                )
            }),
            t,
        ) {
            (Some(h), Some(t)) => Some(h.min(t)),
            (h, t) => h.or(t),
        };
        let started = Instant::now();
        let work = async {
            let permit = host.limit.acquire().await;
            let resp = host.client.request(req).await;
            (permit, resp)
        };
        let r = match header_t {
            Some(d) => tokio::time::timeout_at(d, work).await,
            None => Ok(work.await),
        };
        match r {
            Err(_) => {
                guard.finish(AttemptResult::Timeout);
                #[cfg(feature = "otel")]
                if let Some(rt) = round_trip {
                    rt.failed(crate::telemetry::opentelemetry::NoAnswer::TimedOut);
                }
                let what = if t.is_none_or(|t| header_t < Some(t)) {
                    "response_header_timeout"
                } else {
                    "attempt timeout"
                };
                let ms = started.elapsed().as_millis();
                Err((
                    Error::new(
                        ErrorKind::Timeout,
                        format!("{}: {what} after {ms} ms", host.url),
                    ),
                    Outcome::Timeout,
                ))
            }
            Ok((_, Err(e))) => {
                guard.finish(AttemptResult::Error);
                #[cfg(feature = "otel")]
                if let Some(rt) = round_trip {
                    rt.failed(crate::telemetry::opentelemetry::NoAnswer::Failed);
                }
                let (kind, class) = if e.is_connect() {
                    (ErrorKind::Connect, Outcome::ConnectFailure)
                } else if e.is_bad_response() {
                    // A head refused as malformed: the own client's framing
                    // rules (its reason label is in the message), or hyper's
                    // parser (differing `Content-Length`s…). The connection
                    // is closed either way.
                    (ErrorKind::BadResponse, Outcome::Reset)
                } else {
                    (ErrorKind::Transport, Outcome::Reset)
                };
                let mut msg = format!("{}: {e}", host.url);
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    msg.push_str(": ");
                    msg.push_str(&s.to_string());
                    src = s.source();
                }
                Err((Error::new(kind, msg), class))
            }
            Ok((permit, Ok(resp))) => {
                #[cfg(feature = "otel")]
                if let Some(rt) = round_trip {
                    rt.answered(
                        resp.status().as_u16(),
                        hyper::body::Body::size_hint(resp.body()).exact(),
                    );
                }
                if let Err(e) = crate::lb::framing::check(&resp, asked_upgrade, host.url) {
                    guard.finish(AttemptResult::Error);
                    return Err((e, Outcome::Reset));
                }
                Ok(Reply {
                    resp,
                    host,
                    permit,
                    guard,
                    attempts: attempt,
                    redirected_to: None,
                })
            }
        }
    }
}

impl Upstream {
    /// Follows `reply` through its redirects (module [`crate::redirect`]),
    /// within the attempt's time `t`; the last answer is the attempt's.
    async fn redirects<'a>(
        &'a self,
        host: &'a HostRt,
        mut reply: Reply<'a>,
        build: &BuildHead<'_>,
        t: Option<Instant>,
        had_body: bool,
    ) -> Result<Reply<'a>, Failed> {
        if !redirect::is_redirect(reply.resp.status()) {
            return Ok(reply);
        }
        let failed = |msg: String| (Error::new(ErrorKind::Transport, msg), Outcome::Reset);
        let head = build(host).map_err(|e| (e, Outcome::Reset))?;
        let mut from = head
            .uri(host)
            .map_err(|e| failed(format!("{}: {e}", host.url)))?;
        let (mut parts, ()) = head.req.into_parts();
        let mut had_body = had_body;
        for hops in 0..=redirect::MAX_REDIRECTS {
            let hop = redirect::next_hop(
                &parts.method,
                reply.resp.status(),
                reply.resp.headers().get(hyper::header::LOCATION),
                &from,
                had_body,
            )
            .map_err(|e| failed(format!("{}: redirect: {}", host.url, e.0)))?;
            let Some(hop) = hop else {
                return Ok(reply);
            };
            if hops == redirect::MAX_REDIRECTS {
                break;
            }
            redirect::hop_headers(&mut parts.headers, &from, &hop);
            parts.method = hop.method.clone();
            parts.uri = hop.uri.clone();
            parts.version = Version::HTTP_11;
            had_body &= !hop.drop_body;
            let req = Request::from_parts(parts.clone(), GwBody::Empty);
            let sent = host.client.request(req);
            let resp = match t {
                Some(t) => tokio::time::timeout_at(t, sent).await.map_err(|_| {
                    (
                        Error::new(
                            ErrorKind::Timeout,
                            format!("{}: attempt timeout while following redirects", host.url),
                        ),
                        Outcome::Timeout,
                    )
                })?,
                None => sent.await,
            }
            .map_err(|e| {
                let class = if e.is_connect() {
                    Outcome::ConnectFailure
                } else {
                    Outcome::Reset
                };
                let kind = if e.is_bad_response() {
                    ErrorKind::BadResponse
                } else {
                    ErrorKind::Transport
                };
                (
                    Error::new(kind, format!("{}: redirect to {}: {e}", host.url, hop.uri)),
                    class,
                )
            })?;
            crate::lb::framing::check(&resp, false, host.url).map_err(|e| (e, Outcome::Reset))?;
            // The 30x body is not the answer: drain it off the connection.
            let previous = std::mem::replace(&mut reply.resp, resp);
            discard(previous.into_body(), None);
            reply.redirected_to = Some(hop.uri.clone());
            from = hop.uri;
        }
        Err(failed(format!(
            "{}: stopped after {} redirects",
            host.url,
            redirect::MAX_REDIRECTS
        )))
    }
}

/// Without `gwc/failover` (for the budget fields of a retry that cannot
/// happen anyway).
const NO_FAILOVER: crate::spec::Failover = crate::spec::Failover {
    max_attempts: 1,
    per_try_timeout_ms: None,
    retry_on: crate::spec::FailureClasses(0),
    retriable_status: &[],
    retry_non_idempotent: false,
    max_retry_body_bytes: 0,
    backoff_base_ms: 0,
    backoff_max_ms: 0,
    budget_percent: 0,
    min_retry_concurrency: 0,
};

/// The loop's answer when it stops after a failed attempt: that attempt's
/// result (a response is returned as is, like nginx's "last server").
fn finish<'a>(last: Option<(usize, Result<Reply<'a>, Failed>)>) -> Result<Reply<'a>, Error> {
    match last {
        // Counted as a failed attempt when it was retried.
        Some((_, Ok(r))) => Ok(r),
        Some((_, Err((e, _)))) => Err(e),
        None => Err(Error::new(ErrorKind::NoHost, "no hosts available")),
    }
}

/// Reads and discards a response that will not be forwarded (bounded), in
/// the background, so a keep-alive connection survives.
fn drain(r: Reply<'_>) {
    let Reply { resp, permit, .. } = r;
    discard(resp.into_body(), permit);
}

/// Reads and drops up to [`DISCARD_BYTES`] of a body within 2 s, in the
/// background, so that its keep-alive connection can be reused; a longer
/// or slower body just closes its connection.
pub(crate) fn discard(mut body: UpBody, permit: Option<OwnedSemaphorePermit>) {
    tokio::spawn(async move {
        let _permit = permit;
        let mut left = DISCARD_BYTES;
        let read = async {
            while let Some(Ok(frame)) = body.frame().await {
                let n = frame.data_ref().map_or(0, Bytes::len);
                if n >= left {
                    break;
                }
                left -= n;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), read).await;
    });
}

/// The most of an unused body read to keep its connection.
const DISCARD_BYTES: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    /// Backends calling one host share its client (and so its idle
    /// connections), as KrakenD's one transport does.
    #[test]
    fn plain_backends_share_a_host_client() {
        static A: Backend = Backend {
            hosts: &["http://127.0.0.1:1", "http://127.0.0.1:2"],
            ..Backend::DEFAULT
        };
        static B: Backend = Backend {
            hosts: &["http://127.0.0.1:2"],
            ..Backend::DEFAULT
        };
        let mut shared = Shared::default();
        let root = ClientOptions::DEFAULT;
        let a = Upstream::new(&A, &root, &mut shared, "a").expect("pool a");
        let b = Upstream::new(&B, &root, &mut shared, "b").expect("pool b");
        assert_eq!(shared.root_clients.len(), 2);
        let pool = |c: &HttpClient| match c {
            HttpClient::Own(p) => Arc::as_ptr(p).cast::<()>(),
            HttpClient::H1(p) => Arc::as_ptr(p).cast::<()>(),
            HttpClient::Pooled(_) => std::ptr::null(),
        };
        assert_eq!(pool(&a.hosts[1].client), pool(&b.hosts[0].client));
        assert_ne!(pool(&a.hosts[0].client), pool(&a.hosts[1].client));
    }

    #[test]
    fn host_urls_parse() {
        let (s, a, p) = parse_host("http://127.0.0.1:8080").expect("host");
        assert_eq!((s.as_str(), a.as_str(), p), ("http", "127.0.0.1:8080", ""));
        let (s, _, p) = parse_host("https://h/api/").expect("host");
        assert_eq!((s.as_str(), p), ("https", "/api"));
        assert!(parse_host("ftp://h").is_err());
    }

    #[test]
    fn plain_round_robin_is_exact_from_zero() {
        let sel = Selector::plain(3);
        let picks: Vec<usize> = (0..7).filter_map(|_| sel.first(&|_| true)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2, 0]);
    }
}
