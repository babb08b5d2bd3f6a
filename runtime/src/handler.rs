//! One request, start to finish: route it, run the endpoint under its
//! `timeout`, turn the answer into a response with KrakenD's headers
//! (identification, `X-KrakenD-Completed`, `Cache-Control`), then count it
//! and log it.

use std::net::IpAddr;
use std::sync::Arc;

use crate::value::{Map, Value};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use tokio::time::Instant;

use crate::body::GwBody;
use crate::client_ip::ClientIp;
use crate::encoding::{self, JSON};
use crate::error::{Error, ErrorKind};
use crate::metrics;
use crate::proxy::{self, Answer, ReqBody};
use crate::request::Inbound;
use crate::router::Route;
use crate::security::cors;
use crate::state::{EndpointRt, Gw};

/// The response header with the number of upstream attempts (debug aid).
pub const X_GWC_ATTEMPTS: HeaderName = HeaderName::from_static("x-gwc-attempts");

/// Set to `none` when no upstream host was eligible (§7.5.5).
pub const X_GWC_UPSTREAM: HeaderName = HeaderName::from_static("x-gwc-upstream");

/// `X-KrakenD-Completed`.
pub const COMPLETED: HeaderName = HeaderName::from_static("x-krakend-completed");

/// What Go's server sniffs for a plain-text body written without a type.
const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

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

/// An HTTP/1.x request with an absolute-form target (`GET http://a:8080/u`):
/// the target's host replaces the `Host` header (RFC 9112 §3.2.2, Go's
/// `req.Host = req.URL.Host`), so `X-Forwarded-Host`, `allowed_hosts` and
/// the echo endpoints see what KrakenD sees. HTTP/2's `:authority` already
/// is the request's host.
fn target_host(parts: &mut hyper::http::request::Parts) {
    if parts.version >= hyper::Version::HTTP_2 {
        return;
    }
    let Some(auth) = parts.uri.authority() else {
        return;
    };
    // Go's `URL.Host`: host and port, never the userinfo.
    let host = auth
        .as_str()
        .rsplit_once('@')
        .map_or(auth.as_str(), |(_, h)| h);
    if let Ok(v) = HeaderValue::from_str(host) {
        parts.headers.insert(header::HOST, v);
    }
}

