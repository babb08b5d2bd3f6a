//! `extra_config`: the namespaces gwc understands, typed; all others kept
//! opaque (by reference into the tree), so nothing a user wrote is lost.

use super::lb::GwcExtra;
use super::{Fields, Spanned, spanned};
use crate::syntax::{Node, Span};

/// The long name of the `router` namespace (lura's gin router), still accepted.
pub const ROUTER_LEGACY_NAMESPACE: &str = "github_com/luraproject/lura/router/gin";
/// The long, legacy name of the `proxy` namespace, which KrakenD CE still
/// reads (krakend-ce `cmd/krakend-ce/main.go` alias table).
pub const PROXY_LEGACY_KEY: &str = "github.com/devopsfaith/krakend/proxy";
/// The long, legacy name of `backend/http`, which KrakenD CE still reads.
pub const BACKEND_HTTP_LEGACY_KEY: &str = "github.com/devopsfaith/krakend/http";
/// The long, legacy name of `qos/circuit-breaker`, which KrakenD CE still reads.
pub const CIRCUIT_BREAKER_LEGACY_KEY: &str =
    "github.com/devopsfaith/krakend-circuitbreaker/gobreaker";

/// One `extra_config` object.
#[derive(Clone, Debug, Default)]
pub struct ExtraConfig<'a> {
    /// The `extra_config` node itself.
    pub raw: Option<&'a Node>,
    /// Every namespace in source order: (key, key span, value).
    pub namespaces: Vec<(&'a str, Span, &'a Node)>,
    /// `proxy` (endpoint and backend level).
    pub proxy: Option<Proxy<'a>>,
    /// `router` (root level).
    pub router: Option<Router>,
    /// `security/cors` (read at every level; CE reads the root's only).
    pub cors: Option<super::security::Cors>,
    /// `security/bot-detector` (root and endpoint level).
    pub bot_detector: Option<super::security::BotDetector>,
    /// `security/http` (root level; CE ignores it on endpoints, GW620).
    pub http_security: Option<super::security::HttpSecurity>,
    /// `telemetry/logging` (root level; its legacy name too).
    pub logging: Option<super::telemetry::Logging<'a>>,
    /// `telemetry/opentelemetry` (root level).
    pub otel: Option<super::telemetry::OpenTelemetry>,
    /// `telemetry/gelf` (root level, an object; its legacy name too).
    pub gelf: Option<super::telemetry::Gelf<'a>>,
    /// `telemetry/logstash` (root level, any value; its legacy name too).
    pub logstash: Option<super::telemetry::Logstash<'a>>,
    /// `telemetry/metrics` (root level; its legacy name too).
    pub metrics: Option<super::telemetry::Metrics<'a>>,
    /// `qos/ratelimit/router` (endpoint level; short name only, see
    /// [`super::traffic::ratelimit_router`]).
    pub rate_limit: Option<super::traffic::RateLimitRouter>,
    /// `qos/ratelimit/proxy` (backend level; short name only, see
    /// [`super::traffic::ratelimit_proxy`]).
    pub rate_limit_proxy: Option<super::traffic::RateLimitProxy>,
    /// `validation/json-schema` (endpoint level; any JSON value).
    pub json_schema: Option<super::validation::JsonSchema<'a>>,
    /// `auth/validator` (endpoint level; root level for
    /// `shared_cache_duration`).
    pub validator: Option<super::security::Validator>,
    /// `auth/signer` (endpoint level).
    pub signer: Option<super::security::Signer>,
    /// `qos/circuit-breaker` (backend level).
    pub circuit_breaker: Option<CircuitBreaker>,
    /// `backend/http` (backend level).
    pub backend_http: Option<BackendHttp>,
    /// `modifier/martian` (backend level; its legacy name too).
    pub martian: Option<super::modifier::Martian<'a>>,
    /// `qos/http-cache` (backend level; its legacy name too), whatever its
    /// value (CE enables the cache for any value).
    pub http_cache: Option<super::traffic::HttpCacheNs<'a>>,
    /// `validation/cel` (endpoint and backend level; its legacy name too),
    /// whatever its value (CE ignores a value its decoder refuses: the model
    /// keeps it so GW779 can say so).
    pub cel: Option<super::validation::Cel<'a>>,
    /// gwc's own namespaces (`gwc/loadbalancer`, `gwc/healthcheck`,
    /// `gwc/failover`, `gwc/http-client`; backend level).
    pub gwc: GwcExtra<'a>,
}

