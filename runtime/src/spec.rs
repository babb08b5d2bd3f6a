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
    /// `router.error_body` for 404, as a JSON document, when set.
    pub error_body_404: Option<&'static Value>,
    /// `router.error_body` for 405, when set.
    pub error_body_405: Option<&'static Value>,
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
}

/// Root server keys.
#[derive(Clone, Copy, Debug)]
pub struct ServerOptions {
    /// `read_header_timeout` in ms (0: none).
    pub read_header_timeout_ms: u64,
    /// `idle_timeout` in ms (0: none).
    pub idle_timeout_ms: u64,
    /// `max_header_bytes`.
    pub max_header_bytes: u32,
    /// `max_shutdown_wait_time` in ms: how long SIGTERM waits for in-flight
    /// requests (0: gwc's default bound).
    pub max_shutdown_wait_ms: u64,
    /// `use_h2c`: also serve HTTP/2 with prior knowledge.
    pub use_h2c: bool,
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
    /// The path, split (`//` collapsed). A trailing empty `Static("")`
    /// marks a trailing slash.
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
