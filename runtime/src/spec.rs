//! The gateway description: what `gwc build` compiles a config into.
//!
//! The generated crate holds one `static GATEWAY: Gateway` made only of
//! these types: plain data (`&'static` strings and slices, integers, enums),
//! every default already applied and every string already parsed by the
//! compiler's `plan`. The runtime never reads a config, never parses a
//! `url_pattern` or a duration, never evaluates a template: it walks these
//! tables. Keep every type here `const`-constructible, with public fields,
//! so codegen can emit literals.
//!
//! Invariants the compiler guarantees (and the runtime may rely on):
//! - the config linted without errors;
//! - `Endpoint::segments` has no two routes that gin would reject together;
//! - every `UrlPiece::Param` names a variable of its endpoint, every
//!   `UrlPiece::Response` an earlier backend of a sequential endpoint;
//! - host URLs are sanitised as KrakenD does (`http://` added, trailing `/`
//!   dropped) and each backend has at least one host.

pub use crate::modifier::martian::{Condition, Martian, Modifier, PortChange};
pub use crate::security::bots::BotDetector;
pub use crate::security::cors::Cors;
pub use crate::security::headers::{AllowedHosts, HttpSecurity};
pub use crate::security::jwt::{
    ClaimHeader, JwkRemote, JwkSource, JwtAlg, JwtValidator, KeyIdStrategy,
};
pub use crate::security::signer::JwtSigner;
pub use crate::telemetry::logging::{
    Format as LogFormat, Level as LogLevel, Logging, Syslog, TimePart, Verb as LogVerb,
};
pub use crate::traffic::http_cache::HttpCache;
pub use crate::traffic::ratelimit::{ClientKey, ClientLimit, RateLimit, TokenBucket};
pub use crate::validation::cel::Cel;
pub use crate::validation::json_schema::JsonSchema;

/// The whole gateway.
#[derive(Debug)]
pub struct Gateway {
    /// `name` from the config (logs, the version header's product name).
    pub name: &'static str,
    /// Default listen port (`port`, 8080 when absent).
    pub port: u16,
    /// `listen_ip`, when set.
    pub listen_ip: Option<&'static str>,
    /// The endpoints, in config order (this order breaks no ties: routes are
    /// unambiguous, see the invariants).
    pub endpoints: &'static [Endpoint],
    /// Router behaviour (`extra_config.router`).
    pub router: RouterOptions,
    /// Outbound HTTP client defaults (root keys).
    pub client: ClientOptions,
    /// Inbound HTTP server options (root keys).
    pub server: ServerOptions,
    /// The value of the identification header (`X-KrakenD`-style), `None`
    /// when hidden (`router.hide_version_header`).
    pub version_header: Option<&'static str>,
    /// The identification header's name (`X-KrakenD` as KrakenD sends it).
    pub version_header_name: &'static str,
    /// The `User-Agent` sent to backends when the client's is not forwarded
    /// (KrakenD: `KrakenD Version 2.x`); with a forwarded `User-Agent` it goes
    /// in `X-Forwarded-Via` instead.
    pub user_agent: &'static str,
    /// `security/bot-detector` at the service level (every route but the
    /// health path and redirects).
    pub bot_detector: Option<&'static BotDetector>,
    /// `security/cors` (service level: every answer, every path).
    pub cors: Option<&'static Cors>,
    /// `security/http` (every route but the health path and redirects).
    pub http_security: Option<&'static HttpSecurity>,
    /// `telemetry/logging` (lura's basic logger when absent).
    pub logging: Logging,
    /// `telemetry/opentelemetry` (its Prometheus exporters).
    pub otel: Option<&'static Otel>,
    /// `telemetry/gelf`: the access log and the application records sent
    /// to a Graylog input.
    pub gelf: Option<&'static Gelf>,
    /// `telemetry/metrics` (its legacy name too): the `/__stats` collector.
    pub stats: Option<&'static Stats>,
}

/// `telemetry/metrics` (krakend-components §5), CE's defaults applied.
#[derive(Debug)]
pub struct Stats {
    /// `listen_address` as a bindable `HOST:PORT` (CE's `:8090`: every
    /// interface).
    pub listen: &'static str,
    /// `collection_time` in milliseconds (CE's default 1 minute): how often
    /// the collector closes a window (histograms, `connected`).
    pub collection_ms: u64,
    /// `router_disabled`.
    pub router_disabled: bool,
    /// `proxy_disabled`.
    pub proxy_disabled: bool,
    /// `backend_disabled`.
    pub backend_disabled: bool,
    /// `endpoint_disabled`: no `/__stats` listener.
    pub endpoint_disabled: bool,
}

/// `telemetry/gelf` (krakend-components §2.2): where the GELF writer sends
/// (the runtime's writer is compiled with the `gelf` feature).
#[derive(Debug)]
pub struct Gelf {
    /// `address` (`host:port`).
    pub address: &'static str,
    /// `enable_tcp`.
    pub tcp: bool,
}

