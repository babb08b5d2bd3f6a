//! The build plan: everything the gateway binary needs, precomputed from a
//! checked model (DESIGN.md §2, §5).
//!
//! [`plan`] is a pure function of a [`Config`]: every default applied as
//! lura's `config.Init` applies it (research/krakend-semantics.md §a.2),
//! hosts sanitised (§a.3), durations parsed, each `url_pattern` split into
//! literal and variable pieces, allowlists canonicalised, merge and
//! manipulation plans decided. The types mirror `gw_runtime::spec` one for
//! one, but own their data (`String`, `Vec`), so `codegen` can turn a plan
//! into `static` literals without reading the config again.
//!
//! The plan assumes the config linted without errors (that is what `gwc
//! build` checks first). It never panics on anything else: what it cannot
//! represent is a [`PlanError`].

mod backend;
mod endpoint;
pub mod modifier;
mod options;
pub mod pool;
pub mod security;
pub mod telemetry;
pub mod traffic;
pub mod validation;
mod value;

#[cfg(test)]
mod tests;

use crate::model::Config;

pub use crate::model::client_ip::TrustedNet;

pub use backend::canonical_header_key;
pub use value::value_of;

/// The identification header KrakenD sends on every response it handles.
pub const VERSION_HEADER_NAME: &str = "X-KrakenD";

/// What the plan needs besides the config.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// The product version in the identification header
    /// (`Version gwc-<version>`).
    pub version: String,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Why a config cannot be planned. Every case is also a lint error, so
/// `gwc build` reports the diagnostic first; these only reach a caller that
/// plans an unchecked config.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// `port` is not a TCP port.
    #[error("port {0} is not a valid TCP port")]
    InvalidPort(i64),
    /// An endpoint without a path.
    #[error("endpoint #{index} has no `endpoint` path")]
    MissingPath {
        /// Index in `endpoints`.
        index: usize,
    },
    /// An endpoint method the router does not register.
    #[error("endpoint `{path}` has method `{method}`, which gwc cannot serve")]
    UnsupportedMethod {
        /// The endpoint path.
        path: String,
        /// The method as written.
        method: String,
    },
    /// An endpoint without backends.
    #[error("endpoint `{path}` has no backends")]
    NoBackends {
        /// The endpoint path.
        path: String,
    },
    /// A backend with no host (neither its own nor the root's).
    #[error("backend #{backend} of endpoint `{path}` has no host")]
    NoHost {
        /// The endpoint path.
        path: String,
        /// Index in the endpoint's `backend`.
        backend: usize,
    },
    /// A host that KrakenD's sanitiser rejects.
    #[error("host `{host}` of endpoint `{path}` is not valid")]
    InvalidHost {
        /// The endpoint path.
        path: String,
        /// The host as written.
        host: String,
    },
    /// An `auth/validator` KrakenD CE cannot run (the linter reports it).
    #[error("auth/validator of endpoint `{path}`: {reason}")]
    InvalidValidator {
        /// The endpoint path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A `modifier/martian` KrakenD CE cannot parse (the linter reports it).
    #[error("modifier/martian of backend #{backend} of endpoint `{path}`: {reason}")]
    InvalidMartian {
        /// The endpoint path.
        path: String,
        /// Index in the endpoint's `backend`.
        backend: usize,
        /// What is wrong.
        reason: String,
    },
    /// An `auth/signer` KrakenD CE cannot run (the linter reports it).
    #[error("auth/signer of endpoint `{path}`: {reason}")]
    InvalidSigner {
        /// The endpoint path.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The whole gateway (`gw_runtime::spec::Gateway`).
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// `name`.
    pub name: String,
    /// Listen port (8080 by default).
    pub port: u16,
    /// `listen_ip`, when set.
    pub listen_ip: Option<String>,
    /// The endpoints KrakenD registers, in config order.
    pub endpoints: Vec<Endpoint>,
    /// `extra_config.router`.
    pub router: RouterOptions,
    /// Outbound client options.
    pub client: ClientOptions,
    /// Inbound server options.
    pub server: ServerOptions,
    /// The identification header's value, `None` when hidden.
    pub version_header: Option<String>,
    /// The identification header's name (`X-KrakenD`, as KrakenD sends it).
    pub version_header_name: String,
    /// The `User-Agent` sent to backends (KrakenD's shape:
    /// `KrakenD Version gwc-<version>`).
    pub user_agent: String,
    /// `security/bot-detector` at the service level.
    pub bot_detector: Option<security::BotDetector>,
    /// `security/cors` (service level only, as CE reads it).
    pub cors: Option<security::Cors>,
    /// `security/http`.
    pub http_security: Option<security::HttpSecurity>,
    /// `telemetry/logging` (lura's basic logger when absent).
    pub logging: telemetry::Logging,
    /// `telemetry/opentelemetry` (its Prometheus exporters).
    pub otel: Option<telemetry::Otel>,
    /// `telemetry/gelf`.
    pub gelf: Option<telemetry::Gelf>,
    /// `telemetry/metrics` (the `/__stats` collector).
    pub stats: Option<telemetry::Stats>,
}

/// HTTP methods (`spec::Method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// HEAD
    Head,
    /// OPTIONS
    Options,
    /// CONNECT
    Connect,
    /// TRACE
    Trace,
}

