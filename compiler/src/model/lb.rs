//! gwc's backend extensions (research/lb-failover-health.md §7): the
//! `gwc/loadbalancer`, `gwc/healthcheck`, `gwc/failover` and
//! `gwc/http-client` namespaces, typed leniently like the rest of the model,
//! and the pure helpers that the plan and the generated code need.
//!
//! KrakenD ignores these namespaces, so a file that uses them still loads in
//! KrakenD; `host` stays an array of strings. The one exception is the
//! *sugar* form, objects inside `host` (`{"url": …, "weight": 3}`), which
//! gwc reads as if the same attributes were written under
//! `gwc/loadbalancer.hosts` (and reports, since KrakenD cannot load it).
//!
//! As everywhere in the model, a field of the wrong type is left out (the
//! schema check reports it) and no default is applied to the fields; the
//! `*_or_default` methods and [`resolve_http_options`] apply §7.3's defaults.

use std::time::Duration;

use super::{Backend, Config, DurationValue, Endpoint, Fields, Spanned, spanned};
use crate::model::duration::parse_go_duration;
use crate::syntax::{Node, NodeKind, Span};

/// The load-balancer namespace.
pub const LOADBALANCER_NAMESPACE: &str = "gwc/loadbalancer";
/// The health-check namespace (active and passive).
pub const HEALTHCHECK_NAMESPACE: &str = "gwc/healthcheck";
/// The failover (retry) namespace.
pub const FAILOVER_NAMESPACE: &str = "gwc/failover";
/// The HTTP-client namespace.
pub const HTTP_CLIENT_NAMESPACE: &str = "gwc/http-client";
/// The four namespaces, in the order the README lists them.
pub const NAMESPACES: [&str; 4] = [
    LOADBALANCER_NAMESPACE,
    HEALTHCHECK_NAMESPACE,
    FAILOVER_NAMESPACE,
    HTTP_CLIENT_NAMESPACE,
];

const MS: i64 = 1_000_000;
const SECOND: i64 = 1_000_000_000;

/// Defaults and limits of §7.3, in one place for the rules, the plan and
/// the README.
pub mod defaults {
    use super::{MS, SECOND};

    /// `hosts.*.weight`.
    pub const WEIGHT: u16 = 1;
    /// The largest `weight`.
    pub const MAX_WEIGHT: u16 = 1000;
    /// The longest weighted round-robin schedule (Σ weights / gcd).
    pub const MAX_SCHEDULE_LEN: u64 = 10_000;
    /// `active.interval`.
    pub const INTERVAL_NANOS: i64 = 10 * SECOND;
    /// The shortest `active.interval`.
    pub const MIN_INTERVAL_NANOS: i64 = 10 * MS;
    /// Intervals below this draw a warning about probe load.
    pub const FAST_INTERVAL_NANOS: i64 = SECOND;
    /// `active.timeout`.
    pub const PROBE_TIMEOUT_NANOS: i64 = 2 * SECOND;
    /// `active.unhealthy_threshold`.
    pub const UNHEALTHY_THRESHOLD: i64 = 3;
    /// `active.healthy_threshold`.
    pub const HEALTHY_THRESHOLD: i64 = 2;
    /// The largest threshold.
    pub const MAX_THRESHOLD: i64 = 100;
    /// `active.expect_status`.
    pub const EXPECT_STATUS: u16 = 200;
    /// `passive.consecutive_failures`.
    pub const CONSECUTIVE_FAILURES: i64 = 5;
    /// `passive.ejection_time`.
    pub const EJECTION_TIME_NANOS: i64 = 30 * SECOND;
    /// `passive.max_ejection_time`.
    pub const MAX_EJECTION_TIME_NANOS: i64 = 300 * SECOND;
    /// `passive.max_ejection_percent`.
    pub const MAX_EJECTION_PERCENT: i64 = 50;
    /// `failover.max_attempts`.
    pub const MAX_ATTEMPTS: i64 = 2;
    /// The largest `max_attempts`.
    pub const MAX_MAX_ATTEMPTS: i64 = 10;
    /// `failover.max_retry_body_bytes`.
    pub const MAX_RETRY_BODY_BYTES: i64 = 65_536;
    /// `failover.budget_percent`.
    pub const BUDGET_PERCENT: f64 = 20.0;
    /// `failover.min_retry_concurrency`.
    pub const MIN_RETRY_CONCURRENCY: i64 = 3;
    /// `backoff_max` is this many times `backoff_base` when not written.
    pub const BACKOFF_MAX_FACTOR: i64 = 10;
    /// `http-client.connect_timeout` (after the root `dialer_timeout`).
    pub const CONNECT_TIMEOUT_NANOS: i64 = 5 * SECOND;
    /// `http-client.idle_timeout` (after the root `idle_connection_timeout`).
    pub const IDLE_TIMEOUT_NANOS: i64 = 60 * SECOND;
    /// `http-client.max_connections_per_host`.
    pub const MAX_CONNECTIONS_PER_HOST: u32 = 100;
    /// `http-client.max_response_bytes`: 64 MiB (the runtime's
    /// `HttpOptions::DEFAULT_MAX_RESPONSE_BYTES`).
    pub const MAX_RESPONSE_BYTES: u64 = 64 << 20;
    /// KrakenD's service `timeout` when the root does not set one.
    pub const ENDPOINT_TIMEOUT_NANOS: i64 = 2 * SECOND;
}

// ---------------------------------------------------------------------------
// Closed value sets

/// `gwc/loadbalancer.algorithm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Next primary host in declaration order (the default).
    RoundRobin,
    /// Uniform over the eligible primaries.
    Random,
    /// Smooth weighted round robin over a compiled schedule.
    WeightedRoundRobin,
    /// Independent draws proportional to weight.
    WeightedRandom,
}

impl Algorithm {
    /// Every algorithm, in the README's order.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::RoundRobin,
        Algorithm::Random,
        Algorithm::WeightedRoundRobin,
        Algorithm::WeightedRandom,
    ];

    /// Reads a canonical name or a Gravitee alias: case is ignored and `-`
    /// stands for `_`, so `ROUND_ROBIN` (Gravitee v2) and `round-robin`
    /// (Gravitee v4) both mean `round_robin`.
    pub fn parse(text: &str) -> Option<Algorithm> {
        let normal = text.to_ascii_lowercase().replace('-', "_");
        Algorithm::ALL.into_iter().find(|a| a.as_str() == normal)
    }

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "round_robin",
            Algorithm::Random => "random",
            Algorithm::WeightedRoundRobin => "weighted_round_robin",
            Algorithm::WeightedRandom => "weighted_random",
        }
    }

    /// Whether `weight` matters.
    pub fn is_weighted(self) -> bool {
        matches!(
            self,
            Algorithm::WeightedRoundRobin | Algorithm::WeightedRandom
        )
    }
}

/// `gwc/loadbalancer.all_unhealthy`: what to do when no host is eligible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AllUnhealthy {
    /// Answer at once without contacting any host (the default).
    FailClosed,
    /// Ignore health and balance over every primary.
    FailOpen,
}

impl AllUnhealthy {
    /// Reads `fail_closed` or `fail_open`.
    pub fn parse(text: &str) -> Option<AllUnhealthy> {
        match text {
            "fail_closed" => Some(AllUnhealthy::FailClosed),
            "fail_open" => Some(AllUnhealthy::FailOpen),
            _ => None,
        }
    }
}

/// `gwc/http-client.version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpVersion {
    /// HTTP/1.1 only (the default).
    Http11,
    /// HTTP/2 over TLS, negotiated with ALPN.
    H2,
    /// HTTP/2 over cleartext with prior knowledge.
    H2c,
    /// HTTP/2 when ALPN offers it, else HTTP/1.1.
    Auto,
}

impl HttpVersion {
    /// Every version, as written in the config.
    pub const ALL: [HttpVersion; 4] = [
        HttpVersion::Http11,
        HttpVersion::H2,
        HttpVersion::H2c,
        HttpVersion::Auto,
    ];

    /// Reads `http/1.1`, `h2`, `h2c` or `auto`.
    pub fn parse(text: &str) -> Option<HttpVersion> {
        HttpVersion::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// The name as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpVersion::Http11 => "http/1.1",
            HttpVersion::H2 => "h2",
            HttpVersion::H2c => "h2c",
            HttpVersion::Auto => "auto",
        }
    }
}

