//! Pool policies: a backend's `gwc/loadbalancer`, `gwc/healthcheck`,
//! `gwc/failover` and `gwc/http-client`, resolved into
//! `gw_runtime::spec::PoolPolicy` terms (research/lb-failover-health.md
//! §7.3, §7.5), and KrakenD's `client_tls` shape.
//!
//! Every default of §7.3 is applied here, per-host `inherit` is resolved by
//! [`resolve_http_options`], the weighted round-robin schedule is unrolled
//! at compile time, and durations become milliseconds. The model's
//! `*_or_default` helpers are the one place the defaults live; this module
//! only converts.

use super::options::ns_to_ms;
use super::{Backend, Method};
use crate::model::lb::{
    self, AllUnhealthy, FailureClass, HostAttrs, PoolHost, StatusPattern, pool_hosts,
    resolve_http_options, smooth_wrr_schedule,
};
use crate::model::{self, Config};
use crate::syntax::Node;

pub use crate::model::lb::{Algorithm, HttpImplementation, HttpVersion};

/// `spec::PoolPolicy`.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolPolicy {
    /// `algorithm`.
    pub algorithm: Algorithm,
    /// Per host, index-aligned with [`Backend::hosts`].
    pub hosts: Vec<HostPolicy>,
    /// One period of the smooth WRR schedule over the primaries (indices
    /// into `hosts`); empty unless `weighted_round_robin`.
    pub schedule: Vec<u16>,
    /// The same over the backups.
    pub backup_schedule: Vec<u16>,
    /// `all_unhealthy`.
    pub all_unhealthy: AllUnhealthy,
    /// `gwc/healthcheck.passive`.
    pub passive: Option<PassiveCheck>,
    /// `gwc/failover`.
    pub failover: Option<Failover>,
    /// `gwc/build.debug_headers`: `X-Gwc-Attempts` / `X-Gwc-Attempt`.
    pub debug_headers: bool,
}

/// `spec::HostPolicy`.
#[derive(Clone, Debug, PartialEq)]
pub struct HostPolicy {
    /// The label in metrics and `/upstreams`.
    pub name: String,
    /// The weight (1 unless a valid one is written).
    pub weight: u16,
    /// The backup tier.
    pub backup: bool,
    /// The effective client options.
    pub http: HttpOptions,
    /// The effective active check.
    pub active: Option<ActiveCheck>,
}

/// `spec::HttpOptions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    /// `version`.
    pub version: HttpVersion,
    /// `connect_timeout` in ms.
    pub connect_timeout_ms: u64,
    /// `idle_timeout` in ms.
    pub idle_timeout_ms: u64,
    /// `keep_alive`.
    pub keep_alive: bool,
    /// `max_connections_per_host`.
    pub max_connections_per_host: u32,
    /// `follow_redirects`.
    pub follow_redirects: bool,
    /// `max_response_bytes`.
    pub max_response_bytes: u64,
    /// `implementation`.
    pub implementation: HttpImplementation,
    /// `tls`.
    pub tls: Option<TlsOptions>,
}

/// `spec::TlsOptions` (KrakenD's `client_tls`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsOptions {
    /// `allow_insecure_connections`.
    pub allow_insecure_connections: bool,
    /// `ca_certs`.
    pub ca_certs: Vec<String>,
    /// `client_certs`: (certificate, private key) paths.
    pub client_certs: Vec<(String, String)>,
    /// `min_version`.
    pub min_version: TlsVersion,
    /// `max_version`.
    pub max_version: TlsVersion,
    /// `disable_system_ca_pool`.
    pub disable_system_ca_pool: bool,
}