/// `telemetry/opentelemetry` (krakend-components §8).
#[derive(Debug)]
pub struct Otel {
    /// `exporters.prometheus[]`, in config order.
    pub prometheus: &'static [PrometheusExporter],
    /// `exporters.otlp[]`, in config order.
    pub otlp: &'static [OtlpExporter],
    /// `service_name` (CE: the root `name`, else `KrakenD`).
    pub service_name: &'static str,
    /// `service_version` ("" = the runtime's version).
    pub service_version: &'static str,
    /// `deploy_env` ("" = none).
    pub deploy_env: &'static str,
    /// `trace_sample_rate` (CE's default 1).
    pub trace_sample_rate: f64,
    /// `metric_reporting_period`, in seconds (CE's default 30).
    pub metric_reporting_period_s: u64,
    /// `skip_paths` (CE's defaults applied): requests on these raw paths
    /// get no server span and no `http_server_duration`; endpoints whose
    /// gin route is listed get no backend metrics and no client spans.
    pub skip_paths: &'static [&'static str],
    /// `layers.global`.
    pub global: OtelGlobal,
    /// `layers.backend` (CE's defaults applied).
    pub backend: OtelBackend,
    /// Backends with their own layer: (endpoint path, endpoint method,
    /// backend index, layer).
    pub backend_overrides: &'static [(&'static str, &'static str, usize, OtelBackend)],
    /// `layers.proxy`.
    pub proxy: OtelProxy,
    /// Endpoints with their own layer: (endpoint path, endpoint method,
    /// layer).
    pub proxy_overrides: &'static [(&'static str, &'static str, OtelProxy)],
}

/// `telemetry/opentelemetry`'s proxy layer (CE's `PipeOpts`).
#[derive(Debug, Clone, Copy)]
pub struct OtelProxy {
    /// `krakend_proxy_duration`.
    pub metrics: bool,
    /// `metrics_static_attributes`.
    pub metric_attrs: &'static [OtelAttr],
}

/// `telemetry/opentelemetry`'s `layers.global`.
#[derive(Debug, Clone, Copy)]
pub struct OtelGlobal {
    /// `http_server_duration` is recorded.
    pub metrics: bool,
    /// The server span is made.
    pub traces: bool,
    /// A client's `traceparent` is read.
    pub propagation: bool,
    /// `metrics_static_attributes`.
    pub metric_attrs: &'static [OtelAttr],
    /// `traces_static_attributes`.
    pub trace_attrs: &'static [OtelAttr],
}

/// `telemetry/opentelemetry`'s backend layer.
#[derive(Debug, Clone, Copy)]
pub struct OtelBackend {
    /// `krakend_backend_duration`.
    pub stage_metrics: bool,
    /// `http_client_request_*`.
    pub round_trip_metrics: bool,
    /// The client span and its `traceparent`.
    pub traces: bool,
    /// `metrics.static_attributes`.
    pub metric_attrs: &'static [OtelAttr],
    /// `traces.static_attributes`.
    pub trace_attrs: &'static [OtelAttr],
}

impl OtelBackend {
    /// CE's defaults: everything on, no attributes.
    pub const DEFAULT: OtelBackend = OtelBackend {
        stage_metrics: true,
        round_trip_metrics: true,
        traces: true,
        metric_attrs: &[],
        trace_attrs: &[],
    };
}

/// A static attribute.
#[derive(Debug, Clone, Copy)]
pub struct OtelAttr {
    /// The OpenTelemetry key.
    pub key: &'static str,
    /// Its Prometheus label name.
    pub label: &'static str,
    /// The value.
    pub value: &'static str,
}

impl Otel {
    /// No exporter; CE's defaults.
    pub const DEFAULT: Otel = Otel {
        prometheus: &[],
        otlp: &[],
        service_name: "KrakenD",
        service_version: "",
        deploy_env: "",
        trace_sample_rate: 1.0,
        metric_reporting_period_s: 30,
        skip_paths: &["/__health", "/__debug/", "/__echo/", "/__stats/"],
        global: OtelGlobal {
            metrics: true,
            traces: true,
            propagation: true,
            metric_attrs: &[],
            trace_attrs: &[],
        },
        backend: OtelBackend::DEFAULT,
        backend_overrides: &[],
        proxy: OtelProxy {
            metrics: true,
            metric_attrs: &[],
        },
        proxy_overrides: &[],
    };
}

/// One `exporters.otlp[]` entry: a collector traces and metrics are pushed to.
#[derive(Debug, Clone, Copy)]
pub struct OtlpExporter {
    /// `name`.
    pub name: &'static str,
    /// `host` as written (`""` is `localhost`; `http://` may lead).
    pub host: &'static str,
    /// `port` (0: CE's 4317, with or without `use_http`).
    pub port: u16,
    /// `use_http`: OTLP/HTTP with protobuf bodies (else gRPC).
    pub use_http: bool,
    /// `disable_metrics`.
    pub disable_metrics: bool,
    /// `disable_traces`.
    pub disable_traces: bool,
    /// `custom_metric_reporting_period` in seconds (0: the service's).
    pub metric_reporting_period_s: u64,
}

/// One `exporters.prometheus[]` entry: a listener serving `GET /metrics`.
#[derive(Debug)]
pub struct PrometheusExporter {
    /// `name`.
    pub name: &'static str,
    /// `host:port` (`port` 0 in the config is CE's 9090; `host` "" is every
    /// interface).
    pub listen: &'static str,
}

impl Gateway {
    /// A gateway without endpoints on KrakenD's port 8080 (every
    /// interface), with the default router, client and server options and
    /// gwc's identification header and user agent; tests, examples and the
    /// demo binary start from it (generated code writes every field).
    pub const DEFAULT: Gateway = Gateway {
        name: "",
        port: 8080,
        listen_ip: None,
        endpoints: &[],
        router: RouterOptions::DEFAULT,
        client: ClientOptions::DEFAULT,
        server: ServerOptions::DEFAULT,
        version_header: Some("Version gwc"),
        version_header_name: "X-KrakenD",
        user_agent: "KrakenD Version gwc",
        bot_detector: None,
        cors: None,
        http_security: None,
        logging: Logging::BASIC,
        otel: None,
        gelf: None,
        stats: None,
    };
}

/// HTTP methods the gateway serves or sends.
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
    /// HEAD (backends only)
    Head,
    /// OPTIONS (backends only; the router answers OPTIONS with `auto_options`)
    Options,
    /// CONNECT (backends only)
    Connect,
    /// TRACE (backends only)
    Trace,
}