impl Method {
    /// The method for an upper-cased name.
    pub fn from_upper(name: &str) -> Option<Method> {
        Some(match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            "CONNECT" => Method::Connect,
            "TRACE" => Method::Trace,
            _ => return None,
        })
    }

    /// Whether KrakenD registers endpoints with this method (the others
    /// are dropped by the router).
    pub fn is_endpoint_method(self) -> bool {
        matches!(
            self,
            Method::Get | Method::Post | Method::Put | Method::Patch | Method::Delete
        )
    }
}

/// `extra_config.router` (`spec::RouterOptions`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RouterOptions {
    /// The health path, `None` when disabled.
    pub health_path: Option<String>,
    /// `return_error_msg`.
    pub return_error_msg: bool,
    /// `auto_options`.
    pub auto_options: bool,
    /// `disable_handle_method_not_allowed`.
    pub disable_method_not_allowed: bool,
    /// `disable_access_log`.
    pub disable_access_log: bool,
    /// `disable_redirect_trailing_slash`.
    pub disable_redirect_trailing_slash: bool,
    /// `disable_redirect_fixed_path`.
    pub disable_redirect_fixed_path: bool,
    /// `error_body."404"`.
    pub error_body_404: Option<Value>,
    /// `error_body."405"`.
    pub error_body_405: Option<Value>,
    /// gin's `ClientIP()` settings.
    pub client_ip: ClientIpOptions,
    /// `remove_extra_slash`.
    pub remove_extra_slash: bool,
    /// `disable_path_decoding`.
    pub disable_path_decoding: bool,
    /// `logger_skip_paths`.
    pub logger_skip_paths: Vec<String>,
    /// The root's `debug_endpoint`.
    pub debug_endpoint: bool,
    /// The root's `echo_endpoint`.
    pub echo_endpoint: bool,
}

/// gin's `ClientIP()` settings as lura sets them (`spec::ClientIpOptions`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClientIpOptions {
    /// `forwarded_by_client_ip` (on unless written false).
    pub forwarded_by_client_ip: bool,
    /// `remote_ip_headers`, lower-cased (gin's two when none is written).
    pub remote_ip_headers: Vec<String>,
    /// `trusted_proxies` as gin keeps them (every address when none is
    /// written; the entries before the first bad one otherwise).
    pub trusted_proxies: Vec<TrustedNet>,
}

impl Default for ClientIpOptions {
    /// gin's defaults, which lura keeps when `router` does not set them.
    fn default() -> Self {
        ClientIpOptions {
            forwarded_by_client_ip: true,
            remote_ip_headers: vec!["x-forwarded-for".into(), "x-real-ip".into()],
            trusted_proxies: TrustedNet::EVERYONE.to_vec(),
        }
    }
}

/// Root client keys (`spec::ClientOptions`), durations in ms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// `max_idle_connections_per_host` (250).
    pub max_idle_connections_per_host: u32,
    /// `idle_connection_timeout` (0: none).
    pub idle_connection_timeout_ms: u64,
    /// `dialer_timeout` (0: none).
    pub dialer_timeout_ms: u64,
    /// `dialer_keep_alive` (15 s).
    pub dialer_keep_alive_ms: u64,
    /// `response_header_timeout` (0: none).
    pub response_header_timeout_ms: u64,
    /// `disable_compression`.
    pub disable_compression: bool,
    /// `disable_keep_alives`.
    pub disable_keep_alives: bool,
    /// `client_tls`.
    pub tls: Option<pool::TlsOptions>,
}

