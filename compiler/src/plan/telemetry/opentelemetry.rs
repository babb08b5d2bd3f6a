//! `telemetry/opentelemetry`, planned: the Prometheus exporters' listen
//! addresses with CE's defaults applied (krakend-components §8.1).

use crate::model::telemetry::OpenTelemetry;
use crate::model::telemetry::opentelemetry::{Attribute, BackendLayer, ProxyLayer};

/// CE's `skip_paths` when the list is absent or empty (`config/config.go`).
pub const DEFAULT_SKIP_PATHS: [&str; 4] = ["/__health", "/__debug/", "/__echo/", "/__stats/"];

/// CE's exporter port when `port` is 0 or absent.
pub const DEFAULT_PORT: u16 = 9090;

/// What the runtime needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Otel {
    /// `(name, HOST:PORT)` per Prometheus exporter, in config order.
    pub prometheus: Vec<(String, String)>,
    /// The OTLP exporters, in config order.
    pub otlp: Vec<Otlp>,
    /// `service_name`, else the root `name`, else `KrakenD` (CE's
    /// `config/lura.go`).
    pub service_name: String,
    /// `service_version`.
    pub service_version: String,
    /// `deploy_env`.
    pub deploy_env: String,
    /// `trace_sample_rate` (CE's default 1).
    pub trace_sample_rate: f64,
    /// `metric_reporting_period` in seconds (CE's default 30).
    pub metric_reporting_period_s: u64,
    /// `skip_paths`, CE's defaults when absent or empty.
    pub skip_paths: Vec<String>,
    /// `layers.global`.
    pub global: Global,
    /// `layers.backend`.
    pub backend: Backend,
    /// Backends with their own `telemetry/opentelemetry` `backend` (which
    /// replaces the service's): (endpoint path, endpoint method, backend
    /// index, layer).
    pub backend_overrides: Vec<(String, String, usize, Backend)>,
    /// `layers.proxy`.
    pub proxy: Proxy,
    /// Endpoints with their own `telemetry/opentelemetry` `proxy` (which
    /// replaces the service's): (endpoint path, endpoint method, layer).
    pub proxy_overrides: Vec<(String, String, Proxy)>,
}

/// `layers.proxy` (CE's `PipeOpts`): its metric side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// `krakend_proxy_duration` (not `disable_metrics`).
    pub metrics: bool,
    /// `metrics_static_attributes`.
    pub metric_attrs: Vec<Attr>,
}

/// A proxy layer; absent, CE's zero `PipeOpts` (metrics on).
pub fn proxy(l: Option<&ProxyLayer>) -> Proxy {
    Proxy {
        metrics: !l.is_some_and(|l| l.disable_metrics.as_ref().is_some_and(|b| b.value)),
        metric_attrs: l
            .map(|l| attrs(&l.metrics_static_attributes))
            .unwrap_or_default(),
    }
}

/// A static attribute: the OpenTelemetry key, the Prometheus label name
/// (CE's exporter turns each invalid character into `_`), the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    /// `key`.
    pub key: String,
    /// The Prometheus label.
    pub label: String,
    /// `value`.
    pub value: String,
}

/// `layers.global`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Global {
    /// `http_server_duration` is recorded.
    pub metrics: bool,
    /// The server span is made.
    pub traces: bool,
    /// A client's `traceparent` is read.
    pub propagation: bool,
    /// `metrics_static_attributes`.
    pub metric_attrs: Vec<Attr>,
    /// `traces_static_attributes`.
    pub trace_attrs: Vec<Attr>,
}

/// `layers.backend` with CE's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    /// `krakend_backend_duration` (not `metrics.disable_stage`).
    pub stage_metrics: bool,
    /// `http_client_request_*` (`metrics.round_trip`).
    pub round_trip_metrics: bool,
    /// The client span and its `traceparent` (`traces.round_trip`).
    pub traces: bool,
    /// `metrics.static_attributes`.
    pub metric_attrs: Vec<Attr>,
    /// `traces.static_attributes`.
    pub trace_attrs: Vec<Attr>,
}