/// `extra_config.router`.
#[derive(Clone, Copy, Debug)]
pub struct RouterOptions {
    /// The health path (`/__health` by default), `None` when disabled.
    pub health_path: Option<&'static str>,
    /// `return_error_msg`: error bodies carry the error text.
    pub return_error_msg: bool,
    /// `auto_options`: answer OPTIONS on every path with the allowed methods.
    pub auto_options: bool,
    /// `disable_handle_method_not_allowed`: 404 instead of 405.
    pub disable_method_not_allowed: bool,
    /// `disable_access_log`.
    pub disable_access_log: bool,
    /// `disable_redirect_trailing_slash` (redirect `/a/` ↔ `/a` when only one exists).
    pub disable_redirect_trailing_slash: bool,
    /// `disable_redirect_fixed_path` (redirect a path that matches a route
    /// only once cleaned or ignoring case, `/StAtic` → `/static`).
    pub disable_redirect_fixed_path: bool,
    /// `router.error_body` for 404, as a JSON document, when set.
    pub error_body_404: Option<&'static Value>,
    /// `router.error_body` for 405, when set.
    pub error_body_405: Option<&'static Value>,
    /// How the client's IP is found (`forwarded_by_client_ip`,
    /// `remote_ip_headers`, `trusted_proxies`).
    pub client_ip: ClientIpOptions,
    /// `remove_extra_slash`: routes are looked up on the cleaned path
    /// (`//`, `/./`, `/../` resolved).
    pub remove_extra_slash: bool,
    /// `disable_path_decoding`: no check of the path parameters (lura's
    /// `paramChecker`, which answers 400 to an encoded one).
    pub disable_path_decoding: bool,
    /// `logger_skip_paths`: request paths (decoded) the access log skips.
    pub logger_skip_paths: &'static [&'static str],
    /// The root's `debug_endpoint`: KrakenD's `/__debug/` answer.
    pub debug_endpoint: bool,
    /// The root's `echo_endpoint`: KrakenD's `/__echo/` answer.
    pub echo_endpoint: bool,
}

impl RouterOptions {
    /// KrakenD's router defaults: health check at `/__health`, access log on,
    /// everything else off. Hand-written descriptions (tests, examples) start
    /// from this with struct update syntax.
    pub const DEFAULT: RouterOptions = RouterOptions {
        health_path: Some("/__health"),
        return_error_msg: false,
        auto_options: false,
        disable_method_not_allowed: false,
        disable_access_log: false,
        disable_redirect_trailing_slash: false,
        disable_redirect_fixed_path: false,
        error_body_404: None,
        error_body_405: None,
        client_ip: ClientIpOptions::DEFAULT,
        remove_extra_slash: false,
        disable_path_decoding: false,
        logger_skip_paths: &[],
        debug_endpoint: false,
        echo_endpoint: false,
    };
}

/// gin's `ClientIP()` settings as lura sets them from `router`
/// ([`crate::client_ip`]).
#[derive(Clone, Copy, Debug)]
pub struct ClientIpOptions {
    /// `forwarded_by_client_ip` (gin's default: on).
    pub forwarded_by_client_ip: bool,
    /// `remote_ip_headers`, lower-cased, in order (gin's default:
    /// `X-Forwarded-For`, `X-Real-IP`).
    pub remote_ip_headers: &'static [&'static str],
    /// `trusted_proxies` as gin keeps them (every address by default).
    pub trusted_proxies: &'static [TrustedNet],
}

impl ClientIpOptions {
    /// gin's defaults, which lura keeps when `router` does not set them:
    /// the headers are believed from any peer.
    pub const DEFAULT: ClientIpOptions = ClientIpOptions {
        forwarded_by_client_ip: true,
        remote_ip_headers: &["x-forwarded-for", "x-real-ip"],
        trusted_proxies: &[
            TrustedNet::V4 { net: 0, mask: 0 },
            TrustedNet::V6 { net: 0, mask: 0 },
        ],
    };
}

/// One trusted network, as Go's `IPNet.Contains` compares it: an IPv4
/// address (IPv4-mapped ones included) against the IPv4 networks only, any
/// other against the IPv6 ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustedNet {
    /// An IPv4 network: `addr & mask == net`.
    V4 {
        /// The network number.
        net: u32,
        /// The mask.
        mask: u32,
    },
    /// An IPv6 network: `addr & mask == net`.
    V6 {
        /// The network number.
        net: u128,
        /// The mask.
        mask: u128,
    },
}

/// Root client keys (lura's HTTP client defaults).
#[derive(Clone, Copy, Debug)]
pub struct ClientOptions {
    /// `max_idle_connections_per_host` (250).
    pub max_idle_connections_per_host: u32,
    /// `idle_connection_timeout` in ms (0: none).
    pub idle_connection_timeout_ms: u64,
    /// `dialer_timeout` in ms (0: none).
    pub dialer_timeout_ms: u64,
    /// `dialer_keep_alive` in ms (15 000).
    pub dialer_keep_alive_ms: u64,
    /// `response_header_timeout` in ms (0: none).
    pub response_header_timeout_ms: u64,
    /// `disable_compression`: do not send `Accept-Encoding: gzip`.
    pub disable_compression: bool,
    /// `disable_keep_alives`.
    pub disable_keep_alives: bool,
    /// `client_tls`: TLS towards the backends; `None`: system defaults
    /// (Mozilla's roots, TLS 1.2–1.3).
    pub tls: Option<&'static TlsOptions>,
}

