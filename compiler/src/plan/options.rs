//! Root-level defaults and options: port, timeouts, router, client and
//! server keys (lura `ServiceConfig.Init`, research/krakend-semantics.md
//! §a.2, §e).

use super::{ClientIpOptions, ClientOptions, PlanError, RouterOptions, ServerOptions};
use crate::check::routes::health_route;
use crate::check::unsupported::{BUILD_NAMESPACE, DEBUG_HEADERS_KEY};
use crate::model::client_ip::{gin_trusted_proxies, is_header_name};
use crate::model::duration::parse_go_duration;
use crate::model::weak::decode_weak_int;
use crate::model::{Config, DurationValue, Router, Spanned};
use crate::syntax::{Node, NodeKind};

/// lura's `DefaultTimeout`.
pub const DEFAULT_TIMEOUT_NS: i64 = 2_000_000_000;
/// KrakenD's default port.
pub const DEFAULT_PORT: u16 = 8080;
/// lura's default `max_idle_connections_per_host`.
pub const DEFAULT_MAX_IDLE_PER_HOST: u32 = 250;
/// lura's default `dialer_keep_alive` (15 s).
pub const DEFAULT_DIALER_KEEP_ALIVE_MS: u64 = 15_000;
/// Go's `http.DefaultMaxHeaderBytes` (1 MiB), used when unset.
pub const DEFAULT_MAX_HEADER_BYTES: u32 = 1 << 20;

/// The root values endpoints inherit.
#[derive(Clone, Debug)]
pub(crate) struct Root {
    pub name: String,
    pub port: u16,
    pub listen_ip: Option<String>,
    /// Root `timeout` in ns, 2 s when absent or zero.
    pub timeout_ns: i64,
    /// Root `cache_ttl` in ns (0: none).
    pub cache_ttl_ns: i64,
    /// `gwc/build.debug_headers`: the failover debug headers.
    pub debug_headers: bool,
}

pub(crate) fn root(config: &Config<'_>) -> Result<Root, PlanError> {
    let raw = config.raw;
    // koanf decodes `port` weakly (`"8080"` works); 0 means the default.
    let port = match raw.get("port").and_then(decode_weak_int) {
        None | Some(0) => DEFAULT_PORT,
        Some(p) => u16::try_from(p).map_err(|_| PlanError::InvalidPort(p))?,
    };
    let timeout_ns = match duration_ns(config.timeout.as_ref()) {
        0 => DEFAULT_TIMEOUT_NS,
        t => t,
    };
    Ok(Root {
        name: string(raw, "name").unwrap_or_default(),
        port,
        listen_ip: string(raw, "listen_ip").filter(|s| !s.is_empty()),
        timeout_ns,
        cache_ttl_ns: duration_ns(config.cache_ttl.as_ref()),
        debug_headers: config
            .extra
            .get(BUILD_NAMESPACE)
            .and_then(|(_, ns)| ns.get(DEBUG_HEADERS_KEY))
            .and_then(Node::as_bool)
            .unwrap_or(false),
    })
}

pub(crate) fn router(config: &Config<'_>) -> RouterOptions {
    // gin joins the path to the group `/` (`path.Join`).
    let health_path = health_route(config);
    // Root keys, registered by lura's router (`-d` sets the first).
    let (debug_endpoint, echo_endpoint) = (config.debug_endpoint, config.echo_endpoint);
    let Some(router) = &config.extra.router else {
        return RouterOptions {
            health_path,
            debug_endpoint,
            echo_endpoint,
            ..RouterOptions::default()
        };
    };
    let error_body = router_node(config).and_then(|n| n.get("error_body"));
    let body = |code: &str| {
        error_body
            .and_then(|b| b.get(code))
            .filter(|n| n.as_object().is_some())
            .map(super::value_of)
    };
    RouterOptions {
        health_path,
        return_error_msg: router.return_error_msg,
        auto_options: router.auto_options,
        disable_method_not_allowed: router.disable_handle_method_not_allowed,
        disable_access_log: router.disable_access_log,
        disable_redirect_trailing_slash: router.disable_redirect_trailing_slash,
        disable_redirect_fixed_path: router.disable_redirect_fixed_path,
        error_body_404: body("404"),
        error_body_405: body("405"),
        client_ip: client_ip(router),
        remove_extra_slash: router.remove_extra_slash,
        disable_path_decoding: router.disable_path_decoding,
        logger_skip_paths: strings(router.logger_skip_paths.as_ref()),
        debug_endpoint,
        echo_endpoint,
    }
}

/// lura's engine set-up: each gin default replaced only when the config
/// writes a value (a non-empty list), header names canonical, the trusted
/// networks as gin parses them (up to the first bad entry, GW740).
fn client_ip(router: &Router) -> ClientIpOptions {
    let mut o = ClientIpOptions {
        forwarded_by_client_ip: router.forwards_client_ip(),
        ..ClientIpOptions::default()
    };
    let headers = strings(router.remote_ip_headers.as_ref());
    if !headers.is_empty() {
        o.remote_ip_headers = headers
            .iter()
            .filter(|h| is_header_name(h))
            .map(|h| h.to_ascii_lowercase())
            .collect();
    }
    if router.has_trusted_proxies() {
        let entries = router.trusted_proxies.iter().flat_map(|t| &t.value);
        o.trusted_proxies = gin_trusted_proxies(entries.map(|e| e.as_str())).0;
    }
    o
}

