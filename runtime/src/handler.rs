//! One request, start to finish: route it, run the endpoint under its
//! `timeout`, turn the answer into a response with KrakenD's headers
//! (identification, `X-KrakenD-Completed`, `Cache-Control`), then count it
//! and log it.

use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::body::GwBody;
use crate::encoding::{self, JSON};
use crate::error::{Error, ErrorKind};
use crate::metrics;
use crate::proxy::{self, Answer, ReqBody};
use crate::request::Inbound;
use crate::router::Route;
use crate::state::{EndpointRt, Gw};

/// The response header with the number of upstream attempts (debug aid).
pub const X_GWC_ATTEMPTS: HeaderName = HeaderName::from_static("x-gwc-attempts");

/// Set to `none` when no upstream host was eligible (§7.5.5).
pub const X_GWC_UPSTREAM: HeaderName = HeaderName::from_static("x-gwc-upstream");

/// `X-KrakenD-Completed`.
pub const COMPLETED: HeaderName = HeaderName::from_static("x-krakend-completed");

fn completed_value(c: bool) -> HeaderValue {
    HeaderValue::from_static(if c { "true" } else { "false" })
}

/// Adds the identification header.
fn identify(gw: &Gw, h: &mut hyper::HeaderMap) {
    if let Some((name, value)) = &gw.version_header {
        h.insert(name.clone(), value.clone());
    }
}