/// `gwc/http-client.implementation`: which HTTP/1.1 client serves a plain
/// `http://` host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpImplementation {
    /// The gateway's own HTTP/1.1 client (the default): strict framing,
    /// the request runs on the connection in its own task.
    Gwc,
    /// hyper's HTTP/1.1 client: the escape hatch for a backend whose
    /// framing the own client refuses.
    Hyper,
}

impl HttpImplementation {
    /// Every implementation, as written in the config.
    pub const ALL: [HttpImplementation; 2] = [HttpImplementation::Gwc, HttpImplementation::Hyper];

    /// Reads `gwc` or `hyper`.
    pub fn parse(text: &str) -> Option<HttpImplementation> {
        HttpImplementation::ALL
            .into_iter()
            .find(|v| v.as_str() == text)
    }

    /// The name as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpImplementation::Gwc => "gwc",
            HttpImplementation::Hyper => "hyper",
        }
    }
}

/// The failure classes of §7.5.3, used by `retry_on` and `failure_on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureClass {
    /// Nothing was sent: DNS, refused, connect timeout, TLS handshake.
    ConnectFailure,
    /// The connection broke after the request was (partly) written.
    Reset,
    /// The per-try timeout elapsed before the response headers.
    Timeout,
    /// Status 500–599.
    Status5xx,
    /// Status 502, 503 or 504.
    GatewayError,
    /// A status listed in `retriable_status`.
    RetriableStatus,
}

impl FailureClass {
    /// Every class.
    pub const ALL: [FailureClass; 6] = [
        FailureClass::ConnectFailure,
        FailureClass::Reset,
        FailureClass::Timeout,
        FailureClass::Status5xx,
        FailureClass::GatewayError,
        FailureClass::RetriableStatus,
    ];

    /// The default of both `retry_on` and `failure_on`.
    pub const DEFAULT: [FailureClass; 4] = [
        FailureClass::ConnectFailure,
        FailureClass::Reset,
        FailureClass::Timeout,
        FailureClass::Status5xx,
    ];

    /// Reads a class name.
    pub fn parse(text: &str) -> Option<FailureClass> {
        FailureClass::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The name as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::ConnectFailure => "connect-failure",
            FailureClass::Reset => "reset",
            FailureClass::Timeout => "timeout",
            FailureClass::Status5xx => "5xx",
            FailureClass::GatewayError => "gateway-error",
            FailureClass::RetriableStatus => "retriable-status",
        }
    }
}

/// The probe methods `active.method` accepts.
pub const PROBE_METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "OPTIONS"];
/// The probe methods that may carry a `body`.
pub const PROBE_BODY_METHODS: [&str; 3] = ["POST", "PUT", "PATCH"];
/// RFC 9110's idempotent methods: requests that may be re-sent after they
/// reached the upstream (§7.5.5).
pub const IDEMPOTENT_METHODS: [&str; 6] = ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"];

/// Gravitee HTTP options that gwc does not implement yet (§7.3, "Deferred"),
/// under the names they would take in `gwc/http-client`: accepted by the
/// schema so the lint can name them as unsupported.
pub const DEFERRED_HTTP_OPTIONS: [&str; 8] = [
    "clear_text_upgrade",
    "use_compression",
    "propagate_client_accept_encoding",
    "proxy",
    "http2_multiplexing_limit",
    "http2_connection_window_size",
    "http2_stream_window_size",
    "http2_max_frame_size",
];

/// One `expect_status` entry: a code (`200`) or a class (`"2xx"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusPattern {
    /// Exactly this status.
    Code(u16),
    /// Any status of this hundred (`2` for `2xx`).
    Class(u8),
}

impl StatusPattern {
    /// Whether `status` matches.
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Code(c) => c == status,
            StatusPattern::Class(c) => status / 100 == u16::from(c),
        }
    }
}

/// An `expect_status` entry as written.
#[derive(Clone, Debug, PartialEq)]
pub enum StatusEntry {
    /// A number (integer or not).
    Number(f64),
    /// A string.
    Text(String),
}

impl StatusEntry {
    /// The pattern, when the entry is a code in 100..=599 or a class `1xx`
    /// to `5xx` (lower case `x`, as Caddy and Envoy write it).
    pub fn pattern(&self) -> Option<StatusPattern> {
        match self {
            StatusEntry::Number(n) => (n.fract() == 0.0 && (100.0..=599.0).contains(n))
                .then_some(StatusPattern::Code(*n as u16)),
            StatusEntry::Text(s) => match s.as_bytes() {
                [d @ b'1'..=b'5', b'x', b'x'] => Some(StatusPattern::Class(d - b'0')),
                _ => None,
            },
        }
    }
}

/// `N` for a Gravitee cron schedule `*/N * * * * *` (every N seconds), the
/// only form `active.schedule` accepts (§7.3). Fields are separated by any
/// whitespace; N is 1 or more.
pub fn parse_cron_seconds(schedule: &str) -> Option<u32> {
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    let [first, rest @ ..] = fields.as_slice() else {
        return None;
    };
    if rest.len() != 5 || rest.iter().any(|f| *f != "*") {
        return None;
    }
    let n = first.strip_prefix("*/")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok().filter(|n| *n > 0)
}

/// A gwc duration in nanoseconds: a Go duration string. Bare numbers are
/// not durations in the gwc namespaces (GW502 reports them), so they give
/// `None`, as do invalid strings.
pub fn duration_nanos(value: &Spanned<DurationValue>) -> Option<i64> {
    match &value.value {
        DurationValue::Text(t) => parse_go_duration(t).ok(),
        DurationValue::Number(_) => None,
    }
}

fn opt_nanos(value: &Option<Spanned<DurationValue>>) -> Option<i64> {
    value.as_ref().and_then(duration_nanos)
}

// ---------------------------------------------------------------------------
// The typed namespaces

/// `gwc/loadbalancer`.
#[derive(Clone, Debug)]
pub struct LoadBalancer<'a> {
    /// The namespace object.
    pub raw: &'a Node,
    /// `algorithm` as written.
    pub algorithm: Option<Spanned<String>>,
    /// The `hosts` key, when present.
    pub hosts_key: Option<Span>,
    /// `hosts`: one entry per distinct key (the last one of a duplicated
    /// key, as KrakenD's decoder would take it), in source order.
    pub hosts: Vec<HostAttrs<'a>>,
    /// `all_unhealthy` as written.
    pub all_unhealthy: Option<Spanned<String>>,
}

impl<'a> LoadBalancer<'a> {
    fn from_node(node: &'a Node) -> Self {
        let f = Fields(node);
        let hosts_member = node.member("hosts");
        let mut hosts: Vec<HostAttrs<'a>> = Vec::new();
        for m in hosts_member
            .and_then(|m| m.value.as_object())
            .unwrap_or_default()
        {
            if m.value.as_object().is_none() {
                continue;
            }
            let url = Spanned {
                value: m.key.clone(),
                span: m.key_span,
                key_span: m.key_span,
                style: super::key_style(m),
            };
            hosts.retain(|h| h.url.value != m.key);
            hosts.push(HostAttrs::from_node(url, &m.value, HostSource::HostsMap));
        }
        LoadBalancer {
            raw: node,
            algorithm: f.string("algorithm"),
            hosts_key: hosts_member.map(|m| m.key_span),
            hosts,
            all_unhealthy: f.string("all_unhealthy"),
        }
    }

    /// The algorithm: `round_robin` when absent, `None` when unknown.
    pub fn algorithm(&self) -> Option<Algorithm> {
        match &self.algorithm {
            None => Some(Algorithm::RoundRobin),
            Some(a) => Algorithm::parse(&a.value),
        }
    }

    /// The `all_unhealthy` policy (`fail_closed` unless `fail_open`).
    pub fn all_unhealthy_or_default(&self) -> AllUnhealthy {
        self.all_unhealthy
            .as_ref()
            .and_then(|a| AllUnhealthy::parse(&a.value))
            .unwrap_or(AllUnhealthy::FailClosed)
    }
}

