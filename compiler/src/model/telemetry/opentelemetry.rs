//! `telemetry/opentelemetry` (service level; krakend-components §8): the
//! exporters as written. Read leniently, as every namespace: a value of
//! the wrong type is left out and GW802 reports it.

use crate::model::{Fields, Spanned};
use crate::syntax::{Node, Span};

/// The namespace's key.
pub const NAMESPACE: &str = "telemetry/opentelemetry";

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct OpenTelemetry {
    /// The namespace's key span.
    pub key_span: Span,
    /// `exporters.prometheus[]` (object entries only), in order.
    pub prometheus: Vec<PrometheusExporter>,
    /// The `name` of each `exporters.otlp[]` entry that has one, in order.
    pub otlp_names: Vec<Spanned<String>>,
    /// `exporters.otlp[]` (object entries only), in order.
    pub otlp: Vec<OtlpExporter>,
    /// `service_name`.
    pub service_name: Option<Spanned<String>>,
    /// `service_version`.
    pub service_version: Option<Spanned<String>>,
    /// `deploy_env`.
    pub deploy_env: Option<Spanned<String>>,
    /// `trace_sample_rate`.
    pub trace_sample_rate: Option<Spanned<f64>>,
    /// `metric_reporting_period` (seconds).
    pub metric_reporting_period: Option<Spanned<i64>>,
    /// `layers.global`.
    pub global: Option<GlobalLayer>,
    /// `layers.backend` (service level), or the namespace's own `backend`
    /// (a backend's override, which replaces it).
    pub backend: Option<BackendLayer>,
    /// The namespace's own `backend` (read at the backend level).
    pub backend_override: Option<BackendLayer>,
    /// `layers.proxy` (service level).
    pub proxy: Option<ProxyLayer>,
    /// The namespace's own `proxy` (an endpoint's override, which
    /// replaces `layers.proxy`).
    pub proxy_override: Option<ProxyLayer>,
    /// `skip_paths` (string entries).
    pub skip_paths: Option<Spanned<Vec<Spanned<String>>>>,
    /// The key of `histograms`, which CE v0.14.4 does not read.
    pub histograms: Option<Span>,
}

/// A `{ "key": …, "value": … }` static attribute (string entries only).
#[derive(Clone, Debug)]
pub struct Attribute {
    /// `key`.
    pub key: Spanned<String>,
    /// `value`.
    pub value: Spanned<String>,
}

/// `layers.global`.
#[derive(Clone, Debug, Default)]
pub struct GlobalLayer {
    /// `disable_metrics`.
    pub disable_metrics: Option<Spanned<bool>>,
    /// `disable_traces`.
    pub disable_traces: Option<Spanned<bool>>,
    /// `disable_propagation`.
    pub disable_propagation: Option<Spanned<bool>>,
    /// `metrics_static_attributes`.
    pub metrics_static_attributes: Vec<Attribute>,
    /// `traces_static_attributes`.
    pub traces_static_attributes: Vec<Attribute>,
}

/// `layers.proxy` (or an endpoint's override): the metric side.
#[derive(Clone, Debug, Default)]
pub struct ProxyLayer {
    /// `disable_metrics`.
    pub disable_metrics: Option<Spanned<bool>>,
    /// `metrics_static_attributes`.
    pub metrics_static_attributes: Vec<Attribute>,
}

fn proxy_layer(node: &Node) -> ProxyLayer {
    ProxyLayer {
        disable_metrics: Fields(node).bool("disable_metrics"),
        metrics_static_attributes: attributes(node.get("metrics_static_attributes")),
    }
}

/// `layers.backend` (or a backend's override).
#[derive(Clone, Debug, Default)]
pub struct BackendLayer {
    /// `metrics` (absent: CE's all-on defaults).
    pub metrics: Option<BackendSide>,
    /// `traces` (absent: CE's all-on defaults).
    pub traces: Option<BackendSide>,
}

/// `layers.backend.metrics` or `.traces`: when present, a missing
/// boolean is false (krakend-components §8.1).
#[derive(Clone, Debug, Default)]
pub struct BackendSide {
    /// The object's key span.
    pub key_span: Span,
    /// `disable_stage`.
    pub disable_stage: Option<Spanned<bool>>,
    /// `round_trip`.
    pub round_trip: Option<Spanned<bool>>,
    /// `static_attributes`.
    pub static_attributes: Vec<Attribute>,
}