/// CE's Prometheus label for an attribute key: every character but ASCII
/// letters, digits and `_` becomes `_`; a leading digit gets `key_`.
pub fn label(key: &str) -> String {
    let mut out: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "key_");
    }
    out
}

/// CE keeps a static attribute whose key and value are both non-empty.
fn attrs(list: &[Attribute]) -> Vec<Attr> {
    list.iter()
        .filter(|a| !a.key.value.is_empty() && !a.value.value.is_empty())
        .map(|a| Attr {
            key: a.key.value.clone(),
            label: label(&a.key.value),
            value: a.value.value.clone(),
        })
        .collect()
}

/// A backend layer with CE's defaults: an absent `metrics` or `traces`
/// object is all on; a present one's missing booleans are false.
pub fn backend(l: Option<&BackendLayer>) -> Backend {
    let on = |v: &Option<crate::model::Spanned<bool>>| v.as_ref().is_some_and(|b| b.value);
    let m = l.and_then(|l| l.metrics.as_ref());
    let t = l.and_then(|l| l.traces.as_ref());
    Backend {
        stage_metrics: m.is_none_or(|m| !on(&m.disable_stage)),
        round_trip_metrics: m.is_none_or(|m| on(&m.round_trip)),
        traces: t.is_none_or(|t| on(&t.round_trip)),
        metric_attrs: m.map(|m| attrs(&m.static_attributes)).unwrap_or_default(),
        trace_attrs: t.map(|t| attrs(&t.static_attributes)).unwrap_or_default(),
    }
}

/// One OTLP exporter, as written (the runtime resolves the address the
/// way CE does, so `--otlp` can override it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Otlp {
    /// `name`.
    pub name: String,
    /// `host` as written.
    pub host: String,
    /// `port` (0: CE's 4317).
    pub port: u16,
    /// `use_http`.
    pub use_http: bool,
    /// `disable_metrics`.
    pub disable_metrics: bool,
    /// `disable_traces`.
    pub disable_traces: bool,
    /// `custom_metric_reporting_period` (0: the service's).
    pub metric_reporting_period_s: u64,
}

/// The exporter's address as CE builds it (`fmt.Sprintf("%s:%d", host,
/// port)`): `host` as written, every interface when empty (`0.0.0.0`, or
/// `[::]`-style brackets for an IPv6 literal); `listen_ip` is not read, as
/// CE v0.14.4 does not read it.
pub fn listen(host: Option<&str>, port: Option<i64>) -> String {
    let port = port
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0)
        .unwrap_or(DEFAULT_PORT);
    match host.unwrap_or("") {
        "" => format!("0.0.0.0:{port}"),
        h if h.contains(':') && !h.starts_with('[') => format!("[{h}]:{port}"),
        h => format!("{h}:{port}"),
    }
}