impl<'a> ExtraConfig<'a> {
    /// Reads an `extra_config` node (absent or not an object: empty).
    pub fn from_node(node: Option<&'a Node>) -> Self {
        let Some(node) = node else {
            return Self::default();
        };
        let Some(members) = node.as_object() else {
            return ExtraConfig {
                raw: Some(node),
                ..Self::default()
            };
        };
        let object = |key: &str| node.get(key).filter(|n| n.as_object().is_some());
        ExtraConfig {
            raw: Some(node),
            namespaces: members
                .iter()
                .map(|m| (m.key.as_str(), m.key_span, &m.value))
                .collect(),
            // KrakenD CE renames the short namespaces to their legacy keys at
            // start (`Normalize`), so configs may use either; the short one wins.
            proxy: object("proxy")
                .or_else(|| object(PROXY_LEGACY_KEY))
                .map(Proxy::from_node),
            router: object("router")
                .or_else(|| object(ROUTER_LEGACY_NAMESPACE))
                .map(Router::from_node),
            cors: component(members, "security/cors")
                .map(|m| super::security::Cors::from_node(m.key_span, &m.value)),
            bot_detector: component(members, "security/bot-detector")
                .map(|m| super::security::BotDetector::from_node(m.key_span, &m.value)),
            http_security: component(members, "security/http")
                .map(|m| super::security::HttpSecurity::from_node(m.key_span, &m.value)),
            logging: component(members, super::telemetry::logging::NAMESPACE)
                .map(|m| super::telemetry::Logging::from_node(m.key_span, &m.value)),
            otel: component(members, super::telemetry::opentelemetry::NAMESPACE)
                .map(|m| super::telemetry::OpenTelemetry::from_node(m.key_span, &m.value)),
            gelf: component(members, super::telemetry::gelf::NAMESPACE)
                .map(|m| super::telemetry::Gelf::from_node(m.key_span, &m.value)),
            logstash: logstash(members),
            metrics: component(members, super::telemetry::metrics::NAMESPACE)
                .map(|m| super::telemetry::Metrics::from_node(m.key_span, &m.value)),
            rate_limit: members
                .iter()
                .rev()
                .find(|m| {
                    m.key == super::traffic::ratelimit_router::NAMESPACE
                        && m.value.as_object().is_some()
                })
                .map(|m| super::traffic::RateLimitRouter::from_node(m.key_span, &m.value)),
            rate_limit_proxy: members
                .iter()
                .rev()
                .find(|m| {
                    m.key == super::traffic::ratelimit_proxy::NAMESPACE
                        && m.value.as_object().is_some()
                })
                .map(|m| super::traffic::RateLimitProxy::from_node(m.key_span, &m.value)),
            json_schema: [
                super::validation::json_schema::NAMESPACE,
                super::validation::json_schema::LEGACY_NAMESPACE,
            ]
            .iter()
            .find_map(|key| members.iter().rev().find(|m| m.key == *key))
            .map(|m| super::validation::JsonSchema {
                key_span: m.key_span,
                schema: &m.value,
            }),
            validator: component(members, "auth/validator")
                .map(|m| super::security::Validator::from_node(m.key_span, &m.value)),
            signer: component(members, "auth/signer")
                .map(|m| super::security::Signer::from_node(m.key_span, &m.value)),
            circuit_breaker: object("qos/circuit-breaker")
                .or_else(|| object(CIRCUIT_BREAKER_LEGACY_KEY))
                .map(CircuitBreaker::from_node),
            backend_http: object("backend/http")
                .or_else(|| object(BACKEND_HTTP_LEGACY_KEY))
                .map(BackendHttp::from_node),
            martian: martian(members),
            http_cache: http_cache(members),
            cel: cel(members),
            gwc: GwcExtra::from_node(node),
        }
    }