/// Go's `net/http` answer to an HTTP/1.1 request without exactly one `Host`
/// header (RFC 9112 §3.2: 400), written before any handler runs (no access
/// log line, no gateway header) and closing the connection; `None` when the
/// request may go on. CONNECT and HTTP/1.0 and HTTP/2 requests are exempt.
fn host_error(parts: &hyper::http::request::Parts) -> Option<Response<GwBody>> {
    if parts.version != hyper::Version::HTTP_11 || parts.method == hyper::Method::CONNECT {
        return None;
    }
    let what = match parts.headers.get_all(header::HOST).iter().count() {
        1 => return None,
        0 => "missing required Host header",
        _ => "too many Host headers",
    };
    let mut r = simple(
        StatusCode::BAD_REQUEST,
        Some(TEXT_PLAIN),
        format!("400 Bad Request: {what}"),
    );
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    Some(r)
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

/// Serves one request through KrakenD CE's stages, outermost first, in the
/// order of krakend-components §1.1 (the letters are that list's). This is
/// the one place the order is written; a stage a config does not use is a
/// `None` and costs a branch. Stages gwc does not compile yet are named
/// where they run.
///
/// - [S1] `telemetry/opentelemetry`: server span, trace context.
/// - [S2] `security/cors`: a preflight is answered here for every path,
///   known or not (unless `options_passthrough`); every other answer below
///   (404, 403, redirects, the health path) gets the CORS headers.
/// - [S4] gin: the client's IP ([`crate::client_ip`], gin's `ClientIP()`,
///   read once for every stage below); the route (on the cleaned path with
///   `remove_extra_slash`); trailing-slash and fixed-path redirects are
///   answered here, before any middleware (no log line, no checks).
///   - a. the access log (written last, for every answer below, unless
///     its path is in `logger_skip_paths`);
///   - c. the path checker: a malformed escape is a 400, and so is a
///     parameter lura's `paramChecker` refuses (unless
///     `disable_path_decoding`);
///   - `GET /__health` is registered here: it gets a–c only;
///   - d. `security/http`: a bad host (500) or the redirect to HTTPS
///     (301) answers here; every answer after it gets its headers, 404,
///     405 and the bot detector's 403 included;
///   - e. `modifier/lua-endpoint` (service);
///   - f. `security/bot-detector` (service) → 403;
///   - `/__debug/` and `/__echo/` (`debug_endpoint`, `echo_endpoint`)
///     answer here, after a–f, with nothing of an endpoint's;
///   - no route: 405 or 404, after a–f.
///   - the endpoint's chain: g. OpenTelemetry's route label;
///     h. `security/bot-detector` (endpoint) → 403; j. `telemetry/metrics`;
///     k. `auth/validator` → 401/403 (its rejecter, `validation/cel`'s
///     `JWT` list, after the claims and before roles and scopes → 401), then
///     its claims go into the request's headers (`propagate_claims`) and
///     the backends' URLs (`{JWT.x}`);
///     l. `auth/signer` (replaces m–o);
///     m. `modifier/lua-endpoint`; n. `qos/ratelimit/router` → 429/503;
///     o. the endpoint: proxy, render, KrakenD's headers.
/// - [P] the proxy stack (r. `telemetry/metrics`' pipe layer and
///   OpenTelemetry's proxy stage, `krakend_proxy_duration`, around it and
///   its timeout), inside the endpoint's timeout ([`proxied`],
///   [`proxy::run`]): t. `validation/cel`'s `req` list before anything
///   (500), its `resp` list on a successful answer (500); inside it, u.
///   `validation/json-schema` → 400 before any backend; then shadows,
///   static data and the merge.
/// - [B] per backend, inside o. ([`crate::upstream::Upstream::call`] and
///   [`crate::proxy`]'s `call_pool`): 11. the circuit breaker, 12.
///   `qos/ratelimit/proxy` (a refused call is a backend error: 500 alone,
///   a partial 200 in a merge); 14. `validation/cel` around the backend
///   (its `req` list before the call, its `resp` list on each call's
///   decoded answer: a refusal fails that backend); then, around the
///   pool's failover loop as CE wraps its request executor, 17.
///   `modifier/martian`'s request side on each attempt's final request
///   (URL, host and headers made); 18. the request executor:
///   `qos/http-cache` (keyed by that request, answering a hit without the
///   pool) around the pool; 19. its response side on the answer, a hit's
///   included, before 20. the status check and 21. the decoder.
pub async fn handle(gw: Arc<Gw>, req: Request<Incoming>, peer: IpAddr) -> Response<GwBody> {
    // [S1]: OpenTelemetry's global layer: the trace context in, the server
    // span around everything below.
    #[cfg(feature = "otlp")]
    if let (Some(tracer), Some(otel)) = (
        gw.otlp.as_ref().and_then(|o| o.tracer.as_ref()),
        gw.spec.otel,
    ) && !otel.skip_paths.contains(&req.uri().path())
    {
        use crate::telemetry::opentelemetry::trace::Incoming as Facts;
        let target = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path(), |pq| pq.as_str());
        let header = |n| {
            req.headers()
                .get(n)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        let peer_addr = peer.to_string();
        let facts = Facts {
            method: req.method().as_str(),
            path: req.uri().path(),
            target,
            host: header(header::HOST).or_else(|| req.uri().authority().map(|a| a.as_str())),
            user_agent: header(header::USER_AGENT),
            peer: &peer_addr,
        };
        let trace = tracer.start(req.headers(), Some(&facts), otel.global.traces);
        let r = cors_and_gin(Arc::clone(&gw), req, peer, Some(&trace)).await;
        let status = r.status();
        let route = match trace.endpoint() {
            Some(i) => crate::telemetry::opentelemetry::gin_route(gw.spec.endpoints[i].path),
            None => format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            ),
        };
        tracer.finish_server(trace, route, status.as_u16(), otel.global.trace_attrs);
        return r;
    }
    cors_and_gin(gw, req, peer, None).await
}

