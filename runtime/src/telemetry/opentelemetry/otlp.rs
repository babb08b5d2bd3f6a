//! `telemetry/opentelemetry`'s OTLP exporters (`exporters.otlp[]`,
//! krakend-components §8.1): traces and metrics pushed to a collector over
//! HTTP/protobuf (`use_http`: `POST /v1/traces`, `/v1/metrics`) or gRPC
//! (unary `Export` calls over HTTP/2 without TLS), in the official
//! protocol's messages (`opentelemetry-proto`).
//!
//! One background task does all of it, off the request path:
//! - spans arrive through the tracer's bounded queue
//!   ([`super::trace::Tracer`]) and leave in batches of at most
//!   [`BATCH`], every [`FLUSH`] or as soon as a batch is full (Go SDK's
//!   `BatchSpanProcessor` defaults);
//! - every `metric_reporting_period` (an exporter's
//!   `custom_metric_reporting_period` when ≥ 1 s) the same series as the
//!   Prometheus exporter are summed from the per-worker counters
//!   ([`super::families`]: one collection, two encodings) and sent with
//!   cumulative temporality, as Go's OTLP exporters do;
//! - every call has a [`TIMEOUT`] (Go's default) and reads at most
//!   [`MAX_REPLY`] of the answer; a collector that is down or slow costs
//!   a dropped batch and one log line when it starts failing, never a
//!   request's time;
//! - at shutdown the waiting spans and one last metrics report are sent
//!   (bounded by the same timeout).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1 as pm;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1 as pt;
use prost::Message as _;
use tokio::sync::mpsc::Receiver;
use tokio::time::Instant;

use super::trace::{Attr, Kind, SpanRecord, Tracer, now_ns};
use crate::exposition::{Family, Value};
use crate::spec::{Otel, OtlpExporter};
use crate::state::Gw;
use crate::telemetry::logging::{self, Level};

/// Spans sent in one export at most (Go's `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`).
pub const BATCH: usize = 512;
/// How long a span may wait for its batch (Go's `OTEL_BSP_SCHEDULE_DELAY`).
pub const FLUSH: Duration = Duration::from_secs(5);
/// One export's time limit (Go's OTLP exporters' default).
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a collector's answer that is read.
pub const MAX_REPLY: usize = 64 * 1024;

/// gRPC's paths of the two `Export` calls.
const GRPC_TRACES: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const GRPC_METRICS: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

