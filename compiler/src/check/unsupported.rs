//! What `gwc build` cannot honour yet, for the build rules (GW9xx).
//!
//! A gateway compiled by gwc must never silently ignore a setting KrakenD
//! would apply (DESIGN.md §4). This module lists every such setting in a
//! config, each under the name the user writes to accept it:
//! - an `extra_config` **namespace** KrakenD (CE or EE) reads at that level
//!   and gwc does not implement (GW901), named as written (a long legacy
//!   name and its short one accept each other);
//! - an **option** gwc does not implement (GW902): a root or backend key
//!   (`tls`, `sd`) or a field of a namespace gwc does implement
//!   (`router.app_engine`, `proxy.combiner`);
//! - a backend **host** the runtime cannot call (GW904), named as written:
//!   another scheme than http/https.
//!
//! The user accepts one with `"extra_config": {"gwc/build":
//! {"allow_unsupported": ["telemetry/influx", "tls"]}}` or `gwc build
//! --allow-unsupported NAME`; an entry that matches nothing is GW903.
//!
//! Namespaces a level does not know at all (typos, custom plugins' keys)
//! are not listed: KrakenD ignores them too, and GW801 reports them.

use super::Context;
use super::gwc;
use super::schema;
use crate::model::duration::parse_go_duration;
use crate::model::extra::{
    BACKEND_HTTP_LEGACY_KEY, CIRCUIT_BREAKER_LEGACY_KEY, PROXY_LEGACY_KEY, ROUTER_LEGACY_NAMESPACE,
};
use crate::model::host::{Sanitized, host_entries, sanitize_host};
use crate::model::lb;
use crate::model::legacy::short_namespace;
use crate::model::{Backend, Endpoint, Spanned};
use crate::plan::Method;
use crate::syntax::{Node, Span};

/// gwc's own root namespace for build settings.
pub const BUILD_NAMESPACE: &str = "gwc/build";
/// The opt-out list's key in [`BUILD_NAMESPACE`].
pub const ALLOW_KEY: &str = "allow_unsupported";
/// The key in [`BUILD_NAMESPACE`] that turns the failover debug headers on.
pub const DEBUG_HEADERS_KEY: &str = "debug_headers";

