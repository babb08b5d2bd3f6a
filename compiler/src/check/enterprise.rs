//! What only KrakenD Enterprise implements, for GW600 (and GW901's note):
//! `extra_config` namespaces that KrakenD CE never reads at a place, and
//! fields of CE namespaces that only Enterprise reads.
//!
//! How the lists were made (2026-12): the candidates are what KrakenD's
//! official schema v2.13 marks "Enterprise only" or documents under
//! `/docs/enterprise/`; each was kept only when KrakenD CE's source does not
//! read it. CE's components are the ones `krakend-ce` wires in
//! (`executor.go`, `router_engine.go`, `handler_factory.go`,
//! `proxy_factory.go`, `backend_factory.go`, its `go.mod`), each reading its
//! own namespace: none of them reads the namespaces of [`NAMESPACES`]. Where
//! the schema and CE's code disagree, the code wins: the schema calls the
//! backend-level `telemetry/opentelemetry` override Enterprise only, but
//! krakend-otel v0.14.4 (`state/config.go`) reads it in CE, so it is not
//! listed; `qos/ratelimit/router` and `plugin/req-resp-modifier` link to
//! Enterprise pages but are CE components.
//!
//! Left out on purpose: `documentation/openapi` and `documentation/postman`
//! (only `krakend openapi/postman export` reads them: no edition behaves
//! differently at run time) and `router.disable_gzip` (CE never gzips, so
//! it behaves as if it were set).
//!
//! A unit test keeps [`NAMESPACES`] in step with gwc's schema: every entry
//! is a namespace the schema knows at that place (so GW801 never reports the
//! same key), and every namespace the schema describes as "KrakenD
//! Enterprise only" is listed.

use super::Context;
use crate::model::{Backend, Endpoint};
use crate::syntax::{Node, NodeKind, Span};

use Place::{AsyncAgent, Backend as B, Endpoint as E, Service as S};
use Risk::{Feature, Open, Unlimited};

/// Where an `extra_config` sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The root's.
    Service,
    /// An endpoint's.
    Endpoint,
    /// A backend's (of an endpoint or of an async agent).
    Backend,
    /// An async agent's.
    AsyncAgent,
}

impl Place {
    /// The schema location of this place's namespace map.
    pub fn schema_location(self) -> &'static str {
        match self {
            Place::Service => "/$defs/service_extra_config",
            Place::Endpoint => "/$defs/endpoint_extra_config",
            Place::Backend => "/$defs/backend_extra_config",
            Place::AsyncAgent => "/$defs/async_agent_extra_config",
        }
    }
}

/// What leaving a setting out does to the gateway, beyond the setting's
/// own effect: it decides how loudly GW600 says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Risk {
    /// Without it, clients reach the endpoint unauthenticated or unchecked.
    Open,
    /// Without it, requests are not limited.
    Unlimited,
    /// Something else is missing (a transformation, a log, a connector).
    Feature,
}

/// An `extra_config` namespace only KrakenD Enterprise reads at a place.
#[derive(Debug)]
pub struct Namespace {
    /// Where.
    pub place: Place,
    /// The namespace.
    pub name: &'static str,
    /// What KrakenD CE does without it (a label: present tense, no period).
    pub in_ce: &'static str,
    /// The KrakenD CE way to get the same, for the help line.
    pub instead: Option<&'static str>,
    /// How much it matters.
    pub risk: Risk,
}

const fn ns(
    place: Place,
    name: &'static str,
    risk: Risk,
    in_ce: &'static str,
    instead: Option<&'static str>,
) -> Namespace {
    Namespace {
        place,
        name,
        in_ce,
        instead,
        risk,
    }
}

const JWT_INSTEAD: Option<&str> =
    Some("protect the endpoint with KrakenD CE's `auth/validator` (JWT)");
const JWT_INSTEAD_ROOT: Option<&str> =
    Some("protect the endpoints with KrakenD CE's `auth/validator` (JWT)");
const POLICY_INSTEAD: Option<&str> =
    Some("write the checks as KrakenD CE `validation/cel` expressions");
const QUOTA_INSTEAD: Option<&str> =
    Some("limit requests per second with KrakenD CE's `qos/ratelimit/router` (CE has no quotas)");