fn strings(list: Option<&Spanned<Vec<Spanned<String>>>>) -> Vec<String> {
    list.map(|l| l.value.iter().map(|s| s.value.clone()).collect())
        .unwrap_or_default()
}

/// The `router` namespace node the model read (short name, else legacy).
fn router_node<'a>(config: &Config<'a>) -> Option<&'a Node> {
    let extra = config.raw.get("extra_config")?;
    ["router", crate::model::extra::ROUTER_LEGACY_NAMESPACE]
        .into_iter()
        .find_map(|k| extra.get(k).filter(|n| n.as_object().is_some()))
}

pub(crate) fn client(config: &Config<'_>) -> ClientOptions {
    let raw = config.raw;
    let max_idle = match raw
        .get("max_idle_connections_per_host")
        .and_then(decode_weak_int)
    {
        None | Some(0) => DEFAULT_MAX_IDLE_PER_HOST,
        // Go's transport keeps no idle connection for a negative limit.
        Some(n) => u32::try_from(n.max(0)).unwrap_or(u32::MAX),
    };
    ClientOptions {
        max_idle_connections_per_host: max_idle,
        idle_connection_timeout_ms: root_ms(raw, "idle_connection_timeout"),
        dialer_timeout_ms: root_ms(raw, "dialer_timeout"),
        dialer_keep_alive_ms: match root_ms(raw, "dialer_keep_alive") {
            0 => DEFAULT_DIALER_KEEP_ALIVE_MS,
            ms => ms,
        },
        response_header_timeout_ms: root_ms(raw, "response_header_timeout"),
        disable_compression: flag(raw, "disable_compression"),
        disable_keep_alives: flag(raw, "disable_keep_alives"),
        tls: raw
            .get("client_tls")
            .filter(|n| n.as_object().is_some())
            .map(super::pool::tls_options),
    }
}

pub(crate) fn server(config: &Config<'_>) -> ServerOptions {
    let raw = config.raw;
    let max_header_bytes = match raw.get("max_header_bytes").and_then(decode_weak_int) {
        Some(n) if n > 0 => u32::try_from(n).unwrap_or(u32::MAX),
        _ => DEFAULT_MAX_HEADER_BYTES,
    };
    // `gwc/server`: values GW805 and GW541 refuse (zero, negative, out of
    // range, not a duration) leave the runtime's default.
    let limits = crate::model::server::GwcServer::of(config);
    let positive = |v: Option<&Spanned<i64>>| v.map_or(0, |v| v.value.max(0));
    ServerOptions {
        read_header_timeout_ms: root_ms(raw, "read_header_timeout"),
        idle_timeout_ms: root_ms(raw, "idle_timeout"),
        max_header_bytes,
        max_shutdown_wait_ms: root_ms(raw, "max_shutdown_wait_time"),
        use_h2c: flag(raw, "use_h2c"),
        max_connections: limits.as_ref().map_or(0, |l| {
            u32::try_from(positive(l.max_connections.as_ref())).unwrap_or(0)
        }),
        max_request_body: limits.as_ref().map_or(0, |l| {
            u64::try_from(positive(l.max_request_body.as_ref())).unwrap_or(0)
        }),
        send_timeout_ms: limits
            .as_ref()
            .map_or(0, |l| ns_to_ms(duration_ns(l.send_timeout.as_ref()))),
        read_timeout_ms: root_ms(raw, "read_timeout"),
        write_timeout_ms: root_ms(raw, "write_timeout"),
        max_buffered_responses: limits.as_ref().map_or(0, |l| {
            u64::try_from(positive(l.max_buffered_responses.as_ref())).unwrap_or(0)
        }),
    }
}

/// A duration field in nanoseconds as KrakenD decodes it: a Go duration
/// string, or a bare number of nanoseconds; 0 when absent or invalid (an
/// invalid string is a lint error, GW406).
pub(crate) fn duration_ns(value: Option<&Spanned<DurationValue>>) -> i64 {
    match value.map(|v| &v.value) {
        Some(DurationValue::Text(s)) => parse_go_duration(s).unwrap_or(0),
        Some(DurationValue::Number(raw)) => number_ns(raw),
        None => 0,
    }
}

fn number_ns(raw: &str) -> i64 {
    raw.parse::<i64>().unwrap_or_else(|_| {
        raw.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && f.abs() < 9.2e18)
            .map_or(0, |f| f.trunc() as i64)
    })
}

/// A node's duration in nanoseconds (see [`duration_ns`]).
pub(crate) fn node_ns(node: &Node) -> i64 {
    match &node.kind {
        NodeKind::String(s) => parse_go_duration(s).unwrap_or(0),
        NodeKind::Number(n) => number_ns(&n.raw),
        _ => 0,
    }
}

/// Nanoseconds to whole milliseconds, rounded up so a positive sub-ms
/// timeout does not become "no timeout"; 0 for zero and negative values.
pub(crate) fn ns_to_ms(ns: i64) -> u64 {
    if ns <= 0 {
        return 0;
    }
    u64::try_from(ns).map_or(0, |ns| ns.div_ceil(1_000_000))
}

fn root_ms(raw: &Node, key: &str) -> u64 {
    raw.get(key).map_or(0, |n| ns_to_ms(node_ns(n)))
}

fn string(raw: &Node, key: &str) -> Option<String> {
    raw.get(key)?.as_str().map(str::to_string)
}

fn flag(raw: &Node, key: &str) -> bool {
    raw.get(key).and_then(Node::as_bool).unwrap_or(false)
}