/// [S2] and everything inside it.
async fn cors_and_gin(
    gw: Arc<Gw>,
    req: Request<Incoming>,
    peer: IpAddr,
    trace: crate::request::Trace<'_>,
) -> Response<GwBody> {
    // [S2]: CORS wraps everything below (gin in CE).
    let Some(cors) = &gw.cors else {
        return gin(gw, req, peer, trace).await;
    };
    match cors.run(req.method(), req.headers()) {
        cors::Decision::Answer(r) => {
            // Answered before gin: no access log line, as in CE.
            gw.other.record("preflight", "OPTIONS", r.status().as_u16());
            r
        }
        cors::Decision::Continue(headers) => {
            let mut r = gin(gw, req, peer, trace).await;
            cors::prepend(r.headers_mut(), headers);
            r
        }
    }
}

/// [S4] gin and everything inside it, in the order [`handle`] lists.
async fn gin(
    gw: Arc<Gw>,
    req: Request<Incoming>,
    peer: IpAddr,
    trace: crate::request::Trace<'_>,
) -> Response<GwBody> {
    let start = Instant::now();
    let (mut parts, body) = req.into_parts();
    // Go's server, before gin sees the request: an HTTP/1.1 request needs
    // exactly one Host header (RFC 9112 §3.2).
    if let Some(r) = host_error(&parts) {
        gw.other
            .record("bad_request", parts.method.as_str(), r.status().as_u16());
        return r;
    }
    target_host(&mut parts);
    let client_ip = gw.client_ip.resolve(&parts.headers, peer);
    // [S4] and c.
    let route = gw
        .router
        .route(gw.spec, &parts.method, parts.uri.path(), parts.uri.query());
    // c.: lura's `paramChecker` (a 400 with Go's text, before any other
    // middleware adds a header).
    if !gw.spec.router.disable_path_decoding
        && let Some(text) = crate::router::param_error(route.param_values())
    {
        let r = simple(StatusCode::BAD_REQUEST, Some(TEXT_PLAIN), text);
        gw.other
            .record("bad_request", parts.method.as_str(), r.status().as_u16());
        log_access(&gw, &parts, &client_ip, &r, start);
        return r;
    }
    let (resp, label, _completed) = match route {
        Route::Redirect { status, location } => {
            let mut r = simple(status, None, Bytes::new());
            if let Ok(v) = HeaderValue::try_from(location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            (r, "redirect", None)
        }
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
        Route::Health => (health(), "health", None),
        route => {
            // d.: a bad host or the redirect to HTTPS answers here; any
            // other answer below gets the headers.
            let secured = match gw.http_security.as_ref().map(|s| s.check(&parts)) {
                Some(Err(rejected)) => {
                    let r = *rejected.response;
                    gw.other
                        .record(rejected.label, parts.method.as_str(), r.status().as_u16());
                    log_access(&gw, &parts, &client_ip, &r, start);
                    return r;
                }
                Some(Ok(pass)) => Some(pass),
                None => None,
            };
            let secure = |r: &mut Response<GwBody>| {
                if let Some(pass) = &secured {
                    pass.apply(r.headers_mut());
                }
            };
            // e.: Lua is not compiled by gwc.
            // f.
            if let Some(mut r) = reject_bot(gw.bot_detector.as_ref(), &parts.headers) {
                secure(&mut r);
                (r, "bot", None)
            } else if let Route::Endpoint {
                index,
                params,
                wildcard,
            } = route
            {
                let ep = &gw.endpoints[index];
                // g.: the route labels the request's span; h.
                #[cfg(feature = "otlp")]
                if let Some(t) = trace {
                    t.set_endpoint(index);
                }
                let mut rejected = reject_bot(ep.bot_detector.as_ref(), &parts.headers);
                // j.: `telemetry/metrics`' router layer, inside h.
                #[cfg(feature = "stats")]
                let stats = ep
                    .stats
                    .as_deref()
                    .filter(|_| rejected.is_none())
                    .and_then(crate::telemetry::metrics::EndpointStats::started);
                // k.
                let mut verified = None;
                if rejected.is_none()
                    && let Some(v) = &ep.jwt
                {
                    match v.check(&parts.headers).await {
                        Ok(token) => {
                            v.propagate(&token, &mut parts.headers);
                            verified = Some(token);
                        }
                        Err(r) => rejected = Some(reject_token(ep, r)),
                    }
                }
                // l.: the signer replaces m.–o. (CE's `gin/jose.go`): it
                // runs the proxy itself; no rate limit, no KrakenD headers.
                if rejected.is_none()
                    && let Some(signer) = &ep.signer
                {
                    let host = parts
                        .headers
                        .get(header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
                    let inb = Inbound {
                        path: parts.uri.path(),
                        params: &params,
                        wildcard: wildcard.as_deref(),
                        query: parts.uri.query(),
                        headers: &parts.headers,
                        client_ip: &client_ip,
                        host,
                        jwt: verified.as_deref().map(|t| &t.claims),
                        trace,
                        call: None,
                    };
                    let mut resp = signed(&gw, index, ep, signer, &inb, body, start).await;
                    secure(&mut resp);
                    ep.record(
                        resp.status().as_u16(),
                        announced_size(&resp),
                        start.elapsed(),
                    );
                    #[cfg(feature = "stats")]
                    stats_finished(stats, &resp, start);
                    log_access(&gw, &parts, &client_ip, &resp, start);
                    return resp;
                }
                // m. (Lua, not compiled); n.: a 401/403 has consumed no
                // token.
                if rejected.is_none() {
                    rejected = over_limit(ep, &parts.headers, &params, &client_ip);
                }
                let mut resp = match rejected {
                    Some(r) => r,
                    // o.
                    None => {
                        let host = parts
                            .headers
                            .get(header::HOST)
                            .and_then(|h| h.to_str().ok())
                            .or_else(|| parts.uri.authority().map(|a| a.as_str()));
                        let inb = Inbound {
                            path: parts.uri.path(),
                            params: &params,
                            wildcard: wildcard.as_deref(),
                            query: parts.uri.query(),
                            headers: &parts.headers,
                            client_ip: &client_ip,
                            host,
                            jwt: verified.as_deref().map(|t| &t.claims),
                            trace,
                            call: None,
                        };
                        let (mut resp, _completed) =
                            endpoint(&gw, index, ep, &inb, body, start).await;
                        secure(&mut resp);
                        ep.record(
                            resp.status().as_u16(),
                            announced_size(&resp),
                            start.elapsed(),
                        );
                        #[cfg(feature = "stats")]
                        stats_finished(stats, &resp, start);
                        log_access(&gw, &parts, &client_ip, &resp, start);
                        return resp;
                    }
                };
                secure(&mut resp);
                ep.record(
                    resp.status().as_u16(),
                    announced_size(&resp),
                    start.elapsed(),
                );
                #[cfg(feature = "stats")]
                stats_finished(stats, &resp, start);
                log_access(&gw, &parts, &client_ip, &resp, start);
                return resp;
            } else if let Route::Debug { .. } = route {
                let mut r = crate::echo::debug(body).await;
                secure(&mut r);
                (r, "debug", None)
            } else if let Route::Echo { .. } = route {
                let mut r = crate::echo::echo(&parts, body).await;
                secure(&mut r);
                (r, "echo", None)
            } else {
                let (mut r, label, completed) = no_route(&gw, route);
                secure(&mut r);
                (r, label, completed)
            }
        }
    };
    gw.other
        .record(label, parts.method.as_str(), resp.status().as_u16());
    // S1: CE's OTel layer measures what no endpoint served too, but for its
    // default `skip_paths` (`/__health`, `/__debug/`, `/__echo/`).
    #[cfg(feature = "otel")]
    if let (Some(o), Some(otel)) = (&gw.otel_unmatched, gw.spec.otel)
        && crate::telemetry::opentelemetry::measures_unmatched(otel, parts.uri.path(), label)
    {
        o.record(
            parts.method.as_str(),
            resp.status().as_u16(),
            announced_size(&resp),
            start.elapsed(),
        );
    }
    log_access(&gw, &parts, &client_ip, &resp, start);
    resp
}

/// j. `telemetry/metrics`' router layer: the answer's status, body size
/// (as far as the body tells it before it is sent) and time.
#[cfg(feature = "stats")]
fn stats_finished(
    s: Option<crate::telemetry::metrics::InFlight<'_>>,
    r: &Response<GwBody>,
    start: Instant,
) {
    if let Some(s) = s {
        s.finished(r.status().as_u16(), announced_size(r), start.elapsed());
    }
}

/// The answer's body size as far as the body tells it before it is sent
/// (`telemetry/metrics`' and OpenTelemetry's response sizes).
fn announced_size(r: &Response<GwBody>) -> u64 {
    let size = hyper::body::Body::size_hint(r.body());
    size.exact().unwrap_or(size.lower())
}

/// a. the access log line, unless `disable_access_log` or the path is in
/// `logger_skip_paths`.
fn log_access(
    gw: &Gw,
    parts: &hyper::http::request::Parts,
    client_ip: &ClientIp,
    resp: &Response<GwBody>,
    start: Instant,
) {
    let router = &gw.spec.router;
    if router.disable_access_log || skipped(router.logger_skip_paths, parts.uri.path()) {
        return;
    }
    crate::telemetry::logging::access(
        resp.status().as_u16(),
        start.into_std(),
        client_ip.as_str(),
        parts.method.as_str(),
        &decoded_path(parts.uri.path()),
        parts.uri.query(),
    );
}

/// The request's path as Go's `URL.Path` holds it (percent-decoded), for
/// the access log.
fn decoded_path(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains('%') {
        percent_encoding::percent_decode_str(raw).decode_utf8_lossy()
    } else {
        std::borrow::Cow::Borrowed(raw)
    }
}

/// gin's `SkipPaths`: the request's path (`URL.Path`, decoded) equals an
/// entry.
fn skipped(skip: &[&str], raw_path: &str) -> bool {
    if skip.is_empty() {
        return false;
    }
    if !raw_path.contains('%') {
        return skip.contains(&raw_path);
    }
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(raw_path).collect();
    skip.iter().any(|s| s.as_bytes() == decoded.as_slice())
}

/// `GET /__health`: KrakenD's answer.
fn health() -> Response<GwBody> {
    let mut body = Map::new();
    body.insert("agents".into(), Value::Object(Map::new()));
    body.insert(
        "now".into(),
        Value::String(metrics::go_time(std::time::SystemTime::now())),
    );
    body.insert("status".into(), Value::String("ok".into()));
    simple(StatusCode::OK, Some(JSON), encoding::json_map(&body))
}

/// f. and h.: CE's answer to a bot, a 403 with no body, no `Content-Type`
/// and no `X-KrakenD*` headers (krakend-components §1.4).
fn reject_bot(
    detector: Option<&crate::security::bots::Detector>,
    headers: &hyper::HeaderMap,
) -> Option<Response<GwBody>> {
    let d = detector?;
    let ua = headers.get(header::USER_AGENT).map(HeaderValue::as_bytes);
    if !d.is_bot(ua) {
        return None;
    }
    // CE logs every rejection (krakend-botdetector `gin/detector.go`).
    error_line("[SERVICE: Gin][Botdetector] bot rejected");
    Some(simple(StatusCode::FORBIDDEN, None, Bytes::new()))
}

/// n.: `qos/ratelimit/router`'s answer to a request over a limit: 429 for
/// the client's bucket (or no client key), 503 for the endpoint's, with
/// no body, no `Content-Type` and no `X-KrakenD*` headers (CE's
/// `AbortWithError`, krakend-components §6.2).
fn over_limit(
    ep: &EndpointRt,
    headers: &hyper::HeaderMap,
    params: &[String],
    client_ip: &ClientIp,
) -> Option<Response<GwBody>> {
    use crate::traffic::ratelimit::Verdict;
    let status = match ep
        .rate_limit
        .as_ref()?
        .check(headers, params, client_ip.as_str())
    {
        Verdict::Pass => return None,
        Verdict::ClientLimited => StatusCode::TOO_MANY_REQUESTS,
        Verdict::EndpointLimited => StatusCode::SERVICE_UNAVAILABLE,
    };
    Some(simple(status, None, Bytes::new()))
}

/// k.: CE's answer to a token `auth/validator` refuses, a 401 (403 for
/// roles and scopes) with no body, no `Content-Type` and no `X-KrakenD*`
/// headers (krakend-components §4.2); the reason is logged with
/// `operation_debug`, as CE logs it.
fn reject_token(ep: &EndpointRt, r: crate::security::jwt::Rejection) -> Response<GwBody> {
    if ep.spec.jwt.is_some_and(|j| j.operation_debug) {
        error_line(&format!(
            "[ENDPOINT: {}][JWTValidator] {}",
            ep.spec.path,
            r.reason.to_string().replace('"', "'")
        ));
    }
    simple(r.status, None, Bytes::new())
}

/// No endpoint matched: `auto_options`, 405 or 404, with their metrics label.
fn no_route(gw: &Gw, route: Route) -> (Response<GwBody>, &'static str, Option<bool>) {
    match route {
        Route::Options { allow } => {
            let mut r = simple(StatusCode::OK, None, Bytes::new());
            if let Ok(v) = HeaderValue::try_from(allow) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            identify(gw, r.headers_mut());
            (r, "options", None)
        }
        Route::MethodNotAllowed { allow } => {
            let mut r = router_error(
                gw,
                StatusCode::METHOD_NOT_ALLOWED,
                gw.spec.router.error_body_405,
                "405 method not allowed",
            );
            if let Ok(v) = HeaderValue::try_from(allow) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            (r, "method_not_allowed", Some(false))
        }
        _ => (
            router_error(
                gw,
                StatusCode::NOT_FOUND,
                gw.spec.router.error_body_404,
                "404 page not found",
            ),
            "not_found",
            Some(false),
        ),
    }
}

/// [P]: the proxy ([`proxy::run`]: t. `validation/cel`) around the body
/// read and u. `validation/json-schema` on it: what the endpoint (o.) and
/// the signer (l.) call, as CE's handlers call the proxy stack.
async fn proxied(
    gw: &Arc<Gw>,
    index: usize,
    ep: &EndpointRt,
    inb: &Inbound<'_>,
    body: Incoming,
    start: Instant,
) -> Result<Answer, Error> {
    // u. runs inside t.: CEL's `req` list refuses before the body is read.
    let cap = crate::limits::max_request_body(&gw.spec.server);
    let body = async {
        match &ep.json_schema {
            Some(v) => {
                let bytes = validated_body(body, cap).await?;
                v.check(&bytes)?;
                Ok(ReqBody::Buffered(bytes))
            }
            None => request_body(ep, body, cap).await,
        }
    };
    proxy::run(gw, index, inb, body, start).await
}

/// u.: the whole body, at most
/// [`crate::validation::json_schema::MAX_BODY_BYTES`] of it (an empty
/// one is checked, and refused, by the validator), or at most `cap`
/// (`gwc/server.max_request_body`, 413) when that is smaller.
async fn validated_body(body: Incoming, cap: u64) -> Result<Bytes, Error> {
    use crate::validation::json_schema::{MAX_BODY_BYTES, too_large};
    let capped = cap < MAX_BODY_BYTES as u64;
    let limit = if capped {
        usize::try_from(cap).unwrap_or(MAX_BODY_BYTES)
    } else {
        MAX_BODY_BYTES
    };
    let too_large = move || {
        if capped {
            Error::new(
                ErrorKind::PayloadTooLarge,
                format!("the request body is larger than {cap} bytes"),
            )
        } else {
            too_large()
        }
    };
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large());
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(Error::new(
            ErrorKind::BadRequest,
            format!("reading the request body: {e}"),
        )),
    }
}