const LUA_PROXY: Option<&str> =
    Some("transform it with a KrakenD CE Lua script (`modifier/lua-proxy`)");
const LUA_BACKEND: Option<&str> =
    Some("transform it with a KrakenD CE Lua script (`modifier/lua-backend`)");

/// Every namespace only KrakenD Enterprise reads, by place (the schema's
/// order within a place).
#[rustfmt::skip]
pub const NAMESPACES: &[Namespace] = &[
    // The root.
    ns(S, "ai/mcp", Feature, "KrakenD CE runs no MCP server", None),
    ns(S, "auth/api-keys", Open, "KrakenD CE loads no API keys: endpoints that require one let every request through", JWT_INSTEAD_ROOT),
    ns(S, "auth/basic", Open, "KrakenD CE loads no Basic credentials: endpoints that require them let every request through", JWT_INSTEAD_ROOT),
    ns(S, "governance/processors", Unlimited, "KrakenD CE runs no quota processor: no quota is ever counted", QUOTA_INSTEAD),
    ns(S, "governance/quota", Unlimited, "KrakenD CE counts no quota: no request is rejected for it", QUOTA_INSTEAD),
    ns(S, "grpc", Feature, "KrakenD CE runs no gRPC server", None),
    ns(S, "modifier/request-body-extractor", Feature, "KrakenD CE does not promote request body fields to headers or query strings", None),
    ns(S, "modifier/response-headers", Feature, "KrakenD CE does not change the response headers", None),
    ns(S, "qos/ratelimit/service", Unlimited, "KrakenD CE applies no gateway-wide rate limit", Some("set a KrakenD CE `qos/ratelimit/router` limit on each endpoint")),
    ns(S, "qos/ratelimit/service/redis", Unlimited, "KrakenD CE applies no gateway-wide rate limit", Some("set a KrakenD CE `qos/ratelimit/router` limit on each endpoint (one per gateway instance)")),
    ns(S, "qos/ratelimit/tiered", Unlimited, "KrakenD CE applies no tier limit", Some("set a KrakenD CE `qos/ratelimit/router` limit (the same for every client) on each endpoint")),
    ns(S, "redis", Unlimited, "KrakenD CE opens no Redis pool: the Redis-backed limits and quotas do not exist", None),
    ns(S, "server/static-filesystem", Feature, "KrakenD CE serves no static files", None),
    ns(S, "server/virtualhost", Feature, "KrakenD CE routes every `Host` to the same endpoints", None),
    ns(S, "telemetry/moesif", Feature, "KrakenD CE sends nothing to Moesif", None),
    ns(S, "telemetry/newrelic", Feature, "KrakenD CE sends nothing to New Relic", Some("export with KrakenD CE's `telemetry/opentelemetry` (New Relic accepts OTLP)")),
    ns(S, "telemetry/opentelemetry-security", Feature, "KrakenD CE's OTLP exporters send without these credentials", None),
    // Endpoints.
    ns(E, "ai/mcp", Feature, "KrakenD CE serves this endpoint as a plain HTTP endpoint, without MCP", None),
    ns(E, "auth/api-keys", Open, "KrakenD CE lets every request through: no API key is asked for", JWT_INSTEAD),
    ns(E, "auth/basic", Open, "KrakenD CE lets every request through: no credentials are asked for", JWT_INSTEAD),
    ns(E, "governance/quota", Unlimited, "KrakenD CE counts no quota: no request is rejected for it", QUOTA_INSTEAD),
    ns(E, "modifier/jmespath", Feature, "KrakenD CE returns the response untransformed", LUA_PROXY),
    ns(E, "modifier/request-body-extractor", Feature, "KrakenD CE does not promote request body fields to headers or query strings", None),
    ns(E, "modifier/request-body-extractor/early", Feature, "KrakenD CE does not promote request body fields to headers or query strings", None),
    ns(E, "modifier/request-body-generator", Feature, "KrakenD CE sends the request body as received", LUA_PROXY),
    ns(E, "modifier/response-body", Feature, "KrakenD CE returns the response body untransformed", LUA_PROXY),
    ns(E, "modifier/response-body-generator", Feature, "KrakenD CE returns the response body untransformed", LUA_PROXY),
    ns(E, "plugin/middleware", Feature, "KrakenD CE loads no middleware plugin here", Some("use a KrakenD CE plugin type (`plugin/req-resp-modifier`, `plugin/http-server`)")),
    ns(E, "qos/ratelimit/router/redis", Unlimited, "KrakenD CE applies no rate limit from it", Some("use KrakenD CE's `qos/ratelimit/router` (one limit per gateway instance)")),
    ns(E, "qos/ratelimit/tiered", Unlimited, "KrakenD CE applies no tier limit", Some("use KrakenD CE's `qos/ratelimit/router` (the same limit for every client)")),
    ns(E, "security/cors", Feature, "KrakenD CE reads CORS at the root only: this endpoint gets the root's policy, or none", Some("move the settings to the root `extra_config` (KrakenD CE applies one CORS policy to every endpoint)")),
    ns(E, "security/policies", Open, "KrakenD CE evaluates no policy: requests the policies reject go through", POLICY_INSTEAD),
    ns(E, "validation/response-json-schema", Feature, "KrakenD CE does not validate the response", None),
    ns(E, "websocket", Feature, "KrakenD CE proxies no websocket: this is a plain HTTP endpoint", None),
    // Backends.
    ns(B, "ai/llm", Feature, "KrakenD CE calls this backend as a plain HTTP backend, without the LLM adapter", None),
    ns(B, "auth/aws-sigv4", Feature, "KrakenD CE does not sign the requests to this backend", None),
    ns(B, "auth/gcp", Feature, "KrakenD CE sends the requests to this backend without GCP credentials", None),
    ns(B, "auth/ntlm", Feature, "KrakenD CE sends the requests to this backend without NTLM credentials", None),
    ns(B, "backend/conditional", Feature, "KrakenD CE always calls this backend", None),
    ns(B, "backend/grpc", Feature, "KrakenD CE calls this backend over HTTP, not gRPC", None),
    ns(B, "backend/pubsub/publisher/kafka", Feature, "KrakenD CE publishes nothing to Kafka from it", Some("use KrakenD CE's `backend/pubsub/publisher` with a `kafka://` topic URL")),
    ns(B, "backend/pubsub/subscriber/kafka", Feature, "KrakenD CE consumes nothing from Kafka from it", Some("use KrakenD CE's `backend/pubsub/subscriber` with a `kafka://` subscription URL")),
    ns(B, "backend/soap", Feature, "KrakenD CE sends the request as it is, without the SOAP template", None),
    ns(B, "backend/static-filesystem", Feature, "KrakenD CE calls this backend's hosts instead of reading files", None),
    ns(B, "governance/quota", Unlimited, "KrakenD CE counts no quota: no request is rejected for it", QUOTA_INSTEAD),
    ns(B, "modifier/body-generator", Feature, "KrakenD CE sends the request body as received", LUA_BACKEND),
    ns(B, "modifier/jmespath", Feature, "KrakenD CE uses the response untransformed", LUA_BACKEND),
    ns(B, "modifier/request-body-generator", Feature, "KrakenD CE sends the request body as received", LUA_BACKEND),
    ns(B, "modifier/response-body", Feature, "KrakenD CE uses the response body untransformed", LUA_BACKEND),
    ns(B, "modifier/response-body-generator", Feature, "KrakenD CE uses the response body untransformed", LUA_BACKEND),
    ns(B, "plugin/middleware", Feature, "KrakenD CE loads no middleware plugin here", Some("use a KrakenD CE plugin type (`plugin/req-resp-modifier`, `plugin/http-client`)")),
    ns(B, "qos/circuit-breaker/http", Feature, "KrakenD CE breaks no circuit on these status codes", Some("use KrakenD CE's `qos/circuit-breaker`, which counts every failed call")),
    ns(B, "security/policies", Open, "KrakenD CE evaluates no policy: requests and responses the policies reject go through", POLICY_INSTEAD),
    ns(B, "telemetry/logging", Feature, "KrakenD CE writes no backend log", None),
    ns(B, "validation/response-json-schema", Feature, "KrakenD CE does not validate the response", None),
    ns(B, "workflow", Feature, "KrakenD CE never runs the nested workflow: it calls this backend's own `host` and `url_pattern`", None),
    // Async agents.
    ns(AsyncAgent, "async/kafka", Feature, "KrakenD CE starts no Kafka consumer: this agent does not run", Some("consume with KrakenD CE's `async/amqp` driver")),
];