/// Namespaces gwc implements, per level: what the plan reads *and* the
/// runtime acts on. `qos/circuit-breaker` (and its legacy name
/// [`crate::model::extra::CIRCUIT_BREAKER_LEGACY_KEY`]) is planned into the spec but the runtime
/// does not break circuits yet, so it stays unsupported until it does.
const SERVICE_IMPLEMENTED: [&str; 19] = [
    "router",
    ROUTER_LEGACY_NAMESPACE,
    BUILD_NAMESPACE,
    crate::model::server::NAMESPACE,
    "security/bot-detector",
    BOT_DETECTOR_LEGACY_KEY,
    "security/cors",
    CORS_LEGACY_KEY,
    "security/http",
    HTTP_SECURITY_LEGACY_KEY,
    crate::model::telemetry::logging::NAMESPACE,
    crate::model::telemetry::logging::LEGACY_NAMESPACE,
    crate::model::telemetry::opentelemetry::NAMESPACE,
    crate::model::telemetry::gelf::NAMESPACE,
    crate::model::telemetry::gelf::LEGACY_NAMESPACE,
    crate::model::telemetry::logstash::NAMESPACE,
    crate::model::telemetry::logstash::LEGACY_NAMESPACE,
    crate::model::telemetry::metrics::NAMESPACE,
    crate::model::telemetry::metrics::LEGACY_NAMESPACE,
];
/// `security/cors` at the endpoint level is here because gwc does what CE
/// does with it, ignore it (an Enterprise feature); GW600 warns about it.
/// So is `security/http`: CE ignores it there (krakend-components §1.3),
/// and so does gwc: GW620 warns, the build goes on with CE's meaning.
///
/// `qos/ratelimit/router`'s v1 name is here for the same reason: KrakenD CE
/// no longer reads it (since v2.4.1), and neither does gwc; GW708 reports it.
const ENDPOINT_IMPLEMENTED: [&str; 17] = [
    "proxy",
    // Its endpoint override (`proxy`) tunes CE's proxy-stage span and
    // metric, which gwc does not make (README, differences).
    crate::model::telemetry::opentelemetry::NAMESPACE,
    PROXY_LEGACY_KEY,
    "security/bot-detector",
    BOT_DETECTOR_LEGACY_KEY,
    "security/cors",
    CORS_LEGACY_KEY,
    "security/http",
    HTTP_SECURITY_LEGACY_KEY,
    crate::model::traffic::ratelimit_router::NAMESPACE,
    crate::model::traffic::ratelimit_router::JUJU_NAMESPACE,
    "auth/signer",
    SIGNER_LEGACY_KEY,
    crate::model::validation::json_schema::NAMESPACE,
    crate::model::validation::json_schema::LEGACY_NAMESPACE,
    crate::model::validation::cel::NAMESPACE,
    CEL_LEGACY_KEY,
];
/// `validation/cel`'s long name, which CE still reads.
const CEL_LEGACY_KEY: &str = "github.com/devopsfaith/krakend-cel";
/// `qos/http-cache`'s long name, the one `krakend-httpcache` reads.
const HTTP_CACHE_LEGACY_KEY: &str = "github.com/devopsfaith/krakend-httpcache";
/// `auth/signer`'s long name, which CE still reads.
const SIGNER_LEGACY_KEY: &str = "github.com/devopsfaith/krakend-jose/signer";
/// `security/bot-detector`'s long name, which CE still reads.
const BOT_DETECTOR_LEGACY_KEY: &str = "github_com/devopsfaith/krakend-botdetector";
/// `security/cors`'s long name, which CE still reads.
const CORS_LEGACY_KEY: &str = "github_com/devopsfaith/krakend-cors";
/// `security/http`'s long name, which CE still reads.
const HTTP_SECURITY_LEGACY_KEY: &str = "github_com/devopsfaith/krakend-httpsecure";
/// `auth/validator` (endpoint level; its service level holds
/// `shared_cache_duration`) and its long name, which CE still reads.
const VALIDATOR_IMPLEMENTED: [&str; 2] = [
    "auth/validator",
    "github.com/devopsfaith/krakend-jose/validator",
];
/// `qos/ratelimit/proxy`'s v1 name is here as the router's is: KrakenD CE
/// does not read it, neither does gwc; GW715 reports it.
const BACKEND_IMPLEMENTED: [&str; 19] = [
    "proxy",
    // The backend's own `backend` layer (CE's `mergedBackendOpts`).
    crate::model::telemetry::opentelemetry::NAMESPACE,
    PROXY_LEGACY_KEY,
    "backend/http",
    BACKEND_HTTP_LEGACY_KEY,
    "qos/circuit-breaker",
    CIRCUIT_BREAKER_LEGACY_KEY,
    crate::model::modifier::martian::NAMESPACE,
    crate::model::modifier::martian::LEGACY_NAMESPACE,
    crate::model::traffic::http_cache::NAMESPACE,
    HTTP_CACHE_LEGACY_KEY,
    crate::model::validation::cel::NAMESPACE,
    CEL_LEGACY_KEY,
    lb::LOADBALANCER_NAMESPACE,
    lb::HEALTHCHECK_NAMESPACE,
    lb::FAILOVER_NAMESPACE,
    lb::HTTP_CLIENT_NAMESPACE,
    crate::model::traffic::ratelimit_proxy::NAMESPACE,
    crate::model::traffic::ratelimit_proxy::JUJU_NAMESPACE,
];

/// Which rule a finding belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A whole namespace (GW901).
    Namespace,
    /// A key or a namespace field (GW902).
    Option,
    /// A backend host the runtime cannot call (GW904).
    Host,
}