impl ClientOptions {
    /// lura's client defaults (250 idle connections per host, 15 s keep-alive).
    pub const DEFAULT: ClientOptions = ClientOptions {
        max_idle_connections_per_host: 250,
        idle_connection_timeout_ms: 0,
        dialer_timeout_ms: 0,
        dialer_keep_alive_ms: 15_000,
        response_header_timeout_ms: 0,
        disable_compression: false,
        disable_keep_alives: false,
        tls: None,
    };
}

/// Root server keys.
#[derive(Clone, Copy, Debug)]
pub struct ServerOptions {
    /// `read_header_timeout` in ms (0: gwc's default,
    /// [`crate::limits::DEFAULT_HEADER_READ`]).
    pub read_header_timeout_ms: u64,
    /// `idle_timeout` in ms (0: gwc's default, [`crate::limits::DEFAULT_IDLE`]).
    pub idle_timeout_ms: u64,
    /// `max_header_bytes`.
    pub max_header_bytes: u32,
    /// `max_shutdown_wait_time` in ms: how long SIGTERM waits for in-flight
    /// requests (0: gwc's default bound).
    pub max_shutdown_wait_ms: u64,
    /// `use_h2c`: also serve HTTP/2 with prior knowledge.
    pub use_h2c: bool,
    /// `gwc/server.max_connections`: client connections one worker serves
    /// at once (0: [`crate::limits::DEFAULT_MAX_CONNECTIONS`]).
    pub max_connections: u32,
    /// `gwc/server.max_request_body`: the bytes of a request body an
    /// endpoint that reads it whole accepts (0:
    /// [`crate::limits::DEFAULT_MAX_REQUEST_BODY`]).
    pub max_request_body: u64,
    /// `gwc/server.send_timeout` in ms: how long a write to the client may
    /// make no progress (0: [`crate::limits::DEFAULT_SEND`]).
    pub send_timeout_ms: u64,
    /// `read_timeout` in ms: reads of a request (head, body and anything
    /// after) fail this long after it began (0: none).
    pub read_timeout_ms: u64,
    /// `write_timeout` in ms: writes fail this long after the request's
    /// head was read (0: none).
    pub write_timeout_ms: u64,
    /// `gwc/server.max_buffered_responses`: the bytes of backend bodies
    /// read whole the gateway holds at once, summed over every request (0:
    /// [`crate::limits::DEFAULT_MAX_BUFFERED_RESPONSES`]).
    pub max_buffered_responses: u64,
}

impl ServerOptions {
    /// gwc's default limits ([`crate::limits`]), hyper's header limit,
    /// gwc's default drain bound, HTTP/1.1 only.
    pub const DEFAULT: ServerOptions = ServerOptions {
        read_header_timeout_ms: 0,
        idle_timeout_ms: 0,
        max_header_bytes: 0,
        max_shutdown_wait_ms: 0,
        use_h2c: false,
        max_connections: 0,
        max_request_body: 0,
        send_timeout_ms: 0,
        read_timeout_ms: 0,
        write_timeout_ms: 0,
        max_buffered_responses: 0,
    };
}

/// One path segment of an endpoint, as the router matches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Literal text.
    Static(&'static str),
    /// A `{name}` filling the whole segment.
    Param(&'static str),
    /// Static text before and after a parameter in one segment (only with
    /// `disable_rest`): `file.{ext}` is `Affixed { prefix: "file.", name: "ext", suffix: "" }`.
    Affixed {
        /// Text before the parameter.
        prefix: &'static str,
        /// The parameter.
        name: &'static str,
        /// Text after it.
        suffix: &'static str,
    },
    /// A trailing `/*` (KrakenD EE wildcard): matches the rest of the path,
    /// at least one character. Only as the last segment.
    Wildcard,
}

/// One endpoint.
#[derive(Debug)]
pub struct Endpoint {
    /// The method.
    pub method: Method,
    /// The path as written (for logs and metrics labels).
    pub path: &'static str,
    /// The route, split, as gin registers it (`//` collapsed, `.` and `..`
    /// resolved). A trailing empty `Static("")` marks a trailing slash.
    pub segments: &'static [Segment],
    /// The variable names, in the order `Segment::Param`s (and
    /// `Segment::Affixed`s) appear (index i of a request's parameter values).
    /// A trailing `Segment::Wildcard` has no name here.
    pub params: &'static [&'static str],
    /// `timeout` in ms (root timeout, 2 s, when absent).
    pub timeout_ms: u64,
    /// `cache_ttl` in seconds, `Some` when non-zero (`Cache-Control:
    /// public, max-age=N` on complete responses).
    pub cache_ttl_s: Option<u64>,
    /// `output_encoding` (inherited from the root; json by default).
    pub output: OutputEncoding,
    /// `concurrent_calls` (≥ 1).
    pub concurrent_calls: u8,
    /// Which client headers go to the backends.
    pub input_headers: Forward,
    /// Which query parameters go to the backends.
    pub input_query_strings: Forward,
    /// The backends (shadow backends included; see `Backend::shadow`).
    pub backends: &'static [Backend],
    /// `proxy.sequential`.
    pub sequential: bool,
    /// `proxy.sequential_propagated_params` (resp0_x-style names).
    pub propagated_params: &'static [&'static str],
    /// Endpoint-level `proxy.flatmap_filter` (applied only with several
    /// backends, as KrakenD does; the compiler empties it otherwise).
    pub flatmap: &'static [FlatmapOp],
    /// `proxy.static`.
    pub static_data: Option<StaticData>,
    /// `security/bot-detector` at the endpoint level (runs after the
    /// service-level one, when both are set).
    pub bot_detector: Option<&'static BotDetector>,
    /// `qos/ratelimit/router`: the endpoint's and its clients' token
    /// buckets (429 per client, 503 for the endpoint).
    pub rate_limit: Option<&'static RateLimit>,
    /// `validation/json-schema`: the request body's schema (a 400 when
    /// the body does not match it).
    pub json_schema: Option<&'static JsonSchema>,
    /// `auth/validator`: the endpoint's JWT check.
    pub jwt: Option<&'static JwtValidator>,
    /// `auth/signer`: signs the response's listed objects (replaces the
    /// rate limit and the endpoint handler, as in CE).
    pub signer: Option<&'static JwtSigner>,
    /// `validation/cel` (endpoint level): the proxy layer's lists and the
    /// JWT rejecter's.
    pub cel: Option<&'static Cel>,
}