/// The gateway's OTLP side (in [`Gw`]): the tracer the request path
/// records spans with (when an exporter takes traces), the queue's
/// receiving end until the exporter task takes it, and that task.
#[derive(Debug)]
pub struct OtlpState {
    /// `None` when no exporter takes traces: no span is made.
    pub tracer: Option<Tracer>,
    spans: std::sync::Mutex<Option<Receiver<SpanRecord>>>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl OtlpState {
    /// `None` without OTLP exporters.
    pub fn new(otel: &Otel) -> Option<OtlpState> {
        if otel.otlp.is_empty() {
            return None;
        }
        let (tracer, rx) = if otel.otlp.iter().any(|e| !e.disable_traces) {
            let (t, rx) = Tracer::new(otel.trace_sample_rate, otel.global.propagation);
            (Some(t), Some(rx))
        } else {
            (None, None)
        };
        Some(OtlpState {
            tracer,
            spans: std::sync::Mutex::new(rx),
            task: std::sync::Mutex::new(None),
        })
    }
}

/// Starts the exporter task on the current runtime (once); it stops and
/// sends what waits when `stop` turns true.
pub fn spawn(
    gw: &Arc<Gw>,
    overrides: &[(String, String)],
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    let (Some(otel), Some(state)) = (gw.spec.otel, gw.otlp.as_ref()) else {
        return match overrides.first() {
            Some((name, _)) => Err(format!(
                "`--otlp {name}=…`: the gateway has no OTLP exporter (telemetry/opentelemetry)"
            )),
            None => Ok(()),
        };
    };
    let targets = targets(otel, overrides)?;
    let spans = state.spans.lock().ok().and_then(|mut s| s.take());
    let task = tokio::spawn(run(Arc::clone(gw), otel, targets, spans, stop));
    if let Ok(mut t) = state.task.lock() {
        *t = Some(task);
    }
    Ok(())
}

/// Waits for the exporter task's last sends after a stop (bounded).
pub async fn finish(gw: &Gw) {
    let task = gw
        .otlp
        .as_ref()
        .and_then(|s| s.task.lock().ok().and_then(|mut t| t.take()));
    if let Some(t) = task {
        let _ = tokio::time::timeout(TIMEOUT + Duration::from_secs(1), t).await;
    }
}

/// Where one `exporters.otlp[]` entry sends, resolved at start.
#[derive(Debug, Clone)]
pub struct Target {
    /// `name`.
    pub name: &'static str,
    /// `http://host:port`.
    pub base: String,
    /// gRPC (else HTTP/protobuf).
    pub grpc: bool,
    /// Sends traces.
    pub traces: bool,
    /// Sends metrics, this often.
    pub metrics: Option<Duration>,
}

/// CE's collector address (`exporter/otelcollector`): port 0 is 4317
/// whether or not `use_http` is set, an empty host is `localhost`; a host
/// written with `http://` keeps its host part.
pub fn target(e: &OtlpExporter, service_period_s: u64, over: Option<&str>) -> Target {
    let host = match e.host {
        "" => "localhost",
        // `https://` is refused by GW902 unless accepted: then sent in clear.
        h => h
            .strip_prefix("http://")
            .or_else(|| h.strip_prefix("https://"))
            .unwrap_or(h),
    };
    let port = if e.port == 0 { 4317 } else { e.port };
    let base = match over {
        Some(addr) => format!("http://{addr}"),
        None if host.contains(':') && !host.starts_with('[') => format!("http://[{host}]:{port}"),
        None => format!("http://{host}:{port}"),
    };
    // CE: a custom period below one second is ignored.
    let period = if e.metric_reporting_period_s >= 1 {
        e.metric_reporting_period_s
    } else {
        service_period_s.max(1)
    };
    Target {
        name: e.name,
        base,
        grpc: !e.use_http,
        traces: !e.disable_traces,
        metrics: (!e.disable_metrics).then(|| Duration::from_secs(period)),
    }
}

/// The exporters' targets, with `--otlp NAME=HOST:PORT` overrides applied;
/// an override naming no exporter is an error.
pub fn targets(otel: &Otel, overrides: &[(String, String)]) -> Result<Vec<Target>, String> {
    for (name, _) in overrides {
        if !otel.otlp.iter().any(|e| e.name == name) {
            return Err(format!(
                "`--otlp {name}=…`: the gateway has no OTLP exporter named `{name}`"
            ));
        }
    }
    Ok(otel
        .otlp
        .iter()
        .map(|e| {
            let over = overrides
                .iter()
                .rev()
                .find(|(n, _)| n == e.name)
                .map(|(_, a)| a.as_str());
            target(e, otel.metric_reporting_period_s, over)
        })
        .collect())
}

fn kv(key: &str, v: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

fn kv_str(key: &str, v: &str) -> KeyValue {
    kv(key, any_value::Value::StringValue(v.to_owned()))
}

/// The resource CE describes itself with (`state/state.go`).
fn resource(otel: &Otel) -> Resource {
    let mut attributes = vec![
        kv_str("service.name", otel.service_name),
        kv_str(
            "service.version",
            if otel.service_version.is_empty() {
                env!("CARGO_PKG_VERSION")
            } else {
                otel.service_version
            },
        ),
    ];
    if !otel.deploy_env.is_empty() {
        attributes.push(kv_str("deployment.environment", otel.deploy_env));
    }
    Resource {
        attributes,
        ..Default::default()
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: super::SCOPE_NAME.to_owned(),
        ..Default::default()
    }
}

/// The spans as one OTLP request.
pub fn traces_request(otel: &Otel, spans: &[SpanRecord]) -> ExportTraceServiceRequest {
    let spans = spans
        .iter()
        .map(|s| pt::Span {
            trace_id: s.trace_id.to_vec(),
            span_id: s.span_id.to_vec(),
            parent_span_id: s.parent.map(|p| p.to_vec()).unwrap_or_default(),
            // SPAN_FLAGS_TRACE_FLAGS (sampled) as the Go SDK writes it.
            flags: 0x101,
            name: s.name.clone(),
            kind: match s.kind {
                Kind::Server => pt::span::SpanKind::Server,
                Kind::Client => pt::span::SpanKind::Client,
            } as i32,
            start_time_unix_nano: s.start_ns,
            end_time_unix_nano: s.end_ns,
            attributes: s
                .attrs
                .iter()
                .map(|(k, v)| {
                    kv(
                        k,
                        match v {
                            Attr::Str(s) => any_value::Value::StringValue(s.clone()),
                            Attr::Static(s) => any_value::Value::StringValue((*s).to_owned()),
                            Attr::Int(i) => any_value::Value::IntValue(*i),
                        },
                    )
                })
                .collect(),
            status: Some(match &s.error {
                None => pt::Status {
                    code: pt::status::StatusCode::Ok as i32,
                    message: String::new(),
                },
                Some(m) => pt::Status {
                    code: pt::status::StatusCode::Error as i32,
                    message: m.clone(),
                },
            }),
            ..Default::default()
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![pt::ResourceSpans {
            resource: Some(resource(otel)),
            scope_spans: vec![pt::ScopeSpans {
                scope: Some(scope()),
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// The OpenTelemetry name of a Prometheus series (CE's instrument names,
/// `krakend-components` §8.2; the Prometheus exporter derives its names
/// from these).
fn otel_name(prom: &str) -> Option<(&'static str, &'static str)> {
    Some(match prom {
        "http_server_duration" => ("http.server.duration", "s"),
        "http_server_response_size" => ("http.server.response.size", "By"),
        "krakend_backend_duration" => ("krakend.backend.duration", "s"),
        "krakend_proxy_duration" => ("krakend.proxy.duration", "s"),
        "http_client_request_started_count" => ("http.client.request.started.count", ""),
        "http_client_request_failed_count" => ("http.client.request.failed.count", ""),
        "http_client_request_canceled_count" => ("http.client.request.canceled.count", ""),
        "http_client_request_timedout_count" => ("http.client.request.timedout.count", ""),
        "http_client_request_size" => ("http.client.request.size", "By"),
        "http_client_duration" => ("http.client.duration", "s"),
        "http_client_response_size" => ("http.client.response.size", "By"),
        "http_client_response_no_content_length" => ("http.client.response.no-content-length", ""),
        _ => return None,
    })
}

/// The OpenTelemetry attribute name of a Prometheus label; `None` for the
/// scope labels (OTLP carries the scope itself).
fn otel_key(label: &str) -> Option<&'static str> {
    Some(match label {
        "http_request_method" => "http.request.method",
        "url_scheme" => "url.scheme",
        "http_route" => "http.route",
        "http_response_status_code" => "http.response.status_code",
        "krakend_endpoint_route" => "krakend.endpoint.route",
        "krakend_endpoint_method" => "krakend.endpoint.method",
        "server_address" => "server.address",
        "server_port" => "server.port",
        "clientname" => "clientname",
        "error" => "error",
        "canceled" => "canceled",
        "complete" => "complete",
        _ => return None,
    })
}

/// The key of a static attribute, from its Prometheus label.
fn static_key(otel: &Otel, label: &str) -> Option<&'static str> {
    otel.global
        .metric_attrs
        .iter()
        .chain(otel.backend.metric_attrs)
        .chain(otel.backend_overrides.iter().flat_map(|o| o.3.metric_attrs))
        .chain(otel.proxy.metric_attrs)
        .chain(otel.proxy_overrides.iter().flat_map(|o| o.2.metric_attrs))
        .find(|a| a.label == label)
        .map(|a| a.key)
}

fn attributes(otel: &Otel, labels: &[(&'static str, String)]) -> Vec<KeyValue> {
    labels
        .iter()
        .filter_map(|(k, v)| {
            let key = otel_key(k).or_else(|| static_key(otel, k))?;
            // CE sets these as int and bool attributes.
            Some(match key {
                "http.response.status_code" | "server.port" => match v.parse::<i64>() {
                    Ok(n) => kv(key, any_value::Value::IntValue(n)),
                    Err(_) => kv_str(key, v),
                },
                "error" | "canceled" | "complete" => {
                    kv(key, any_value::Value::BoolValue(v == "true"))
                }
                _ => kv_str(key, v),
            })
        })
        .collect()
}

/// The families as one OTLP request (cumulative since `start_ns`).
pub fn metrics_request(
    otel: &Otel,
    families: Vec<Family>,
    start_ns: u64,
) -> ExportMetricsServiceRequest {
    let now = now_ns();
    let metrics = families
        .into_iter()
        .filter_map(|f| {
            let (name, unit) = otel_name(f.name)?;
            let mut hist = Vec::new();
            let mut sums = Vec::new();
            for (labels, value) in &f.samples {
                let attributes = attributes(otel, labels);
                match value {
                    Value::Histogram {
                        sum,
                        count,
                        buckets,
                    } => hist.push(pm::HistogramDataPoint {
                        attributes,
                        start_time_unix_nano: start_ns,
                        time_unix_nano: now,
                        count: *count,
                        sum: Some(*sum),
                        bucket_counts: buckets.iter().map(|(_, n)| *n).collect(),
                        explicit_bounds: buckets
                            .iter()
                            .map(|(b, _)| *b)
                            .filter(|b| b.is_finite())
                            .collect(),
                        ..Default::default()
                    }),
                    Value::Counter(n) => sums.push(pm::NumberDataPoint {
                        attributes,
                        start_time_unix_nano: start_ns,
                        time_unix_nano: now,
                        value: Some(pm::number_data_point::Value::AsInt(
                            i64::try_from(*n).unwrap_or(i64::MAX),
                        )),
                        ..Default::default()
                    }),
                    Value::Gauge(_) => {}
                }
            }
            let data = if hist.is_empty() && sums.is_empty() {
                return None;
            } else if sums.is_empty() {
                pm::metric::Data::Histogram(pm::Histogram {
                    data_points: hist,
                    aggregation_temporality: pm::AggregationTemporality::Cumulative as i32,
                })
            } else {
                pm::metric::Data::Sum(pm::Sum {
                    data_points: sums,
                    aggregation_temporality: pm::AggregationTemporality::Cumulative as i32,
                    is_monotonic: true,
                })
            };
            Some(pm::Metric {
                name: name.to_owned(),
                unit: unit.to_owned(),
                data: Some(data),
                ..Default::default()
            })
        })
        .collect();
    ExportMetricsServiceRequest {
        resource_metrics: vec![pm::ResourceMetrics {
            resource: Some(resource(otel)),
            scope_metrics: vec![pm::ScopeMetrics {
                scope: Some(scope()),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// The HTTP clients: HTTP/1.1 for OTLP/HTTP, HTTP/2 without TLS for gRPC.
struct Clients {
    http: Client<HttpConnector, Full<Bytes>>,
    grpc: Client<HttpConnector, Full<Bytes>>,
}

impl Clients {
    fn new() -> Clients {
        let mut conn = HttpConnector::new();
        conn.set_connect_timeout(Some(TIMEOUT));
        conn.set_nodelay(true);
        Clients {
            http: Client::builder(TokioExecutor::new()).build(conn.clone()),
            grpc: Client::builder(TokioExecutor::new())
                .http2_only(true)
                .build(conn),
        }
    }

    /// One export call, bounded by [`TIMEOUT`].
    async fn send(&self, t: &Target, traces: bool, msg: &[u8]) -> Result<(), String> {
        match tokio::time::timeout(TIMEOUT, self.send_now(t, traces, msg)).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {} s", TIMEOUT.as_secs())),
        }
    }

    async fn send_now(&self, t: &Target, traces: bool, msg: &[u8]) -> Result<(), String> {
        let (path, ct, body, client) = if t.grpc {
            // gRPC's length-prefixed message: no compression, length, bytes.
            let mut framed = Vec::with_capacity(msg.len() + 5);
            framed.push(0);
            framed.extend_from_slice(
                &u32::try_from(msg.len())
                    .map_err(|_| "a message over 4 GiB".to_owned())?
                    .to_be_bytes(),
            );
            framed.extend_from_slice(msg);
            let path = if traces { GRPC_TRACES } else { GRPC_METRICS };
            (path, "application/grpc", framed, &self.grpc)
        } else {
            let path = if traces { "/v1/traces" } else { "/v1/metrics" };
            (path, "application/x-protobuf", msg.to_vec(), &self.http)
        };
        let mut req = hyper::Request::new(Full::new(Bytes::from(body)));
        *req.method_mut() = hyper::Method::POST;
        *req.uri_mut() = format!("{}{path}", t.base)
            .parse()
            .map_err(|e| format!("bad address `{}`: {e}", t.base))?;
        let h = req.headers_mut();
        h.insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(ct),
        );
        if t.grpc {
            h.insert(
                hyper::header::TE,
                hyper::header::HeaderValue::from_static("trailers"),
            );
        }
        let resp = client.request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let head_grpc = grpc_status(resp.headers());
        let collected = Limited::new(resp.into_body(), MAX_REPLY)
            .collect()
            .await
            .map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("the collector answered {status}"));
        }
        if t.grpc {
            let code = head_grpc.or_else(|| collected.trailers().and_then(grpc_status));
            match code {
                Some(0) => {}
                Some(c) => return Err(format!("the collector answered grpc-status {c}")),
                None => return Err("the collector's answer has no grpc-status".into()),
            }
        }
        Ok(())
    }
}

fn grpc_status(h: &hyper::HeaderMap) -> Option<u32> {
    h.get("grpc-status")?.to_str().ok()?.parse().ok()
}

/// The exporter task's bookkeeping: which targets failed last time (one
/// log line when a target starts failing, one when it recovers).
struct Health(Vec<bool>);

impl Health {
    fn report(&mut self, i: usize, t: &Target, what: &str, r: Result<(), String>) {
        let failing = r.is_err();
        if let Err(e) = &r
            && !self.0[i]
        {
            logging::log(
                Level::Error,
                &format!(
                    "[SERVICE: OpenTelemetry] OTLP exporter `{}`: cannot send {what} to {}: {e}",
                    t.name, t.base
                ),
            );
        } else if !failing && self.0[i] {
            logging::log(
                Level::Info,
                &format!(
                    "[SERVICE: OpenTelemetry] OTLP exporter `{}`: {} answers again",
                    t.name, t.base
                ),
            );
        }
        self.0[i] = failing;
    }
}

enum Event {
    Span(Option<SpanRecord>),
    Tick,
    Stop,
}

/// The exporter task: runs until `stop` turns true (then sends what
/// waits, once) or the tracer is gone and no target takes metrics.
pub async fn run(
    gw: Arc<Gw>,
    otel: &'static Otel,
    targets: Vec<Target>,
    mut spans: Option<Receiver<SpanRecord>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let clients = Clients::new();
    let start_ns = now_ns();
    let mut health = Health(vec![false; targets.len()]);
    let mut batch: Vec<SpanRecord> = Vec::with_capacity(BATCH);
    let now = Instant::now();
    let mut next_flush = now + FLUSH;
    let mut next_metrics: Vec<Option<Instant>> =
        targets.iter().map(|t| t.metrics.map(|p| now + p)).collect();
    loop {
        let deadline = next_metrics
            .iter()
            .flatten()
            .copied()
            .chain(std::iter::once(next_flush))
            .min()
            .unwrap_or(next_flush);
        let event = {
            let mut stopped = std::pin::pin!(stop.wait_for(|v| *v));
            let mut sleep = std::pin::pin!(tokio::time::sleep_until(deadline));
            let mut recv = spans.as_mut().map(|rx| Box::pin(rx.recv()));
            std::future::poll_fn(|cx| {
                use std::task::Poll;
                if stopped.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Event::Stop);
                }
                if let Some(r) = recv.as_mut()
                    && let Poll::Ready(s) = r.as_mut().poll(cx)
                {
                    return Poll::Ready(Event::Span(s));
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Event::Tick);
                }
                Poll::Pending
            })
            .await
        };
        match event {
            Event::Span(Some(s)) => {
                batch.push(s);
                if batch.len() >= BATCH {
                    send_traces(&clients, otel, &targets, &mut health, &mut batch).await;
                    next_flush = Instant::now() + FLUSH;
                }
            }
            Event::Span(None) => spans = None,
            Event::Tick => {
                let now = Instant::now();
                if now >= next_flush {
                    send_traces(&clients, otel, &targets, &mut health, &mut batch).await;
                    next_flush = now + FLUSH;
                }
                for (i, t) in targets.iter().enumerate() {
                    if let (Some(at), Some(period)) = (next_metrics[i], t.metrics)
                        && now >= at
                    {
                        send_metrics(&clients, &gw, otel, t, i, &mut health, start_ns).await;
                        next_metrics[i] = Some(Instant::now() + period);
                    }
                }
            }
            Event::Stop => {
                // What waits in the queue, then one last report.
                if let Some(rx) = spans.as_mut() {
                    while batch.len() < BATCH {
                        match rx.try_recv() {
                            Ok(s) => batch.push(s),
                            Err(_) => break,
                        }
                    }
                }
                send_traces(&clients, otel, &targets, &mut health, &mut batch).await;
                for (i, t) in targets.iter().enumerate() {
                    if t.metrics.is_some() {
                        send_metrics(&clients, &gw, otel, t, i, &mut health, start_ns).await;
                    }
                }
                return;
            }
        }
    }
}

async fn send_traces(
    clients: &Clients,
    otel: &Otel,
    targets: &[Target],
    health: &mut Health,
    batch: &mut Vec<SpanRecord>,
) {
    if batch.is_empty() {
        return;
    }
    let msg = traces_request(otel, batch).encode_to_vec();
    batch.clear();
    for (i, t) in targets.iter().enumerate().filter(|(_, t)| t.traces) {
        let r = clients.send(t, true, &msg).await;
        health.report(i, t, "traces", r);
    }
}

async fn send_metrics(
    clients: &Clients,
    gw: &Gw,
    otel: &Otel,
    t: &Target,
    i: usize,
    health: &mut Health,
    start_ns: u64,
) {
    let msg = metrics_request(otel, super::families(gw), start_ns).encode_to_vec();
    let r = clients.send(t, false, &msg).await;
    health.report(i, t, "metrics", r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dropped_spans_are_on_the_admin_metrics() {
        use crate::spec::{Gateway, Otel};
        static OTEL: Otel = Otel {
            otlp: &[E],
            ..Otel::DEFAULT
        };
        static GW: Gateway = Gateway {
            otel: Some(&OTEL),
            ..Gateway::DEFAULT
        };
        let gw = crate::state::Gw::build(&GW).expect("the gateway builds");
        let tracer = gw
            .otlp
            .as_ref()
            .and_then(|o| o.tracer.as_ref())
            .expect("an OTLP exporter with traces makes a tracer");
        let t = tracer.start(&hyper::HeaderMap::new(), None, true);
        // Nobody empties the queue here: the span after it is full drops.
        for _ in 0..super::super::trace::QUEUE + 1 {
            let c = t.child();
            tracer.record(super::super::trace::client_span(
                &t,
                c,
                0,
                super::super::trace::Call {
                    name: "/x".into(),
                    method: "GET",
                    endpoint_route: "/x".into(),
                    endpoint_method: "GET",
                    server: None,
                    status: Some(200),
                    error: None,
                    static_attrs: &[],
                },
            ));
        }
        let text = crate::metrics::render(&gw);
        assert!(text.contains("gwc_otel_spans_dropped_total 1"), "{text}");
    }

    const E: OtlpExporter = OtlpExporter {
        name: "c",
        host: "",
        port: 0,
        use_http: false,
        disable_metrics: false,
        disable_traces: false,
        metric_reporting_period_s: 0,
    };

    #[test]
    fn targets_as_ce_builds_them() {
        for (e, over, base, grpc, period) in [
            (E, None, "http://localhost:4317", true, Some(30)),
            (
                OtlpExporter {
                    host: "http://collector",
                    use_http: true,
                    metric_reporting_period_s: 5,
                    ..E
                },
                None,
                "http://collector:4317",
                false,
                Some(5),
            ),
            (
                OtlpExporter {
                    host: "::1",
                    port: 4318,
                    disable_metrics: true,
                    ..E
                },
                None,
                "http://[::1]:4318",
                true,
                None,
            ),
            (E, Some("127.0.0.1:9"), "http://127.0.0.1:9", true, Some(30)),
        ] {
            let t = target(&e, 30, over);
            assert_eq!(
                (t.base.as_str(), t.grpc, t.metrics.map(|d| d.as_secs())),
                (base, grpc, period)
            );
        }
    }

    #[test]
    fn series_have_ces_instrument_names() {
        for (prom, want) in [
            ("http_server_duration", ("http.server.duration", "s")),
            (
                "http_server_response_size",
                ("http.server.response.size", "By"),
            ),
            (
                "krakend_backend_duration",
                ("krakend.backend.duration", "s"),
            ),
            (
                "http_client_request_started_count",
                ("http.client.request.started.count", ""),
            ),
            (
                "http_client_request_failed_count",
                ("http.client.request.failed.count", ""),
            ),
            (
                "http_client_request_canceled_count",
                ("http.client.request.canceled.count", ""),
            ),
            (
                "http_client_request_timedout_count",
                ("http.client.request.timedout.count", ""),
            ),
            (
                "http_client_request_size",
                ("http.client.request.size", "By"),
            ),
            ("http_client_duration", ("http.client.duration", "s")),
            (
                "http_client_response_size",
                ("http.client.response.size", "By"),
            ),
            (
                "http_client_response_no_content_length",
                ("http.client.response.no-content-length", ""),
            ),
        ] {
            assert_eq!(otel_name(prom), Some(want), "{prom}");
        }
    }

    #[test]
    fn labels_become_ces_attributes() {
        let got = attributes(
            &Otel::DEFAULT,
            &[
                ("http_route", "/a/:id".into()),
                ("http_response_status_code", "200".into()),
                ("error", "false".into()),
                ("otel_scope_name", "x".into()),
            ],
        );
        let keys: Vec<&str> = got.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["http.route", "http.response.status_code", "error"]);
        assert_eq!(
            got[1].value.as_ref().and_then(|v| v.value.clone()),
            Some(any_value::Value::IntValue(200))
        );
    }
}