/// Where a host's attributes are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostSource {
    /// Under `gwc/loadbalancer.hosts`, keyed by the URL.
    HostsMap,
    /// As an object inside `host` (the sugar form KrakenD cannot load).
    HostObject,
}

/// The attributes of one host (`hosts.*`, or a sugar object in `host`).
#[derive(Clone, Debug)]
pub struct HostAttrs<'a> {
    /// The host URL: the `hosts` key, or the sugar object's `url`.
    pub url: Spanned<String>,
    /// Where it is written.
    pub source: HostSource,
    /// The attribute object.
    pub raw: &'a Node,
    /// `weight` as written (any number; valid ones are integers 1..=1000).
    pub weight: Option<Spanned<f64>>,
    /// `backup`.
    pub backup: Option<Spanned<bool>>,
    /// `name`.
    pub name: Option<Spanned<String>>,
    /// `inherit`.
    pub inherit: Option<Spanned<bool>>,
    /// `http`: this host's own HTTP-client options.
    pub http: Option<HttpClient<'a>>,
    /// `healthcheck`: this host's probe override.
    pub healthcheck: Option<HostProbe>,
}

impl<'a> HostAttrs<'a> {
    fn from_node(url: Spanned<String>, node: &'a Node, source: HostSource) -> Self {
        let f = Fields(node);
        HostAttrs {
            url,
            source,
            raw: node,
            weight: f.number("weight"),
            backup: f.bool("backup"),
            name: f.string("name"),
            inherit: f.bool("inherit"),
            http: object_member(node, "http").map(|(k, n)| HttpClient::from_node(k, n)),
            healthcheck: object_member(node, "healthcheck")
                .map(|(k, n)| HostProbe::from_node(k, n)),
        }
    }

    /// The weight when it is valid (an integer in 1..=1000).
    pub fn valid_weight(&self) -> Option<u16> {
        let w = self.weight.as_ref()?.value;
        (w.fract() == 0.0 && (1.0..=f64::from(defaults::MAX_WEIGHT)).contains(&w))
            .then_some(w as u16)
    }

    /// The weight the balancer uses: the written one when valid, else 1.
    pub fn weight_or_default(&self) -> u16 {
        self.valid_weight().unwrap_or(defaults::WEIGHT)
    }

    /// Whether `backup: true`.
    pub fn is_backup(&self) -> bool {
        self.backup.as_ref().is_some_and(|b| b.value)
    }

    /// Whether the host's `http` merges over the backend-level options
    /// (`inherit`, default true).
    pub fn inherits(&self) -> bool {
        self.inherit.as_ref().is_none_or(|i| i.value)
    }

    /// Whether the active check is switched off for this host
    /// (`healthcheck.enabled: false`).
    pub fn probe_disabled(&self) -> bool {
        self.healthcheck
            .as_ref()
            .and_then(|h| h.enabled.as_ref())
            .is_some_and(|e| !e.value)
    }
}

/// `hosts.*.healthcheck`: a per-host override of the active check.
#[derive(Clone, Debug)]
pub struct HostProbe {
    /// The `healthcheck` key.
    pub key_span: Span,
    /// `enabled`.
    pub enabled: Option<Spanned<bool>>,
    /// `path`: probe this path instead of `active.path`.
    pub path: Option<Spanned<String>>,
}

impl HostProbe {
    fn from_node(key_span: Span, node: &Node) -> Self {
        let f = Fields(node);
        HostProbe {
            key_span,
            enabled: f.bool("enabled"),
            path: f.string("path"),
        }
    }
}

/// `gwc/healthcheck`.
#[derive(Clone, Debug)]
pub struct HealthCheck<'a> {
    /// The namespace object.
    pub raw: &'a Node,
    /// `active`.
    pub active: Option<ActiveCheck<'a>>,
    /// `passive`.
    pub passive: Option<PassiveCheck<'a>>,
}

impl<'a> HealthCheck<'a> {
    fn from_node(node: &'a Node) -> Self {
        HealthCheck {
            raw: node,
            active: object_member(node, "active").map(|(k, n)| ActiveCheck::from_node(k, n)),
            passive: object_member(node, "passive").map(|(k, n)| PassiveCheck::from_node(k, n)),
        }
    }

    /// The active check, when present and not `enabled: false`.
    pub fn enabled_active(&self) -> Option<&ActiveCheck<'a>> {
        self.active.as_ref().filter(|a| a.is_enabled())
    }
}

/// `gwc/healthcheck.active`: periodic probes.
#[derive(Clone, Debug)]
pub struct ActiveCheck<'a> {
    /// The `active` key.
    pub key_span: Span,
    /// The object.
    pub raw: &'a Node,
    /// `enabled`.
    pub enabled: Option<Spanned<bool>>,
    /// `path`.
    pub path: Option<Spanned<String>>,
    /// `from_root`.
    pub from_root: Option<Spanned<bool>>,
    /// `method`.
    pub method: Option<Spanned<String>>,
    /// `headers`: (name, value) pairs with string values.
    pub headers: Vec<(Spanned<String>, Spanned<String>)>,
    /// `body`.
    pub body: Option<Spanned<String>>,
    /// `interval`.
    pub interval: Option<Spanned<DurationValue>>,
    /// `schedule` (Gravitee cron, import compatibility).
    pub schedule: Option<Spanned<String>>,
    /// `timeout`.
    pub timeout: Option<Spanned<DurationValue>>,
    /// `jitter`.
    pub jitter: Option<Spanned<DurationValue>>,
    /// `unhealthy_threshold`.
    pub unhealthy_threshold: Option<Spanned<i64>>,
    /// `healthy_threshold`.
    pub healthy_threshold: Option<Spanned<i64>>,
    /// `expect_status`: the entries that are numbers or strings.
    pub expect_status: Option<Spanned<Vec<Spanned<StatusEntry>>>>,
    /// `expect_body_contains`.
    pub expect_body_contains: Option<Spanned<String>>,
    /// `initial_state`.
    pub initial_state: Option<Spanned<String>>,
    /// `reuse_connection`.
    pub reuse_connection: Option<Spanned<bool>>,
}

impl<'a> ActiveCheck<'a> {
    fn from_node(key_span: Span, node: &'a Node) -> Self {
        let f = Fields(node);
        ActiveCheck {
            key_span,
            raw: node,
            enabled: f.bool("enabled"),
            path: f.string("path"),
            from_root: f.bool("from_root"),
            method: f.string("method"),
            headers: node
                .get("headers")
                .and_then(Node::as_object)
                .unwrap_or_default()
                .iter()
                .filter_map(|m| {
                    let name = Spanned {
                        value: m.key.clone(),
                        span: m.key_span,
                        key_span: m.key_span,
                        style: super::key_style(m),
                    };
                    Some((
                        name,
                        spanned(m.key_span, &m.value, m.value.as_str()?.to_string()),
                    ))
                })
                .collect(),
            body: f.string("body"),
            interval: f.duration("interval"),
            schedule: f.string("schedule"),
            timeout: f.duration("timeout"),
            jitter: f.duration("jitter"),
            unhealthy_threshold: f.int("unhealthy_threshold"),
            healthy_threshold: f.int("healthy_threshold"),
            expect_status: node.member("expect_status").and_then(|m| {
                let items = m
                    .value
                    .as_array()?
                    .iter()
                    .filter_map(|n| {
                        let entry = match &n.kind {
                            NodeKind::Number(num) => StatusEntry::Number(num.as_f64()?),
                            NodeKind::String(s) => StatusEntry::Text(s.clone()),
                            _ => return None,
                        };
                        Some(spanned(n.span, n, entry))
                    })
                    .collect();
                Some(spanned(m.key_span, &m.value, items))
            }),
            expect_body_contains: f.string("expect_body_contains"),
            initial_state: f.string("initial_state"),
            reuse_connection: f.bool("reuse_connection"),
        }
    }

    /// Whether the check runs (`enabled`, default true).
    pub fn is_enabled(&self) -> bool {
        self.enabled.as_ref().is_none_or(|e| e.value)
    }

    /// The probe method, upper-cased (`GET` when absent).
    pub fn method_or_default(&self) -> String {
        self.method
            .as_ref()
            .map_or_else(|| "GET".to_string(), |m| m.value.to_ascii_uppercase())
    }