impl Endpoint {
    /// An endpoint as lura's defaults leave it, with an empty path and no
    /// backends: GET, KrakenD's 2 s timeout, json output, one call per
    /// backend, default allowlists. Hand-written gateways (tests,
    /// examples) start from it.
    pub const DEFAULT: Endpoint = Endpoint {
        method: Method::Get,
        path: "",
        segments: &[],
        params: &[],
        timeout_ms: 2000,
        cache_ttl_s: None,
        output: OutputEncoding::Json,
        concurrent_calls: 1,
        input_headers: Forward::Default,
        input_query_strings: Forward::Default,
        backends: &[],
        sequential: false,
        propagated_params: &[],
        flatmap: &[],
        static_data: None,
        bot_detector: None,
        rate_limit: None,
        json_schema: None,
        jwt: None,
        signer: None,
        cel: None,
    };
}

/// A client header/query allowlist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forward {
    /// KrakenD's default: headers → only `Content-Type`; query → none.
    Default,
    /// `["*"]`: everything.
    All,
    /// These names (headers canonicalised, e.g. `Content-Type`; query keys
    /// case-sensitive).
    Only(&'static [&'static str]),
}

/// Endpoint output encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputEncoding {
    /// `json`.
    Json,
    /// `json-collection`: the `collection` key as a top-level array.
    JsonCollection,
    /// `string`: the `content` key as text.
    String,
    /// `xml`.
    Xml,
    /// `yaml`.
    Yaml,
    /// `negotiate`: by `Accept`.
    Negotiate,
    /// `no-op`: the backend response passes through, streamed.
    NoOp,
}

/// Backend decoders.
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

/// One piece of a `url_pattern`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlPiece {
    /// Literal text (copied as written, including a `?query` part).
    Literal(&'static str),
    /// The endpoint parameter with this index in `Endpoint::params`;
    /// percent-encoded as one path segment (or as a query value after `?`).
    Param(u16),
    /// `{respN_a.b}`: a field of an earlier backend's response (sequential);
    /// arrays comma-joined.
    Response {
        /// The backend index N, counting the non-shadow backends in
        /// declaration order (KrakenD removes shadow backends from the
        /// chain before numbering `respN`).
        backend: u16,
        /// The dot path, split.
        path: &'static [&'static str],
    },
    /// The rest of the request path matched by the endpoint's trailing
    /// `Segment::Wildcard` (`a/b/c`), each segment percent-encoded again and
    /// `.`/`..` segments neutralised. The compiler places it where KrakenD EE
    /// puts the wildcard's remainder (after the pattern's path, before `?`).
    Wildcard,
    /// `{JWT.claim}`: the top-level claim of the endpoint's validated token,
    /// as CE formats it (`auth/validator`'s `Claims.Get`), percent-encoded
    /// like a parameter; a missing claim leaves `{{.JWT.claim}}`, as CE
    /// does (encoded). Only in endpoints with a validator.
    Jwt(&'static str),
}

/// One backend.
#[derive(Debug)]
pub struct Backend {
    /// The hosts (sanitised URLs: scheme, host, port; no trailing slash).
    pub hosts: &'static [&'static str],
    /// The `url_pattern`, split.
    pub url: &'static [UrlPiece],
    /// Whether `url` already has a `?` (extra query params are appended with `&`).
    pub url_has_query: bool,
    /// The method sent (the endpoint's unless set).
    pub method: Method,
    /// The decoder.
    pub encoding: Encoding,
    /// `is_collection`: the body is an array, wrapped as `{"collection": [...]}`.
    pub is_collection: bool,
    /// `target`, split on dots (empty: none).
    pub target: &'static [&'static str],
    /// `allow` dot paths, split (empty: none).
    pub allow: &'static [&'static [&'static str]],
    /// `deny` dot paths, split (ignored when `allow` is set: the compiler
    /// empties it).
    pub deny: &'static [&'static [&'static str]],
    /// `mapping` (top-level renames: from, to; `to` already cut at its first
    /// `.`, as KrakenD does).
    pub mapping: &'static [(&'static str, &'static str)],
    /// `group`.
    pub group: Option<&'static str>,
    /// Backend `proxy.flatmap_filter` (replaces allow/deny/mapping when set).
    pub flatmap: &'static [FlatmapOp],
    /// Backend-level header allowlist (narrows the endpoint's), `None` when unset.
    pub input_headers: Option<&'static [&'static str]>,
    /// Backend-level query allowlist, `None` when unset.
    pub input_query_strings: Option<&'static [&'static str]>,
    /// `proxy.shadow`: fire and forget, response ignored.
    pub shadow: bool,
    /// `backend/http.return_error_code`.
    pub return_error_code: bool,
    /// `backend/http.return_error_details`: the error key's name.
    pub return_error_details: Option<&'static str>,
    /// `qos/circuit-breaker`.
    pub circuit_breaker: Option<CircuitBreaker>,
    /// `qos/ratelimit/proxy`: one bucket for the backend entry, shared by
    /// its hosts and `concurrent_calls` ([`crate::traffic::ratelimit_proxy`]).
    pub rate_limit: Option<TokenBucket>,
    /// `modifier/martian`: request modifiers on each attempt's final
    /// request, response modifiers before the status check and decoder.
    pub martian: Option<&'static Martian>,
    /// `qos/http-cache`: the request executor's private HTTP cache, under
    /// martian and the decoder.
    pub http_cache: Option<HttpCache>,
    /// `validation/cel` (backend level): its lists around this backend.
    pub cel: Option<&'static Cel>,
    /// The `gwc/loadbalancer`, `gwc/healthcheck`, `gwc/failover` and
    /// `gwc/http-client` policies (research/lb-failover-health.md §7).
    /// `None` keeps KrakenD's behaviour: exact round robin over `hosts`
    /// from index 0 (duplicates act as weights), the root client options,
    /// no health checks, one attempt.
    pub lb: Option<&'static PoolPolicy>,
}

