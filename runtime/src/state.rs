//! The gateway's run-time state, built once at start-up from the static
//! description: the router, one upstream pool per backend, metrics cells,
//! and a few facts derived from the tables (which backends are shadows,
//! which earlier responses a sequential chain needs). Nothing here parses
//! configuration text.

use std::sync::atomic::AtomicUsize;

use crate::value::{Map, Value};

use crate::encoding::to_json;
use crate::metrics::{EndpointMetrics, OtherMetrics};
use crate::router::Router;
use crate::security::bots::Detector;
use crate::security::headers::Secure;
use crate::spec::{Backend, Encoding, Endpoint, Gateway, OutputEncoding, UrlPiece};
use crate::upstream::{Shared, Upstream};
use crate::worker::PerWorker;

/// The running gateway.
pub struct Gw {
    /// The static description.
    pub spec: &'static Gateway,
    /// The router.
    pub router: Router,
    /// Per endpoint, in `spec.endpoints` order.
    pub endpoints: Box<[EndpointRt]>,
    /// Counters for requests that matched no endpoint.
    pub other: OtherMetrics,
    /// Client connections being served, per worker (`gw_connections`; the
    /// hand-off between workers reads it).
    pub connections: PerWorker<AtomicUsize>,
    /// `gwc/server.max_buffered_responses`: what backend bodies read whole
    /// may hold at once.
    pub response_budget: crate::limits::ResponseBudget,
    /// The identification header (`X-KrakenD: Version …`), parsed once;
    /// `None` when hidden (or its name is not a header name).
    pub version_header: Option<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    /// Host clients and health probers shared by the pools (the probers
    /// are started by [`Gw::start_background`]).
    pub shared: Shared,
    /// `security/bot-detector` (service level), ready.
    pub bot_detector: Option<Detector>,
    /// `security/cors`, ready.
    pub cors: Option<crate::security::cors::Stage>,
    /// `security/http`, ready.
    pub http_security: Option<Secure>,
    /// `auth/validator`'s key sets, one per distinct source.
    pub jwks: crate::security::jwks::KeyStores,
    /// How the client's IP is found (gin's `ClientIP()` settings).
    pub client_ip: crate::client_ip::Resolver,
    /// `telemetry/opentelemetry`: requests no endpoint served.
    #[cfg(feature = "otel")]
    pub otel_unmatched: Option<crate::telemetry::opentelemetry::Unmatched>,
    /// `telemetry/metrics`: the `/__stats` collector.
    #[cfg(feature = "stats")]
    pub stats: Option<std::sync::Arc<crate::telemetry::metrics::Collector>>,
    /// `telemetry/opentelemetry`'s OTLP exporters: the tracer and the
    /// export task.
    #[cfg(feature = "otlp")]
    pub otlp: Option<crate::telemetry::opentelemetry::otlp::OtlpState>,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Gw {
    /// Starts the background tasks (the probers, the rate limits' idle
    /// eviction). They stop when the `Gw` is dropped. Calling it twice
    /// starts nothing more.
    pub fn start_background(&self) {
        let Ok(mut tasks) = self.tasks.lock() else {
            return;
        };
        if !tasks.is_empty() {
            return;
        }
        for p in &self.shared.probers {
            tasks.push(tokio::spawn(std::sync::Arc::clone(p).run()));
        }
        // `qos/ratelimit/router`: CE's idle-client eviction tick.
        for c in self
            .endpoints
            .iter()
            .filter_map(|e| e.rate_limit.as_ref()?.clients())
        {
            tasks.push(tokio::spawn(std::sync::Arc::clone(c).sweep_forever()));
        }
        tasks.extend(self.jwks.prefetch());
        // `auth/signer`: its key is read (or fetched) at start, as CE does.
        for s in self.endpoints.iter().filter_map(|e| e.signer.as_ref()) {
            let s = std::sync::Arc::clone(s);
            tasks.push(tokio::spawn(async move {
                let _ = s.key().await;
            }));
        }
        // `telemetry/metrics`: CE's collection tick.
        #[cfg(feature = "stats")]
        if let Some(c) = &self.stats {
            tasks.push(tokio::spawn(std::sync::Arc::clone(c).tick_forever()));
        }
    }
}

impl Drop for Gw {
    fn drop(&mut self) {
        if let Ok(tasks) = self.tasks.get_mut() {
            for t in tasks.drain(..) {
                t.abort();
            }
        }
    }
}

/// One endpoint's state.
pub struct EndpointRt {
    /// Its description.
    pub spec: &'static Endpoint,
    /// Every backend, in declaration order.
    pub backends: Box<[BackendRt]>,
    /// Indices of the non-shadow backends.
    pub regular: Box<[usize]>,
    /// Indices of the shadow backends.
    pub shadows: Box<[usize]>,
    /// Per non-shadow backend position N: a later backend's `{respN_x}`
    /// reads it (sequential), so its data is kept for the chain.
    pub referenced: Box<[bool]>,
    /// `proxy.static` data, materialised.
    pub static_data: Option<Map>,
    /// Whether the request body can stream to the single backend request.
    pub stream_body: bool,
    /// Whether the endpoint only re-renders one backend's JSON object
    /// ([`json_passthrough`]), so the body may skip the decoded tree.
    pub json_passthrough: bool,
    /// `security/bot-detector` (endpoint level), ready.
    pub bot_detector: Option<Detector>,
    /// `qos/ratelimit/router`, ready (shared by every worker).
    pub rate_limit: Option<crate::traffic::ratelimit::Limiter>,
    /// `validation/json-schema`, compiled.
    pub json_schema: Option<crate::validation::json_schema::Validator>,
    /// `auth/validator`, ready.
    pub jwt: Option<crate::security::jwt::Validator>,
    /// `validation/cel` (endpoint level), compiled; the JWT list is also
    /// the validator's rejecter.
    pub cel: Option<std::sync::Arc<crate::validation::cel::Stage>>,
    /// `auth/signer`, ready (its key is loaded by [`Gw::start_background`]).
    pub signer: Option<std::sync::Arc<crate::security::signer::Signer>>,
    /// Counters.
    pub metrics: EndpointMetrics,
    /// `telemetry/opentelemetry`'s counters, when an exporter reads them.
    #[cfg(feature = "otel")]
    pub otel: Option<crate::telemetry::opentelemetry::EndpointOtel>,
    /// `telemetry/metrics`' router, pipe and backend layers.
    #[cfg(feature = "stats")]
    pub stats: Option<std::sync::Arc<crate::telemetry::metrics::EndpointStats>>,
}

impl EndpointRt {
    /// Records one answered request, whose body announces `size` bytes:
    /// gwc's own counters and, with `telemetry/opentelemetry`, CE's
    /// `http_server_duration` and `http_server_response_size` (layer S1).
    pub fn record(&self, status: u16, size: u64, d: std::time::Duration) {
        self.metrics.record(status, d);
        #[cfg(feature = "otel")]
        if let Some(o) = self.otel.as_ref().filter(|o| o.server_on) {
            o.server.record(status, size, d);
        }
        #[cfg(not(feature = "otel"))]
        let _ = size;
    }
}

/// One backend's state.
pub struct BackendRt {
    /// Its description.
    pub spec: &'static Backend,
    /// Its hosts and client.
    pub upstream: Upstream,
    /// A label for logs and metrics: the `url_pattern` as written.
    pub label: String,
    /// `[GET /users/{{.Id}}]:`, what lura puts between the status and the
    /// URL of an `invalid status code` error ([`status_error_prefix`]).
    pub status_error_prefix: String,
    /// Its `group` as a JSON string (`"name"`), for the json passthrough;
    /// empty without a group.
    pub group_key: Vec<u8>,
    /// `modifier/martian`, ready (its patterns compiled).
    pub martian: Option<crate::modifier::martian::Stage>,
    /// `qos/http-cache`, its store made (or shared).
    pub http_cache: Option<crate::traffic::http_cache::Stage>,
    /// `validation/cel` (backend level), compiled.
    pub cel: Option<crate::validation::cel::Stage>,
}

/// lura's `errPrefix` (`transport/http/client/status.go`): the backend's
/// method and its `url_pattern` as `config.Init` rewrote it
/// ([`go_url_pattern`]).
fn status_error_prefix(ep: &Endpoint, b: &Backend) -> String {
    format!(
        "[{} {}]:",
        crate::proxy::http_method(b.method),
        go_url_pattern(ep, b)
    )
}

/// The `url_pattern` as lura's `config.Init` rewrites it, each `{var}` as
/// a Go template action with the first letter upper-cased (`{resp0_id}` →
/// `{{.Resp0_id}}`): what `errPrefix` prints and `telemetry/metrics` names
/// a backend by.
pub fn go_url_pattern(ep: &Endpoint, b: &Backend) -> String {
    fn var(s: &mut String, name: &str) {
        let mut chars = name.chars();
        s.push_str("{{.");
        if let Some(first) = chars.next() {
            s.extend(first.to_uppercase());
        }
        s.push_str(chars.as_str());
        s.push_str("}}");
    }
    let mut s = String::new();
    for p in b.url {
        match p {
            UrlPiece::Literal(l) => s.push_str(l),
            UrlPiece::Param(i) => var(
                &mut s,
                ep.params.get(usize::from(*i)).copied().unwrap_or("?"),
            ),
            UrlPiece::Response { backend, path } => {
                var(&mut s, &format!("resp{backend}_{}", path.join(".")));
            }
            UrlPiece::Wildcard => s.push_str("/*"),
            UrlPiece::Jwt(name) => var(&mut s, &format!("JWT.{name}")),
        }
    }
    s
}

/// The `url_pattern` text, rebuilt from its pieces (labels only).
fn pattern_label(ep: &Endpoint, b: &Backend) -> String {
    let mut s = String::new();
    for p in b.url {
        match p {
            UrlPiece::Literal(l) => s.push_str(l),
            UrlPiece::Param(i) => {
                s.push('{');
                s.push_str(ep.params.get(usize::from(*i)).copied().unwrap_or("?"));
                s.push('}');
            }
            UrlPiece::Response { backend, path } => {
                s.push_str(&format!("{{resp{backend}_{}}}", path.join(".")));
            }
            UrlPiece::Wildcard => s.push_str("/*"),
            UrlPiece::Jwt(name) => s.push_str(&format!("{{JWT.{name}}}")),
        }
    }
    s
}

/// Whether an endpoint does nothing to its data but decode JSON objects,
/// put each under its `group`, merge and render them as JSON — so each body
/// can take [`crate::encoding::passthrough`] and the answer be assembled
/// from them (`proxy::assemble`). That is: `output_encoding: json`, no
/// `proxy.static`, no `concurrent_calls`; every regular backend `encoding:
/// json` without `is_collection`, `target`, `allow`, `deny`, `mapping` or
/// flatmap; and either one backend, or several in parallel (not
/// sequential, no endpoint flatmap) each with its own distinct `group`.
pub fn json_passthrough(ep: &Endpoint, regular: &[usize]) -> bool {
    let backends: Vec<&Backend> = regular.iter().filter_map(|&i| ep.backends.get(i)).collect();
    let plain = |b: &&Backend| {
        b.encoding == Encoding::Json
            && !b.is_collection
            && b.target.is_empty()
            && b.allow.is_empty()
            && b.deny.is_empty()
            && b.mapping.is_empty()
            && b.flatmap.is_empty()
            // A `resp` CEL list reads the decoded data.
            && b.cel.is_none_or(|c| c.post.is_empty())
    };
    // A signer works on the decoded data (it replaces objects).
    let shape = ep.signer.is_none()
        && ep.cel.is_none_or(|c| c.post.is_empty())
        && match backends.as_slice() {
            [] => false,
            [_] => true,
            many => {
                !ep.sequential
                    && ep.flatmap.is_empty()
                    && many.iter().enumerate().all(|(i, b)| {
                        b.group.is_some() && many.iter().skip(i + 1).all(|o| o.group != b.group)
                    })
            }
        };
    shape
        && backends.len() == regular.len()
        && ep.output == OutputEncoding::Json
        && ep.static_data.is_none()
        && ep.concurrent_calls <= 1
        && backends.iter().all(plain)
}

impl Gw {
    /// Builds the state. Fails only on tables the compiler should never
    /// emit (a route conflict, an unparsable host).
    pub fn build(spec: &'static Gateway) -> Result<Gw, String> {
        let router = Router::build(spec).map_err(|e| e.0)?;
        let mut shared = Shared::default();
        let mut jwks = crate::security::jwks::KeyStores::default();
        let mut caches = crate::traffic::http_cache::SharedStores::default();
        let mut endpoints = Vec::with_capacity(spec.endpoints.len());
        #[cfg(feature = "stats")]
        let mut stats = spec.stats.map(crate::telemetry::metrics::Collector::new);
        for ep in spec.endpoints {
            let mut backends = Vec::with_capacity(ep.backends.len());
            for b in ep.backends {
                let label = pattern_label(ep, b);
                let status_error_prefix = status_error_prefix(ep, b);
                let group_key = match b.group {
                    Some(g) => serde_json::to_vec(g)
                        .map_err(|e| format!("endpoint {}: group `{g}`: {e}", ep.path))?,
                    None => Vec::new(),
                };
                let martian = b
                    .martian
                    .map(crate::modifier::martian::Stage::new)
                    .transpose()
                    .map_err(|e| format!("endpoint {}: {e}", ep.path))?;
                // The pipeline reads a body of any status on a no-op
                // backend and with `return_error_*`; else 200/201 only.
                let reads_every_status = b.encoding == Encoding::NoOp
                    || b.return_error_code
                    || b.return_error_details.is_some();
                let http_cache = b
                    .http_cache
                    .map(|c| {
                        crate::traffic::http_cache::Stage::new(&c, reads_every_status, &mut caches)
                    })
                    .transpose()
                    .map_err(|e| format!("endpoint {}: {e}", ep.path))?;
                let cel = b
                    .cel
                    .map(crate::validation::cel::Stage::new)
                    .transpose()
                    .map_err(|e| format!("endpoint {}: {e}", ep.path))?;
                backends.push(BackendRt {
                    spec: b,
                    group_key,
                    martian,
                    http_cache,
                    cel,
                    upstream: Upstream::new(b, &spec.client, &mut shared, &label)
                        .map_err(|e| format!("endpoint {}: {e}", ep.path))?,
                    label,
                    status_error_prefix,
                });
            }
            let regular: Box<[usize]> = (0..ep.backends.len())
                .filter(|&i| !ep.backends[i].shadow)
                .collect();
            let shadows: Box<[usize]> = (0..ep.backends.len())
                .filter(|&i| ep.backends[i].shadow)
                .collect();
            let mut referenced = vec![false; regular.len()];
            for b in ep.backends {
                for p in b.url {
                    if let UrlPiece::Response { backend, .. } = p
                        && let Some(r) = referenced.get_mut(usize::from(*backend))
                    {
                        *r = true;
                    }
                }
            }
            let static_data = ep.static_data.and_then(|s| match to_json(s.data) {
                Value::Object(m) => Some(m),
                _ => None,
            });
            let requests = regular.len() * usize::from(ep.concurrent_calls.max(1)) + shadows.len();
            // A validated body is read whole first.
            let stream_body = requests == 1 && !ep.sequential && ep.json_schema.is_none();
            let json_passthrough = json_passthrough(ep, &regular);
            let cel = ep
                .cel
                .map(crate::validation::cel::Stage::new)
                .transpose()
                .map_err(|e| format!("endpoint {}: {e}", ep.path))?
                .map(std::sync::Arc::new);
            let mut jwt = ep
                .jwt
                .map(|j| crate::security::jwt::Validator::new(j, &mut jwks, spec.user_agent))
                .transpose()
                .map_err(|e| format!("endpoint {}: {e}", ep.path))?;
            // k.: the JWT list is the validator's rejecter (CE's
            // `NewRejecter`, read only with `auth/validator`).
            if let (Some(v), Some(stage)) = (jwt.as_mut(), cel.as_ref()) {
                v.set_rejecter(std::sync::Arc::clone(stage));
            }
            #[cfg(feature = "otel")]
            let otel = spec
                .otel
                .map(|o| crate::telemetry::opentelemetry::EndpointOtel::new(o, ep));
            // `http_client_*`: each host of a backend whose layer has them
            // counts its round trips.
            #[cfg(feature = "otel")]
            if let Some(o) = &otel {
                for (i, b) in backends.iter_mut().enumerate() {
                    if o.backend_layer(i).is_some_and(|l| l.round_trip_metrics) {
                        for h in b.upstream.hosts.iter_mut() {
                            h.otel = Some(Box::default());
                        }
                    }
                }
            }
            endpoints.push(EndpointRt {
                spec: ep,
                backends: backends.into_boxed_slice(),
                regular,
                shadows,
                referenced: referenced.into_boxed_slice(),
                static_data,
                stream_body,
                json_passthrough,
                bot_detector: ep
                    .bot_detector
                    .map(Detector::new)
                    .transpose()
                    .map_err(|e| format!("endpoint {}: {e}", ep.path))?,
                rate_limit: ep.rate_limit.map(crate::traffic::ratelimit::Limiter::new),
                json_schema: ep
                    .json_schema
                    .map(crate::validation::json_schema::Validator::new)
                    .transpose()
                    .map_err(|e| format!("endpoint {}: {e}", ep.path))?,
                jwt,
                cel,
                signer: ep.signer.map(|s| {
                    std::sync::Arc::new(crate::security::signer::Signer::new(
                        s,
                        ep.path,
                        spec.user_agent,
                    ))
                }),
                metrics: EndpointMetrics::default(),
                #[cfg(feature = "otel")]
                otel,
                #[cfg(feature = "stats")]
                stats: stats.as_mut().map(|c| {
                    c.endpoint(
                        ep.path,
                        ep.backends.iter().map(|b| go_url_pattern(ep, b)).collect(),
                    )
                }),
            });
        }
        let version_header = spec.version_header.and_then(|v| {
            let name = hyper::header::HeaderName::from_bytes(spec.version_header_name.as_bytes());
            Some((name.ok()?, hyper::header::HeaderValue::from_str(v).ok()?))
        });
        Ok(Gw {
            spec,
            router,
            version_header,
            endpoints: endpoints.into_boxed_slice(),
            other: OtherMetrics::default(),
            connections: PerWorker::default(),
            response_budget: crate::limits::ResponseBudget::of(&spec.server),
            shared,
            bot_detector: spec.bot_detector.map(Detector::new).transpose()?,
            cors: spec
                .cors
                .map(crate::security::cors::Stage::new)
                .transpose()?,
            http_security: spec.http_security.map(Secure::new).transpose()?,
            jwks,
            client_ip: crate::client_ip::Resolver::new(&spec.router.client_ip),
            #[cfg(feature = "otel")]
            otel_unmatched: spec
                .otel
                .map(|_| crate::telemetry::opentelemetry::Unmatched::default()),
            #[cfg(feature = "stats")]
            stats: stats.map(std::sync::Arc::new),
            #[cfg(feature = "otlp")]
            otlp: spec
                .otel
                .and_then(crate::telemetry::opentelemetry::otlp::OtlpState::new),
            tasks: std::sync::Mutex::new(Vec::new()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Backend = Backend {
        hosts: &["http://127.0.0.1:1"],
        url: &[UrlPiece::Literal("/")],
        ..Backend::DEFAULT
    };

    const fn ep(backends: &'static [Backend], output: OutputEncoding) -> Endpoint {
        Endpoint {
            path: "/x",
            timeout_ms: 1000,
            output,
            backends,
            ..Endpoint::DEFAULT
        }
    }

    #[test]
    fn json_passthrough_table() {
        const SHADOW: Backend = Backend {
            shadow: true,
            ..PLAIN
        };
        const G1: Backend = Backend {
            group: Some("g1"),
            ..PLAIN
        };
        const G2: Backend = Backend {
            group: Some("g2"),
            ..PLAIN
        };
        let table: Vec<(&str, Endpoint, bool)> = vec![
            ("plain", ep(&[PLAIN], OutputEncoding::Json), true),
            (
                "plain + shadow",
                ep(&[PLAIN, SHADOW], OutputEncoding::Json),
                true,
            ),
            ("two", ep(&[PLAIN, PLAIN], OutputEncoding::Json), false),
            ("two groups", ep(&[G1, G2], OutputEncoding::Json), true),
            ("same group", ep(&[G1, G1], OutputEncoding::Json), false),
            ("one group", ep(&[G1, PLAIN], OutputEncoding::Json), false),
            (
                "sequential",
                Endpoint {
                    sequential: true,
                    ..ep(&[G1, G2], OutputEncoding::Json)
                },
                false,
            ),
            (
                "endpoint flatmap",
                Endpoint {
                    flatmap: &[crate::spec::FlatmapOp::Del { path: &["a"] }],
                    ..ep(&[G1, G2], OutputEncoding::Json)
                },
                false,
            ),
            (
                "a mapping among groups",
                ep(
                    &[
                        G1,
                        Backend {
                            mapping: &[("a", "b")],
                            ..G2
                        },
                    ],
                    OutputEncoding::Json,
                ),
                false,
            ),
            ("none", ep(&[], OutputEncoding::Json), false),
            ("yaml out", ep(&[PLAIN], OutputEncoding::Yaml), false),
            ("negotiate", ep(&[PLAIN], OutputEncoding::Negotiate), false),
            (
                "safejson",
                ep(
                    &[Backend {
                        encoding: Encoding::SafeJson,
                        ..PLAIN
                    }],
                    OutputEncoding::Json,
                ),
                false,
            ),
            (
                "collection",
                ep(
                    &[Backend {
                        is_collection: true,
                        ..PLAIN
                    }],
                    OutputEncoding::Json,
                ),
                false,
            ),
            (
                "target",
                ep(
                    &[Backend {
                        target: &["a"],
                        ..PLAIN
                    }],
                    OutputEncoding::Json,
                ),
                false,
            ),
            (
                "allow",
                ep(
                    &[Backend {
                        allow: &[&["a"]],
                        ..PLAIN
                    }],
                    OutputEncoding::Json,
                ),
                false,
            ),
            (
                "deny",
                ep(
                    &[Backend {
                        deny: &[&["a"]],
                        ..PLAIN
                    }],
                    OutputEncoding::Json,
                ),
                false,
            ),
            (
                "mapping",
                ep(
                    &[Backend {
                        mapping: &[("a", "b")],
                        ..PLAIN
                    }],
                    OutputEncoding::Json,
                ),
                false,
            ),
            (
                "group",
                ep(
                    &[Backend {
                        group: Some("g"),
                        ..PLAIN
                    }],
                    OutputEncoding::Json,
                ),
                true,
            ),
            (
                "flatmap",
                ep(
                    &[Backend {
                        flatmap: &[crate::spec::FlatmapOp::Del { path: &["a"] }],
                        ..PLAIN
                    }],
                    OutputEncoding::Json,
                ),
                false,
            ),
            (
                "concurrent",
                Endpoint {
                    concurrent_calls: 2,
                    ..ep(&[PLAIN], OutputEncoding::Json)
                },
                false,
            ),
            (
                "static",
                Endpoint {
                    static_data: Some(crate::spec::StaticData {
                        strategy: crate::spec::StaticStrategy::Always,
                        data: &crate::spec::Value::Object(&[]),
                    }),
                    ..ep(&[PLAIN], OutputEncoding::Json)
                },
                false,
            ),
        ];
        for (name, e, want) in table {
            let e: &'static Endpoint = Box::leak(Box::new(e));
            let gw: &'static Gateway = Box::leak(Box::new(Gateway {
                name: "t",
                endpoints: std::slice::from_ref(e),
                version_header: None,
                user_agent: "t",
                ..Gateway::DEFAULT
            }));
            let built = Gw::build(gw).map_err(|e| format!("{name}: {e}"));
            assert_eq!(
                built.map(|g| g.endpoints[0].json_passthrough),
                Ok(want),
                "{name}"
            );
        }
    }
}