fn simple(
    status: StatusCode,
    content_type: Option<&'static str>,
    body: impl Into<Bytes>,
) -> Response<GwBody> {
    let mut r = Response::new(GwBody::full(body));
    *r.status_mut() = status;
    if let Some(ct) = content_type {
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    r
}

/// The body of a router error: `router.error_body` when set, gin's text otherwise.
fn router_error(
    gw: &Gw,
    status: StatusCode,
    custom: Option<&crate::spec::Value>,
    text: &'static str,
) -> Response<GwBody> {
    let mut r = match custom {
        Some(v) => simple(status, Some(JSON), encoding::to_json(v).to_string()),
        None => simple(status, Some("text/plain"), text),
    };
    identify(gw, r.headers_mut());
    r.headers_mut().insert(COMPLETED, completed_value(false));
    r
}

/// Serves one request.
pub async fn handle(gw: Arc<Gw>, req: Request<Incoming>, client_ip: IpAddr) -> Response<GwBody> {
    let start = Instant::now();
    let (parts, body) = req.into_parts();
    let route = gw
        .router
        .route(gw.spec, &parts.method, parts.uri.path(), parts.uri.query());
    let (resp, label, completed) = match route {
        Route::Endpoint {
            index,
            params,
            wildcard,
        } => {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .or_else(|| parts.uri.authority().map(|a| a.as_str()));
            let inb = Inbound {
                params: &params,
                wildcard: wildcard.as_deref(),
                query: parts.uri.query(),
                headers: &parts.headers,
                client_ip,
                host,
            };
            let ep = &gw.endpoints[index];
            let (resp, completed) = endpoint(&gw, index, ep, &inb, body, start).await;
            ep.metrics.record(resp.status().as_u16(), start.elapsed());
            if !gw.spec.router.disable_access_log {
                metrics::access_log(
                    parts.method.as_str(),
                    parts.uri.path(),
                    resp.status().as_u16(),
                    start.elapsed(),
                    Some(completed),
                );
            }
            return resp;
        }
        Route::Health => {
            let mut body = Map::new();
            body.insert("agents".into(), Value::Object(Map::new()));
            body.insert(
                "now".into(),
                Value::String(metrics::go_time(std::time::SystemTime::now())),
            );
            body.insert("status".into(), Value::String("ok".into()));
            (
                simple(StatusCode::OK, Some(JSON), encoding::json_map(&body)),
                "health",
                None,
            )
        }
        Route::Options { allow } => {
            let mut r = simple(StatusCode::OK, None, Bytes::new());
            if let Ok(v) = HeaderValue::try_from(allow) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            identify(&gw, r.headers_mut());
            (r, "options", None)
        }
        Route::Redirect { status, location } => {
            let mut r = simple(status, None, Bytes::new());
            if let Ok(v) = HeaderValue::try_from(location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            (r, "redirect", None)
        }
        Route::MethodNotAllowed { allow } => {
            let mut r = router_error(
                &gw,
                StatusCode::METHOD_NOT_ALLOWED,
                gw.spec.router.error_body_405,
                "405 method not allowed",
            );
            if let Ok(v) = HeaderValue::try_from(allow) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            (r, "method_not_allowed", Some(false))
        }
        Route::NotFound => (
            router_error(
                &gw,
                StatusCode::NOT_FOUND,
                gw.spec.router.error_body_404,
                "404 page not found",
            ),
            "not_found",
            Some(false),
        ),
        Route::BadRequest => (
            router_error(
                &gw,
                StatusCode::BAD_REQUEST,
                None,
                "error: malformed url escape",
            ),
            "bad_request",
            Some(false),
        ),
    };
    gw.other
        .record(label, parts.method.as_str(), resp.status().as_u16());
    if !gw.spec.router.disable_access_log {
        metrics::access_log(
            parts.method.as_str(),
            parts.uri.path(),
            resp.status().as_u16(),
            start.elapsed(),
            completed,
        );
    }
    resp
}

/// Reads the client body the way the endpoint needs it.
async fn request_body(ep: &EndpointRt, body: Incoming) -> Result<ReqBody, Error> {
    if body.is_end_stream() {
        return Ok(ReqBody::None);
    }
    if ep.stream_body {
        return Ok(ReqBody::Stream(body));
    }
    let bytes = body
        .collect()
        .await
        .map_err(|e| {
            Error::new(
                ErrorKind::BadRequest,
                format!("reading the request body: {e}"),
            )
        })?
        .to_bytes();
    Ok(ReqBody::Buffered(bytes))
}

/// Runs an endpoint and builds its response; also says whether it was
/// complete (for the log).
async fn endpoint(
    gw: &Arc<Gw>,
    index: usize,
    ep: &EndpointRt,
    inb: &Inbound<'_>,
    body: Incoming,
    start: Instant,
) -> (Response<GwBody>, bool) {
    let deadline = proxy::after(start, ep.spec.timeout_ms);
    let work = async {
        let body = request_body(ep, body).await?;
        proxy::run(gw, index, inb, body, start).await
    };
    let answer = match tokio::time::timeout_at(deadline, work).await {
        Ok(a) => a,
        Err(_) => {
            let e = Error::new(
                ErrorKind::Timeout,
                format!("endpoint timeout after {} ms", ep.spec.timeout_ms),
            );
            Err(if proxy::noop_pool(ep) {
                e.for_noop_pool()
            } else {
                e
            })
        }
    };
    let mut completed = false;
    let mut resp = match answer {
        Ok(Answer::Stream(streamed)) => {
            let (parts, body) = streamed.resp.into_parts();
            let mut r = Response::new(GwBody::Deadline {
                inner: body,
                deadline: Box::pin(tokio::time::sleep_until(deadline)),
                permit: streamed.permit,
            });
            *r.status_mut() = parts.status;
            for (k, v) in &parts.headers {
                if !is_hop_by_hop_response(k) {
                    r.headers_mut().append(k.clone(), v.clone());
                }
            }
            if let Some(n) = streamed.attempts
                && let Ok(v) = HeaderValue::try_from(n.to_string())
            {
                r.headers_mut().insert(X_GWC_ATTEMPTS, v);
            }
            r
        }
        Ok(Answer::Rendered(r)) => {
            for (i, e) in r.errors.iter().enumerate() {
                log_error(ep, i, e);
            }
            completed = r.completed;
            ok_response(ep, JSON, r.body, completed)
        }
        Ok(Answer::Merged(merged)) => {
            for (i, e) in merged.errors.iter().enumerate() {
                log_error(ep, i, e);
            }
            match merged.data {
                Some(data) => {
                    completed = merged.complete && !data.is_empty();
                    let accept = inb
                        .headers
                        .get(header::ACCEPT)
                        .and_then(|v| v.to_str().ok());
                    let rendered = encoding::render(ep.spec.output, &data, accept);
                    ok_response(ep, rendered.content_type, rendered.body, completed)
                }
                None => error_response(gw, merged.into_error()),
            }
        }
        Err(e) => {
            log_error(ep, 0, &e);
            error_response(gw, e)
        }
    };
    identify(gw, resp.headers_mut());
    resp.headers_mut()
        .insert(COMPLETED, completed_value(completed));
    (resp, completed)
}

/// A 200 with a rendered body, and `Cache-Control` when the endpoint has a
/// `cache_ttl` and the answer is complete.
fn ok_response(
    ep: &EndpointRt,
    content_type: &'static str,
    body: Bytes,
    completed: bool,
) -> Response<GwBody> {
    let mut r = simple(StatusCode::OK, Some(content_type), body);
    if completed
        && let Some(ttl) = ep.spec.cache_ttl_s
        && let Ok(v) = HeaderValue::try_from(format!("public, max-age={ttl}"))
    {
        r.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    r
}

/// Hop-by-hop response headers (not forwarded on no-op endpoints).
fn is_hop_by_hop_response(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

/// The response for a failed endpoint: the status from [`Error::status`],
/// and a body only with `return_error_msg` (KrakenD's default hides it).
fn error_response(gw: &Gw, e: Error) -> Response<GwBody> {
    let status = e.status();
    let no_upstream = matches!(
        e.kind,
        ErrorKind::Proxy {
            no_upstream: true,
            ..
        }
    );
    let mut r = error_body(gw, e, status);
    if no_upstream {
        r.headers_mut()
            .insert(X_GWC_UPSTREAM, HeaderValue::from_static("none"));
    }
    r
}

fn error_body(gw: &Gw, e: Error, status: StatusCode) -> Response<GwBody> {
    if !gw.spec.router.return_error_msg {
        return simple(status, None, Bytes::new());
    }
    match e.kind {
        ErrorKind::BackendStatus {
            body, content_type, ..
        } => {
            let mut r = simple(status, None, body);
            if let Some(ct) = content_type {
                r.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            r
        }
        _ => simple(
            status,
            Some("text/plain; charset=utf-8"),
            e.context.into_owned(),
        ),
    }
}

/// Logs a backend failure as KrakenD does (`[ENDPOINT: /x] Error #0: …`).
fn log_error(ep: &EndpointRt, i: usize, e: &Error) {
    use std::io::Write as _;
    let line = format!(
        "time={} level=error msg=\"[ENDPOINT: {}] Error #{i}: {}\"\n",
        metrics::rfc3339(std::time::SystemTime::now()),
        ep.spec.path,
        e.context.replace('"', "'").replace('\n', " | ")
    );
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