/// A field of a KrakenD CE namespace that only KrakenD Enterprise reads.
#[derive(Debug)]
pub struct Field {
    /// Where the namespace is.
    pub place: Place,
    /// The namespace (short name).
    pub namespace: &'static str,
    /// The field.
    pub field: &'static str,
    /// When the value changes anything: a value CE already behaves as
    /// (`no_redirect: false`, `max_payload: 0`) is not reported.
    pub effective: fn(&Node) -> bool,
    /// What KrakenD CE does instead.
    pub in_ce: &'static str,
    /// The KrakenD CE way to get the same.
    pub instead: Option<&'static str>,
    /// How much it matters.
    pub risk: Risk,
}

fn is_true(n: &Node) -> bool {
    n.as_bool() == Some(true)
}

fn nonzero(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Number(num) => num.as_f64().is_some_and(|f| f != 0.0),
        NodeKind::Bool(b) => *b,
        NodeKind::String(s) => !s.is_empty() && s != "0",
        _ => false,
    }
}

fn non_empty(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Null => false,
        NodeKind::Bool(b) => *b,
        NodeKind::String(s) => !s.is_empty(),
        NodeKind::Array(a) => !a.is_empty(),
        NodeKind::Object(m) => !m.is_empty(),
        NodeKind::Number(_) => true,
    }
}