    /// The time between probe starts: `interval`, else the `schedule`'s
    /// seconds, else 10s. Invalid values count as absent.
    pub fn interval_nanos(&self) -> i64 {
        opt_nanos(&self.interval)
            .or_else(|| {
                let n = parse_cron_seconds(&self.schedule.as_ref()?.value)?;
                Some(i64::from(n) * SECOND)
            })
            .unwrap_or(defaults::INTERVAL_NANOS)
    }

    /// The probe timeout (`timeout`, else 2s).
    pub fn timeout_nanos(&self) -> i64 {
        opt_nanos(&self.timeout).unwrap_or(defaults::PROBE_TIMEOUT_NANOS)
    }

    /// The jitter (`jitter`, else 0).
    pub fn jitter_nanos(&self) -> i64 {
        opt_nanos(&self.jitter).unwrap_or(0)
    }

    /// Consecutive failures that take a host out (`unhealthy_threshold`
    /// when in 1..=100, else 3).
    pub fn unhealthy_threshold_or_default(&self) -> i64 {
        threshold(&self.unhealthy_threshold, defaults::UNHEALTHY_THRESHOLD)
    }

    /// Consecutive passes that bring a host back (`healthy_threshold` when
    /// in 1..=100, else 2).
    pub fn healthy_threshold_or_default(&self) -> i64 {
        threshold(&self.healthy_threshold, defaults::HEALTHY_THRESHOLD)
    }

    /// Whether the probe path replaces the host URL's path (`from_root`).
    pub fn probes_from_root(&self) -> bool {
        self.from_root.as_ref().is_some_and(|f| f.value)
    }

    /// Whether hosts start unhealthy (`initial_state: "unhealthy"`).
    pub fn starts_unhealthy(&self) -> bool {
        self.initial_state
            .as_ref()
            .is_some_and(|s| s.value == "unhealthy")
    }

    /// Whether probes reuse a kept-alive connection (`reuse_connection`).
    pub fn reuses_connection(&self) -> bool {
        self.reuse_connection.as_ref().is_some_and(|r| r.value)
    }

    /// The status patterns a passing probe must match (`[200]` when
    /// absent; invalid entries are left out).
    pub fn expect_status_or_default(&self) -> Vec<StatusPattern> {
        match &self.expect_status {
            None => vec![StatusPattern::Code(defaults::EXPECT_STATUS)],
            Some(list) => list
                .value
                .iter()
                .filter_map(|e| e.value.pattern())
                .collect(),
        }
    }
}

fn threshold(value: &Option<Spanned<i64>>, default: i64) -> i64 {
    value
        .as_ref()
        .map(|t| t.value)
        .filter(|t| (1..=defaults::MAX_THRESHOLD).contains(t))
        .unwrap_or(default)
}

/// `gwc/healthcheck.passive`: outlier ejection from real traffic.
#[derive(Clone, Debug)]
pub struct PassiveCheck<'a> {
    /// The `passive` key.
    pub key_span: Span,
    /// The object.
    pub raw: &'a Node,
    /// `consecutive_failures`.
    pub consecutive_failures: Option<Spanned<i64>>,
    /// `failure_on`.
    pub failure_on: Option<Spanned<Vec<Spanned<String>>>>,
    /// `ejection_time`.
    pub ejection_time: Option<Spanned<DurationValue>>,
    /// `max_ejection_time`.
    pub max_ejection_time: Option<Spanned<DurationValue>>,
    /// `max_ejection_percent`.
    pub max_ejection_percent: Option<Spanned<f64>>,
}

impl<'a> PassiveCheck<'a> {
    fn from_node(key_span: Span, node: &'a Node) -> Self {
        let f = Fields(node);
        PassiveCheck {
            key_span,
            raw: node,
            consecutive_failures: f.int("consecutive_failures"),
            failure_on: f.string_list("failure_on"),
            ejection_time: f.duration("ejection_time"),
            max_ejection_time: f.duration("max_ejection_time"),
            max_ejection_percent: f.number("max_ejection_percent"),
        }
    }

    /// Consecutive failures that eject a host (`consecutive_failures` when
    /// at least 1, else 5).
    pub fn consecutive_failures_or_default(&self) -> i64 {
        self.consecutive_failures
            .as_ref()
            .map(|c| c.value)
            .filter(|c| *c >= 1)
            .unwrap_or(defaults::CONSECUTIVE_FAILURES)
    }

    /// The outcomes that count as failures (`failure_on`, else the default
    /// four; unknown names are left out).
    pub fn failure_on_or_default(&self) -> Vec<FailureClass> {
        match &self.failure_on {
            None => FailureClass::DEFAULT.to_vec(),
            Some(list) => list
                .value
                .iter()
                .filter_map(|c| FailureClass::parse(&c.value))
                .collect(),
        }
    }

    /// The largest share of hosts ejected at once, in percent
    /// (`max_ejection_percent` when in 0..=100, else 50).
    pub fn max_ejection_percent_or_default(&self) -> f64 {
        self.max_ejection_percent
            .as_ref()
            .map(|p| p.value)
            .filter(|p| (0.0..=100.0).contains(p))
            .unwrap_or(defaults::MAX_EJECTION_PERCENT as f64)
    }

    /// The base ejection time (`ejection_time`, else 30s).
    pub fn ejection_time_nanos(&self) -> i64 {
        opt_nanos(&self.ejection_time).unwrap_or(defaults::EJECTION_TIME_NANOS)
    }

    /// The ejection cap (`max_ejection_time`, else 300s).
    pub fn max_ejection_time_nanos(&self) -> i64 {
        opt_nanos(&self.max_ejection_time).unwrap_or(defaults::MAX_EJECTION_TIME_NANOS)
    }
}

/// `gwc/failover`: its presence turns retries on.
#[derive(Clone, Debug)]
pub struct Failover<'a> {
    /// The namespace object.
    pub raw: &'a Node,
    /// `max_attempts` (total, the first one included).
    pub max_attempts: Option<Spanned<i64>>,
    /// `per_try_timeout`.
    pub per_try_timeout: Option<Spanned<DurationValue>>,
    /// `retry_on`.
    pub retry_on: Option<Spanned<Vec<Spanned<String>>>>,
    /// `retriable_status`: the integer entries.
    pub retriable_status: Option<Spanned<Vec<Spanned<i64>>>>,
    /// `retry_non_idempotent`.
    pub retry_non_idempotent: Option<Spanned<bool>>,
    /// `max_retry_body_bytes`.
    pub max_retry_body_bytes: Option<Spanned<i64>>,
    /// `backoff_base`.
    pub backoff_base: Option<Spanned<DurationValue>>,
    /// `backoff_max`.
    pub backoff_max: Option<Spanned<DurationValue>>,
    /// `budget_percent`.
    pub budget_percent: Option<Spanned<f64>>,
    /// `min_retry_concurrency`.
    pub min_retry_concurrency: Option<Spanned<i64>>,
}

impl<'a> Failover<'a> {
    fn from_node(node: &'a Node) -> Self {
        let f = Fields(node);
        Failover {
            raw: node,
            max_attempts: f.int("max_attempts"),
            per_try_timeout: f.duration("per_try_timeout"),
            retry_on: f.string_list("retry_on"),
            retriable_status: node.member("retriable_status").and_then(|m| {
                let items = m
                    .value
                    .as_array()?
                    .iter()
                    .filter_map(|n| Some(spanned(n.span, n, n.as_number()?.as_i64()?)))
                    .collect();
                Some(spanned(m.key_span, &m.value, items))
            }),
            retry_non_idempotent: f.bool("retry_non_idempotent"),
            max_retry_body_bytes: f.int("max_retry_body_bytes"),
            backoff_base: f.duration("backoff_base"),
            backoff_max: f.duration("backoff_max"),
            budget_percent: f.number("budget_percent"),
            min_retry_concurrency: f.int("min_retry_concurrency"),
        }
    }

    /// The number of attempts: `max_attempts` when in 1..=10, else 2.
    pub fn max_attempts_or_default(&self) -> i64 {
        self.max_attempts
            .as_ref()
            .map(|m| m.value)
            .filter(|n| (1..=defaults::MAX_MAX_ATTEMPTS).contains(n))
            .unwrap_or(defaults::MAX_ATTEMPTS)
    }