/// Root server keys (`spec::ServerOptions`), durations in ms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerOptions {
    /// `read_header_timeout` (0: none).
    pub read_header_timeout_ms: u64,
    /// `idle_timeout` (0: none).
    pub idle_timeout_ms: u64,
    /// `max_header_bytes` (Go's default, 1 MiB, when unset).
    pub max_header_bytes: u32,
    /// `max_shutdown_wait_time` (0: the runtime's default).
    pub max_shutdown_wait_ms: u64,
    /// `use_h2c`.
    pub use_h2c: bool,
    /// `gwc/server.max_connections` (0: the runtime's default).
    pub max_connections: u32,
    /// `gwc/server.max_request_body` (0: the runtime's default).
    pub max_request_body: u64,
    /// `gwc/server.send_timeout` (0: the runtime's default).
    pub send_timeout_ms: u64,
    /// `read_timeout` (0: none).
    pub read_timeout_ms: u64,
    /// `write_timeout` (0: none).
    pub write_timeout_ms: u64,
    /// `gwc/server.max_buffered_responses` (0: the runtime's default).
    pub max_buffered_responses: u64,
}

/// One route segment (`spec::Segment`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Literal text.
    Static(String),
    /// A whole-segment `{name}`.
    Param(String),
    /// Text around a parameter in one segment (`disable_rest` only).
    Affixed {
        /// Text before the parameter.
        prefix: String,
        /// The parameter.
        name: String,
        /// Text after it.
        suffix: String,
    },
}

/// One endpoint (`spec::Endpoint`).
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// The method.
    pub method: Method,
    /// The path as written.
    pub path: String,
    /// The route gin registers, split into segments (`path.Join`: `//`
    /// collapsed, `.` and `..` resolved; a trailing `Static("")` marks a
    /// trailing slash).
    pub segments: Vec<Segment>,
    /// Variable names in segment order.
    pub params: Vec<String>,
    /// Timeout in ms.
    pub timeout_ms: u64,
    /// `cache_ttl` in whole seconds, when non-zero.
    pub cache_ttl_s: Option<u64>,
    /// Output encoding.
    pub output: OutputEncoding,
    /// `concurrent_calls` (≥ 1).
    pub concurrent_calls: u8,
    /// Client headers sent on.
    pub input_headers: Forward,
    /// Query parameters sent on.
    pub input_query_strings: Forward,
    /// The backends, shadow ones included.
    pub backends: Vec<Backend>,
    /// Backends run in order.
    pub sequential: bool,
    /// `sequential_propagated_params`.
    pub propagated_params: Vec<String>,
    /// Endpoint-level flatmap (empty unless there are several regular
    /// backends, as KrakenD applies it).
    pub flatmap: Vec<FlatmapOp>,
    /// `proxy.static`.
    pub static_data: Option<StaticData>,
    /// `security/bot-detector` at the endpoint level.
    pub bot_detector: Option<security::BotDetector>,
    /// `qos/ratelimit/router` (`None` when neither limit is on).
    pub rate_limit: Option<traffic::RateLimit>,
    /// `validation/json-schema`: the schema's JSON text (`None` when
    /// absent or when it does not compile).
    pub json_schema: Option<String>,
    /// `validation/cel` (endpoint level: the proxy layer's lists and the
    /// JWT rejecter's), `None` when no list runs anything.
    pub cel: Option<validation::Cel>,
    /// `auth/validator`.
    pub jwt: Option<security::Validator>,
    /// `auth/signer`.
    pub signer: Option<security::Signer>,
}

/// A header or query allowlist (`spec::Forward`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Forward {
    /// KrakenD's default (headers: `Content-Type`; query: none).
    Default,
    /// `*`: everything.
    All,
    /// These names.
    Only(Vec<String>),
}

/// Endpoint output encodings (`spec::OutputEncoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputEncoding {
    /// `json`.
    Json,
    /// `json-collection`.
    JsonCollection,
    /// `string`.
    String,
    /// `xml`.
    Xml,
    /// `yaml`.
    Yaml,
    /// `negotiate`.
    Negotiate,
    /// `no-op`.
    NoOp,
}

/// Backend decoders (`spec::Encoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// `json`.
    Json,
    /// `safejson`.
    SafeJson,
    /// `string`.
    String,
    /// `xml`.
    Xml,
    /// `rss`.
    Rss,
    /// `no-op`.
    NoOp,
}

/// One piece of a `url_pattern` (`spec::UrlPiece`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlPiece {
    /// Literal text.
    Literal(String),
    /// The endpoint parameter with this index in [`Endpoint::params`].
    Param(u16),
    /// A field of an earlier backend's response (sequential).
    Response {
        /// The backend N of `{respN_…}`, counting regular (non-shadow)
        /// backends, as KrakenD numbers the chain.
        backend: u16,
        /// The dot path, split.
        path: Vec<String>,
    },
    /// `{JWT.claim}`, in an endpoint with `auth/validator`: the claim.
    Jwt(String),
}