/// `spec::TlsVersion`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl TlsVersion {
    /// Reads a `client_tls` version name. Older versions (`SSL3.0`,
    /// `TLS10`, `TLS11`) are GW902 unless accepted, and then TLS 1.2 (the
    /// oldest rustls speaks) stands in for them.
    pub fn parse(text: &str) -> Option<TlsVersion> {
        match text {
            "SSL3.0" | "TLS10" | "TLS11" | "TLS12" => Some(TlsVersion::Tls12),
            "TLS13" => Some(TlsVersion::Tls13),
            _ => None,
        }
    }
}

/// KrakenD's `client_tls` version when a field is absent or unknown (lura
/// `parseTLSVersion`; also our schema's documented default).
pub const DEFAULT_TLS_VERSION: TlsVersion = TlsVersion::Tls13;

/// `spec::ActiveCheck`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveCheck {
    /// `method`.
    pub method: Method,
    /// `path` (the host's override applied).
    pub path: String,
    /// `from_root`.
    pub from_root: bool,
    /// `headers`.
    pub headers: Vec<(String, String)>,
    /// `body`.
    pub body: Option<String>,
    /// `interval` in ms (`schedule` converted).
    pub interval_ms: u64,
    /// `timeout` in ms.
    pub timeout_ms: u64,
    /// `jitter` in ms.
    pub jitter_ms: u64,
    /// `unhealthy_threshold`.
    pub unhealthy_threshold: u8,
    /// `healthy_threshold`.
    pub healthy_threshold: u8,
    /// `expect_status` as inclusive ranges.
    pub expect_status: Vec<(u16, u16)>,
    /// `expect_body_contains`.
    pub expect_body_contains: Option<String>,
    /// `initial_state: unhealthy`.
    pub start_unhealthy: bool,
    /// `reuse_connection`.
    pub reuse_connection: bool,
}

/// `spec::PassiveCheck`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassiveCheck {
    /// `consecutive_failures`.
    pub consecutive_failures: u32,
    /// `failure_on`, as `spec::FailureClasses` bits.
    pub failure_on: u8,
    /// `ejection_time` in ms.
    pub ejection_time_ms: u64,
    /// `max_ejection_time` in ms.
    pub max_ejection_time_ms: u64,
    /// `max_ejection_percent`.
    pub max_ejection_percent: u8,
}

/// `spec::Failover`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failover {
    /// `max_attempts`.
    pub max_attempts: u8,
    /// `per_try_timeout` in ms.
    pub per_try_timeout_ms: Option<u64>,
    /// `retry_on`, as `spec::FailureClasses` bits.
    pub retry_on: u8,
    /// `retriable_status`.
    pub retriable_status: Vec<u16>,
    /// `retry_non_idempotent`.
    pub retry_non_idempotent: bool,
    /// `max_retry_body_bytes`.
    pub max_retry_body_bytes: u64,
    /// `backoff_base` in ms.
    pub backoff_base_ms: u64,
    /// `backoff_max` in ms.
    pub backoff_max_ms: u64,
    /// `budget_percent`.
    pub budget_percent: u8,
    /// `min_retry_concurrency`.
    pub min_retry_concurrency: u32,
}

/// The bit of a failure class in `spec::FailureClasses`.
pub fn failure_bit(class: FailureClass) -> u8 {
    match class {
        FailureClass::ConnectFailure => 1,
        FailureClass::Reset => 2,
        FailureClass::Timeout => 4,
        FailureClass::Status5xx => 8,
        FailureClass::GatewayError => 16,
        FailureClass::RetriableStatus => 32,
    }
}

fn bits(classes: &[FailureClass]) -> u8 {
    classes.iter().fold(0, |acc, c| acc | failure_bit(*c))
}

/// Whether the backend is balanced by a gwc policy: one of the four
/// namespaces is written, or a host is written as an object.
pub fn has_policy(b: &model::Backend<'_>) -> bool {
    let g = &b.extra.gwc;
    g.loadbalancer.is_some()
        || g.healthcheck.is_some()
        || g.failover.is_some()
        || g.http_client.is_some()
        || !lb::host_objects(b.raw).is_empty()
}