impl Backend {
    /// A backend as lura's defaults leave it, with no host and an empty
    /// `url_pattern`: GET, json, no manipulation, no allowlists, KrakenD's
    /// balancing. Hand-written gateways (tests, examples) start from it.
    pub const DEFAULT: Backend = Backend {
        hosts: &[],
        url: &[],
        url_has_query: false,
        method: Method::Get,
        encoding: Encoding::Json,
        is_collection: false,
        target: &[],
        allow: &[],
        deny: &[],
        mapping: &[],
        group: None,
        flatmap: &[],
        input_headers: None,
        input_query_strings: None,
        shadow: false,
        return_error_code: false,
        return_error_details: None,
        circuit_breaker: None,
        rate_limit: None,
        martian: None,
        http_cache: None,
        cel: None,
        lb: None,
    };
}

/// `qos/circuit-breaker`.
#[derive(Clone, Copy, Debug)]
pub struct CircuitBreaker {
    /// Window in seconds.
    pub interval_s: u64,
    /// Seconds the breaker stays open.
    pub timeout_s: u64,
    /// Consecutive errors that open it.
    pub max_errors: u32,
    /// Log state changes.
    pub log_status_change: bool,
}

/// A flatmap operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlatmapOp {
    /// Move (rename) `from` to `to`.
    Move {
        /// Source path (`*` for every array element).
        from: &'static [&'static str],
        /// Destination path.
        to: &'static [&'static str],
    },
    /// Append the array at `from` to the array at `to`.
    Append {
        /// Source path.
        from: &'static [&'static str],
        /// Destination path.
        to: &'static [&'static str],
    },
    /// Delete `path`.
    Del {
        /// The path.
        path: &'static [&'static str],
    },
}

/// `proxy.static`.
#[derive(Clone, Copy, Debug)]
pub struct StaticData {
    /// When to merge it.
    pub strategy: StaticStrategy,
    /// The data (an object).
    pub data: &'static Value,
}

/// `proxy.static.strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaticStrategy {
    /// Always.
    Always,
    /// When every backend succeeded.
    Success,
    /// When the response is complete.
    Complete,
    /// When some backend failed.
    Errored,
    /// When the response is incomplete.
    Incomplete,
}

/// A JSON value as static data (static proxy data, error bodies).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// null
    Null,
    /// true/false
    Bool(bool),
    /// A number, as written (kept textual so it round-trips exactly).
    Number(&'static str),
    /// A string.
    String(&'static str),
    /// An array.
    Array(&'static [Value]),
    /// An object, in source order.
    Object(&'static [(&'static str, Value)]),
}

// ---------------------------------------------------------------------------
// Load balancing, health checks, failover, per-host HTTP clients
// (research/lb-failover-health.md §7.3, §7.5). Every default of §7.3 is
// applied by the compiler; per-host `inherit` is resolved; durations are ms.
// ---------------------------------------------------------------------------

/// One backend's pool policy: `gwc/loadbalancer` + `gwc/healthcheck` +
/// `gwc/failover` + `gwc/http-client`, resolved.
///
/// Invariants the compiler guarantees: `hosts.len() == Backend::hosts.len()`
/// (index-aligned) and the host strings are distinct (LB-E5); at least one
/// host is a primary (LB-E4); every index in `schedule` is a primary and
/// every index in `backup_schedule` a backup.
#[derive(Debug, PartialEq)]
pub struct PoolPolicy {
    /// `algorithm`.
    pub algorithm: Algorithm,
    /// Per host, index-aligned with `Backend::hosts`.
    pub hosts: &'static [HostPolicy],
    /// `weighted_round_robin`: one period of the smooth weighted round-robin
    /// schedule (nginx SWRR over the weights divided by their gcd) over the
    /// primaries, as indices into `hosts`; e.g. A:9, B:1 is
    /// `[0,0,0,0,0,1,0,0,0,0]`. Empty for the other algorithms (round robin
    /// walks the primaries in declaration order).
    pub schedule: &'static [u16],
    /// The same schedule over the backups (used only when no primary is
    /// eligible); empty unless `weighted_round_robin`.
    pub backup_schedule: &'static [u16],
    /// `all_unhealthy`.
    pub all_unhealthy: AllUnhealthy,
    /// `gwc/healthcheck.passive`, `None` when absent (disabled).
    pub passive: Option<PassiveCheck>,
    /// `gwc/failover`, `None` when absent (one attempt).
    pub failover: Option<Failover>,
    /// Debug aids (§7.5.6): the `X-Gwc-Attempts` response header and the
    /// `X-Gwc-Attempt` upstream request header. Off in release builds.
    pub debug_headers: bool,
}

/// `gwc/loadbalancer.algorithm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Exact round robin over the eligible primaries, from index 0.
    RoundRobin,
    /// Uniform over the eligible primaries.
    Random,
    /// The compiled smooth schedule, skipping ineligible slots.
    WeightedRoundRobin,
    /// I.i.d. draw proportional to `weight` over the eligible primaries.
    WeightedRandom,
}