/// One backend (`spec::Backend`).
#[derive(Clone, Debug, PartialEq)]
pub struct Backend {
    /// Sanitised host URLs.
    pub hosts: Vec<String>,
    /// The `url_pattern`, split.
    pub url: Vec<UrlPiece>,
    /// Whether `url` has a `?`.
    pub url_has_query: bool,
    /// The method sent.
    pub method: Method,
    /// The decoder.
    pub encoding: Encoding,
    /// `is_collection`.
    pub is_collection: bool,
    /// `target`, split.
    pub target: Vec<String>,
    /// `allow` paths, split.
    pub allow: Vec<Vec<String>>,
    /// `deny` paths, split (empty when `allow` is set).
    pub deny: Vec<Vec<String>>,
    /// `mapping` (from, to), the new name cut at its first `.`.
    pub mapping: Vec<(String, String)>,
    /// `group`.
    pub group: Option<String>,
    /// Backend flatmap (when set, `allow`/`deny`/`mapping` are empty).
    pub flatmap: Vec<FlatmapOp>,
    /// Backend header allowlist, canonicalised.
    pub input_headers: Option<Vec<String>>,
    /// Backend query allowlist.
    pub input_query_strings: Option<Vec<String>>,
    /// `proxy.shadow`.
    pub shadow: bool,
    /// `backend/http.return_error_code`.
    pub return_error_code: bool,
    /// `backend/http.return_error_details`.
    pub return_error_details: Option<String>,
    /// `qos/circuit-breaker`.
    pub circuit_breaker: Option<CircuitBreaker>,
    /// `qos/ratelimit/proxy`: the backend's bucket (`None` when off).
    pub rate_limit: Option<traffic::ratelimit_router::TokenBucket>,
    /// `modifier/martian`, `None` when absent or when nothing runs.
    pub martian: Option<modifier::Martian>,
    /// `qos/http-cache`.
    pub http_cache: Option<traffic::HttpCache>,
    /// `validation/cel` (backend level), `None` when no list runs anything.
    pub cel: Option<validation::Cel>,
    /// The `gwc/*` pool policy, `None` for KrakenD's balancing.
    pub lb: Option<pool::PoolPolicy>,
}

/// `qos/circuit-breaker` (`spec::CircuitBreaker`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CircuitBreaker {
    /// Window in seconds.
    pub interval_s: u64,
    /// Seconds open.
    pub timeout_s: u64,
    /// Consecutive errors that open it.
    pub max_errors: u32,
    /// Log state changes.
    pub log_status_change: bool,
}

/// A flatmap operation (`spec::FlatmapOp`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlatmapOp {
    /// Move `from` to `to`.
    Move {
        /// Source path.
        from: Vec<String>,
        /// Destination path.
        to: Vec<String>,
    },
    /// Append `from` to `to`.
    Append {
        /// Source path.
        from: Vec<String>,
        /// Destination path.
        to: Vec<String>,
    },
    /// Delete `path`.
    Del {
        /// The path.
        path: Vec<String>,
    },
}

/// `proxy.static` (`spec::StaticData`).
#[derive(Clone, Debug, PartialEq)]
pub struct StaticData {
    /// When to merge it.
    pub strategy: StaticStrategy,
    /// The data.
    pub data: Value,
}

/// `proxy.static.strategy` (`spec::StaticStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaticStrategy {
    /// `always` (also what KrakenD does with an unknown strategy).
    Always,
    /// `success`.
    Success,
    /// `complete`.
    Complete,
    /// `errored`.
    Errored,
    /// `incomplete`.
    Incomplete,
}

/// A JSON value (`spec::Value`).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// null
    Null,
    /// true/false
    Bool(bool),
    /// A number as written.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, in source order, one entry per key (the last one wins,
    /// as in Go's decoder).
    Object(Vec<(String, Value)>),
}

