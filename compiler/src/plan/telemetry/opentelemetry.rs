//! `telemetry/opentelemetry`, planned: the Prometheus exporters' listen
//! addresses with CE's defaults applied (krakend-components §8.1).

use crate::model::telemetry::OpenTelemetry;

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