/// Where a finding is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    /// The root.
    Service,
    /// An endpoint, by path.
    Endpoint(String),
    /// A backend, by endpoint path and index.
    Backend(String, usize),
}

impl Level {
    /// `` of endpoint `/x` ``, `` of backend #1 of `/x` ``, or empty.
    pub fn suffix(&self) -> String {
        match self {
            Level::Service => String::new(),
            Level::Endpoint(p) => format!(" in endpoint `{p}`"),
            Level::Backend(p, i) => format!(" in backend #{i} of `{p}`"),
        }
    }
}

/// One setting gwc would ignore.
#[derive(Clone, Debug)]
pub struct Finding {
    /// GW901 or GW902.
    pub kind: Kind,
    /// The name to accept it by (as written).
    pub name: String,
    /// Another name that accepts it (the short form of a legacy namespace).
    pub alias: Option<&'static str>,
    /// Where to point: the key.
    pub span: Span,
    /// Where it is.
    pub level: Level,
    /// What gwc's gateway does instead (for the label).
    pub consequence: &'static str,
    /// What KrakenD does with it (a namespace's schema description).
    pub about: Option<&'static str>,
}

impl Finding {
    /// Whether `entry` accepts this finding: the same name, or the same
    /// namespace under its long legacy or its short name.
    pub fn accepted_by(&self, entry: &str) -> bool {
        let canonical = |n: &str| short_namespace(n).map_or_else(|| n.to_string(), str::to_string);
        entry == self.name || canonical(entry) == canonical(&self.name)
    }
}

/// Every setting of the config that gwc would ignore, in source order.
pub fn findings(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let config = cx.config;
    namespaces(
        &config.extra.namespaces,
        "/$defs/service_extra_config",
        &SERVICE_IMPLEMENTED,
        &Level::Service,
        &mut out,
    );
    root_options(config.raw, &mut out);
    if let Some(tls) = config.raw.get("client_tls") {
        tls_options(tls, "client_tls", &Level::Service, &mut out);
    }
    if let Some(router) = implemented(
        &config.extra.namespaces,
        &["router", ROUTER_LEGACY_NAMESPACE],
    ) {
        router_options(router, &mut out);
    }
    if let Some(otel) = implemented(
        &config.extra.namespaces,
        &[crate::model::telemetry::opentelemetry::NAMESPACE],
    ) {
        otel_options(otel, &mut out);
    }
    for ep in &config.endpoints {
        endpoint(ep, &mut out);
    }
    out.sort_by_key(|f| f.span.start);
    out
}

const SCHEME_CONSEQUENCE: &str =
    "gwc gateways call http:// and https:// hosts only: accepting it leaves this endpoint out";

fn host_finding(host: &str, span: Span, level: &Level, consequence: &'static str) -> Finding {
    Finding {
        kind: Kind::Host,
        name: host.to_string(),
        alias: None,
        span,
        level: level.clone(),
        consequence,
        about: None,
    }
}

/// A backend's own hosts the runtime cannot call: a scheme other than
/// http/https (possible with `disable_host_sanitize`).
fn backend_hosts(b: &Backend<'_>, level: &Level, out: &mut Vec<Finding>) {
    let Some((_, entries)) = host_entries(b.raw) else {
        return;
    };
    for n in entries {
        let Some(h) = n.as_str() else { continue };
        let url = if b.disable_host_sanitize {
            h.to_string()
        } else {
            match sanitize_host(h) {
                Sanitized::Valid { cleaned, .. } => cleaned,
                // GW404's finding.
                Sanitized::Invalid { .. } => continue,
            }
        };
        if !crate::plan::is_callable_host(&url) {
            out.push(host_finding(h, n.span, level, SCHEME_CONSEQUENCE));
        }
    }
}