/// Every field only KrakenD Enterprise reads in a CE namespace.
pub const FIELDS: &[Field] = &[
    // lura `proxy/http.go` reads `send_body_on_redirect` only.
    Field {
        place: B,
        namespace: "backend/http/client",
        field: "no_redirect",
        effective: is_true,
        in_ce: "KrakenD CE follows redirects (up to 10)",
        instead: None,
        risk: Feature,
    },
    Field {
        place: B,
        namespace: "backend/http/client",
        field: "proxy_address",
        effective: non_empty,
        in_ce: "KrakenD CE connects to the backend directly, not through this proxy",
        instead: None,
        risk: Feature,
    },
    Field {
        place: B,
        namespace: "backend/http/client",
        field: "client_tls",
        effective: non_empty,
        in_ce: "KrakenD CE uses the root `client_tls` for this backend",
        instead: Some(
            "move the settings to the root `client_tls` (KrakenD CE applies it to every backend)",
        ),
        risk: Feature,
    },
    // krakend-gologging v2.1.1 reads level, stdout, syslog, syslog_facility,
    // prefix, format and custom_format only.
    Field {
        place: S,
        namespace: "telemetry/logging",
        field: "access_log_format",
        effective: non_empty,
        in_ce: "KrakenD CE writes gin's default access log line",
        instead: None,
        risk: Feature,
    },
    Field {
        place: S,
        namespace: "telemetry/logging",
        field: "access_log_custom_format",
        effective: non_empty,
        in_ce: "KrakenD CE writes gin's default access log line",
        instead: None,
        risk: Feature,
    },
    Field {
        place: S,
        namespace: "telemetry/logging",
        field: "access_log_missing_key_marker",
        effective: non_empty,
        in_ce: "KrakenD CE writes gin's default access log line",
        instead: None,
        risk: Feature,
    },
    Field {
        place: S,
        namespace: "telemetry/logging",
        field: "backend",
        effective: non_empty,
        in_ce: "KrakenD CE writes no backend log",
        instead: None,
        risk: Feature,
    },
    // Neither lura nor CE reads these (lura `router/gin`, `proxy`).
    Field {
        place: S,
        namespace: "router",
        field: "max_payload",
        effective: nonzero,
        in_ce: "KrakenD CE accepts request bodies of any size",
        instead: None,
        risk: Unlimited,
    },
    Field {
        place: S,
        namespace: "router",
        field: "decompress_gzip",
        effective: nonzero,
        in_ce: "KrakenD CE forwards gzip request bodies compressed",
        instead: None,
        risk: Feature,
    },
    Field {
        place: E,
        namespace: "proxy",
        field: "max_payload",
        effective: nonzero,
        in_ce: "KrakenD CE accepts request bodies of any size",
        instead: None,
        risk: Unlimited,
    },
    Field {
        place: E,
        namespace: "proxy",
        field: "decompress_gzip",
        effective: nonzero,
        in_ce: "KrakenD CE forwards gzip request bodies compressed",
        instead: None,
        risk: Feature,
    },
    // krakend-otel v0.14.4 reads an endpoint's `global` and `proxy` layers,
    // and the `backend` layer from each backend's own `extra_config`.
    Field {
        place: E,
        namespace: "telemetry/opentelemetry",
        field: "backend",
        effective: non_empty,
        in_ce: "KrakenD CE reads the backend layer from each backend's own `extra_config`",
        instead: Some(
            "set it in each backend's `extra_config.\"telemetry/opentelemetry\".backend`",
        ),
        risk: Feature,
    },
    Field {
        place: E,
        namespace: "telemetry/opentelemetry",
        field: "exporters_override",
        effective: non_empty,
        in_ce: "KrakenD CE exports this endpoint with the root's exporters",
        instead: None,
        risk: Feature,
    },
];