/// The backend's pool policy, `None` without one (KrakenD's balancing).
/// `backend` is the planned backend, whose `hosts` the policy's hosts align
/// with.
pub fn pool_policy(
    config: &Config<'_>,
    b: &model::Backend<'_>,
    backend: &Backend,
    debug_headers: bool,
) -> Option<PoolPolicy> {
    if !has_policy(b) {
        return None;
    }
    let gwc = &b.extra.gwc;
    let pool = pool_hosts(config, b);
    // Index-aligned with the planned hosts by construction (both read the
    // same entries in the same order); a mismatch would be a gwc bug, so
    // the policy is dropped rather than misaligned.
    if pool.len() != backend.hosts.len() {
        return None;
    }
    let algorithm = gwc
        .loadbalancer
        .as_ref()
        .and_then(lb::LoadBalancer::algorithm)
        .unwrap_or(Algorithm::RoundRobin);
    let active = gwc
        .healthcheck
        .as_ref()
        .and_then(|h| h.enabled_active())
        .map(active_check);
    let hosts: Vec<HostPolicy> = pool
        .iter()
        .map(|h| host_policy(config.raw, gwc.http_client.as_ref(), h, active.as_ref()))
        .collect();
    let schedule = |backup: bool| -> Vec<u16> {
        if algorithm != Algorithm::WeightedRoundRobin {
            return Vec::new();
        }
        let tier: Vec<u16> = hosts
            .iter()
            .map(|h| if h.backup == backup { h.weight } else { 0 })
            .collect();
        smooth_wrr_schedule(&tier)
    };
    Some(PoolPolicy {
        algorithm,
        schedule: schedule(false),
        backup_schedule: schedule(true),
        hosts,
        all_unhealthy: gwc
            .loadbalancer
            .as_ref()
            .map_or(AllUnhealthy::FailClosed, |l| l.all_unhealthy_or_default()),
        passive: gwc
            .healthcheck
            .as_ref()
            .and_then(|h| h.passive.as_ref())
            .map(passive_check),
        failover: gwc.failover.as_ref().map(failover),
        debug_headers,
    })
}

fn host_policy(
    root: &Node,
    backend_http: Option<&lb::HttpClient<'_>>,
    host: &PoolHost<'_>,
    active: Option<&ActiveCheck>,
) -> HostPolicy {
    let attrs: Option<&HostAttrs<'_>> = host.attrs.as_ref();
    let http = resolve_http_options(root, backend_http, attrs);
    let active = active.filter(|_| host.probed()).map(|a| {
        let mut a = a.clone();
        if let Some(path) = attrs
            .and_then(|h| h.healthcheck.as_ref())
            .and_then(|p| p.path.as_ref())
        {
            a.path.clone_from(&path.value);
        }
        a
    });
    HostPolicy {
        name: host.name().to_string(),
        weight: host.weight(),
        backup: host.is_backup(),
        http: HttpOptions {
            version: http.version,
            connect_timeout_ms: duration_ms(http.connect_timeout),
            idle_timeout_ms: duration_ms(http.idle_timeout),
            keep_alive: http.keep_alive,
            max_connections_per_host: http.max_connections_per_host,
            follow_redirects: http.follow_redirects,
            max_response_bytes: http.max_response_bytes,
            implementation: http.implementation,
            tls: http.tls.map(tls_options),
        },
        active,
    }
}