    /// The namespace `key`, with its key span: under that name or, failing
    /// that, under a long legacy name KrakenD CE reads as it
    /// ([`super::legacy::ce_aliases`]), so every reader of a short name
    /// reads the legacy one too. The last of duplicate keys counts, as
    /// Go's decoder keeps it.
    pub fn get(&self, key: &str) -> Option<(Span, &'a Node)> {
        self.exact(key)
            .or_else(|| super::legacy::ce_aliases(key).find_map(|long| self.exact(long)))
    }

    /// The namespace written exactly as `key`.
    pub fn exact(&self, key: &str) -> Option<(Span, &'a Node)> {
        self.namespaces
            .iter()
            .rev()
            .find(|(k, _, _)| *k == key)
            .map(|(_, s, n)| (*s, *n))
    }
}

/// `modifier/martian` under its short name or, failing that, its legacy
/// one, whatever its value (CE drops a value that is not an object: the
/// model keeps it so GW720 can say so).
fn martian(members: &[crate::syntax::Member]) -> Option<super::modifier::Martian<'_>> {
    use super::modifier::martian::{LEGACY_NAMESPACE, NAMESPACE};
    let find = |key: &str| members.iter().rev().find(|m| m.key == key);
    find(NAMESPACE)
        .or_else(|| find(LEGACY_NAMESPACE))
        .map(|m| super::modifier::Martian::from_node(m.key_span, &m.value))
}

/// `qos/http-cache` under its short name or, failing that, its legacy one
/// (the one `krakend-httpcache` reads), whatever its value.
fn http_cache(members: &[crate::syntax::Member]) -> Option<super::traffic::HttpCacheNs<'_>> {
    use super::traffic::http_cache::NAMESPACE;
    let find = |key: &str| members.iter().rev().find(|m| m.key == key);
    find(NAMESPACE)
        .or_else(|| super::legacy::ce_aliases(NAMESPACE).find_map(find))
        .map(|m| super::traffic::HttpCacheNs::from_node(m.key_span, &m.value))
}

/// `telemetry/logstash` under its short name or, failing that, its legacy
/// one, whatever its value (krakend-logstash asks only whether it is there).
fn logstash(members: &[crate::syntax::Member]) -> Option<super::telemetry::Logstash<'_>> {
    use super::telemetry::logstash::NAMESPACE;
    let find = |key: &str| members.iter().rev().find(|m| m.key == key);
    find(NAMESPACE)
        .or_else(|| super::legacy::ce_aliases(NAMESPACE).find_map(find))
        .map(|m| super::telemetry::Logstash {
            key_span: m.key_span,
            node: &m.value,
        })
}

/// `validation/cel` under its short name or, failing that, its legacy one
/// (whatever its value).
fn cel(members: &[crate::syntax::Member]) -> Option<super::validation::Cel<'_>> {
    use super::validation::cel::NAMESPACE;
    let find = |key: &str| members.iter().rev().find(|m| m.key == key);
    find(NAMESPACE)
        .or_else(|| super::legacy::ce_aliases(NAMESPACE).find_map(find))
        .map(|m| super::validation::Cel::from_node(m.key_span, &m.value))
}

/// The component namespace `short` as an object: under its short name or,
/// failing that, under CE's long legacy alias of it (CE reads both; the
/// short one wins, and the last of duplicate keys, as Go's decoder keeps).
fn component<'a>(
    members: &'a [crate::syntax::Member],
    short: &str,
) -> Option<&'a crate::syntax::Member> {
    let object = |key: &str| {
        members
            .iter()
            .rev()
            .find(|m| m.key == key && m.value.as_object().is_some())
    };
    object(short).or_else(|| super::legacy::ce_aliases(short).find_map(object))
}