/// `gwc/loadbalancer.all_unhealthy`: what happens when no host is eligible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllUnhealthy {
    /// Fail at once without contacting a host (503 on no-op endpoints,
    /// with `X-Gwc-Upstream: none`).
    FailClosed,
    /// Ignore health (active and passive) and balance over every primary.
    FailOpen,
}

/// One host of a pool (`gwc/loadbalancer.hosts[url]`, resolved).
#[derive(Debug, PartialEq)]
pub struct HostPolicy {
    /// `name`: the label in metrics and `/upstreams` (the URL when unset).
    pub name: &'static str,
    /// `weight` (1..=1000; 1 when unset). Only the weighted algorithms use it.
    pub weight: u16,
    /// `backup`: the backup tier.
    pub backup: bool,
    /// The effective HTTP client options: per-host `http` merged over the
    /// backend-level `gwc/http-client` (`inherit: true`) or alone
    /// (`inherit: false`), then the root transport keys, then gwc defaults.
    pub http: HttpOptions,
    /// The effective active check for this host (the backend's
    /// `gwc/healthcheck.active` with the per-host `healthcheck` override
    /// applied); `None`: no active check applies (the host is always
    /// eligible as far as probes go).
    pub active: Option<&'static ActiveCheck>,
}

/// `gwc/http-client`, resolved for one host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    /// `version`.
    pub version: HttpVersion,
    /// `connect_timeout` (gwc default 5 s).
    pub connect_timeout_ms: u64,
    /// `idle_timeout`: how long an idle pooled connection is kept (60 s).
    pub idle_timeout_ms: u64,
    /// `keep_alive`: reuse connections (false: one connection per request).
    pub keep_alive: bool,
    /// `max_connections_per_host` (≥ 1; 100): HTTP/1 requests in flight to
    /// this host, hence connections; further requests wait for one to free.
    pub max_connections_per_host: u32,
    /// `follow_redirects`: follow 301/302/303/307/308 answers as Go's
    /// `http.Client` does (KrakenD's behaviour, the default); false: the
    /// 30x answer is the backend's response.
    pub follow_redirects: bool,
    /// `tls`, KrakenD's `client_tls` shape; `None`: system defaults
    /// (Mozilla's roots, TLS 1.2–1.3).
    pub tls: Option<&'static TlsOptions>,
    /// `max_response_bytes` (≥ 1; 64 MiB): the most of a response body a
    /// decoded (non no-op) backend reads, counted after gunzipping; past
    /// it the backend fails (502 alone) and its connection is closed.
    pub max_response_bytes: u64,
    /// `implementation`: which HTTP/1.1 client serves a plain `http://`
    /// host on `version: http/1.1` — the gateway's own (`gwc`, the
    /// default) or hyper's (the escape hatch). TLS hosts and h2/h2c/auto
    /// use hyper whatever it says.
    pub implementation: Implementation,
}

/// `gwc/http-client.implementation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implementation {
    /// The own HTTP/1.1 client (`runtime/src/http1`; strict framing).
    Gwc,
    /// hyper's HTTP/1.1 client (`lb/h1.rs`).
    Hyper,
}

impl HttpOptions {
    /// The default `max_response_bytes`: 64 MiB.
    pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 << 20;

    /// gwc's defaults (§7.3) when neither the config nor KrakenD's root
    /// transport keys say otherwise: HTTP/1.1, 5 s to connect, 60 s idle,
    /// keep-alive, 100 connections, redirects followed, default TLS.
    pub const DEFAULT: HttpOptions = HttpOptions {
        version: HttpVersion::Http1,
        connect_timeout_ms: 5000,
        idle_timeout_ms: 60_000,
        keep_alive: true,
        max_connections_per_host: 100,
        follow_redirects: true,
        tls: None,
        max_response_bytes: HttpOptions::DEFAULT_MAX_RESPONSE_BYTES,
        implementation: Implementation::Gwc,
    };
}

/// `gwc/http-client.version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpVersion {
    /// `http/1.1` (the default).
    Http1,
    /// `h2`: HTTP/2 over TLS (ALPN `h2` only).
    H2,
    /// `h2c`: HTTP/2 in clear text with prior knowledge.
    H2c,
    /// `auto`: ALPN chooses (`h2`, then `http/1.1`); HTTP/1.1 in clear text.
    Auto,
}

/// KrakenD's `client_tls` fields (`client_tls.json`).
#[derive(Debug, PartialEq, Eq)]
pub struct TlsOptions {
    /// `allow_insecure_connections`: accept any server certificate (no
    /// chain, name or expiry check). For tests and lab setups only.
    pub allow_insecure_connections: bool,
    /// `ca_certs`: PEM files whose certificates are trusted too (read once
    /// at start-up).
    pub ca_certs: &'static [&'static str],
    /// `client_certs`: PEM certificate chain and key for mutual TLS (the
    /// first pair is used).
    pub client_certs: &'static [ClientCert],
    /// `min_version`.
    pub min_version: TlsVersion,
    /// `max_version`.
    pub max_version: TlsVersion,
    /// `disable_system_ca_pool`: trust only `ca_certs`.
    pub disable_system_ca_pool: bool,
}

/// One `client_tls.client_certs` entry (file paths).
#[derive(Debug, PartialEq, Eq)]
pub struct ClientCert {
    /// The PEM certificate (chain) file.
    pub certificate: &'static str,
    /// The PEM private key file.
    pub private_key: &'static str,
}