/// Whether the runtime can call a (sanitised) backend host: `http://` or
/// `https://`. A verbatim host with another scheme (`ws://`, `amqp://`, with
/// `disable_host_sanitize`) is GW904.
pub fn is_callable_host(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// Plans a checked config.
///
/// An endpoint with a backend host gwc cannot call (GW904, which `gwc
/// build` only lets through when the user accepted it) is left out of the
/// gateway: its route answers 404 instead of the whole gateway failing.
pub fn plan(config: &Config<'_>, options: &PlanOptions) -> Result<Plan, PlanError> {
    let root = options::root(config)?;
    let endpoints = config
        .endpoints
        .iter()
        .map(|ep| endpoint::endpoint(config, ep, &root))
        .filter(|ep| {
            ep.as_ref().map_or(true, |ep| {
                ep.backends
                    .iter()
                    .all(|b| b.hosts.iter().all(|h| is_callable_host(h)))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let router = options::router(config);
    let hidden = config
        .extra
        .router
        .as_ref()
        .is_some_and(|r| r.hide_version_header);
    // krakend-ce's LoggerBuilder: the GELF writer, then the logstash logger
    // around gologging's (krakend-components §2.2).
    let gelf = config.extra.gelf.as_ref().and_then(telemetry::gelf::plan);
    let mut logging = telemetry::logging::plan(config.extra.logging.as_ref());
    if config.extra.logstash.is_some() {
        telemetry::logstash::apply(&mut logging, config.extra.logging.as_ref());
    }
    if gelf.is_some() {
        telemetry::gelf::apply(&mut logging);
    }
    let otel = config.extra.otel.as_ref().map(|o| {
        let mut p = telemetry::opentelemetry::plan(o, &root.name);
        // A backend's own `backend` layer replaces the service's (CE's
        // `mergedBackendOpts`).
        for ep in &config.endpoints {
            let Some(path) = &ep.path else { continue };
            // An endpoint's own `proxy` replaces `layers.proxy` (CE's
            // `EndpointPipeOpts`).
            if let Some(l) = ep
                .extra
                .otel
                .as_ref()
                .and_then(|o| o.proxy_override.as_ref())
            {
                p.proxy_overrides.push((
                    path.value.clone(),
                    ep.method_upper(),
                    telemetry::opentelemetry::proxy(Some(l)),
                ));
            }
            for (i, b) in ep.backends.iter().enumerate() {
                if let Some(l) = b
                    .extra
                    .otel
                    .as_ref()
                    .and_then(|o| o.backend_override.as_ref())
                {
                    p.backend_overrides.push((
                        path.value.clone(),
                        ep.method_upper(),
                        i,
                        telemetry::opentelemetry::backend(Some(l)),
                    ));
                }
            }
        }
        p
    });
    Ok(Plan {
        name: root.name,
        port: root.port,
        listen_ip: root.listen_ip,
        endpoints,
        router,
        client: options::client(config),
        server: options::server(config),
        version_header: (!hidden).then(|| format!("Version gwc-{}", options.version)),
        version_header_name: VERSION_HEADER_NAME.to_string(),
        user_agent: format!("KrakenD Version gwc-{}", options.version),
        bot_detector: config
            .extra
            .bot_detector
            .as_ref()
            .map(security::bot_detector::plan),
        cors: config.extra.cors.as_ref().map(security::cors::plan),
        http_security: config
            .extra
            .http_security
            .as_ref()
            .map(security::http::plan),
        logging,
        otel,
        gelf,
        stats: config.extra.metrics.as_ref().map(telemetry::metrics::plan),
    })
}

impl Plan {
    /// The `gw-runtime` cargo features the gateway needs: one per component
    /// with a heavy dependency that the config uses, so a gateway links
    /// only what it runs.
    pub fn runtime_features(&self) -> Vec<&'static str> {
        let mut features = Vec::new();
        if let Some(o) = &self.otel {
            features.push(if o.otlp.is_empty() { "otel" } else { "otlp" });
        }
        if self.gelf.is_some() {
            features.push("gelf");
        }
        if self.stats.is_some() {
            features.push("stats");
        }
        if self.bot_detector.is_some() || self.endpoints.iter().any(|e| e.bot_detector.is_some()) {
            features.push("bot-detector");
        }
        if let Some(security::HttpSecurity {
            allowed_hosts: security::http::AllowedHosts::Patterns(_),
            ..
        }) = self.http_security
        {
            features.push("security-http");
        }
        if self
            .endpoints
            .iter()
            .any(|e| e.jwt.is_some() || e.signer.is_some())
        {
            features.push("jwt");
        }
        if self.endpoints.iter().any(|e| e.json_schema.is_some()) {
            features.push("json-schema");
        }
        if self
            .endpoints
            .iter()
            .any(|e| e.cel.is_some() || e.backends.iter().any(|b| b.cel.is_some()))
        {
            features.push("cel");
        }
        // The regex filters need `regex`; the other modifiers nothing.
        if self
            .endpoints
            .iter()
            .flat_map(|e| &e.backends)
            .any(|b| b.martian.as_ref().is_some_and(|m| !m.regexes.is_empty()))
        {
            features.push("martian");
        }
        if self
            .endpoints
            .iter()
            .flat_map(|e| &e.backends)
            .any(|b| b.http_cache.is_some())
        {
            features.push("http-cache");
        }
        features
    }
}