    /// The classes that trigger a retry (`retry_on`, else the default
    /// four; unknown names are left out).
    pub fn retry_on_or_default(&self) -> Vec<FailureClass> {
        match &self.retry_on {
            None => FailureClass::DEFAULT.to_vec(),
            Some(list) => list
                .value
                .iter()
                .filter_map(|c| FailureClass::parse(&c.value))
                .collect(),
        }
    }

    /// Whether `retry_non_idempotent: true`.
    pub fn retries_non_idempotent(&self) -> bool {
        self.retry_non_idempotent.as_ref().is_some_and(|r| r.value)
    }

    /// The largest request body kept for replay (`max_retry_body_bytes`
    /// when not negative, else 64 KiB).
    pub fn max_retry_body_bytes_or_default(&self) -> u64 {
        self.max_retry_body_bytes
            .as_ref()
            .and_then(|m| u64::try_from(m.value).ok())
            .unwrap_or(defaults::MAX_RETRY_BODY_BYTES as u64)
    }

    /// The retry budget in percent of in-flight requests (`budget_percent`
    /// when in 0..=100, else 20).
    pub fn budget_percent_or_default(&self) -> f64 {
        self.budget_percent
            .as_ref()
            .map(|b| b.value)
            .filter(|b| (0.0..=100.0).contains(b))
            .unwrap_or(defaults::BUDGET_PERCENT)
    }

    /// Retries always allowed in flight (`min_retry_concurrency` when not
    /// negative, else 3).
    pub fn min_retry_concurrency_or_default(&self) -> u64 {
        self.min_retry_concurrency
            .as_ref()
            .and_then(|m| u64::try_from(m.value).ok())
            .unwrap_or(defaults::MIN_RETRY_CONCURRENCY as u64)
    }

    /// The per-try timeout, when set and valid.
    pub fn per_try_timeout_nanos(&self) -> Option<i64> {
        opt_nanos(&self.per_try_timeout)
    }

    /// The backoff base (`backoff_base`, else 0: immediate failover).
    pub fn backoff_base_nanos(&self) -> i64 {
        opt_nanos(&self.backoff_base).unwrap_or(0)
    }

    /// The backoff cap (`backoff_max`, else 10 × `backoff_base`).
    pub fn backoff_max_nanos(&self) -> i64 {
        opt_nanos(&self.backoff_max).unwrap_or_else(|| {
            self.backoff_base_nanos()
                .saturating_mul(defaults::BACKOFF_MAX_FACTOR)
        })
    }

    /// The longest total backoff before the retries of one request: retry
    /// k waits at most min((2^k − 1) × base, max) (Envoy's fully jittered
    /// exponential backoff, §7.3).
    pub fn worst_case_backoff_nanos(&self) -> i64 {
        let (base, max) = (self.backoff_base_nanos(), self.backoff_max_nanos());
        (1..self.max_attempts_or_default())
            .map(|k| {
                let factor = 1i64
                    .checked_shl(k as u32)
                    .unwrap_or(i64::MAX)
                    .saturating_sub(1);
                base.saturating_mul(factor).min(max)
            })
            .fold(0i64, i64::saturating_add)
    }
}

/// `gwc/http-client`, at backend level or as `hosts.*.http`.
#[derive(Clone, Debug)]
pub struct HttpClient<'a> {
    /// The namespace key, or the `http` key of a host.
    pub key_span: Span,
    /// The object.
    pub raw: &'a Node,
    /// `version`.
    pub version: Option<Spanned<String>>,
    /// `connect_timeout`.
    pub connect_timeout: Option<Spanned<DurationValue>>,
    /// `idle_timeout`.
    pub idle_timeout: Option<Spanned<DurationValue>>,
    /// `keep_alive`.
    pub keep_alive: Option<Spanned<bool>>,
    /// `max_connections_per_host`.
    pub max_connections_per_host: Option<Spanned<i64>>,
    /// `pipelining`.
    pub pipelining: Option<Spanned<bool>>,
    /// `follow_redirects`.
    pub follow_redirects: Option<Spanned<bool>>,
    /// `max_response_bytes`.
    pub max_response_bytes: Option<Spanned<i64>>,
    /// `implementation` (`gwc` or `hyper`).
    pub implementation: Option<Spanned<String>>,
    /// `tls` (KrakenD's `client_tls` shape).
    pub tls: Option<&'a Node>,
}

impl<'a> HttpClient<'a> {
    fn from_node(key_span: Span, node: &'a Node) -> Self {
        let f = Fields(node);
        HttpClient {
            key_span,
            raw: node,
            version: f.string("version"),
            connect_timeout: f.duration("connect_timeout"),
            idle_timeout: f.duration("idle_timeout"),
            keep_alive: f.bool("keep_alive"),
            max_connections_per_host: f.int("max_connections_per_host"),
            pipelining: f.bool("pipelining"),
            follow_redirects: f.bool("follow_redirects"),
            max_response_bytes: f.int("max_response_bytes"),
            implementation: f.string("implementation"),
            tls: node.get("tls").filter(|n| n.as_object().is_some()),
        }
    }
}

/// The gwc namespaces of one `extra_config`.
#[derive(Clone, Debug, Default)]
pub struct GwcExtra<'a> {
    /// `gwc/loadbalancer`.
    pub loadbalancer: Option<LoadBalancer<'a>>,
    /// `gwc/healthcheck`.
    pub healthcheck: Option<HealthCheck<'a>>,
    /// `gwc/failover`.
    pub failover: Option<Failover<'a>>,
    /// `gwc/http-client`.
    pub http_client: Option<HttpClient<'a>>,
}

impl<'a> GwcExtra<'a> {
    /// Reads the four namespaces of an `extra_config` object.
    pub(crate) fn from_node(extra: &'a Node) -> Self {
        GwcExtra {
            loadbalancer: object_member(extra, LOADBALANCER_NAMESPACE)
                .map(|(_, n)| LoadBalancer::from_node(n)),
            healthcheck: object_member(extra, HEALTHCHECK_NAMESPACE)
                .map(|(_, n)| HealthCheck::from_node(n)),
            failover: object_member(extra, FAILOVER_NAMESPACE).map(|(_, n)| Failover::from_node(n)),
            http_client: object_member(extra, HTTP_CLIENT_NAMESPACE)
                .map(|(k, n)| HttpClient::from_node(k, n)),
        }
    }
}

/// The member `key` when its value is an object: (key span, value).
fn object_member<'a>(node: &'a Node, key: &str) -> Option<(Span, &'a Node)> {
    let m = node.member(key)?;
    m.value.as_object()?;
    Some((m.key_span, &m.value))
}

// ---------------------------------------------------------------------------
// Views over a backend

/// One host of a backend's pool, with the attributes written for it.
#[derive(Clone, Debug)]
pub struct PoolHost<'a> {
    /// The URL as written in `host` (or in a sugar object's `url`).
    pub url: Spanned<String>,
    /// The sugar object, when the host is written as one.
    pub object: Option<&'a Node>,
    /// Its attributes: the sugar object's, else its `hosts` entry.
    pub attrs: Option<HostAttrs<'a>>,
}

impl PoolHost<'_> {
    /// The weight the balancer uses (1 unless a valid weight is written).
    pub fn weight(&self) -> u16 {
        self.attrs
            .as_ref()
            .map_or(defaults::WEIGHT, HostAttrs::weight_or_default)
    }

    /// Whether the host is in the backup tier.
    pub fn is_backup(&self) -> bool {
        self.attrs.as_ref().is_some_and(HostAttrs::is_backup)
    }

    /// The label in metrics and logs: `name`, else the URL.
    pub fn name(&self) -> &str {
        self.attrs
            .as_ref()
            .and_then(|a| a.name.as_ref())
            .map_or(self.url.value.as_str(), |n| n.value.as_str())
    }

    /// Whether the backend's active check probes this host.
    pub fn probed(&self) -> bool {
        !self.attrs.as_ref().is_some_and(HostAttrs::probe_disabled)
    }
}

