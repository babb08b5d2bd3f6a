//! The upstream layer: one pool of hosts per backend, a host selector, and
//! the pooled HTTP client that sends the request.
//!
//! This is the seam the load-balancing work (research/lb-failover-health.md
//! §7.6) extends, so its shape follows that sketch:
//! - [`Upstream`] is §7.6's `Pool`: the backend's hosts, in declaration order,
//!   plus the selector's cursor. One per backend.
//! - [`HostRt`] is §7.6's `Host`: the parsed URL, the client it is reached
//!   with (today one client per backend, shared by its hosts; per-host client
//!   options from `gwc/http-client` replace it per host), per-host counters,
//!   and a health `state` cell that stays [`HostState::Unknown`] until health
//!   checks write it.
//! - [`HostSelector`] is §7.6's `Select`: today exact round robin from index
//!   0 (a documented difference from KrakenD's random pick on >1 CPU); the
//!   weighted/random variants, eligibility and backups become more variants.
//! - [`Upstream::send`] is one attempt; failover wraps `pick` + `send` in the
//!   §7.5.5 loop, using [`Error::retry`] to know when a retry is safe.

use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::http::uri::{Authority, PathAndQuery, Scheme};
use hyper::{Request, Response, Uri, Version};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::body::GwBody;
use crate::error::{Error, ErrorKind};
use crate::spec::{Backend, ClientOptions};

/// The pooled client type.
pub type HttpClient = Client<HttpConnector, GwBody>;

/// Builds a pooled client from lura's root client options.
pub fn build_client(o: &ClientOptions) -> HttpClient {
    let mut conn = HttpConnector::new();
    conn.set_nodelay(true);
    // `enforce_http(false)` would let https URIs reach the plain connector;
    // keep the check so an https host fails clearly instead of speaking
    // plain HTTP to a TLS port.
    if o.dialer_timeout_ms > 0 {
        conn.set_connect_timeout(Some(Duration::from_millis(o.dialer_timeout_ms)));
    }
    if o.dialer_keep_alive_ms > 0 {
        conn.set_keepalive(Some(Duration::from_millis(o.dialer_keep_alive_ms)));
    }
    let mut b = Client::builder(TokioExecutor::new());
    b.pool_timer(TokioTimer::new());
    b.timer(TokioTimer::new());
    let idle = if o.disable_keep_alives {
        0
    } else {
        o.max_idle_connections_per_host as usize
    };
    b.pool_max_idle_per_host(idle);
    if o.idle_connection_timeout_ms > 0 {
        b.pool_idle_timeout(Duration::from_millis(o.idle_connection_timeout_ms));
    } else {
        // Go's Transport keeps idle connections forever when 0; hyper's
        // default (90 s) is a better neighbour and invisible to clients.
        b.pool_idle_timeout(Duration::from_secs(90));
    }
    b.build(conn)
}

/// A host's health state, as the health checker will publish it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum HostState {
    /// No health check configured (every host is eligible).
    Unknown = 0,
    /// Passing.
    Healthy = 1,
}

impl HostState {
    /// The `/upstreams` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HostState::Unknown => "unknown",
            HostState::Healthy => "healthy",
        }
    }
}

/// Per-host counters (the upstream metrics and `/upstreams`).
#[derive(Debug, Default)]
pub struct HostStats {
    /// Accepted answers.
    pub ok: AtomicU64,
    /// Answers with a status KrakenD treats as a failure.
    pub bad_status: AtomicU64,
    /// Connect or transport failures.
    pub error: AtomicU64,
    /// Timeouts (header timeout, or the attempt cancelled by a deadline).
    pub timeout: AtomicU64,
}

/// The result label of one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// Accepted.
    Ok,
    /// A failure status.
    BadStatus,
    /// Connect/transport error.
    Error,
    /// Timeout.
    Timeout,
}