/// The `proxy` namespace.
#[derive(Clone, Debug)]
pub struct Proxy<'a> {
    /// The namespace node.
    pub raw: &'a Node,
    /// `sequential`.
    pub sequential: Option<Spanned<bool>>,
    /// `sequential_propagated_params`.
    pub sequential_propagated_params: Option<Spanned<Vec<Spanned<String>>>>,
    /// `flatmap_filter`: the key span and the operations.
    pub flatmap_filter: Option<Spanned<Vec<FlatmapOp>>>,
    /// `static`.
    pub static_data: Option<StaticData<'a>>,
    /// `shadow` (backend level).
    pub shadow: Option<Spanned<bool>>,
    /// `combiner`.
    pub combiner: Option<Spanned<String>>,
    /// `strategy` (lura HEAD: `parallel`, `sequential` or a custom merger).
    pub strategy: Option<Spanned<String>>,
}

impl<'a> Proxy<'a> {
    fn from_node(node: &'a Node) -> Self {
        let f = Fields(node);
        Proxy {
            raw: node,
            sequential: f.bool("sequential"),
            sequential_propagated_params: f.string_list("sequential_propagated_params"),
            flatmap_filter: f.node("flatmap_filter").and_then(|m| {
                let ops = m
                    .value
                    .as_array()?
                    .iter()
                    .filter_map(FlatmapOp::from_node)
                    .collect();
                Some(spanned(m.key_span, &m.value, ops))
            }),
            static_data: f
                .node("static")
                .filter(|m| m.value.as_object().is_some())
                .map(|m| StaticData {
                    key_span: m.key_span,
                    data: m.value.get("data"),
                    strategy: Fields(&m.value).string("strategy"),
                }),
            shadow: f.bool("shadow"),
            combiner: f.string("combiner"),
            strategy: f.string("strategy"),
        }
    }

    /// Whether `sequential: true`.
    pub fn is_sequential(&self) -> bool {
        self.sequential.as_ref().is_some_and(|s| s.value)
    }

    /// Whether the backends run one after another: `sequential: true`, or
    /// lura HEAD's `strategy: "sequential"` (accepted so that no rule calls
    /// a config wrong that newer KrakenD versions run sequentially).
    pub fn runs_sequentially(&self) -> bool {
        self.is_sequential()
            || self
                .strategy
                .as_ref()
                .is_some_and(|s| s.value == "sequential")
    }

    /// Whether `shadow: true` (backend level).
    pub fn is_shadow(&self) -> bool {
        self.shadow.as_ref().is_some_and(|s| s.value)
    }
}

/// One `flatmap_filter` operation.
#[derive(Clone, Debug)]
pub struct FlatmapOp {
    /// The operation object's span.
    pub span: Span,
    /// `type`: `move`, `append` or `del`.
    pub op: Option<Spanned<String>>,
    /// `args`: dot paths, `*` for array elements.
    pub args: Vec<Spanned<String>>,
}

impl FlatmapOp {
    fn from_node(node: &Node) -> Option<Self> {
        node.as_object()?;
        let f = Fields(node);
        Some(FlatmapOp {
            span: node.span,
            op: f.string("type"),
            args: f.string_list("args").map(|a| a.value).unwrap_or_default(),
        })
    }
}

/// `proxy.static`.
#[derive(Clone, Debug)]
pub struct StaticData<'a> {
    /// The `static` key.
    pub key_span: Span,
    /// `data`.
    pub data: Option<&'a Node>,
    /// `strategy`.
    pub strategy: Option<Spanned<String>>,
}