/// The sugar objects of a backend's `host` array: (index in `host`, attrs).
/// Objects without a string `url` are left out (the schema reports them).
pub fn host_objects(backend: &Node) -> Vec<(usize, HostAttrs<'_>)> {
    let Some(items) = backend.get("host").and_then(Node::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_object().is_some())
        .filter_map(|(i, n)| {
            let m = n.member("url")?;
            let url = spanned(m.value.span, &m.value, m.value.as_str()?.to_string());
            Some((i, HostAttrs::from_node(url, n, HostSource::HostObject)))
        })
        .collect()
}

/// The hosts a backend balances over, in declaration order: its own `host`
/// entries (strings, and sugar objects by their `url`), else the root
/// `host` list (lura's `Init` copies it into backends without hosts). Each
/// host carries its attributes: its sugar object's, else the
/// `gwc/loadbalancer.hosts` entry whose key is byte-equal to the URL.
pub fn pool_hosts<'a>(config: &Config<'a>, backend: &Backend<'a>) -> Vec<PoolHost<'a>> {
    let lb = backend.extra.gwc.loadbalancer.as_ref();
    let map_attrs = |url: &str| {
        lb.and_then(|lb| lb.hosts.iter().find(|h| h.url.value == url))
            .cloned()
    };
    let mut objects = host_objects(backend.raw).into_iter().peekable();
    let mut out = Vec::new();
    if let Some(items) = backend.raw.get("host").and_then(Node::as_array) {
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = item.as_str() {
                let url = spanned(item.span, item, s.to_string());
                let attrs = map_attrs(s);
                out.push(PoolHost {
                    url,
                    object: None,
                    attrs,
                });
            } else if objects.peek().is_some_and(|(j, _)| *j == i)
                && let Some((_, attrs)) = objects.next()
            {
                out.push(PoolHost {
                    url: attrs.url.clone(),
                    object: Some(item),
                    attrs: Some(attrs),
                });
            }
        }
    } else if let Some(s) = backend.raw.get("host").and_then(Node::as_str) {
        // koanf wraps a lone string in a list.
        let node = backend.raw.get("host").unwrap_or(backend.raw);
        out.push(PoolHost {
            url: spanned(node.span, node, s.to_string()),
            object: None,
            attrs: map_attrs(s),
        });
    }
    if out.is_empty()
        && let Some(root) = &config.host
    {
        for h in &root.value {
            out.push(PoolHost {
                url: h.clone(),
                object: None,
                attrs: map_attrs(&h.value),
            });
        }
    }
    out
}

/// The method the backend sends: its own `method`, else the endpoint's,
/// else `GET`, upper-cased (lura `Init`).
pub fn backend_method(endpoint: &Endpoint<'_>, backend: &Backend<'_>) -> String {
    match &backend.method {
        Some(m) if !m.value.is_empty() => m.value.to_ascii_uppercase(),
        _ => endpoint.method_upper(),
    }
}

/// Whether `method` (upper-case) may be re-sent after it reached the
/// upstream (RFC 9110 idempotent methods).
pub fn is_idempotent(method: &str) -> bool {
    IDEMPOTENT_METHODS.contains(&method)
}

/// Where an endpoint's deadline comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutSource {
    /// The endpoint's own `timeout` (the span of its value).
    Endpoint(Span),
    /// The root `timeout` (the span of its value).
    Root(Span),
    /// KrakenD's default, 2s.
    Default,
}

/// The endpoint's deadline in nanoseconds and where it comes from: its own
/// `timeout` when valid and not zero, else the root `timeout`, else 2s
/// (lura `Init`; a bare number is nanoseconds, as KrakenD reads it).
pub fn endpoint_timeout(config: &Config<'_>, endpoint: &Endpoint<'_>) -> (i64, TimeoutSource) {
    let read = |d: &Option<Spanned<DurationValue>>| {
        let d = d.as_ref()?;
        let n = match &d.value {
            DurationValue::Text(t) => parse_go_duration(t).ok()?,
            DurationValue::Number(n) => n.parse::<i64>().ok()?,
        };
        (n > 0).then_some((n, d.span))
    };
    if let Some((n, span)) = read(&endpoint.timeout) {
        return (n, TimeoutSource::Endpoint(span));
    }
    if let Some((n, span)) = read(&config.timeout) {
        return (n, TimeoutSource::Root(span));
    }
    (defaults::ENDPOINT_TIMEOUT_NANOS, TimeoutSource::Default)
}

// ---------------------------------------------------------------------------
// Helpers for the plan and the generated code

/// The greatest common divisor of the non-zero weights (0 when none).
pub fn weights_gcd(weights: &[u16]) -> u16 {
    fn gcd(a: u16, b: u16) -> u16 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    weights.iter().copied().filter(|w| *w > 0).fold(0, gcd)
}

/// The length of the smooth weighted round-robin schedule of `weights`:
/// Σ(w / gcd). GW509 keeps it at most 10 000.
pub fn schedule_len(weights: &[u16]) -> u64 {
    let g = weights_gcd(weights);
    if g == 0 {
        return 0;
    }
    weights.iter().map(|w| u64::from(w / g)).sum()
}

/// nginx's smooth weighted round robin, unrolled into one period: the
/// indices into `weights` in the order the balancer picks them (§7.5.2).
///
/// Weights are first divided by their gcd, so the period is Σ(w / gcd)
/// long and each host appears exactly w / gcd times in it. Each step adds
/// every weight to its host's running total, picks the largest total (the
/// first such host on a tie) and subtracts the sum of weights from it;
/// this interleaves the picks as evenly as possible (9:1 gives
/// `A A A A A B A A A A`, never a run of nine A then one B). Hosts of
/// weight 0 never appear. The caller bounds the length (GW509).
pub fn smooth_wrr_schedule(weights: &[u16]) -> Vec<u16> {
    let g = weights_gcd(weights);
    if g == 0 {
        return Vec::new();
    }
    let reduced: Vec<i64> = weights.iter().map(|w| i64::from(w / g)).collect();
    let total: i64 = reduced.iter().sum();
    let mut current = vec![0i64; reduced.len()];
    let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for _ in 0..total {
        let mut best = 0;
        for (i, w) in reduced.iter().enumerate() {
            current[i] += w;
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        out.push(u16::try_from(best).unwrap_or(u16::MAX));
    }
    out
}

/// The HTTP-client options of one host with every field decided (§7.3,
/// §7.5.1): what the generated code builds its client from.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpOptions<'a> {
    /// The protocol.
    pub version: HttpVersion,
    /// The connect timeout (clamped at run time to the attempt's time left).
    pub connect_timeout: Duration,
    /// How long an idle pooled connection is kept.
    pub idle_timeout: Duration,
    /// Whether connections are reused.
    pub keep_alive: bool,
    /// The connection limit for the host.
    pub max_connections_per_host: u32,
    /// Whether 30x responses are followed.
    pub follow_redirects: bool,
    /// The most bytes of a response body a decoded backend reads.
    pub max_response_bytes: u64,
    /// The HTTP/1.1 client asked for (`gwc` unless a layer says `hyper`;
    /// the runtime uses hyper anyway for `https://` hosts and HTTP/2).
    pub implementation: HttpImplementation,
    /// The TLS options object (KrakenD `client_tls` shape), when any layer
    /// sets one: the host's, the backend's, or the root `client_tls`.
    pub tls: Option<&'a Node>,
}