fn attributes(node: Option<&Node>) -> Vec<Attribute> {
    node.and_then(Node::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|n| {
                    let f = Fields(n);
                    Some(Attribute {
                        key: f.string("key")?,
                        value: f.string("value")?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn backend_layer(node: &Node) -> BackendLayer {
    let side = |key: &str| {
        let m = Fields(node).node(key)?;
        m.value.as_object()?;
        let f = Fields(&m.value);
        Some(BackendSide {
            key_span: m.key_span,
            disable_stage: f.bool("disable_stage"),
            round_trip: f.bool("round_trip"),
            static_attributes: attributes(m.value.get("static_attributes")),
        })
    };
    BackendLayer {
        metrics: side("metrics"),
        traces: side("traces"),
    }
}

/// One `exporters.prometheus[]` entry.
#[derive(Clone, Debug)]
pub struct PrometheusExporter {
    /// The entry's span.
    pub span: Span,
    /// `name`.
    pub name: Option<Spanned<String>>,
    /// `port` (0 or absent: CE's 9090).
    pub port: Option<Spanned<i64>>,
    /// `host` (the listen host CE reads; "" or absent: every interface).
    pub host: Option<Spanned<String>>,
    /// `listen_ip`: in the schema, ignored by CE v0.14.4.
    pub listen_ip: Option<Spanned<String>>,
}

/// One `exporters.otlp[]` entry.
#[derive(Clone, Debug)]
pub struct OtlpExporter {
    /// The entry's span.
    pub span: Span,
    /// `name`.
    pub name: Option<Spanned<String>>,
    /// `host` (CE: "" is `localhost`; may start with `http://` or `https://`).
    pub host: Option<Spanned<String>>,
    /// `port` (0 or absent: CE's 4317, with or without `use_http`).
    pub port: Option<Spanned<i64>>,
    /// `use_http`.
    pub use_http: Option<Spanned<bool>>,
    /// `disable_metrics`.
    pub disable_metrics: Option<Spanned<bool>>,
    /// `disable_traces`.
    pub disable_traces: Option<Spanned<bool>>,
    /// `custom_metric_reporting_period` (seconds).
    pub custom_metric_reporting_period: Option<Spanned<i64>>,
}

impl OpenTelemetry {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &Node) -> Self {
        let prometheus = node
            .get("exporters")
            .and_then(|e| e.get("prometheus"))
            .and_then(Node::as_array)
            .map(|list| {
                list.iter()
                    .filter(|n| n.as_object().is_some())
                    .map(|n| {
                        let f = Fields(n);
                        PrometheusExporter {
                            span: n.span,
                            name: f.string("name"),
                            port: f.int("port"),
                            host: f.string("host"),
                            listen_ip: f.string("listen_ip"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let otlp_names = node
            .get("exporters")
            .and_then(|e| e.get("otlp"))
            .and_then(Node::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|n| Fields(n).string("name"))
                    .collect()
            })
            .unwrap_or_default();
        let otlp = node
            .get("exporters")
            .and_then(|e| e.get("otlp"))
            .and_then(Node::as_array)
            .map(|list| {
                list.iter()
                    .filter(|n| n.as_object().is_some())
                    .map(|n| {
                        let f = Fields(n);
                        OtlpExporter {
                            span: n.span,
                            name: f.string("name"),
                            host: f.string("host"),
                            port: f.int("port"),
                            use_http: f.bool("use_http"),
                            disable_metrics: f.bool("disable_metrics"),
                            disable_traces: f.bool("disable_traces"),
                            custom_metric_reporting_period: f.int("custom_metric_reporting_period"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let f = Fields(node);
        // An object under the namespace (an endpoint's or backend's own
        // layer), or under its `layers`.
        let own = |key: &str| node.get(key).filter(|n| n.as_object().is_some());
        let layer = |key: &str| {
            node.get("layers")
                .and_then(|l| l.get(key))
                .filter(|n| n.as_object().is_some())
        };
        OpenTelemetry {
            key_span,
            prometheus,
            otlp_names,
            otlp,
            service_name: f.string("service_name"),
            service_version: f.string("service_version"),
            deploy_env: f.string("deploy_env"),
            trace_sample_rate: f.number("trace_sample_rate"),
            metric_reporting_period: f.int("metric_reporting_period"),
            global: layer("global").map(|g| {
                let f = Fields(g);
                GlobalLayer {
                    disable_metrics: f.bool("disable_metrics"),
                    disable_traces: f.bool("disable_traces"),
                    disable_propagation: f.bool("disable_propagation"),
                    metrics_static_attributes: attributes(g.get("metrics_static_attributes")),
                    traces_static_attributes: attributes(g.get("traces_static_attributes")),
                }
            }),
            backend: layer("backend").map(backend_layer),
            backend_override: own("backend").map(backend_layer),
            proxy: layer("proxy").map(proxy_layer),
            proxy_override: own("proxy").map(proxy_layer),
            skip_paths: f.string_list("skip_paths"),
            histograms: f.node("histograms").map(|m| m.key_span),
        }
    }
}