fn endpoint(ep: &Endpoint<'_>, out: &mut Vec<Finding>) {
    let path = ep
        .path
        .as_ref()
        .map_or_else(String::new, |p| p.value.clone());
    let level = Level::Endpoint(path.clone());
    namespaces(
        &ep.extra.namespaces,
        "/$defs/endpoint_extra_config",
        &ENDPOINT_IMPLEMENTED,
        &level,
        out,
    );
    if let Some(proxy) = implemented(&ep.extra.namespaces, &["proxy", PROXY_LEGACY_KEY]) {
        let combiner = proxy.get("combiner").and_then(Node::as_str);
        if combiner.is_some_and(|c| !c.is_empty()) {
            push_field(
                out,
                proxy,
                "combiner",
                "proxy.combiner",
                &level,
                "the backends' responses would be merged the default way",
            );
        }
        let strategy = proxy.get("strategy").and_then(Node::as_str);
        if strategy.is_some_and(|s| !matches!(s, "" | "parallel" | "sequential")) {
            push_field(
                out,
                proxy,
                "strategy",
                "proxy.strategy",
                &level,
                "the backends would be merged in parallel",
            );
        }
        for field in ["decompress_gzip", "max_payload"] {
            push_field(
                out,
                proxy,
                field,
                &format!("proxy.{field}"),
                &level,
                "gwc would ignore it",
            );
        }
    }
    if let Some(v) = &ep.extra.validator {
        key_set_options(
            "auth/validator",
            &v.key_set(),
            "ring cannot verify ES512 (P-521) signatures: every token would be refused with 401",
            &level,
            out,
        );
    }
    if let Some(s) = &ep.extra.signer {
        key_set_options(
            "auth/signer",
            &s.key_set(),
            "ring cannot sign ES512 (P-521): the endpoint would answer 401 to every request",
            &level,
            out,
        );
    }
    for b in &ep.backends {
        backend(&path, b, out);
    }
}

fn backend(path: &str, b: &Backend<'_>, out: &mut Vec<Finding>) {
    let level = Level::Backend(path.to_string(), b.index);
    namespaces(
        &b.extra.namespaces,
        "/$defs/backend_extra_config",
        &BACKEND_IMPLEMENTED,
        &level,
        out,
    );
    backend_hosts(b, &level, out);
    for (client, host) in gwc::http_clients(b) {
        if let Some(tls) = client.tls {
            let name = match host {
                None => format!("{}.tls", lb::HTTP_CLIENT_NAMESPACE),
                Some(_) => format!("{}.hosts.http.tls", lb::LOADBALANCER_NAMESPACE),
            };
            tls_options(tls, &name, &level, out);
        }
    }
    if let Some(sd) = &b.sd
        && !matches!(sd.value.as_str(), "" | "static")
    {
        out.push(option(
            sd,
            "sd",
            &level,
            "the hosts would be called as written, not resolved",
        ));
    }
    if let Some(m) = &b.method
        && !m.value.is_empty()
        && Method::from_upper(&m.value.to_ascii_uppercase()).is_none()
    {
        out.push(option(
            m,
            "method",
            &level,
            "gwc cannot send this method: the endpoint's would be sent",
        ));
    }
    if let Some(proxy) = implemented(&b.extra.namespaces, &["proxy", PROXY_LEGACY_KEY])
        && proxy.get("shadow").and_then(Node::as_bool) == Some(true)
        && proxy
            .get("shadow_timeout")
            .and_then(Node::as_str)
            .is_some_and(|t| parse_go_duration(t).is_ok())
    {
        push_field(
            out,
            proxy,
            "shadow_timeout",
            "proxy.shadow_timeout",
            &level,
            "the shadow request would get the endpoint timeout",
        );
    }
}

/// The implemented namespace object among `keys` that the model reads (the
/// first name present, as the model prefers the short one).
fn implemented<'a>(namespaces: &[(&'a str, Span, &'a Node)], keys: &[&str]) -> Option<&'a Node> {
    keys.iter().find_map(|k| {
        namespaces
            .iter()
            .rev()
            .find(|(key, _, n)| key == k && n.as_object().is_some())
            .map(|(_, _, n)| *n)
    })
}