/// Resolves the HTTP options of one host of a backend. Precedence, field by
/// field: the host's `http`; the backend's `gwc/http-client` unless the
/// host says `inherit: false` (Gravitee "inherit configuration": `false`
/// replaces the backend-level object); the KrakenD root transport settings
/// (`dialer_timeout`, `idle_connection_timeout`, `disable_keep_alives`,
/// `client_tls`); gwc's defaults. A value that is invalid (an unparsable
/// duration, `max_connections_per_host: 0`) falls through to the next
/// layer, so the result is always usable; the lint reports the value. `tls`
/// is taken whole from the first layer that has one.
pub fn resolve_http_options<'a>(
    root: &'a Node,
    backend: Option<&HttpClient<'a>>,
    host: Option<&HostAttrs<'a>>,
) -> HttpOptions<'a> {
    let mut layers: Vec<&HttpClient<'a>> = Vec::new();
    if let Some(h) = host.and_then(|h| h.http.as_ref()) {
        layers.push(h);
    }
    if host.is_none_or(HostAttrs::inherits)
        && let Some(b) = backend
    {
        layers.push(b);
    }
    let first = |get: &dyn Fn(&HttpClient<'a>) -> Option<i64>| layers.iter().find_map(|l| get(l));
    // Root settings are KrakenD's own: a bare number is nanoseconds there.
    let root_nanos = |key: &str| -> Option<i64> {
        let n = match &root.get(key)?.kind {
            NodeKind::String(s) => parse_go_duration(s).ok()?,
            NodeKind::Number(n) => n.as_i64()?,
            _ => return None,
        };
        (n > 0).then_some(n)
    };
    let positive = |d: &Option<Spanned<DurationValue>>| opt_nanos(d).filter(|n| *n > 0);
    let to_duration = |n: i64| Duration::from_nanos(u64::try_from(n).unwrap_or(0));
    let connect = first(&|l| positive(&l.connect_timeout))
        .or_else(|| root_nanos("dialer_timeout"))
        .unwrap_or(defaults::CONNECT_TIMEOUT_NANOS);
    let idle = first(&|l| positive(&l.idle_timeout))
        .or_else(|| root_nanos("idle_connection_timeout"))
        .unwrap_or(defaults::IDLE_TIMEOUT_NANOS);
    HttpOptions {
        version: layers
            .iter()
            .find_map(|l| HttpVersion::parse(&l.version.as_ref()?.value))
            .unwrap_or(HttpVersion::Http11),
        connect_timeout: to_duration(connect),
        idle_timeout: to_duration(idle),
        keep_alive: layers
            .iter()
            .find_map(|l| l.keep_alive.as_ref().map(|k| k.value))
            .or_else(|| root.get("disable_keep_alives")?.as_bool().map(|d| !d))
            .unwrap_or(true),
        max_connections_per_host: layers
            .iter()
            .find_map(|l| {
                let n = l.max_connections_per_host.as_ref()?.value;
                u32::try_from(n).ok().filter(|n| *n >= 1)
            })
            .unwrap_or(defaults::MAX_CONNECTIONS_PER_HOST),
        follow_redirects: layers
            .iter()
            .find_map(|l| l.follow_redirects.as_ref().map(|f| f.value))
            .unwrap_or(true),
        max_response_bytes: layers
            .iter()
            .find_map(|l| {
                let n = l.max_response_bytes.as_ref()?.value;
                u64::try_from(n).ok().filter(|n| *n >= 1)
            })
            .unwrap_or(defaults::MAX_RESPONSE_BYTES),
        implementation: layers
            .iter()
            .find_map(|l| HttpImplementation::parse(&l.implementation.as_ref()?.value))
            .unwrap_or(HttpImplementation::Gwc),
        tls: layers
            .iter()
            .find_map(|l| l.tls)
            .or_else(|| root.get("client_tls").filter(|n| n.as_object().is_some())),
    }
}

/// The effective HTTP-client `version` of a pool host, and the span of the
/// value that decides it (`None` for the default).
pub fn effective_version<'s>(
    backend: Option<&'s HttpClient<'_>>,
    host: Option<&'s HostAttrs<'_>>,
) -> Option<&'s Spanned<String>> {
    if let Some(v) = host
        .and_then(|h| h.http.as_ref())
        .and_then(|h| h.version.as_ref())
    {
        return Some(v);
    }
    if host.is_some_and(|h| !h.inherits()) {
        return None;
    }
    backend.and_then(|b| b.version.as_ref())
}