/// The namespace only KrakenD Enterprise reads as `name` at `place`.
pub fn namespace(place: Place, name: &str) -> Option<&'static Namespace> {
    NAMESPACES
        .iter()
        .find(|n| n.place == place && n.name == name)
}

/// Where a finding is, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The root `extra_config`.
    Service,
    /// An endpoint's, by path, with the path's span.
    Endpoint(String, Option<Span>),
    /// A backend's, by endpoint path and index.
    Backend(String, usize),
    /// An async agent's, by name.
    AsyncAgent(String),
    /// The backend of an async agent, by agent name and index.
    AgentBackend(String, usize),
}

impl Location {
    /// `in the root `extra_config``, `in endpoint `/x``, `in backend #1 of `/x``.
    pub fn phrase(&self) -> String {
        match self {
            Location::Service => "in the root `extra_config`".to_string(),
            Location::Endpoint(p, _) => format!("in endpoint `{p}`"),
            Location::Backend(p, i) => format!("in backend #{i} of `{p}`"),
            Location::AsyncAgent(name) => format!("in async agent `{name}`"),
            Location::AgentBackend(name, i) => format!("in backend #{i} of async agent `{name}`"),
        }
    }
}

/// One setting only KrakenD Enterprise reads.
#[derive(Clone, Debug)]
pub struct Finding {
    /// `auth/api-keys`, or `no_redirect` of `backend/http/client`.
    pub what: String,
    /// The key's span.
    pub span: Span,
    /// Where it is.
    pub location: Location,
    /// What KrakenD CE does without it.
    pub in_ce: &'static str,
    /// The KrakenD CE equivalent.
    pub instead: Option<&'static str>,
    /// How much it matters.
    pub risk: Risk,
}

/// Every Enterprise-only setting of the config, in source order.
pub fn findings(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let config = cx.config;
    scan(
        &config.extra.namespaces,
        Place::Service,
        &Location::Service,
        &mut out,
    );
    for ep in &config.endpoints {
        endpoint(ep, &mut out);
    }
    for (i, agent) in cx
        .root
        .get("async_agent")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let name = agent
            .get("name")
            .and_then(Node::as_str)
            .map_or_else(|| format!("#{i}"), str::to_string);
        scan(
            &members(agent.get("extra_config")),
            Place::AsyncAgent,
            &Location::AsyncAgent(name.clone()),
            &mut out,
        );
        for (j, b) in agent
            .get("backend")
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            scan(
                &members(b.get("extra_config")),
                Place::Backend,
                &Location::AgentBackend(name.clone(), j),
                &mut out,
            );
        }
    }
    out.sort_by_key(|f| f.span.start);
    out
}

fn endpoint(ep: &Endpoint<'_>, out: &mut Vec<Finding>) {
    let path = ep
        .path
        .as_ref()
        .map_or_else(String::new, |p| p.value.clone());
    let location = Location::Endpoint(path.clone(), ep.path.as_ref().map(|p| p.span));
    scan(&ep.extra.namespaces, Place::Endpoint, &location, out);
    for b in &ep.backends {
        backend(&path, b, out);
    }
}

