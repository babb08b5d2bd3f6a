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
    /// `skip_paths` (string entries).
    pub skip_paths: Option<Spanned<Vec<Spanned<String>>>>,
    /// The key of `histograms`, which CE v0.14.4 does not read.
    pub histograms: Option<Span>,
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
            skip_paths: f.string_list("skip_paths"),
            histograms: f.node("histograms").map(|m| m.key_span),
        }
    }
}