/// TLS protocol versions rustls speaks (KrakenD's `TLS10`/`TLS11` are
/// rejected at compile time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// `gwc/healthcheck.active`, resolved for one host.
#[derive(Debug, PartialEq, Eq)]
pub struct ActiveCheck {
    /// `method`.
    pub method: Method,
    /// `path` (starts with `/`, may carry a query).
    pub path: &'static str,
    /// `from_root`: probe `scheme://authority` + `path`, dropping the host
    /// URL's path prefix; false: host URL + `path`.
    pub from_root: bool,
    /// `headers`, in config order.
    pub headers: &'static [(&'static str, &'static str)],
    /// `body` (POST/PUT/PATCH only).
    pub body: Option<&'static str>,
    /// `interval` (≥ 10 ms; `schedule` crons already converted).
    pub interval_ms: u64,
    /// `timeout` (< `interval`).
    pub timeout_ms: u64,
    /// `jitter` (< `interval`): first probe at U[0, jitter], each next one
    /// `interval + U[0, jitter]` after the previous start.
    pub jitter_ms: u64,
    /// `unhealthy_threshold` (1..=100): consecutive failures.
    pub unhealthy_threshold: u8,
    /// `healthy_threshold` (1..=100): consecutive passes.
    pub healthy_threshold: u8,
    /// `expect_status`, as inclusive ranges: `200` is `(200, 200)`, `"2xx"`
    /// is `(200, 299)`.
    pub expect_status: &'static [(u16, u16)],
    /// `expect_body_contains`: searched in the first 64 KiB.
    pub expect_body_contains: Option<&'static str>,
    /// `initial_state: unhealthy`: start UNHEALTHY (no traffic until
    /// `healthy_threshold` consecutive passes); false: start HEALTHY.
    pub start_unhealthy: bool,
    /// `reuse_connection`: keep the probe connection between probes.
    pub reuse_connection: bool,
}

/// A set of failure classes (§7.5.3), as bits: `retry_on`,
/// `passive.failure_on`. Build with `FailureClasses(FailureClasses::RESET
/// | FailureClasses::TIMEOUT)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureClasses(pub u8);

impl FailureClasses {
    /// `connect-failure`: nothing was sent.
    pub const CONNECT_FAILURE: u8 = 1;
    /// `reset`: the connection failed after (part of) the request was sent.
    pub const RESET: u8 = 2;
    /// `timeout`: no response head within the attempt's time.
    pub const TIMEOUT: u8 = 4;
    /// `5xx`: status 500–599.
    pub const STATUS_5XX: u8 = 8;
    /// `gateway-error`: status 502, 503, 504.
    pub const GATEWAY_ERROR: u8 = 16;
    /// `retriable-status`: status in `Failover::retriable_status`.
    pub const RETRIABLE_STATUS: u8 = 32;
    /// The default of `retry_on` and `failure_on`:
    /// connect-failure, reset, timeout, 5xx.
    pub const DEFAULT: FailureClasses =
        FailureClasses(Self::CONNECT_FAILURE | Self::RESET | Self::TIMEOUT | Self::STATUS_5XX);

    /// Whether every bit of `bits` is set.
    pub const fn has(self, bits: u8) -> bool {
        self.0 & bits == bits && bits != 0
    }
}

/// `gwc/healthcheck.passive` (outlier ejection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassiveCheck {
    /// `consecutive_failures` (≥ 1).
    pub consecutive_failures: u32,
    /// `failure_on` (only `connect-failure`, `reset`, `timeout`, `5xx`,
    /// `gateway-error` are meaningful here).
    pub failure_on: FailureClasses,
    /// `ejection_time`: the n-th ejection lasts `n × ejection_time`…
    pub ejection_time_ms: u64,
    /// …capped by `max_ejection_time`.
    pub max_ejection_time_ms: u64,
    /// `max_ejection_percent` of the pool (primaries + backups) ejected at
    /// once; at least one host may always be ejected.
    pub max_ejection_percent: u8,
}

/// `gwc/failover`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failover {
    /// `max_attempts` (1..=10): total attempts, the first included.
    pub max_attempts: u8,
    /// `per_try_timeout`; `None`: each attempt may use the rest of the
    /// endpoint deadline.
    pub per_try_timeout_ms: Option<u64>,
    /// `retry_on`.
    pub retry_on: FailureClasses,
    /// `retriable_status` (for `retriable-status`).
    pub retriable_status: &'static [u16],
    /// `retry_non_idempotent`: retry POST/PATCH… after the request was sent.
    pub retry_non_idempotent: bool,
    /// `max_retry_body_bytes`: request bodies up to this size are buffered
    /// for replay; larger ones are replayed only after a connect failure.
    pub max_retry_body_bytes: u64,
    /// `backoff_base` (0: immediate failover).
    pub backoff_base_ms: u64,
    /// `backoff_max`.
    pub backoff_max_ms: u64,
    /// `budget_percent`: concurrent retries ≤ max(`min_retry_concurrency`,
    /// pct × in-flight requests of the backend).
    pub budget_percent: u8,
    /// `min_retry_concurrency`.
    pub min_retry_concurrency: u32,
}

impl Failover {
    /// `gwc/failover: {}`: §7.3's defaults (2 attempts, the default retry
    /// classes, 64 KiB replay buffer, no backoff, a 20 % budget with at
    /// least 3 concurrent retries).
    pub const DEFAULT: Failover = Failover {
        max_attempts: 2,
        per_try_timeout_ms: None,
        retry_on: FailureClasses::DEFAULT,
        retriable_status: &[],
        retry_non_idempotent: false,
        max_retry_body_bytes: 65_536,
        backoff_base_ms: 0,
        backoff_max_ms: 0,
        budget_percent: 20,
        min_retry_concurrency: 3,
    };
}