fn duration_ms(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

fn ms(ns: i64) -> u64 {
    ns_to_ms(ns)
}

fn active_check(a: &lb::ActiveCheck<'_>) -> ActiveCheck {
    let threshold = |t: i64| u8::try_from(t).unwrap_or(u8::MAX);
    ActiveCheck {
        method: Method::from_upper(&a.method_or_default()).unwrap_or(Method::Get),
        path: a
            .path
            .as_ref()
            .map_or_else(|| "/".to_string(), |p| p.value.clone()),
        from_root: a.probes_from_root(),
        headers: a
            .headers
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
        body: a.body.as_ref().map(|b| b.value.clone()),
        interval_ms: ms(a.interval_nanos()),
        timeout_ms: ms(a.timeout_nanos()),
        jitter_ms: ms(a.jitter_nanos()),
        unhealthy_threshold: threshold(a.unhealthy_threshold_or_default()),
        healthy_threshold: threshold(a.healthy_threshold_or_default()),
        expect_status: a
            .expect_status_or_default()
            .into_iter()
            .map(|p| match p {
                StatusPattern::Code(c) => (c, c),
                StatusPattern::Class(n) => (u16::from(n) * 100, u16::from(n) * 100 + 99),
            })
            .collect(),
        expect_body_contains: a.expect_body_contains.as_ref().map(|s| s.value.clone()),
        start_unhealthy: a.starts_unhealthy(),
        reuse_connection: a.reuses_connection(),
    }
}

fn passive_check(p: &lb::PassiveCheck<'_>) -> PassiveCheck {
    PassiveCheck {
        consecutive_failures: u32::try_from(p.consecutive_failures_or_default())
            .unwrap_or(u32::MAX),
        failure_on: bits(&p.failure_on_or_default()),
        ejection_time_ms: ms(p.ejection_time_nanos()),
        max_ejection_time_ms: ms(p.max_ejection_time_nanos()),
        max_ejection_percent: percent(p.max_ejection_percent_or_default()),
    }
}

fn failover(f: &lb::Failover<'_>) -> Failover {
    Failover {
        max_attempts: u8::try_from(f.max_attempts_or_default()).unwrap_or(1),
        per_try_timeout_ms: f.per_try_timeout_nanos().filter(|n| *n > 0).map(ms),
        retry_on: bits(&f.retry_on_or_default()),
        retriable_status: f
            .retriable_status
            .as_ref()
            .map(|l| {
                l.value
                    .iter()
                    .filter_map(|s| u16::try_from(s.value).ok())
                    .filter(|s| (100..=599).contains(s))
                    .collect()
            })
            .unwrap_or_default(),
        retry_non_idempotent: f.retries_non_idempotent(),
        max_retry_body_bytes: f.max_retry_body_bytes_or_default(),
        backoff_base_ms: ms(f.backoff_base_nanos()),
        backoff_max_ms: ms(f.backoff_max_nanos()),
        budget_percent: percent(f.budget_percent_or_default()),
        min_retry_concurrency: u32::try_from(f.min_retry_concurrency_or_default())
            .unwrap_or(u32::MAX),
    }
}

/// A percentage in 0..=100 as a whole number (rounded down: a fractional
/// limit never grows).
fn percent(p: f64) -> u8 {
    p.clamp(0.0, 100.0).floor() as u8
}

/// KrakenD's `client_tls` object. Absent or unknown versions are TLS 1.3
/// (lura's `parseTLSVersion`).
pub fn tls_options(node: &Node) -> TlsOptions {
    let flag = |k: &str| node.get(k).and_then(Node::as_bool).unwrap_or(false);
    let version = |k: &str| {
        node.get(k)
            .and_then(Node::as_str)
            .and_then(TlsVersion::parse)
            .unwrap_or(DEFAULT_TLS_VERSION)
    };
    let strings = |k: &str| -> Vec<String> {
        node.get(k)
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect()
    };
    TlsOptions {
        allow_insecure_connections: flag("allow_insecure_connections"),
        ca_certs: strings("ca_certs"),
        client_certs: node
            .get("client_certs")
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| {
                let cert = c.get("certificate")?.as_str()?;
                let key = c.get("private_key")?.as_str()?;
                Some((cert.to_string(), key.to_string()))
            })
            .collect(),
        min_version: version("min_version"),
        max_version: version("max_version"),
        disable_system_ca_pool: flag("disable_system_ca_pool"),
    }
}