fn namespaces(
    present: &[(&str, Span, &Node)],
    location: &str,
    implemented: &[&str],
    level: &Level,
    out: &mut Vec<Finding>,
) {
    let known = schema::subschema(location).and_then(|s| s.get("properties"));
    for (i, (key, span, _)) in present.iter().enumerate() {
        // A duplicate key counts once, at its last (effective) place.
        if present[i + 1..].iter().any(|(k, _, _)| k == key)
            || implemented.contains(key)
            || (location != "/$defs/backend_extra_config" && VALIDATOR_IMPLEMENTED.contains(key))
            || known.is_none_or(|k| k.get(*key).is_none())
        {
            continue;
        }
        let about = known
            .and_then(|k| k.get(*key))
            .and_then(|n| n.get("description"))
            .and_then(serde_json::Value::as_str);
        out.push(Finding {
            kind: Kind::Namespace,
            name: (*key).to_string(),
            alias: short_namespace(key),
            span: *span,
            level: level.clone(),
            consequence: "gwc cannot honour this namespace",
            about,
        });
    }
}

fn root_options(root: &Node, out: &mut Vec<Finding>) {
    let Some(members) = root.as_object() else {
        return;
    };
    for m in members {
        let v = &m.value;
        let consequence = match m.key.as_str() {
            "tls" if v.get("disabled").and_then(Node::as_bool) != Some(true) => {
                "the gateway would serve plain HTTP"
            }
            "plugin" => "gwc cannot load Go plugins",
            "async_agent" if v.as_array().is_some_and(|a| !a.is_empty()) => {
                "the async agents would not run"
            }
            _ => continue,
        };
        out.push(Finding {
            kind: Kind::Option,
            name: m.key.clone(),
            alias: None,
            span: m.key_span,
            level: Level::Service,
            consequence,
            about: None,
        });
    }
}

