//! `telemetry/opentelemetry`'s OTLP exporters end to end: a gateway built
//! from `testdata/build/otlp.json` sends traces and metrics to two OTLP
//! receivers the test starts on 127.0.0.1 port 0 (`--otlp NAME=HOST:PORT`),
//! one over gRPC (tonic's server with `opentelemetry-proto`'s services),
//! one over HTTP/protobuf (a hyper server decoding the same messages).
//! The backend sees W3C `traceparent` headers carrying the trace.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind};
use prost::Message as _;
use serde_json::json;
use support::*;

/// What one receiver got.
#[derive(Default)]
struct Received {
    traces: Vec<ExportTraceServiceRequest>,
    metrics: Vec<ExportMetricsServiceRequest>,
}

type Shared = Arc<Mutex<Received>>;

struct Grpc(Shared);

#[tonic::async_trait]
impl TraceService for Grpc {
    async fn export(
        &self,
        req: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0.lock().unwrap().traces.push(req.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Grpc {
    async fn export(
        &self,
        req: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.0.lock().unwrap().metrics.push(req.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// The two gRPC services on one port, by path (tonic's `router` feature,
/// which brings axum, does the same).
#[derive(Clone)]
struct Both {
    traces: TraceServiceServer<Grpc>,
    metrics: MetricsServiceServer<Grpc>,
}

impl<B> tonic::codegen::Service<hyper::Request<B>> for Both
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<tonic::codegen::StdError> + Send + 'static,
{
    type Response = hyper::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = tonic::codegen::BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: hyper::Request<B>) -> Self::Future {
        if req
            .uri()
            .path()
            .starts_with("/opentelemetry.proto.collector.trace.")
        {
            self.traces.call(req)
        } else {
            self.metrics.call(req)
        }
    }
}

/// Starts both receivers on a runtime of their own; their addresses and
/// what each gets.
fn receivers() -> ((String, Shared), (String, Shared)) {
    let grpc = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let http = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    grpc.set_nonblocking(true).unwrap();
    http.set_nonblocking(true).unwrap();
    let addrs = (
        grpc.local_addr().unwrap().to_string(),
        http.local_addr().unwrap().to_string(),
    );
    let (g, h): (Shared, Shared) = Default::default();
    let (g2, h2) = (Arc::clone(&g), Arc::clone(&h));
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let grpc = tokio::net::TcpListener::from_std(grpc).unwrap();
            let http = tokio::net::TcpListener::from_std(http).unwrap();
            let both = Both {
                traces: TraceServiceServer::new(Grpc(Arc::clone(&g2))),
                metrics: MetricsServiceServer::new(Grpc(g2)),
            };
            tokio::spawn(
                tonic::transport::Server::builder()
                    .serve_with_incoming(both, tonic::transport::server::TcpIncoming::from(grpc)),
            );
            loop {
                let Ok((stream, _)) = http.accept().await else {
                    continue;
                };
                let h = Arc::clone(&h2);
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let h = Arc::clone(&h);
                        async move { Ok::<_, hyper::Error>(otlp_http(&h, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
    });
    ((addrs.0, g), (addrs.1, h))
}

/// The OTLP/HTTP receiver: `POST /v1/traces` and `/v1/metrics` with
/// protobuf bodies.
async fn otlp_http(
    h: &Shared,
    req: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let status = if method != hyper::Method::POST || ct != "application/x-protobuf" {
        400
    } else if path == "/v1/traces" {
        h.lock()
            .unwrap()
            .traces
            .push(ExportTraceServiceRequest::decode(body).unwrap());
        200
    } else if path == "/v1/metrics" {
        h.lock()
            .unwrap()
            .metrics
            .push(ExportMetricsServiceRequest::decode(body).unwrap());
        200
    } else {
        404
    };
    let mut r = hyper::Response::new(Full::new(Bytes::new()));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/x-protobuf"),
    );
    r
}

fn api(seen: &Seen) -> Reply {
    match seen.path() {
        "/users/1" | "/users/2" | "/users/3" => {
            Reply::json(&json!({"id": 1, "name": "ann"}).to_string())
        }
        _ => Reply::json("{}").status(404),
    }
}

fn attr(attrs: &[KeyValue], key: &str) -> Option<String> {
    let v = attrs.iter().find(|k| k.key == key)?.value.as_ref()?;
    Some(match v.value.as_ref()? {
        any_value::Value::StringValue(s) => s.clone(),
        any_value::Value::IntValue(i) => i.to_string(),
        any_value::Value::BoolValue(b) => b.to_string(),
        other => format!("{other:?}"),
    })
}

fn spans(r: &Received) -> Vec<Span> {
    r.traces
        .iter()
        .flat_map(|t| &t.resource_spans)
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| ss.spans.clone())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `(metric name, route) → the sum of the data points' counts`, from the
/// last (cumulative) report.
fn counts(r: &Received) -> HashMap<(String, String), u64> {
    let mut out = HashMap::new();
    let Some(last) = r.metrics.last() else {
        return out;
    };
    for m in last
        .resource_metrics
        .iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
    {
        let points: Vec<(Option<String>, u64)> = match &m.data {
            Some(metric::Data::Histogram(h)) => h
                .data_points
                .iter()
                .map(|p| (attr(&p.attributes, "http.route"), p.count))
                .collect(),
            Some(metric::Data::Sum(s)) => s
                .data_points
                .iter()
                .map(|p| {
                    let n = match p.value {
                        Some(number_data_point::Value::AsInt(n)) => u64::try_from(n).unwrap(),
                        _ => 0,
                    };
                    (attr(&p.attributes, "http.route"), n)
                })
                .collect(),
            _ => Vec::new(),
        };
        for (route, n) in points {
            *out.entry((m.name.clone(), route.unwrap_or_default()))
                .or_default() += n;
        }
    }
    out
}

/// `deploy.zone` of every `http.server.duration` data point of the last report.
fn zone_attrs(r: &Received) -> Vec<String> {
    r.metrics
        .last()
        .into_iter()
        .flat_map(|m| &m.resource_metrics)
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .filter(|m| m.name == "http.server.duration")
        .flat_map(|m| match &m.data {
            Some(metric::Data::Histogram(h)) => h
                .data_points
                .iter()
                .map(|p| attr(&p.attributes, "deploy.zone").unwrap_or_default())
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

const INCOMING_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const INCOMING_SPAN: &str = "00f067aa0ba902b7";
const UNSAMPLED_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

#[test]
fn otlp_exporters_send_traces_and_metrics() {
    let up = upstream(api);
    let ((grpc_addr, grpc), (http_addr, http)) = receivers();
    let bin = build("otlp", &up.url(), &[]);
    let (mut gw, _log) = start_logged(
        &bin,
        &[
            "--otlp",
            &format!("collector_grpc={grpc_addr}"),
            "--otlp",
            &format!("collector_http={http_addr}"),
        ],
    );
    // Known traffic: 3 × `/users/{id}` (the last continuing a client's
    // trace), 1 × `/both` (two backends, the second without client spans:
    // its own layer), 1 × `/skipped` (in `skip_paths`), and 1 ×
    // `/users/{id}` continuing a client's trace that is not sampled
    // (`trace_sample_rate` < 1: the parent's decision is kept).
    assert_eq!(get(&gw.addr, "/users/1").status, 200);
    assert_eq!(get(&gw.addr, "/users/2").status, 200);
    let tp = format!("00-{INCOMING_TRACE}-{INCOMING_SPAN}-01");
    assert_eq!(
        send(&gw.addr, "GET", "/users/1", &[("traceparent", &tp)], b"").status,
        200
    );
    assert_eq!(get(&gw.addr, "/both").status, 200);
    assert_eq!(get(&gw.addr, "/skipped").status, 200);
    let unsampled = format!("00-{UNSAMPLED_TRACE}-{INCOMING_SPAN}-00");
    assert_eq!(
        send(
            &gw.addr,
            "GET",
            "/users/2",
            &[("traceparent", &unsampled)],
            b""
        )
        .status,
        200
    );
    // SIGTERM: the gateway sends what waits (spans, one last metrics
    // report) before it exits.
    assert!(gw.terminate().success());

    let seen = up.seen();
    assert_eq!(seen.len(), 7, "{seen:?}");
    // The unsampled request still propagates, with the flag off; the
    // skipped endpoint's and the untraced backend's calls carry nothing.
    let carried: Vec<&str> = seen
        .iter()
        .filter_map(|s| s.header("traceparent"))
        .collect();
    assert_eq!(carried.len(), 5, "{carried:?}");
    let off: Vec<&&str> = carried
        .iter()
        .filter(|t| t.starts_with(&format!("00-{UNSAMPLED_TRACE}-")))
        .collect();
    assert_eq!(off.len(), 1, "{carried:?}");
    assert!(off[0].ends_with("-00") && !off[0].contains(INCOMING_SPAN));
    assert!(
        seen.iter()
            .filter(|s| s.path() == "/users/3")
            .all(|s| s.header("traceparent").is_none())
    );
    for (name, r) in [("grpc", &grpc), ("http", &http)] {
        let r = r.lock().unwrap();
        let spans = spans(&r);
        let servers: Vec<&Span> = spans
            .iter()
            .filter(|s| s.kind == SpanKind::Server as i32)
            .collect();
        let clients: Vec<&Span> = spans
            .iter()
            .filter(|s| s.kind == SpanKind::Client as i32)
            .collect();
        // One server span per request, named after its path, with the route.
        let mut names: Vec<(String, Option<String>)> = servers
            .iter()
            .map(|s| (s.name.clone(), attr(&s.attributes, "http.route")))
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ("/both".into(), Some("/both".into())),
                ("/users/1".into(), Some("/users/:id".into())),
                ("/users/1".into(), Some("/users/:id".into())),
                ("/users/2".into(), Some("/users/:id".into())),
            ],
            "{name}"
        );
        for s in &servers {
            assert_eq!(
                attr(&s.attributes, "krakend.stage").as_deref(),
                Some("global")
            );
            assert_eq!(
                attr(&s.attributes, "http.request.method").as_deref(),
                Some("GET")
            );
            assert_eq!(
                attr(&s.attributes, "http.response.status_code").as_deref(),
                Some("200")
            );
            assert_eq!(attr(&s.attributes, "team").as_deref(), Some("edge"));
            assert_ne!(hex(&s.trace_id), UNSAMPLED_TRACE);
        }
        // The client's trace is continued.
        let continued: Vec<&&Span> = servers
            .iter()
            .filter(|s| hex(&s.trace_id) == INCOMING_TRACE)
            .collect();
        assert_eq!(continued.len(), 1, "{name}");
        assert_eq!(hex(&continued[0].parent_span_id), INCOMING_SPAN);
        // One client span per backend call: same trace, the server span
        // as parent, and its id in the `traceparent` the backend got.
        assert_eq!(clients.len(), 4, "{name}");
        for c in &clients {
            let parent = servers
                .iter()
                .find(|s| s.span_id == c.parent_span_id)
                .unwrap_or_else(|| panic!("{name}: client span {} has no server parent", c.name));
            assert_eq!(c.trace_id, parent.trace_id);
            assert_eq!(
                attr(&c.attributes, "krakend.stage").as_deref(),
                Some("backend-request")
            );
            assert_eq!(
                attr(&c.attributes, "krakend.endpoint.route"),
                attr(&parent.attributes, "http.route")
            );
            assert_eq!(attr(&c.attributes, "tier").as_deref(), Some("api"));
            let want = format!("00-{}-{}-01", hex(&c.trace_id), hex(&c.span_id));
            assert!(
                seen.iter()
                    .any(|s| s.header("traceparent") == Some(want.as_str())),
                "{name}: no backend request carried {want}"
            );
        }
        let resource = &r.traces[0].resource_spans[0].resource.as_ref().unwrap();
        assert_eq!(
            attr(&resource.attributes, "service.name").as_deref(),
            Some("gwc-otlp-test")
        );
        assert_eq!(
            attr(&resource.attributes, "deployment.environment").as_deref(),
            Some("test")
        );
        // Metrics: the Prometheus exporter's series, counts = requests.
        let counts = counts(&r);
        for (metric, route, want) in [
            ("http.server.duration", "/users/:id", 4),
            ("http.server.duration", "/both", 1),
            ("krakend.backend.duration", "/users/:id", 4),
            ("krakend.backend.duration", "/users/1", 1),
            ("krakend.backend.duration", "/users/2", 1),
            ("http.client.request.started.count", "/users/:id", 4),
            ("http.client.request.started.count", "/users/1", 1),
            ("http.server.response.size", "/users/:id", 4),
            ("krakend.proxy.duration", "/users/:id", 4),
            ("krakend.proxy.duration", "/both", 1),
            ("http.server.response.size", "/both", 1),
            ("http.client.duration", "/users/:id", 4),
            ("http.client.duration", "/users/2", 1),
            ("http.client.response.size", "/users/:id", 4),
            // GETs without a body: CE adds their Content-Length, 0.
            ("http.client.request.size", "/users/:id", 0),
        ] {
            assert_eq!(
                counts.get(&(metric.to_owned(), route.to_owned())).copied(),
                Some(want),
                "{name}: {metric} {route} in {counts:?}"
            );
        }
        // CE adds to these only when it happens: no failure, no
        // cancellation, every answer with a length.
        for metric in [
            "http.client.request.failed.count",
            "http.client.request.canceled.count",
            "http.client.request.timedout.count",
            "http.client.response.no-content-length",
        ] {
            assert_eq!(
                counts.get(&(metric.to_owned(), "/users/:id".to_owned())),
                None,
                "{name}: {metric}"
            );
        }
        // `skip_paths`: no server measure, no backend measure.
        for (metric, route) in [
            ("http.server.duration", "/skipped"),
            ("krakend.backend.duration", "/users/3"),
            ("http.client.request.started.count", "/users/3"),
            ("http.server.response.size", "/skipped"),
            ("krakend.proxy.duration", "/skipped"),
            ("http.client.duration", "/users/3"),
        ] {
            assert_eq!(
                counts.get(&(metric.to_owned(), route.to_owned())),
                None,
                "{name}"
            );
        }
        // The global layer's static attribute on the server metric.
        let zones = zone_attrs(&r);
        assert!(
            !zones.is_empty() && zones.iter().all(|z| z == "z1"),
            "{name}: {zones:?}"
        );
    }
}