impl HostStats {
    /// Counts one attempt.
    pub fn record(&self, r: AttemptResult) {
        let c = match r {
            AttemptResult::Ok => &self.ok,
            AttemptResult::BadStatus => &self.bad_status,
            AttemptResult::Error => &self.error,
            AttemptResult::Timeout => &self.timeout,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// One host of a backend.
#[derive(Debug)]
pub struct HostRt {
    /// The host as configured (`http://h:port`), for labels.
    pub url: &'static str,
    /// Parsed scheme.
    pub scheme: Scheme,
    /// Parsed authority.
    pub authority: Authority,
    /// A base path after the authority (only with `disable_host_sanitize`).
    pub base_path: &'static str,
    /// The client this host is reached with.
    pub client: HttpClient,
    /// Health state cell (a [`HostState`] as `u8`).
    pub state: AtomicU8,
    /// Counters.
    pub stats: HostStats,
}

impl HostRt {
    /// Parses a sanitised host URL.
    pub fn new(url: &'static str, client: HttpClient) -> Result<HostRt, String> {
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
        Ok(HostRt {
            url,
            scheme,
            authority,
            base_path,
            client,
            state: AtomicU8::new(HostState::Unknown as u8),
            stats: HostStats::default(),
        })
    }

    /// The current health state.
    pub fn state(&self) -> HostState {
        match self.state.load(Ordering::Relaxed) {
            1 => HostState::Healthy,
            _ => HostState::Unknown,
        }
    }
}

/// Chooses the host for an attempt.
#[derive(Debug)]
pub enum HostSelector {
    /// One host: no state.
    Single,
    /// Exact round robin over the hosts in declaration order, starting at 0.
    /// Duplicated hosts act as weights, as in KrakenD.
    RoundRobin {
        /// The next index (mod the host count).
        cursor: AtomicUsize,
    },
}

impl HostSelector {
    /// The selector KrakenD's config implies for `n` hosts.
    pub fn for_hosts(n: usize) -> HostSelector {
        if n <= 1 {
            HostSelector::Single
        } else {
            HostSelector::RoundRobin {
                cursor: AtomicUsize::new(0),
            }
        }
    }

    /// The index of the host to use, `None` when there is no eligible host.
    pub fn pick(&self, hosts: &[HostRt]) -> Option<usize> {
        if hosts.is_empty() {
            return None;
        }
        match self {
            HostSelector::Single => Some(0),
            HostSelector::RoundRobin { cursor } => {
                Some(cursor.fetch_add(1, Ordering::Relaxed) % hosts.len())
            }
        }
    }
}

/// One backend's hosts and how to choose among them.
#[derive(Debug)]
pub struct Upstream {
    /// The hosts, in declaration order.
    pub hosts: Box<[HostRt]>,
    /// The selector.
    pub selector: HostSelector,
    /// `response_header_timeout` (none when zero).
    pub header_timeout: Option<Duration>,
}

impl Upstream {
    /// Builds the pool for a backend: one client shared by its hosts.
    pub fn new(b: &'static Backend, o: &ClientOptions) -> Result<Upstream, String> {
        let client = build_client(o);
        let hosts = b
            .hosts
            .iter()
            .map(|h| HostRt::new(h, client.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Upstream {
            selector: HostSelector::for_hosts(hosts.len()),
            hosts: hosts.into_boxed_slice(),
            header_timeout: (o.response_header_timeout_ms > 0)
                .then(|| Duration::from_millis(o.response_header_timeout_ms)),
        })
    }

    /// Picks a host.
    pub fn pick(&self) -> Result<&HostRt, Error> {
        self.selector
            .pick(&self.hosts)
            .and_then(|i| self.hosts.get(i))
            .ok_or_else(|| Error::new(ErrorKind::NoHost, "no hosts available"))
    }

    /// Sends one attempt to `host`. `path_and_query` is everything after the
    /// authority, base path included. Returns once the response head is in;
    /// the body is the caller's to read.
    pub async fn send(
        &self,
        host: &HostRt,
        mut req: Request<GwBody>,
        path_and_query: String,
    ) -> Result<Response<Incoming>, Error> {
        if host.scheme == Scheme::HTTPS {
            host.stats.record(AttemptResult::Error);
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "host `{}`: https backends are not supported by this build",
                    host.url
                ),
            ));
        }
        let pq = PathAndQuery::try_from(path_and_query)
            .map_err(|e| Error::new(ErrorKind::Internal, format!("backend path and query: {e}")))?;
        let uri = Uri::builder()
            .scheme(host.scheme.clone())
            .authority(host.authority.clone())
            .path_and_query(pq)
            .build()
            .map_err(|e| Error::new(ErrorKind::Internal, format!("backend uri: {e}")))?;
        *req.uri_mut() = uri;
        // The pool speaks HTTP/1.1; an inbound h2 request must not carry its
        // version over (hyper answers 502 otherwise: research/rust-stack.md §6).
        *req.version_mut() = Version::HTTP_11;
        let fut = host.client.request(req);
        let res = match self.header_timeout {
            Some(t) => match tokio::time::timeout(t, fut).await {
                Ok(r) => r,
                Err(_) => {
                    host.stats.record(AttemptResult::Timeout);
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!("{}: response_header_timeout", host.url),
                    ));
                }
            },
            None => fut.await,
        };
        res.map_err(|e| {
            host.stats.record(AttemptResult::Error);
            let kind = if e.is_connect() {
                ErrorKind::Connect
            } else {
                ErrorKind::Transport
            };
            let mut msg = format!("{}: {e}", host.url);
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            Error::new(kind, msg)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_is_exact_from_zero() {
        let client = build_client(&ClientOptions {
            max_idle_connections_per_host: 1,
            idle_connection_timeout_ms: 0,
            dialer_timeout_ms: 0,
            dialer_keep_alive_ms: 0,
            response_header_timeout_ms: 0,
            disable_compression: false,
            disable_keep_alives: false,
        });
        let hosts: Vec<HostRt> = ["http://a:1", "http://b:2", "http://a:1"]
            .iter()
            .map(|h| HostRt::new(h, client.clone()).expect("host"))
            .collect();
        let sel = HostSelector::for_hosts(hosts.len());
        let picks: Vec<usize> = (0..7).filter_map(|_| sel.pick(&hosts)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2, 0]);
        assert_eq!(HostSelector::Single.pick(&hosts[..1]), Some(0));
        assert_eq!(HostSelector::Single.pick(&[]), None);
    }

    #[test]
    fn host_urls_parse() {
        let client = build_client(&ClientOptions {
            max_idle_connections_per_host: 1,
            idle_connection_timeout_ms: 0,
            dialer_timeout_ms: 0,
            dialer_keep_alive_ms: 0,
            response_header_timeout_ms: 0,
            disable_compression: false,
            disable_keep_alives: false,
        });
        let h = HostRt::new("http://127.0.0.1:8080", client.clone()).expect("host");
        assert_eq!(h.authority.as_str(), "127.0.0.1:8080");
        assert_eq!(h.base_path, "");
        let h = HostRt::new("http://h/api/", client.clone()).expect("host");
        assert_eq!(h.base_path, "/api");
        assert!(HostRt::new("ftp://h", client).is_err());
    }
}