/// Reads the client body the way the endpoint needs it: streamed to a
/// single backend, else read whole, at most `cap` bytes of it (413 past
/// it, refused before reading when the `Content-Length` says so; hyper then
/// closes the connection instead of reading the rest).
async fn request_body(ep: &EndpointRt, body: Incoming, cap: u64) -> Result<ReqBody, Error> {
    if body.is_end_stream() {
        return Ok(ReqBody::None);
    }
    if ep.stream_body {
        return Ok(ReqBody::Stream(body));
    }
    let too_large = || {
        Error::new(
            ErrorKind::PayloadTooLarge,
            format!("the request body is larger than {cap} bytes"),
        )
    };
    if body.size_hint().lower() > cap {
        return Err(too_large());
    }
    let limit = usize::try_from(cap).unwrap_or(usize::MAX);
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(c) => Ok(ReqBody::Buffered(c.to_bytes())),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(Error::new(
            ErrorKind::BadRequest,
            format!("reading the request body: {e}"),
        )),
    }
}

/// l.: `auth/signer` (krakend-components §13, [`crate::security::signer`]):
/// 401 when its key could not be had at start; the proxy under the
/// endpoint's timeout; 400 with no body when it failed; otherwise the data
/// with its listed objects signed, as gin's `c.JSON` writes it, with the
/// proxy's status and the first value of each backend header, and no
/// `X-KrakenD`, `X-KrakenD-Completed` or `Cache-Control`.
async fn signed(
    gw: &Arc<Gw>,
    index: usize,
    ep: &EndpointRt,
    signer: &crate::security::signer::Signer,
    inb: &Inbound<'_>,
    body: Incoming,
    start: Instant,
) -> Response<GwBody> {
    let Some(key) = signer.key().await else {
        return simple(StatusCode::UNAUTHORIZED, None, Bytes::new());
    };
    let bad_request = || simple(StatusCode::BAD_REQUEST, None, Bytes::new());
    let deadline = proxy::after(start, ep.spec.timeout_ms);
    let work = proxied(gw, index, ep, inb, body, start);
    let answer = match tokio::time::timeout_at(deadline, work).await {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => {
            log_error(ep, 0, &e);
            return bad_request();
        }
        Err(_) => return bad_request(),
    };
    let (status, headers, data) = match answer {
        Answer::Merged(merged) => {
            for (i, e) in merged.errors.iter().enumerate() {
                log_error(ep, i, e);
            }
            // CE: the proxy returns an error with partial data; the
            // signer answers 400 on any error.
            match merged.data {
                Some(data) if merged.errors.is_empty() => {
                    (StatusCode::OK, hyper::HeaderMap::new(), Some(data))
                }
                _ => return bad_request(),
            }
        }
        Answer::Rendered(r) => {
            // Not reached: a signer endpoint is never a json passthrough.
            if !r.errors.is_empty() {
                return bad_request();
            }
            match crate::value::from_slice(&r.body) {
                Ok(Value::Object(m)) => (StatusCode::OK, hyper::HeaderMap::new(), Some(m)),
                _ => return bad_request(),
            }
        }
        // no-op: lura's response has no data (`null`) but the backend's
        // status and headers.
        Answer::Stream(s) => (s.resp.status(), s.resp.headers().clone(), None),
    };
    let text = match data {
        Some(mut data) => {
            if let Err(e) = crate::security::signer::sign_data(signer.spec, key, &mut data) {
                error_line(&format!(
                    "[ENDPOINT: {}][JWTSigner] {}",
                    ep.spec.path,
                    e.replace('"', "'")
                ));
                return bad_request();
            }
            crate::security::signer::go_json_text(&Value::Object(data))
        }
        None => "null".to_string(),
    };
    let mut r = simple(status, None, text);
    // `c.Header(k, v[0])` for each backend header.
    for name in headers.keys() {
        if is_hop_by_hop_response(name) || name == header::CONTENT_LENGTH {
            continue;
        }
        if let Some(v) = headers.get(name) {
            r.headers_mut().insert(name.clone(), v.clone());
        }
    }
    // gin's JSON render sets the type only when none is there.
    if !r.headers().contains_key(header::CONTENT_TYPE) {
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    }
    r
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
    #[cfg(feature = "stats")]
    let pipe_start = Instant::now();
    // r.: OTel's proxy stage (`krakend_proxy_duration`) around the proxy
    // stack and its timeout (CE's proxy middleware sees the deadline as an
    // error); dropped with the request, a canceled run.
    #[cfg(feature = "otel")]
    let proxy_timer = ep
        .otel
        .as_ref()
        .and_then(|o| o.proxy.as_ref())
        .map(crate::telemetry::opentelemetry::StageTimer::start);
    let work = proxied(gw, index, ep, inb, body, start);
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
    // r.: `telemetry/metrics`' pipe layer and OTel's proxy stage around
    // the proxy stack: lura's response `IsComplete` and error.
    let (complete, error) = match &answer {
        Ok(Answer::Stream(_)) => (true, false),
        Ok(Answer::Rendered(r)) => (r.completed, !r.errors.is_empty()),
        Ok(Answer::Merged(m)) => (
            m.complete && m.data.as_ref().is_some_and(|d| !d.is_empty()),
            !m.errors.is_empty(),
        ),
        Err(_) => (false, true),
    };
    #[cfg(feature = "stats")]
    if let Some(p) = ep.stats.as_ref().and_then(|s| s.pipe.as_ref()) {
        p.record(complete, error, pipe_start.elapsed());
    }
    #[cfg(feature = "otel")]
    if let Some(t) = proxy_timer {
        t.finish(error, complete);
    }
    #[cfg(not(any(feature = "stats", feature = "otel")))]
    let _ = (complete, error);
    let mut completed = false;
    let mut resp = match answer {
        Ok(Answer::Stream(streamed)) => {
            let (parts, body) = streamed.resp.into_parts();
            let mut r = Response::new(match body {
                proxy::BackendBody::Wire(inner) => GwBody::Deadline {
                    prefix: None,
                    inner,
                    deadline: Box::pin(tokio::time::sleep_until(deadline)),
                    permit: streamed.permit,
                    endpoint: ep.spec.path,
                    failed: None,
                },
                // Made by `modifier/martian` or from `qos/http-cache`:
                // already whole.
                proxy::BackendBody::Local(bytes) => GwBody::full(bytes),
                // Too big for `qos/http-cache`: what it read, then the rest.
                proxy::BackendBody::Partial(prefix, inner) => GwBody::Deadline {
                    prefix: (!prefix.is_empty()).then_some(prefix),
                    inner,
                    deadline: Box::pin(tokio::time::sleep_until(deadline)),
                    permit: streamed.permit,
                    endpoint: ep.spec.path,
                    failed: None,
                },
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
    error_line(&format!(
        "[ENDPOINT: {}] Error #{i}: {}",
        ep.spec.path,
        e.context.replace('"', "'").replace('\n', " | ")
    ));
}

/// One error-level application log line (`telemetry/logging`).
pub(crate) fn error_line(msg: &str) {
    crate::telemetry::logging::log(crate::telemetry::logging::Level::Error, msg);
}