/// The parts of `telemetry/opentelemetry` gwc does not build yet: the
/// Prometheus and OTLP exporters, `skip_paths` and the `layers` switches
/// and static attributes are built (OTLP without TLS); headers in spans
/// (`report_headers`), `semantic_convention`, a Prometheus exporter's
/// Go/process metrics or `disable_metrics` and an `https://` collector
/// are not.
fn otel_options(otel: &Node, out: &mut Vec<Finding>) {
    const NS: &str = "telemetry/opentelemetry";
    let mut push = |name: String, span: Span, consequence: &'static str| {
        out.push(Finding {
            kind: Kind::Option,
            name,
            alias: None,
            span,
            level: Level::Service,
            consequence,
            about: None,
        });
    };
    let Some(members) = otel.as_object() else {
        return;
    };
    for m in members {
        match m.key.as_str() {
            "layers" => {
                let global = m.value.get("global");
                let backend_traces = m.value.get("backend").and_then(|b| b.get("traces"));
                for (path, layer) in [("global", global), ("backend.traces", backend_traces)] {
                    for f in layer.and_then(Node::as_object).unwrap_or_default() {
                        let unbuilt = match f.key.as_str() {
                            "report_headers" => f.value.as_bool() == Some(true),
                            "semantic_convention" => {
                                f.value.as_str().is_some_and(|v| !v.is_empty())
                            }
                            _ => false,
                        };
                        if unbuilt {
                            push(
                                format!("{NS}.layers.{path}.{}", f.key),
                                f.key_span,
                                if f.key == "report_headers" {
                                    "gwc would put no header in its spans"
                                } else {
                                    "gwc would keep CE's default metric names"
                                },
                            );
                        }
                    }
                }
            }
            "exporters" => {
                let Some(exporters) = m.value.as_object() else {
                    continue;
                };
                for e in exporters {
                    match e.key.as_str() {
                        "otlp" => {
                            for o in e.value.as_array().unwrap_or_default() {
                                for f in o.as_object().unwrap_or_default() {
                                    if f.key == "host"
                                        && f.value.as_str().is_some_and(|h| {
                                            h.get(..8)
                                                .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
                                        })
                                    {
                                        push(
                                            format!("{NS}.exporters.otlp.host"),
                                            f.value.span,
                                            "gwc sends OTLP without TLS only: it would send this exporter's data in clear text",
                                        );
                                    }
                                }
                            }
                        }
                        "prometheus" => {
                            for p in e.value.as_array().unwrap_or_default() {
                                for f in p.as_object().unwrap_or_default() {
                                    if matches!(
                                        f.key.as_str(),
                                        "go_metrics" | "process_metrics" | "disable_metrics"
                                    ) && f.value.as_bool() == Some(true)
                                    {
                                        push(
                                            format!("{NS}.exporters.prometheus.{}", f.key),
                                            f.key_span,
                                            "gwc would ignore it",
                                        );
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

fn router_options(router: &Node, out: &mut Vec<Finding>) {
    let Some(members) = router.as_object() else {
        return;
    };
    for m in members {
        let v = &m.value;
        let on = v.as_bool() == Some(true);
        let consequence = match m.key.as_str() {
            "app_engine" if on => {
                "`X-Appengine-Remote-Addr` would not be read: the client IP would come from `remote_ip_headers` or the peer"
            }
            "decompress_gzip" | "max_payload" => "gwc would ignore it",
            _ => continue,
        };
        out.push(Finding {
            kind: Kind::Option,
            name: format!("router.{}", m.key),
            alias: None,
            span: m.key_span,
            level: Level::Service,
            consequence,
            about: None,
        });
    }
}

/// The `client_tls` fields rustls cannot honour: protocol versions below
/// TLS 1.2, and Go's curve and cipher-suite lists (rustls picks its own
/// safe sets). `prefix` names the object (`client_tls`).
fn tls_options(tls: &Node, prefix: &str, level: &Level, out: &mut Vec<Finding>) {
    let old_version = |n: &Node| {
        n.as_str()
            .is_some_and(|v| matches!(v, "SSL3.0" | "TLS10" | "TLS11"))
    };
    let listed = |n: &Node| n.as_array().is_some_and(|a| !a.is_empty());
    let fields: [(&str, &NodeTest, &str); 4] = [
        ("min_version", &old_version, TLS_VERSION_CONSEQUENCE),
        ("max_version", &old_version, TLS_VERSION_CONSEQUENCE),
        ("curve_preferences", &listed, TLS_LIST_CONSEQUENCE),
        ("cipher_suites", &listed, TLS_LIST_CONSEQUENCE),
    ];
    for (field, unsupported, consequence) in fields {
        if tls.get(field).is_some_and(unsupported) {
            let name = format!("{prefix}.{field}");
            push_field(out, tls, field, &name, level, consequence);
        }
    }
}

type NodeTest<'a> = dyn Fn(&Node) -> bool + 'a;

const TLS_VERSION_CONSEQUENCE: &str =
    "gwc speaks TLS 1.2 and 1.3 only: TLS 1.2 would be used instead";
const TLS_LIST_CONSEQUENCE: &str = "rustls's default (safe) set would be used instead";

fn push_field(
    out: &mut Vec<Finding>,
    ns: &Node,
    field: &str,
    name: &str,
    level: &Level,
    consequence: &'static str,
) {
    if let Some(m) = ns.member(field) {
        out.push(Finding {
            kind: Kind::Option,
            name: name.to_string(),
            alias: None,
            span: m.key_span,
            level: level.clone(),
            consequence,
            about: None,
        });
    }
}

fn option<T>(v: &Spanned<T>, name: &str, level: &Level, consequence: &'static str) -> Finding {
    Finding {
        kind: Kind::Option,
        name: name.to_string(),
        alias: None,
        span: v.key_span,
        level: level.clone(),
        consequence,
        about: None,
    }
}

/// The `auth/validator` and `auth/signer` settings gwc cannot honour
/// (`namespace` names which): `alg: ES512` (ring has no P-521, so
/// `es512` says what the endpoint would do), `secret_url`/`cypher_key`
/// (gocloud secret keepers), and `cipher_suites` entries rustls does not
/// implement (CBC and RSA key exchange suites; the ECDHE AEAD ones, CE's
/// default list, and the TLS 1.3 ids, which Go ignores, are fine).
fn key_set_options(
    namespace: &str,
    k: &crate::model::security::validator::KeySet<'_>,
    es512: &'static str,
    level: &Level,
    out: &mut Vec<Finding>,
) {
    if let Some(alg) = k.alg.filter(|a| a.value == "ES512") {
        out.push(option(alg, &format!("{namespace}.alg"), level, es512));
    }
    for (field, value) in [("secret_url", k.secret_url), ("cypher_key", k.cypher_key)] {
        if let Some(s) = value.filter(|s| !s.value.is_empty()) {
            out.push(option(
                s,
                &format!("{namespace}.{field}"),
                level,
                "gwc does not decrypt key sets: `jwk_local_path` would be read as plain JSON",
            ));
        }
    }
    const RUSTLS_SUITES: [i64; 9] = [
        0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca8, 0xcca9, 0x1301, 0x1302, 0x1303,
    ];
    if let Some(first) = k
        .cipher_suites
        .iter()
        .find(|c| !RUSTLS_SUITES.contains(&c.value))
    {
        out.push(Finding {
            kind: Kind::Option,
            name: format!("{namespace}.cipher_suites"),
            alias: None,
            span: first.span,
            level: level.clone(),
            consequence: "rustls has only the ECDHE AEAD suites (CE's default list): the others would not be offered to the JWKS server",
            about: None,
        });
    }
}

/// One entry of the opt-out list.
#[derive(Clone, Debug)]
pub struct Accepted<'a> {
    /// The name.
    pub name: String,
    /// The config's string node; `None` for `--allow-unsupported`.
    pub node: Option<&'a Node>,
}

/// The root's `gwc/build.allow_unsupported` array, when written.
pub fn allow_list<'a>(cx: &Context<'a>) -> Option<&'a Node> {
    cx.config
        .extra
        .get(BUILD_NAMESPACE)
        .and_then(|(_, ns)| ns.get(ALLOW_KEY))
        .filter(|n| n.as_array().is_some())
}

/// The opt-out list: `gwc/build.allow_unsupported` (root) and the command
/// line's `--allow-unsupported`.
pub fn accepted<'a>(cx: &Context<'a>) -> Vec<Accepted<'a>> {
    let mut out: Vec<Accepted<'a>> = allow_list(cx)
        .and_then(Node::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|n| {
                    Some(Accepted {
                        name: n.as_str()?.to_string(),
                        node: Some(n),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    out.extend(cx.options.allow_unsupported.iter().map(|name| Accepted {
        name: name.clone(),
        node: None,
    }));
    out
}

/// The findings of `kind` nobody accepted.
pub fn unaccepted(cx: &Context<'_>, kind: Kind) -> Vec<Finding> {
    let accepted = accepted(cx);
    findings(cx)
        .into_iter()
        .filter(|f| f.kind == kind && !accepted.iter().any(|a| f.accepted_by(&a.name)))
        .collect()
}

/// The help line for a finding: how to accept it.
pub fn accept_help(f: &Finding) -> String {
    let fix = match f.kind {
        Kind::Host => "point the backend at an `http://` host",
        Kind::Namespace | Kind::Option => "remove it",
    };
    format!(
        "{fix}, or accept running without it: list `\"{name}\"` in the root's \
         `extra_config.\"{BUILD_NAMESPACE}\".{ALLOW_KEY}` (or pass `--allow-unsupported {name}`)",
        name = f.name
    )
}