/// The `implementation` value that decides a pool host's HTTP/1.1 client
/// (`None`: the default, `gwc`), with the same inheritance as
/// [`effective_version`].
pub fn effective_implementation<'s>(
    backend: Option<&'s HttpClient<'_>>,
    host: Option<&'s HostAttrs<'_>>,
) -> Option<&'s Spanned<String>> {
    let valid = |v: &&'s Spanned<String>| HttpImplementation::parse(&v.value).is_some();
    if let Some(v) = host
        .and_then(|h| h.http.as_ref())
        .and_then(|h| h.implementation.as_ref())
        .filter(valid)
    {
        return Some(v);
    }
    if host.is_some_and(|h| !h.inherits()) {
        return None;
    }
    backend
        .and_then(|b| b.implementation.as_ref())
        .filter(valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letters(schedule: &[u16]) -> String {
        schedule
            .iter()
            .map(|i| char::from(b'A' + *i as u8))
            .collect()
    }

    #[test]
    fn smooth_wrr_schedules() {
        let cases: &[(&[u16], &str)] = &[
            (&[], ""),
            (&[1], "A"),
            (&[5], "A"),
            (&[1, 1, 1], "ABC"),
            (&[2, 2, 2], "ABC"),
            (&[9, 1], "AAAAABAAAA"),
            (&[5, 3, 2], "ABCAABACBA"),
            (&[5, 1, 1], "AABACAA"),
            (&[1, 2], "BAB"),
            (&[0, 3], "B"),
            (&[0, 0], ""),
            (&[300, 200, 100], "ABACBA"),
        ];
        for (weights, want) in cases {
            assert_eq!(letters(&smooth_wrr_schedule(weights)), *want, "{weights:?}");
        }
    }

    /// LBF-02: exact counts, evenly interleaved in every window.
    #[test]
    fn smooth_wrr_windows() {
        let cyclic = |s: &[u16], n: usize| -> Vec<Vec<u16>> {
            (0..s.len())
                .map(|i| (0..n).map(|k| s[(i + k) % s.len()]).collect())
                .collect()
        };
        // (a) 9:1: every window of 10 consecutive picks has exactly one B.
        let s = smooth_wrr_schedule(&[9, 1]);
        assert_eq!(s.len(), 10);
        for w in cyclic(&s, 10) {
            assert_eq!(w.iter().filter(|i| **i == 1).count(), 1, "{w:?}");
        }
        // 1000 picks: 900 A and 100 B.
        let picks: Vec<u16> = (0..1000).map(|k| s[k % s.len()]).collect();
        assert_eq!(picks.iter().filter(|i| **i == 0).count(), 900);
        // Runs of A never exceed 9.
        let longest = picks
            .split(|i| *i == 1)
            .map(<[u16]>::len)
            .max()
            .unwrap_or(0);
        assert!(longest <= 9, "{longest}");
        // (b) 5:3:2 with C skipped: every 8-pick window has 5 A and 3 B.
        let s = smooth_wrr_schedule(&[5, 3, 2]);
        let live: Vec<u16> = s.iter().copied().filter(|i| *i != 2).collect();
        assert_eq!(live.len(), 8);
        for w in cyclic(&live, 8) {
            assert_eq!(w.iter().filter(|i| **i == 0).count(), 5, "{w:?}");
            assert_eq!(w.iter().filter(|i| **i == 1).count(), 3, "{w:?}");
        }
        // Each host appears w/gcd times in any schedule.
        for weights in [[7u16, 3, 1, 4], [1000, 999, 1, 2], [6, 4, 2, 8]] {
            let s = smooth_wrr_schedule(&weights);
            let g = weights_gcd(&weights);
            assert_eq!(s.len() as u64, schedule_len(&weights));
            for (i, w) in weights.iter().enumerate() {
                let n = s.iter().filter(|x| usize::from(**x) == i).count();
                assert_eq!(n, usize::from(w / g), "{weights:?}");
            }
        }
    }

    #[test]
    fn schedule_lengths() {
        let cases: &[(&[u16], u64)] = &[
            (&[], 0),
            (&[9, 1], 10),
            (&[300, 200, 100], 6),
            (&[1000, 999], 1999),
            (&[1000; 11], 11),
            (
                &[1000, 999, 998, 997, 996, 995, 994, 993, 992, 991, 990],
                10_945,
            ),
        ];
        for (weights, want) in cases {
            assert_eq!(schedule_len(weights), *want, "{weights:?}");
        }
    }

    #[test]
    fn algorithms() {
        let cases = [
            ("round_robin", Some(Algorithm::RoundRobin)),
            ("ROUND_ROBIN", Some(Algorithm::RoundRobin)),
            ("round-robin", Some(Algorithm::RoundRobin)),
            ("WEIGHTED_RANDOM", Some(Algorithm::WeightedRandom)),
            ("weighted-round-robin", Some(Algorithm::WeightedRoundRobin)),
            ("random", Some(Algorithm::Random)),
            ("roundrobin", None),
            ("least_conn", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(Algorithm::parse(text), want, "{text}");
        }
    }

    #[test]
    fn cron_schedules() {
        let cases = [
            ("*/5 * * * * *", Some(5)),
            ("*/60 * * * * *", Some(60)),
            ("  */1  *\t* * * *  ", Some(1)),
            ("*/0 * * * * *", None),
            ("*/5 * * * *", None),
            ("0 */5 * * * *", None),
            ("*/x * * * * *", None),
            ("*/+5 * * * * *", None),
            ("5 * * * * *", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_cron_seconds(text), want, "{text}");
        }
    }

    #[test]
    fn status_patterns() {
        let cases = [
            (StatusEntry::Number(200.0), Some(StatusPattern::Code(200))),
            (StatusEntry::Number(599.0), Some(StatusPattern::Code(599))),
            (StatusEntry::Number(600.0), None),
            (StatusEntry::Number(99.0), None),
            (StatusEntry::Number(200.5), None),
            (
                StatusEntry::Text("2xx".into()),
                Some(StatusPattern::Class(2)),
            ),
            (
                StatusEntry::Text("5xx".into()),
                Some(StatusPattern::Class(5)),
            ),
            (StatusEntry::Text("6xx".into()), None),
            (StatusEntry::Text("2XX".into()), None),
            (StatusEntry::Text("200".into()), None),
        ];
        for (entry, want) in cases {
            assert_eq!(entry.pattern(), want, "{entry:?}");
        }
        assert!(StatusPattern::Class(2).matches(204));
        assert!(!StatusPattern::Class(2).matches(301));
    }

    fn parse(text: &str) -> Node {
        crate::syntax::parse(text, crate::syntax::Format::Json)
            .root
            .expect("test JSON parses")
    }

    /// §7.3 and LBF-20: per-host options merge over the backend's unless
    /// `inherit: false`, then the root transport settings, then defaults.
    #[test]
    fn http_option_inheritance() {
        let root = parse(
            r#"{"version": 3, "dialer_timeout": "3s", "disable_keep_alives": true,
                "client_tls": {"allow_insecure_connections": true},
                "endpoints": [{"endpoint": "/x", "backend": [{
                  "url_pattern": "/x", "host": ["http://a", "http://b", "http://c", "http://d"],
                  "extra_config": {
                    "gwc/http-client": {"version": "http/1.1", "connect_timeout": "250ms",
                                        "max_connections_per_host": 100, "follow_redirects": false},
                    "gwc/loadbalancer": {"hosts": {
                      "http://b": {"http": {"version": "h2c"}},
                      "http://c": {"inherit": false, "http": {}},
                      "http://d": {"http": {"max_connections_per_host": 1, "idle_timeout": "5s",
                                            "connect_timeout": "nope"}}
                    }}
                  }}]}]}"#,
        );
        let config = Config::from_tree(&root);
        let backend = &config.endpoints[0].backends[0];
        let hosts = pool_hosts(&config, backend);
        let resolved: Vec<HttpOptions<'_>> = hosts
            .iter()
            .map(|h| {
                resolve_http_options(
                    &root,
                    backend.extra.gwc.http_client.as_ref(),
                    h.attrs.as_ref(),
                )
            })
            .collect();
        let tls = root.get("client_tls");
        let want = |version, connect_ms, keep_alive, max, follow, idle_s| HttpOptions {
            version,
            connect_timeout: Duration::from_millis(connect_ms),
            idle_timeout: Duration::from_secs(idle_s),
            keep_alive,
            max_connections_per_host: max,
            follow_redirects: follow,
            max_response_bytes: defaults::MAX_RESPONSE_BYTES,
            implementation: HttpImplementation::Gwc,
            tls,
        };
        // a: the backend level over the root.
        assert_eq!(
            resolved[0],
            want(HttpVersion::Http11, 250, false, 100, false, 60)
        );
        // b: its own version, everything else inherited.
        assert_eq!(
            resolved[1],
            want(HttpVersion::H2c, 250, false, 100, false, 60)
        );
        // c: `inherit: false` drops the backend level: root, then defaults.
        assert_eq!(
            resolved[2],
            want(HttpVersion::Http11, 3000, false, 100, true, 60)
        );
        // d: its own limit and idle timeout; an invalid duration falls through.
        assert_eq!(
            resolved[3],
            want(HttpVersion::Http11, 250, false, 1, false, 5)
        );
    }

    #[test]
    fn pools() {
        let root = parse(
            r#"{"version": 3, "host": ["http://root"],
                "endpoints": [{"endpoint": "/x", "backend": [
                  {"url_pattern": "/x"},
                  {"url_pattern": "/y", "host": ["http://a", {"url": "http://b", "weight": 3, "backup": true}],
                   "extra_config": {"gwc/loadbalancer": {"hosts": {"http://a": {"weight": 2, "name": "alpha"}}}}}
                ]}]}"#,
        );
        let config = Config::from_tree(&root);
        let ep = &config.endpoints[0];
        let first = pool_hosts(&config, &ep.backends[0]);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].url.value, "http://root");
        let second = pool_hosts(&config, &ep.backends[1]);
        let summary: Vec<(&str, u16, bool, &str)> = second
            .iter()
            .map(|h| (h.url.value.as_str(), h.weight(), h.is_backup(), h.name()))
            .collect();
        assert_eq!(
            summary,
            [
                ("http://a", 2, false, "alpha"),
                ("http://b", 3, true, "http://b")
            ]
        );
    }

    #[test]
    fn defaults_apply_to_absent_and_invalid_values() {
        let empty = parse("{}");
        let bad = parse(
            r#"{"unhealthy_threshold": 0, "healthy_threshold": 101, "consecutive_failures": 0,
                "max_ejection_percent": 150, "max_attempts": 11, "max_retry_body_bytes": -1,
                "budget_percent": -5, "min_retry_concurrency": -1, "retry_on": ["nope"]}"#,
        );
        for node in [&empty, &bad] {
            let a = ActiveCheck::from_node(Span::default(), node);
            assert_eq!(
                (
                    a.unhealthy_threshold_or_default(),
                    a.healthy_threshold_or_default()
                ),
                (3, 2)
            );
            assert_eq!(a.interval_nanos(), 10 * SECOND);
            assert_eq!(a.timeout_nanos(), 2 * SECOND);
            assert_eq!(a.expect_status_or_default(), [StatusPattern::Code(200)]);
            assert_eq!(a.method_or_default(), "GET");
            let p = PassiveCheck::from_node(Span::default(), node);
            assert_eq!(p.consecutive_failures_or_default(), 5);
            assert_eq!(p.max_ejection_percent_or_default(), 50.0);
            assert_eq!(p.failure_on_or_default(), FailureClass::DEFAULT);
            let f = Failover::from_node(node);
            assert_eq!(f.max_attempts_or_default(), 2);
            assert_eq!(f.max_retry_body_bytes_or_default(), 65_536);
            assert_eq!(f.budget_percent_or_default(), 20.0);
            assert_eq!(f.min_retry_concurrency_or_default(), 3);
        }
        // An explicit `retry_on` with no known class retries nothing.
        assert!(Failover::from_node(&bad).retry_on_or_default().is_empty());
        assert_eq!(
            Failover::from_node(&empty).retry_on_or_default(),
            FailureClass::DEFAULT
        );
    }

    #[test]
    fn failover_backoff() {
        let root = parse(r#"{"max_attempts": 4, "backoff_base": "25ms"}"#);
        let f = Failover::from_node(&root);
        // 25 + 75 + 175 ms (caps at 250ms not reached).
        assert_eq!(f.worst_case_backoff_nanos(), 275 * MS);
        let root = parse(r#"{"max_attempts": 5, "backoff_base": "100ms", "backoff_max": "300ms"}"#);
        let f = Failover::from_node(&root);
        assert_eq!(f.worst_case_backoff_nanos(), (100 + 300 + 300 + 300) * MS);
        let root = parse(r#"{"max_attempts": 3}"#);
        assert_eq!(Failover::from_node(&root).worst_case_backoff_nanos(), 0);
    }
}