/// The `router` namespace (root).
#[derive(Clone, Debug, Default)]
pub struct Router {
    /// `auto_options`: an OPTIONS route for every path.
    pub auto_options: bool,
    /// `disable_health`.
    pub disable_health: bool,
    /// `health_path` (default `/__health`).
    pub health_path: Option<Spanned<String>>,
    /// `return_error_msg`.
    pub return_error_msg: bool,
    /// `hide_version_header`.
    pub hide_version_header: bool,
    /// `disable_access_log`.
    pub disable_access_log: bool,
    /// `disable_handle_method_not_allowed`.
    pub disable_handle_method_not_allowed: bool,
    /// `disable_redirect_trailing_slash`.
    pub disable_redirect_trailing_slash: bool,
    /// `disable_redirect_fixed_path`.
    pub disable_redirect_fixed_path: bool,
    /// `disable_path_decoding`.
    pub disable_path_decoding: bool,
    /// `remove_extra_slash`.
    pub remove_extra_slash: bool,
    /// `forwarded_by_client_ip` (gin's default, on, when absent).
    pub forwarded_by_client_ip: Option<Spanned<bool>>,
    /// `remote_ip_headers`.
    pub remote_ip_headers: Option<Spanned<Vec<Spanned<String>>>>,
    /// `trusted_proxies`.
    pub trusted_proxies: Option<Spanned<Vec<Spanned<String>>>>,
    /// `logger_skip_paths`.
    pub logger_skip_paths: Option<Spanned<Vec<Spanned<String>>>>,
}

impl Router {
    /// Whether gin reads the client-IP headers at all: lura sets
    /// `ForwardedByClientIP` only when written (gin's default is on).
    pub fn forwards_client_ip(&self) -> bool {
        self.forwarded_by_client_ip.as_ref().is_none_or(|f| f.value)
    }

    /// Whether `trusted_proxies` lists anything (lura hands gin only a
    /// non-empty list; an empty one keeps gin's "every address").
    pub fn has_trusted_proxies(&self) -> bool {
        self.trusted_proxies
            .as_ref()
            .is_some_and(|t| !t.value.is_empty())
    }

    fn from_node(node: &Node) -> Self {
        let f = Fields(node);
        Router {
            auto_options: f.flag("auto_options"),
            disable_health: f.flag("disable_health"),
            health_path: f.string("health_path"),
            return_error_msg: f.flag("return_error_msg"),
            hide_version_header: f.flag("hide_version_header"),
            disable_access_log: f.flag("disable_access_log"),
            disable_handle_method_not_allowed: f.flag("disable_handle_method_not_allowed"),
            disable_redirect_trailing_slash: f.flag("disable_redirect_trailing_slash"),
            disable_redirect_fixed_path: f.flag("disable_redirect_fixed_path"),
            disable_path_decoding: f.flag("disable_path_decoding"),
            remove_extra_slash: f.flag("remove_extra_slash"),
            forwarded_by_client_ip: f.bool("forwarded_by_client_ip"),
            remote_ip_headers: f.string_list("remote_ip_headers"),
            trusted_proxies: f.string_list("trusted_proxies"),
            logger_skip_paths: f.string_list("logger_skip_paths"),
        }
    }
}

/// `qos/circuit-breaker`.
#[derive(Clone, Debug, Default)]
pub struct CircuitBreaker {
    /// `interval` (seconds).
    pub interval: Option<Spanned<i64>>,
    /// `timeout` (seconds the breaker stays open).
    pub timeout: Option<Spanned<i64>>,
    /// `max_errors` within the interval.
    pub max_errors: Option<Spanned<i64>>,
    /// `name`.
    pub name: Option<Spanned<String>>,
    /// `log_status_change`.
    pub log_status_change: bool,
}

impl CircuitBreaker {
    fn from_node(node: &Node) -> Self {
        let f = Fields(node);
        CircuitBreaker {
            interval: f.int("interval"),
            timeout: f.int("timeout"),
            max_errors: f.int("max_errors"),
            name: f.string("name"),
            log_status_change: f.flag("log_status_change"),
        }
    }
}

/// `backend/http`.
#[derive(Clone, Debug, Default)]
pub struct BackendHttp {
    /// `return_error_code`.
    pub return_error_code: Option<Spanned<bool>>,
    /// `return_error_details`: the name of the error key.
    pub return_error_details: Option<Spanned<String>>,
}

impl BackendHttp {
    fn from_node(node: &Node) -> Self {
        let f = Fields(node);
        BackendHttp {
            return_error_code: f.bool("return_error_code"),
            return_error_details: f.string("return_error_details"),
        }
    }
}