/// lura's route form, `{x}` → `:x` (gin's pattern, which CE compares
/// `skip_paths` with and labels metrics with).
pub fn gin_route(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push(':');
        out.push_str(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Plans the namespace; `root_name` is the config's `name`.
pub fn plan(o: &OpenTelemetry, root_name: &str) -> Otel {
    let text = |v: &Option<crate::model::Spanned<String>>| {
        v.as_ref().map_or_else(String::new, |s| s.value.clone())
    };
    let flag = |v: &Option<crate::model::Spanned<bool>>| v.as_ref().is_some_and(|b| b.value);
    let secs = |v: &Option<crate::model::Spanned<i64>>| {
        v.as_ref()
            .and_then(|p| u64::try_from(p.value).ok())
            .unwrap_or(0)
    };
    let service_name = match text(&o.service_name) {
        n if !n.is_empty() => n,
        _ if !root_name.is_empty() => root_name.to_owned(),
        _ => "KrakenD".to_owned(),
    };
    Otel {
        otlp: o
            .otlp
            .iter()
            .map(|e| Otlp {
                name: text(&e.name),
                host: text(&e.host),
                port: e
                    .port
                    .as_ref()
                    .and_then(|p| u16::try_from(p.value).ok())
                    .unwrap_or(0),
                use_http: flag(&e.use_http),
                disable_metrics: flag(&e.disable_metrics),
                disable_traces: flag(&e.disable_traces),
                metric_reporting_period_s: secs(&e.custom_metric_reporting_period),
            })
            .collect(),
        service_name,
        service_version: text(&o.service_version),
        deploy_env: text(&o.deploy_env),
        trace_sample_rate: o.trace_sample_rate.as_ref().map_or(1.0, |r| r.value),
        metric_reporting_period_s: match o.metric_reporting_period.as_ref() {
            Some(p) => u64::try_from(p.value).unwrap_or(0),
            None => 30,
        },
        skip_paths: match o.skip_paths.as_ref() {
            Some(l) if !l.value.is_empty() => l.value.iter().map(|p| p.value.clone()).collect(),
            _ => DEFAULT_SKIP_PATHS.iter().map(|p| (*p).to_owned()).collect(),
        },
        global: {
            let g = o.global.clone().unwrap_or_default();
            Global {
                metrics: !flag(&g.disable_metrics),
                traces: !flag(&g.disable_traces),
                propagation: !flag(&g.disable_propagation),
                metric_attrs: attrs(&g.metrics_static_attributes),
                trace_attrs: attrs(&g.traces_static_attributes),
            }
        },
        backend: backend(o.backend.as_ref()),
        backend_overrides: Vec::new(),
        proxy: proxy(o.proxy.as_ref()),
        proxy_overrides: Vec::new(),
        prometheus: o
            .prometheus
            .iter()
            .map(|e| {
                (
                    e.name
                        .as_ref()
                        .map_or_else(String::new, |n| n.value.clone()),
                    listen(
                        e.host.as_ref().map(|h| h.value.as_str()),
                        e.port.as_ref().map(|p| p.value),
                    ),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_labels() {
        for (key, want) in [
            ("team", "team"),
            ("deploy.zone", "deploy_zone"),
            ("a-b c", "a_b_c"),
            ("1st", "key_1st"),
        ] {
            assert_eq!(label(key), want, "{key}");
        }
    }

    #[test]
    fn backend_layer_defaults_are_ces() {
        use crate::model::telemetry::opentelemetry::BackendSide;
        let all = backend(None);
        assert!(all.stage_metrics && all.round_trip_metrics && all.traces);
        // A present object's missing switches are false.
        let partial = BackendLayer {
            metrics: Some(BackendSide::default()),
            traces: Some(BackendSide::default()),
        };
        let b = backend(Some(&partial));
        assert!(b.stage_metrics && !b.round_trip_metrics && !b.traces);
        // Only one side present: the other keeps the defaults.
        let b = backend(Some(&BackendLayer {
            metrics: None,
            traces: Some(BackendSide::default()),
        }));
        assert!(b.round_trip_metrics && !b.traces);
    }

    #[test]
    fn proxy_layer_defaults_are_ces() {
        // Absent: CE's zero `PipeOpts`, metrics on.
        assert!(proxy(None).metrics);
        assert!(proxy(Some(&ProxyLayer::default())).metrics);
        let off = ProxyLayer {
            disable_metrics: Some(crate::model::Spanned {
                value: true,
                span: crate::syntax::Span::default(),
                key_span: crate::syntax::Span::default(),
                style: Default::default(),
            }),
            metrics_static_attributes: Vec::new(),
        };
        assert!(!proxy(Some(&off)).metrics);
    }

    #[test]
    fn addresses() {
        for (host, port, want) in [
            (None, None, "0.0.0.0:9090"),
            (Some(""), Some(0), "0.0.0.0:9090"),
            (Some("127.0.0.1"), Some(9091), "127.0.0.1:9091"),
            (Some("::1"), Some(9100), "[::1]:9100"),
            (Some("localhost"), Some(70_000), "localhost:9090"),
        ] {
            assert_eq!(listen(host, port), want, "{host:?} {port:?}");
        }
    }
}