fn backend(path: &str, b: &Backend<'_>, out: &mut Vec<Finding>) {
    scan(
        &b.extra.namespaces,
        Place::Backend,
        &Location::Backend(path.to_string(), b.index),
        out,
    );
}

/// An `extra_config` node's namespaces, as the model lists them.
fn members(extra: Option<&Node>) -> Vec<(&str, Span, &Node)> {
    extra
        .and_then(Node::as_object)
        .unwrap_or_default()
        .iter()
        .map(|m| (m.key.as_str(), m.key_span, &m.value))
        .collect()
}

fn scan(
    present: &[(&str, Span, &Node)],
    place: Place,
    location: &Location,
    out: &mut Vec<Finding>,
) {
    for (i, (key, span, value)) in present.iter().enumerate() {
        // A duplicate key counts once, at its last (effective) place.
        if present[i + 1..].iter().any(|(k, _, _)| k == key) {
            continue;
        }
        if let Some(n) = namespace(place, key) {
            out.push(Finding {
                what: format!("`{key}`"),
                span: *span,
                location: location.clone(),
                in_ce: n.in_ce,
                instead: n.instead,
                risk: n.risk,
            });
            continue;
        }
        for f in FIELDS
            .iter()
            .filter(|f| f.place == place && f.namespace == *key)
        {
            let Some(m) = value.member(f.field) else {
                continue;
            };
            if (f.effective)(&m.value) {
                out.push(Finding {
                    what: format!("`{}` of `{key}`", f.field),
                    span: m.key_span,
                    location: location.clone(),
                    in_ce: f.in_ce,
                    instead: f.instead,
                    risk: f.risk,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::schema;

    const PLACES: [Place; 4] = [
        Place::Service,
        Place::Endpoint,
        Place::Backend,
        Place::AsyncAgent,
    ];

    /// Each entry is a namespace gwc's schema knows at that place, so GW801
    /// (unknown namespace) and GW600 never report the same key.
    #[test]
    fn every_entry_is_known_to_the_schema_there() {
        for n in NAMESPACES {
            assert!(
                schema::property_names(n.place.schema_location()).contains(&n.name),
                "{} is not in the schema at {:?}",
                n.name,
                n.place
            );
        }
        for f in FIELDS {
            assert!(
                schema::property_names(f.place.schema_location()).contains(&f.namespace),
                "{} is not in the schema at {:?}",
                f.namespace,
                f.place
            );
        }
    }

    /// The schema's "KrakenD Enterprise only." namespaces are all listed,
    /// except those left out on purpose (see the module doc).
    #[test]
    fn every_enterprise_namespace_of_the_schema_is_listed() {
        let left_out = ["documentation/openapi", "documentation/postman"];
        for place in PLACES {
            let props = schema::subschema(place.schema_location())
                .and_then(|s| s.get("properties"))
                .and_then(serde_json::Value::as_object)
                .expect("namespace map");
            for (name, p) in props {
                let description = p
                    .get("description")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                if description.starts_with("KrakenD Enterprise only.")
                    && !left_out.contains(&name.as_str())
                {
                    assert!(
                        namespace(place, name).is_some(),
                        "{name} at {place:?} is not listed"
                    );
                }
            }
        }
    }

    #[test]
    fn no_entry_twice() {
        for (i, n) in NAMESPACES.iter().enumerate() {
            assert!(
                !NAMESPACES[i + 1..]
                    .iter()
                    .any(|m| m.place == n.place && m.name == n.name),
                "{} twice at {:?}",
                n.name,
                n.place
            );
        }
    }

    type Test = fn(&Node) -> bool;

    #[test]
    fn effective_values() {
        let node = |text: &str| {
            crate::syntax::parse(text, crate::syntax::Format::Json)
                .root
                .expect("parses")
        };
        let cases: [(Test, &str, bool); 10] = [
            (is_true, "true", true),
            (is_true, "false", false),
            (nonzero, "0", false),
            (nonzero, "1024", true),
            (nonzero, "false", false),
            (non_empty, "\"\"", false),
            (non_empty, "\"json\"", true),
            (non_empty, "{}", false),
            (non_empty, "{\"a\": 1}", true),
            (non_empty, "null", false),
        ];
        for (test, text, want) in cases {
            assert_eq!(test(&node(text)), want, "{text}");
        }
    }
}
