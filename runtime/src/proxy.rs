//! The endpoint pipeline: which backends are called, how (one, parallel,
//! sequential, `concurrent_calls`, shadow), under which deadline, and how
//! their answers become one (research/krakend-semantics.md §c.3–§c.10).
//!
//! Deadlines follow lura: the merge of several backends gets 85 % of the
//! endpoint `timeout`, `concurrent_calls` 75 %, and the handler bounds the
//! whole pipe with 100 %. A backend call that misses its deadline is
//! *dropped*, which cancels the request on the wire (hyper closes the
//! connection of an unfinished exchange).

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use crate::value::{Map, Value};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{CONTENT_ENCODING, CONTENT_TYPE};
use hyper::{Request, Response};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use crate::encoding::{self, passthrough};
use crate::error::{Error, ErrorKind};
use crate::lb::client::UpBody;
use crate::manipulate;
use crate::merge::{Merged, Part};
use crate::modifier::martian;
use crate::request::{Inbound, build_headers, build_path_and_query};
use crate::spec::{Encoding, Method, StaticStrategy};
use crate::state::{BackendRt, EndpointRt, Gw};
use crate::traffic::http_cache;
use crate::upstream::{
    AttemptGuard, AttemptResult, BuildHead, CallOptions, Head, HostRt, Replay, Reply, Upstream,
    buffer_for_replay,
};
use crate::validation::cel;

/// The request body as the pipeline holds it.
#[derive(Debug)]
pub enum ReqBody {
    /// No body (or already given to the one backend that streams it).
    None,
    /// Streamed to exactly one backend request.
    Stream(Incoming),
    /// Buffered, for endpoints that send it several times.
    Buffered(Bytes),
}

impl ReqBody {
    /// A copy for one of several backends (a streamed body is never shared:
    /// the pipeline streams only to a lone backend request).
    fn fork(&self) -> ReqBody {
        match self {
            ReqBody::Buffered(b) => ReqBody::Buffered(b.clone()),
            ReqBody::None | ReqBody::Stream(_) => ReqBody::None,
        }
    }

    /// The body for the next backend call. A stream is taken (and, when the
    /// pool may retry after sending it, buffered up to its replay limit).
    async fn replay(&mut self, up: &Upstream, method: Method) -> Result<Replay, Error> {
        Ok(match std::mem::replace(self, ReqBody::None) {
            ReqBody::None => Replay::Empty,
            ReqBody::Buffered(b) => {
                *self = ReqBody::Buffered(b.clone());
                if b.is_empty() {
                    Replay::Empty
                } else {
                    Replay::Buffered(b)
                }
            }
            ReqBody::Stream(s) => match up.replay_limit(method) {
                Some(limit) => buffer_for_replay(s, limit).await?,
                None => Replay::Once(Arc::new(Mutex::new(Some((Bytes::new(), s))))),
            },
        })
    }
}

/// A no-op backend's response, to stream to the client.
#[derive(Debug)]
pub struct Streamed {
    /// The response.
    pub resp: Response<BackendBody>,
    /// The host's connection slot, released when the body is done.
    pub permit: Option<OwnedSemaphorePermit>,
    /// Attempts made, when the pool shows them (`X-Gwc-Attempts`).
    pub attempts: Option<u8>,
}

/// What an endpoint produced. `Stream` holds the upstream body inline
/// ([`UpBody`]: no box per streamed answer).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Answer {
    /// Decoded and merged data (every encoding but no-op).
    Merged(Merged),
    /// A json passthrough endpoint's answer, rendered as the merge would
    /// have been ([`passthrough`], [`assemble`]).
    Rendered(JsonAnswer),
    /// The backend's response, to stream (no-op).
    Stream(Streamed),
}

/// The hyper method for a spec method.
pub fn http_method(m: Method) -> hyper::Method {
    match m {
        Method::Get => hyper::Method::GET,
        Method::Post => hyper::Method::POST,
        Method::Put => hyper::Method::PUT,
        Method::Patch => hyper::Method::PATCH,
        Method::Delete => hyper::Method::DELETE,
        Method::Head => hyper::Method::HEAD,
        Method::Options => hyper::Method::OPTIONS,
        Method::Connect => hyper::Method::CONNECT,
        Method::Trace => hyper::Method::TRACE,
    }
}

/// A share of the endpoint timeout (`pct` percent), from `start`.
fn share(start: Instant, timeout_ms: u64, pct: u64) -> Instant {
    after(start, timeout_ms.saturating_mul(pct) / 100)
}

/// `start + ms`, saturating (a huge configured timeout must not overflow
/// the clock and panic): about 30 years is "never" for a request.
pub fn after(start: Instant, ms: u64) -> Instant {
    const NEVER: Duration = Duration::from_secs(60 * 60 * 24 * 365 * 30);
    start
        .checked_add(Duration::from_millis(ms).min(NEVER))
        .unwrap_or(start)
}

/// The request head for one host (path and query with the host's base
/// path, headers, method); the failover loop adds the URI and the body.
fn request_head(
    gw: &Gw,
    ep: &EndpointRt,
    b: &BackendRt,
    inb: &Inbound<'_>,
    prev: &[Option<Map>],
    base_path: &str,
) -> (Request<()>, String) {
    let mut pq = String::with_capacity(64);
    build_path_and_query(&mut pq, base_path, ep.spec, b.spec, inb, prev);
    // Go's transport adds `Accept-Encoding: gzip` and undoes it itself. A
    // no-op body is streamed untouched, so it is only compressed when the
    // client asked for it (and gets it compressed).
    let add_gzip = !gw.spec.client.disable_compression && b.spec.encoding != Encoding::NoOp;
    let headers = build_headers(ep.spec, b.spec, inb, gw.spec.user_agent, add_gzip);
    let mut req = Request::new(());
    *req.method_mut() = http_method(b.spec.method);
    *req.headers_mut() = headers;
    (req, pq)
}

/// A backend response's body: from the wire, or made by
/// `modifier/martian` (a replaced body, a static file, a skipped round
/// trip).
#[derive(Debug)]
pub enum BackendBody {
    /// Streamed from the backend's connection.
    Wire(UpBody),
    /// In memory.
    Local(Bytes),
    /// Read in part (by `qos/http-cache`, which found it too big to
    /// store): the bytes read, then the rest of the stream.
    Partial(Bytes, UpBody),
}

/// A backend's answer as the pipeline reads it: the head (after
/// `modifier/martian`'s response modifiers) and the body, with the
/// exchange's accounting.
#[derive(Debug)]
struct Fetched<'a> {
    /// Status, headers, body.
    resp: Response<BackendBody>,
    /// The host that answered; `None` when `static.Modifier` skipped the
    /// round trip.
    host: Option<&'a HostRt>,
    /// Its connection slot: keep it until the body is read.
    permit: Option<OwnedSemaphorePermit>,
    /// The final attempt's accounting (see [`Reply::guard`]).
    guard: Option<AttemptGuard<'a>>,
    /// Attempts made.
    attempts: u8,
    /// Where the last redirect followed led, when one was.
    redirected_to: Option<hyper::Uri>,
}

impl<'a> Fetched<'a> {
    /// A response from the wire, as it came.
    fn wire(r: Reply<'a>) -> Fetched<'a> {
        let (parts, body) = r.resp.into_parts();
        Fetched {
            resp: Response::from_parts(parts, BackendBody::Wire(body)),
            host: Some(r.host),
            permit: r.permit,
            guard: Some(r.guard),
            attempts: r.attempts,
            redirected_to: r.redirected_to,
        }
    }

    /// An answer from `qos/http-cache` (no exchange to account for).
    fn cached(entry: &http_cache::Entry, host: &'a HostRt) -> Fetched<'a> {
        let mut resp = Response::new(BackendBody::Local(entry.body.clone()));
        *resp.status_mut() = entry.status;
        *resp.headers_mut() = entry.headers.clone();
        Fetched {
            resp,
            host: Some(host),
            permit: None,
            guard: None,
            attempts: 0,
            redirected_to: None,
        }
    }

    /// Records the exchange's result.
    fn finish(&mut self, r: AttemptResult) {
        if let Some(g) = self.guard.as_mut() {
            g.finish(r);
        }
    }

    /// The host's URL, for messages (`static` without a round trip).
    fn host_url(&self) -> &str {
        self.host.map_or("static", |h| h.url)
    }
}

/// One call of a backend through its pool (breaker, failover), with
/// `modifier/martian` around it as CE wraps the request executor.
async fn call_pool<'a>(
    gw: &Gw,
    ep: &EndpointRt,
    b: &'a BackendRt,
    inb: &Inbound<'_>,
    body: Replay,
    prev: &[Option<Map>],
    deadline: Instant,
) -> Result<Fetched<'a>, Error> {
    // 18.: OTel's transport: the call's client span, whose context the
    // backend receives in `traceparent`.
    #[cfg(feature = "otlp")]
    if let (Some(trace), Some(tracer), Some(layer)) = (
        inb.trace,
        gw.otlp.as_ref().and_then(|o| o.tracer.as_ref()),
        ep.otel.as_ref().and_then(|o| {
            let i = ep.backends.iter().position(|x| std::ptr::eq(x, b))?;
            o.backend_layer(i).filter(|l| l.traces)
        }),
    ) {
        use crate::telemetry::opentelemetry::trace;
        let call = trace.child();
        let traced = Inbound {
            call: Some(call),
            ..*inb
        };
        let start_ns = trace::now_ns();
        let r = call_pool_untraced(gw, ep, b, &traced, body, prev, deadline).await;
        if call.sampled {
            let status = r.as_ref().ok().map(|f| f.resp.status().as_u16());
            let url = r
                .as_ref()
                .ok()
                .and_then(|f| f.host)
                .map(|h| h.scheme.as_str().to_owned() + "://" + h.authority.as_str());
            tracer.record(trace::client_span(
                trace,
                call,
                start_ns,
                trace::Call {
                    name: crate::telemetry::opentelemetry::gin_route(&b.label),
                    method: trace::method_name(b.spec.method),
                    endpoint_route: crate::telemetry::opentelemetry::gin_route(ep.spec.path),
                    endpoint_method: trace::method_name(ep.spec.method),
                    server: url,
                    status,
                    error: r.as_ref().err().map(ToString::to_string),
                    static_attrs: layer.trace_attrs,
                },
            ));
        }
        return r;
    }
    call_pool_untraced(gw, ep, b, inb, body, prev, deadline).await
}

/// [`call_pool`] without the client span.
async fn call_pool_untraced<'a>(
    gw: &Gw,
    ep: &EndpointRt,
    b: &'a BackendRt,
    inb: &Inbound<'_>,
    body: Replay,
    prev: &[Option<Map>],
    deadline: Instant,
) -> Result<Fetched<'a>, Error> {
    let opts = CallOptions {
        method: b.spec.method,
        deadline,
        noop: b.spec.encoding == Encoding::NoOp,
    };
    let Some(stage) = &b.martian else {
        let build = |host: &HostRt| {
            let (req, pq) = request_head(gw, ep, b, inb, prev, host.base_path);
            Ok(Head::new(req, pq))
        };
        return execute(b, opts, body, &build).await;
    };
    let body_len = match &body {
        Replay::Buffered(bytes) => bytes.len() as u64,
        Replay::Empty | Replay::Once(_) => 0,
    };
    let modified = |host: &HostRt| -> Result<martian::Outgoing, Error> {
        let (req, pq) = request_head(gw, ep, b, inb, prev, host.base_path);
        let mut og = martian::Outgoing::new(&req, &host.scheme, &host.authority, &pq, body_len);
        stage.request(&mut og)?;
        Ok(og)
    };
    // `static.Modifier` skips the round trip; CE decides on the host its
    // balancer picked, gwc on the first one (the decision needs the
    // request before the pool picks).
    if stage.may_skip
        && let Some(first) = b.upstream.hosts.first()
    {
        let og = modified(first)?;
        if og.skip {
            // CE's proxy limiter (12.) runs before martian (17.): a
            // skipped round trip still spends a token.
            if let Some(limit) = &b.upstream.rate_limit {
                limit.check()?;
            }
            let mut res = martian::Incoming::skipped();
            stage.response(&mut res, &og).await?;
            return local_answer(res);
        }
    }
    // The request as each host last got it: a redirect or a retry on the
    // same host resends it as it was (one `header.Id`), and the response
    // side reads the final one.
    let sent: std::sync::Mutex<Option<(usize, martian::Outgoing)>> = std::sync::Mutex::new(None);
    let method = http_method(b.spec.method);
    let build = |host: &HostRt| {
        let key = std::ptr::from_ref(host) as usize;
        let mut cache = sent
            .lock()
            .map_err(|_| Error::new(ErrorKind::Internal, "martian: a poisoned lock"))?;
        let og = match cache.as_ref() {
            Some((k, og)) if *k == key => og.clone(),
            _ => {
                let og = modified(host)?;
                *cache = Some((key, og.clone()));
                og
            }
        };
        let (req, path_and_query, body) = og.into_head(method.clone())?;
        Ok(Head {
            req,
            path_and_query,
            body,
        })
    };
    let mut fetched = execute(b, opts, body, &build).await?;
    if stage.spec.response.is_none() {
        return Ok(fetched);
    }
    let og = sent
        .lock()
        .ok()
        .and_then(|mut c| c.take())
        .map(|(_, og)| og);
    let Some(mut og) = og else {
        return Err(Error::new(
            ErrorKind::Internal,
            "martian: no request was sent",
        ));
    };
    if let Some(uri) = &fetched.redirected_to {
        og.answered_by(uri);
    }
    let (parts, wire) = std::mem::replace(
        &mut fetched.resp,
        Response::new(BackendBody::Local(Bytes::new())),
    )
    .into_parts();
    let mut res = martian::Incoming::new(parts.status.as_u16(), parts.headers);
    if let Err(e) = stage.response(&mut res, &og).await {
        fetched.finish(AttemptResult::Error);
        return Err(e);
    }
    let mut resp = martian_head(&res, parts.version)?;
    *resp.body_mut() = match (res.body, wire) {
        (Some(local), BackendBody::Wire(incoming) | BackendBody::Partial(_, incoming)) => {
            // Not read: keep the connection if it drains quickly.
            crate::upstream::discard(incoming, fetched.permit.take());
            BackendBody::Local(local)
        }
        (Some(local), BackendBody::Local(_)) => BackendBody::Local(local),
        (None, wire) => wire,
    };
    fetched.resp = resp;
    Ok(fetched)
}

/// The request executor (step 18): the pool, under `qos/http-cache` when the
/// backend has one ([`http_cache`]: gregjones' `RoundTrip`, step by
/// step). The key is the request made for the pool's first host (CE's
/// balancer picks the host before the cache; gwc's pool picks it inside,
/// so every host's answers share the first host's entries).
async fn execute<'a>(
    b: &'a BackendRt,
    opts: CallOptions,
    body: Replay,
    build: &BuildHead<'_>,
) -> Result<Fetched<'a>, Error> {
    let (Some(cache), Some(first)) = (&b.http_cache, b.upstream.hosts.first()) else {
        return b.upstream.call(opts, body, build).await.map(Fetched::wire);
    };
    let head = build(first)?;
    let req = head.req.headers();
    let method = head.req.method();
    let key = http_cache::key(method, head.url(first));
    if !http_cache::cacheable(method, req) {
        cache.delete(&key);
        return b.upstream.call(opts, body, build).await.map(Fetched::wire);
    }
    let get = method == hyper::Method::GET;
    let reply = match cache.lookup(&key) {
        Some(entry) => {
            let mut validators = hyper::HeaderMap::new();
            if http_cache::vary_matches(&entry.headers, req) {
                match http_cache::freshness(&entry.headers, req, http_cache::now_ns()) {
                    http_cache::Freshness::Fresh => return Ok(Fetched::cached(&entry, first)),
                    http_cache::Freshness::Stale => {
                        http_cache::add_validators(&entry.headers, &mut validators);
                    }
                    http_cache::Freshness::Transparent => {}
                }
            }
            let conditional = |host: &HostRt| {
                let mut h = build(host)?;
                for (k, v) in &validators {
                    h.req.headers_mut().insert(k.clone(), v.clone());
                }
                Ok(h)
            };
            let sent = b.upstream.call(opts, body, &conditional).await;
            let status = sent.as_ref().ok().map(|r| r.resp.status());
            if get && status == Some(hyper::StatusCode::NOT_MODIFIED) {
                let Ok(mut reply) = sent else {
                    return Err(Error::new(ErrorKind::Internal, "http-cache: no reply"));
                };
                // The 304 refreshes the entry and answers from it.
                let fresh = http_cache::refreshed(&entry, reply.resp.headers());
                reply.guard.finish(AttemptResult::Ok);
                let (_, wire) = reply.resp.into_parts();
                crate::upstream::discard(wire, reply.permit.take());
                let fetched = Fetched::cached(&fresh, reply.host);
                if http_cache::can_store(req, &fresh.headers) {
                    if cache.reads(fresh.status) {
                        cache.store(&key, fresh);
                    }
                } else {
                    cache.delete(&key);
                }
                return Ok(fetched);
            }
            let failed = status.is_none_or(|s| s.is_server_error());
            if failed
                && get
                && http_cache::can_stale_on_error(&entry.headers, req, http_cache::now_ns())
            {
                // stale-if-error: the stale entry answers.
                if let Ok(mut reply) = sent {
                    reply.guard.finish(AttemptResult::BadStatus);
                    let (_, wire) = reply.resp.into_parts();
                    crate::upstream::discard(wire, reply.permit.take());
                }
                return Ok(Fetched::cached(&entry, first));
            }
            if status != Some(hyper::StatusCode::OK) {
                cache.delete(&key);
            }
            sent?
        }
        None if http_cache::only_if_cached(req) => {
            // gregjones' synthetic 504, stored like any answer.
            let timeout = http_cache::gateway_timeout();
            let fetched = Fetched::cached(&timeout, first);
            if http_cache::can_store(req, &timeout.headers) && cache.reads(timeout.status) {
                cache.store(&key, timeout);
            }
            return Ok(fetched);
        }
        None => b.upstream.call(opts, body, build).await?,
    };
    store(
        cache,
        &key,
        req,
        get,
        b.spec.encoding != Encoding::NoOp,
        reply,
    )
    .await
}

/// The end of gregjones' `RoundTrip` for an answer from the wire: stored
/// unless `no-store` (a GET once read, only when the pipeline reads its
/// status), its `X-Varied-*` headers added; deleted otherwise.
async fn store<'a>(
    cache: &http_cache::Stage,
    key: &str,
    req: &hyper::HeaderMap,
    get: bool,
    unzip: bool,
    mut reply: crate::upstream::Reply<'a>,
) -> Result<Fetched<'a>, Error> {
    if !http_cache::can_store(req, reply.resp.headers()) {
        cache.delete(key);
        return Ok(Fetched::wire(reply));
    }
    http_cache::add_varied(reply.resp.headers_mut(), req);
    let status = reply.resp.status();
    if !get {
        let mut headers = reply.resp.headers().clone();
        http_cache::strip_framing(&mut headers);
        cache.store(
            key,
            http_cache::Entry {
                status,
                headers,
                body: Bytes::new(),
            },
        );
        return Ok(Fetched::wire(reply));
    }
    if !cache.reads(status) {
        http_cache::drop_gzip(reply.resp.headers_mut(), unzip);
        return Ok(Fetched::wire(reply));
    }
    let mut fetched = Fetched::wire(reply);
    let (mut parts, wire) = std::mem::replace(
        &mut fetched.resp,
        Response::new(BackendBody::Local(Bytes::new())),
    )
    .into_parts();
    let BackendBody::Wire(wire) = wire else {
        return Err(Error::new(ErrorKind::Internal, "http-cache: no wire body"));
    };
    let host = fetched.host_url().to_owned();
    let read = match http_cache::read_bounded(wire, cache.entry_limit(), &host).await {
        Ok(read) => read,
        Err(e) => {
            fetched.finish(AttemptResult::Error);
            return Err(e);
        }
    };
    fetched.resp = match read {
        http_cache::Read::Whole(body) => {
            fetched.permit = None;
            let cap = fetched
                .host
                .map_or(crate::spec::HttpOptions::DEFAULT_MAX_RESPONSE_BYTES, |h| {
                    h.max_response_bytes
                });
            let body = match http_cache::prepare_get(&mut parts.headers, body, unzip, cap) {
                Ok(body) => body,
                Err(e) => {
                    fetched.finish(AttemptResult::Error);
                    return Err(Error::new(ErrorKind::Decode, format!("{host}: {e}")));
                }
            };
            let mut headers = parts.headers.clone();
            http_cache::strip_framing(&mut headers);
            cache.store(
                key,
                http_cache::Entry {
                    status,
                    headers,
                    body: body.clone(),
                },
            );
            Response::from_parts(parts, BackendBody::Local(body))
        }
        http_cache::Read::Partial(head, rest) => {
            // Too big to store: served as it comes, and an old entry goes.
            cache.delete(key);
            http_cache::drop_gzip(&mut parts.headers, unzip);
            Response::from_parts(parts, BackendBody::Partial(head, rest))
        }
    };
    Ok(fetched)
}

/// A response head from martian's view of it.
fn martian_head(
    res: &martian::Incoming,
    version: hyper::Version,
) -> Result<Response<BackendBody>, Error> {
    let status = hyper::StatusCode::from_u16(res.status).map_err(|_| {
        Error::new(
            ErrorKind::Modifier,
            format!(
                "modifier/martian: status {} is not an HTTP status",
                res.status
            ),
        )
    })?;
    let mut resp = Response::new(BackendBody::Local(Bytes::new()));
    *resp.status_mut() = status;
    *resp.version_mut() = version;
    *resp.headers_mut() = res.headers.clone();
    Ok(resp)
}

/// The answer when `static.Modifier` skipped the round trip.
fn local_answer<'a>(res: martian::Incoming) -> Result<Fetched<'a>, Error> {
    let mut resp = martian_head(&res, hyper::Version::HTTP_11)?;
    *resp.body_mut() = BackendBody::Local(res.body.unwrap_or_default());
    Ok(Fetched {
        resp,
        host: None,
        permit: None,
        guard: None,
        attempts: 0,
        redirected_to: None,
    })
}

/// Reads a whole backend body, gunzipping it when it says so, as it
/// arrives: at most `cap` bytes of it (`max_response_bytes`, counted after
/// gunzipping). Past the cap the read stops, the connection is closed (its
/// unread rest cannot be reused) and the backend fails with
/// [`ErrorKind::BadResponse`]. The gunzip works in steps of at most about
/// 64 KiB and yields to the runtime every 200 µs, so a gzip bomb neither
/// holds the worker thread nor outlives the endpoint's deadline (the
/// caller's timeout drops this future at an `await`).
///
/// What its buffer holds (capacity, not length) counts against the
/// gateway's `budget` (`gwc/server.max_buffered_responses`) until it
/// returns; past the budget the read stops the same way. The caller decodes the bytes at once,
/// without an `await`, so at most one decode per worker runs outside it.
async fn read_body(
    resp: Response<BackendBody>,
    host: &str,
    cap: u64,
    budget: &crate::limits::ResponseBudget,
) -> Result<(Bytes, Option<hyper::header::HeaderValue>), Error> {
    let (parts, body) = resp.into_parts();
    let gzip = parts
        .headers
        .get(CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let content_type = parts.headers.get(CONTENT_TYPE).cloned();
    let (head, rest) = match body {
        BackendBody::Local(b) => (b, None),
        BackendBody::Wire(incoming) => (Bytes::new(), Some(incoming)),
        BackendBody::Partial(head, rest) => (head, Some(rest)),
    };
    let too_big = || {
        crate::lb::framing::kill(&parts.extensions);
        Error::new(
            ErrorKind::BadResponse,
            format!("{host}: the response body is larger than max_response_bytes ({cap} bytes)"),
        )
    };
    let spent = || {
        crate::lb::framing::kill(&parts.extensions);
        Error::new(
            ErrorKind::BadResponse,
            format!(
                "{host}: the response body was dropped: the backend bodies being read hold the gateway's whole gwc/server.max_buffered_responses ({} bytes)",
                budget.max()
            ),
        )
    };
    let mut sink = BodySink::new(gzip, cap, budget.share());
    if !gzip
        && rest
            .as_ref()
            .is_some_and(|r| hyper::body::Body::size_hint(r).lower() > cap)
    {
        return Err(too_big());
    }
    let fail = |e: SinkError| match e {
        SinkError::TooBig => too_big(),
        SinkError::Budget => spent(),
        SinkError::Gzip(e) => {
            crate::lb::framing::kill(&parts.extensions);
            Error::new(ErrorKind::Decode, format!("{host}: {}", e.0))
        }
    };
    sink.push(&head).await.map_err(fail)?;
    if let Some(mut rest) = rest {
        while let Some(frame) = rest.frame().await {
            let frame = frame.map_err(|e| {
                Error::new(
                    ErrorKind::Transport,
                    format!("{host}: reading the body: {e}"),
                )
            })?;
            if let Ok(data) = frame.into_data() {
                sink.push(&data).await.map_err(fail)?;
            }
        }
    }
    let bytes = sink.finish().map_err(fail)?;
    Ok((bytes, content_type))
}

/// Where [`read_body`] puts a body: a capped buffer, or a capped gunzip,
/// with its share of the gateway's budget.
struct BodySink<'a> {
    into: SinkBuf,
    share: crate::limits::Share<'a>,
}

/// The buffer of a [`BodySink`].
enum SinkBuf {
    Plain(bytes::BytesMut, u64),
    Gunzip(Box<encoding::Gunzip>),
}

/// Why [`BodySink`] refused more.
enum SinkError {
    TooBig,
    Budget,
    Gzip(encoding::DecodeError),
}

impl<'a> BodySink<'a> {
    fn new(gzip: bool, cap: u64, share: crate::limits::Share<'a>) -> BodySink<'a> {
        let into = if gzip {
            SinkBuf::Gunzip(Box::new(encoding::Gunzip::new(cap)))
        } else {
            SinkBuf::Plain(bytes::BytesMut::new(), cap)
        };
        BodySink { into, share }
    }

    async fn push(&mut self, data: &[u8]) -> Result<(), SinkError> {
        let share = &mut self.share;
        match &mut self.into {
            SinkBuf::Plain(buf, cap) => {
                if (buf.len() + data.len()) as u64 > *cap {
                    return Err(SinkError::TooBig);
                }
                buf.extend_from_slice(data);
                // What the buffer holds, counted once it grew (no `await`
                // in between: a worker overshoots by one growth at most).
                if !share.grow_to(buf.capacity() as u64) {
                    return Err(SinkError::Budget);
                }
            }
            SinkBuf::Gunzip(g) => {
                // About 64 KiB of inflation a step at most; yield once a
                // turn has lasted TURN so other requests on this worker
                // (and the deadline) get theirs. A bomb costs the requests
                // that share its worker about one TURN per wait of theirs.
                const TURN: std::time::Duration = std::time::Duration::from_micros(200);
                let mut turn = std::time::Instant::now();
                for piece in data.chunks(encoding::Gunzip::STEP) {
                    if let Err(e) = g.push(piece) {
                        return Err(if g.over_limit() {
                            SinkError::TooBig
                        } else {
                            SinkError::Gzip(e)
                        });
                    }
                    // What the output holds, counted after each step: its
                    // chunks never move, and no `await` comes between the
                    // step and this, so a worker passes the budget by one
                    // output chunk (1 MiB) at most.
                    if !share.grow_to(g.held() as u64) {
                        return Err(SinkError::Budget);
                    }
                    if turn.elapsed() >= TURN {
                        tokio::task::yield_now().await;
                        turn = std::time::Instant::now();
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Bytes, SinkError> {
        match self.into {
            SinkBuf::Plain(buf, _) => Ok(buf.freeze()),
            SinkBuf::Gunzip(g) => g.finish().map(Bytes::from).map_err(SinkError::Gzip),
        }
    }
}

/// A json passthrough endpoint's answer.
#[derive(Debug)]
pub struct JsonAnswer {
    /// The body.
    pub body: Bytes,
    /// `X-KrakenD-Completed`: every backend answered and the object has
    /// members.
    pub completed: bool,
    /// The backends' failures, in declaration order (logged).
    pub errors: Vec<Error>,
}

/// One backend's answer: data for the merge, or, on the json passthrough
/// path, the body already rendered.
#[derive(Debug)]
enum Payload {
    /// Decoded (and manipulated) data.
    Part(Part),
    /// A backend object rendered by [`passthrough::object`].
    Rendered(passthrough::Rendered),
}

impl Payload {
    /// The data to merge. A rendered body is a JSON object the slow path
    /// decodes the same way, so decoding it again (and applying the
    /// backend's `group`, all a passthrough backend has) gives the same map.
    fn into_part(self, b: &BackendRt) -> Result<Part, Error> {
        match self {
            Payload::Part(p) => Ok(p),
            Payload::Rendered(r) => encoding::decode(Encoding::Json, false, &r.body)
                .map(|data| Part {
                    data: manipulate::apply_backend(b.spec, data),
                    complete: true,
                })
                .map_err(|e| Error::new(ErrorKind::Decode, e.0)),
        }
    }
}

/// The answer of a json passthrough endpoint from its backends' results
/// (declaration order), when every success is a rendered body and there is
/// one: the body itself for a lone backend without `group`, else each body
/// under its (distinct) group, in order — what merging the groups and
/// rendering gives. `None` leaves the results to the merge.
fn assemble(
    ep: &EndpointRt,
    results: &mut Vec<(usize, Result<Payload, Error>)>,
) -> Option<JsonAnswer> {
    let rendered = |r: &Result<Payload, Error>| matches!(r, Ok(Payload::Rendered(_)));
    if !results.iter().any(|(_, r)| rendered(r))
        || results
            .iter()
            .any(|(_, r)| matches!(r, Ok(Payload::Part(_))))
    {
        return None;
    }
    if let [(bi, Ok(Payload::Rendered(r)))] = results.as_slice()
        && ep.backends.get(*bi).is_some_and(|b| b.spec.group.is_none())
    {
        let answer = JsonAnswer {
            body: r.body.clone(),
            completed: !r.empty,
            errors: Vec::new(),
        };
        results.clear();
        return Some(answer);
    }
    let mut out = Vec::with_capacity(
        results
            .iter()
            .map(|(_, r)| match r {
                Ok(Payload::Rendered(r)) => r.body.len() + 32,
                _ => 0,
            })
            .sum::<usize>()
            + 2,
    );
    let mut errors = Vec::new();
    out.push(b'{');
    for (bi, r) in results.drain(..) {
        match r {
            Ok(Payload::Rendered(r)) => {
                if out.len() > 1 {
                    out.push(b',');
                }
                let key = ep
                    .backends
                    .get(bi)
                    .map_or(&b""[..], |b| b.group_key.as_slice());
                out.extend_from_slice(key);
                out.push(b':');
                out.extend_from_slice(&r.body);
            }
            Ok(Payload::Part(_)) => {}
            Err(e) => errors.push(e),
        }
    }
    out.push(b'}');
    Some(JsonAnswer {
        body: Bytes::from(out),
        completed: errors.is_empty(),
        errors,
    })
}

/// One call to a decoded (non-no-op) backend. With `passthrough` (the
/// endpoint is [`crate::state::json_passthrough`]) a JSON object body is
/// re-rendered without building its tree.
#[allow(clippy::too_many_arguments)]
async fn call_decoded(
    gw: &Gw,
    ep: &EndpointRt,
    b: &BackendRt,
    inb: &Inbound<'_>,
    body: Replay,
    prev: &[Option<Map>],
    deadline: Instant,
    passthrough: bool,
) -> Result<Payload, Error> {
    let mut fetched = call_pool(gw, ep, b, inb, body, prev, deadline).await?;
    let _permit = fetched.permit.take();
    let host = fetched.host;
    let host_url = fetched.host_url().to_owned();
    let cap = host.map_or(crate::spec::HttpOptions::DEFAULT_MAX_RESPONSE_BYTES, |h| {
        h.max_response_bytes
    });
    let redirected_to = fetched.redirected_to.take();
    let resp = std::mem::replace(
        &mut fetched.resp,
        Response::new(BackendBody::Local(Bytes::new())),
    );
    let status = resp.status().as_u16();
    if status != 200 && status != 201 {
        fetched.finish(AttemptResult::BadStatus);
        if let Some(name) = b.spec.return_error_details {
            let (body, ct) = read_body(resp, &host_url, cap, &gw.response_budget)
                .await
                .unwrap_or_default();
            let mut detail = Map::new();
            detail.insert("http_status_code".into(), Value::from(status));
            if !body.is_empty() {
                detail.insert(
                    "http_body".into(),
                    Value::String(String::from_utf8_lossy(&body).into_owned()),
                );
            }
            if let Some(ct) = ct
                .as_ref()
                .and_then(|v| v.to_str().ok())
                .filter(|s| !s.is_empty())
            {
                detail.insert("http_body_encoding".into(), Value::String(ct.to_owned()));
            }
            let mut data = Map::with_capacity(1);
            data.insert(format!("error_{name}"), Value::Object(detail));
            return Ok(Payload::Part(Part {
                data,
                complete: false,
            }));
        }
        if b.spec.return_error_code {
            let (body, content_type) = read_body(resp, &host_url, cap, &gw.response_budget)
                .await
                .unwrap_or_default();
            return Err(Error::new(
                ErrorKind::BackendStatus {
                    status,
                    body: body.clone(),
                    content_type,
                },
                String::from_utf8_lossy(&body).into_owned(),
            ));
        }
        // lura's ErrInvalidStatus: the backend's method and url_pattern
        // as its config keeps them, then the URL that answered.
        let url = match (redirected_to, host) {
            (Some(uri), _) => uri.to_string(),
            (None, Some(host)) => {
                let (_, pq) = request_head(gw, ep, b, inb, prev, host.base_path);
                format!("{}://{}{pq}", host.scheme, host.authority)
            }
            (None, None) => host_url.clone(),
        };
        return Err(Error::new(
            ErrorKind::BadStatus(status),
            format!(
                "invalid status code {status} {} {url}",
                b.status_error_prefix
            ),
        ));
    }
    let decoded = read_body(resp, &host_url, cap, &gw.response_budget)
        .await
        .and_then(|(bytes, _)| {
            if passthrough && let Some(r) = passthrough::object(&bytes) {
                return Ok(Payload::Rendered(r));
            }
            encoding::decode(b.spec.encoding, b.spec.is_collection, &bytes)
                .map(|data| {
                    Payload::Part(Part {
                        data: manipulate::apply_backend(b.spec, data),
                        complete: true,
                    })
                })
                .map_err(|e| Error::new(ErrorKind::Decode, format!("{host_url}: {}", e.0)))
        });
    match decoded {
        Ok(payload) => {
            fetched.finish(AttemptResult::Ok);
            Ok(payload)
        }
        Err(e) => {
            fetched.finish(AttemptResult::Error);
            Err(e)
        }
    }
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Polls every future to completion; results in input order.
async fn join_all<T>(mut futs: Vec<BoxFut<'_, T>>) -> Vec<T> {
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futs.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// The first `Ok` wins and the others are dropped (cancelled); when all
/// fail, the last failure.
async fn first_ok<T>(mut futs: Vec<BoxFut<'_, Result<T, Error>>>) -> Result<T, Error> {
    let mut last: Option<Error> = None;
    poll_fn(|cx| {
        let mut i = 0;
        while i < futs.len() {
            match futs[i].as_mut().poll(cx) {
                Poll::Ready(Ok(v)) => return Poll::Ready(Ok(v)),
                Poll::Ready(Err(e)) => {
                    last = Some(e);
                    drop(futs.remove(i));
                }
                Poll::Pending => i += 1,
            }
        }
        if futs.is_empty() {
            Poll::Ready(Err(last.take().unwrap_or_else(|| {
                Error::new(ErrorKind::Internal, "no concurrent call")
            })))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// A deadline around a backend call: the call is dropped when it passes.
async fn with_deadline<T>(
    deadline: Instant,
    what: &str,
    f: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match tokio::time::timeout_at(deadline, f).await {
        Ok(r) => r,
        Err(_) => Err(Error::new(
            ErrorKind::Timeout,
            format!("{what}: deadline exceeded"),
        )),
    }
}

/// One backend, honouring `concurrent_calls`; `passthrough` as in
/// [`call_decoded`] (only for a single call).
#[allow(clippy::too_many_arguments)]
async fn call_backend(
    gw: &Gw,
    ep: &EndpointRt,
    bi: usize,
    inb: &Inbound<'_>,
    body: &mut ReqBody,
    prev: &[Option<Map>],
    start: Instant,
    passthrough: bool,
) -> Result<Payload, Error> {
    let b = &ep.backends[bi];
    // 14.: the backend's `validation/cel` around its call.
    // Its `resp` list runs on each call's answer ([`call_checked`]): with
    // `concurrent_calls`, a refused answer lets another call win, as CE's
    // layer sits inside the fan-out.
    cel_backend_pre(gw, ep, b, inb, prev)?;
    // 8.: OTel's backend layer (`krakend_backend_duration`) around the
    // call; a dropped future is a canceled call. 10.: `telemetry/metrics`'
    // backend layer inside it.
    #[cfg(feature = "otel")]
    let otel = ep
        .otel
        .as_ref()
        .and_then(|o| {
            o.backend_layer(bi)
                .filter(|l| l.stage_metrics)
                .and(o.backends.get(bi))
        })
        .map(crate::telemetry::opentelemetry::StageTimer::start);
    #[cfg(feature = "stats")]
    let stats = ep
        .stats
        .as_ref()
        .and_then(|s| s.backend(bi))
        .map(|l| (l, Instant::now()));
    let r = call_backend_inner(gw, ep, bi, inb, body, prev, start, passthrough).await;
    #[cfg(feature = "stats")]
    if let Some((l, t)) = stats {
        l.record(r.is_ok(), r.is_err(), t.elapsed());
    }
    #[cfg(feature = "otel")]
    if let Some(timer) = otel {
        timer.finish(r.is_err(), r.is_ok());
    }
    r
}

/// [`call_decoded`], then the backend's `validation/cel` `resp` list.
#[allow(clippy::too_many_arguments)]
async fn call_checked(
    gw: &Gw,
    ep: &EndpointRt,
    b: &BackendRt,
    inb: &Inbound<'_>,
    body: Replay,
    prev: &[Option<Map>],
    deadline: Instant,
    passthrough: bool,
) -> Result<Payload, Error> {
    let payload = call_decoded(gw, ep, b, inb, body, prev, deadline, passthrough).await?;
    cel_backend_post(b, &payload)?;
    Ok(payload)
}

/// [`call_backend`] inside the backend's `validation/cel` layer.
#[allow(clippy::too_many_arguments)]
async fn call_backend_inner(
    gw: &Gw,
    ep: &EndpointRt,
    bi: usize,
    inb: &Inbound<'_>,
    body: &mut ReqBody,
    prev: &[Option<Map>],
    start: Instant,
    passthrough: bool,
) -> Result<Payload, Error> {
    let b = &ep.backends[bi];
    let n = ep.spec.concurrent_calls.max(1);
    // The deadline the failover loop works within: the share lura gives
    // this call (85 % in a merge, 75 % for concurrent calls, else 100 %).
    let pct = if n > 1 {
        75
    } else if ep.regular.len() > 1 {
        85
    } else {
        100
    };
    let deadline = share(start, ep.spec.timeout_ms, pct);
    if n == 1 {
        let body = body.replay(&b.upstream, b.spec.method).await?;
        return call_checked(gw, ep, b, inb, body, prev, deadline, passthrough).await;
    }
    let mut futs: Vec<BoxFut<'_, Result<Payload, Error>>> = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let body = body.replay(&b.upstream, b.spec.method).await?;
        futs.push(Box::pin(call_checked(
            gw, ep, b, inb, body, prev, deadline, false,
        )));
    }
    with_deadline(deadline, &b.label, first_ok(futs)).await
}

/// Fires the shadow backends and forgets them. The request heads are built
/// now (one per host: only the base path differs), as the inbound request
/// is borrowed.
fn fire_shadows(gw: &Arc<Gw>, ep_index: usize, inb: &Inbound<'_>, body: &ReqBody) {
    let ep = &gw.endpoints[ep_index];
    for &bi in ep.shadows.iter() {
        let b = &ep.backends[bi];
        let mut heads: Vec<(Request<()>, String, Option<Bytes>)> =
            Vec::with_capacity(b.upstream.hosts.len());
        for h in b.upstream.hosts.iter() {
            let (req, pq) = request_head(gw, ep, b, inb, &[], h.base_path);
            let Some(stage) = &b.martian else {
                heads.push((req, pq, None));
                continue;
            };
            // martian's request side (CE wraps shadow backends too); a
            // skipped round trip or a failed modifier sends nothing.
            let mut og = martian::Outgoing::new(&req, &h.scheme, &h.authority, &pq, 0);
            if stage.request(&mut og).is_err() || og.skip {
                heads.clear();
                break;
            }
            match og.into_head(req.method().clone()) {
                Ok(head) => heads.push(head),
                Err(_) => {
                    heads.clear();
                    break;
                }
            }
        }
        if heads.is_empty() {
            continue;
        }
        let replay = match body {
            ReqBody::Buffered(bytes) if !bytes.is_empty() => Replay::Buffered(bytes.clone()),
            _ => Replay::Empty,
        };
        let gw = Arc::clone(gw);
        let timeout_ms = ep.spec.timeout_ms;
        tokio::spawn(async move {
            let b = &gw.endpoints[ep_index].backends[bi];
            let build = |host: &HostRt| {
                let i = b
                    .upstream
                    .hosts
                    .iter()
                    .position(|h| std::ptr::eq(h, host))
                    .unwrap_or(0);
                let (head, pq, body) = heads.get(i).ok_or_else(|| {
                    Error::new(ErrorKind::Internal, "shadow request for an unknown host")
                })?;
                let mut req = Request::new(());
                *req.method_mut() = head.method().clone();
                *req.uri_mut() = head.uri().clone();
                *req.headers_mut() = head.headers().clone();
                Ok(Head {
                    req,
                    path_and_query: pq.clone(),
                    body: body.clone(),
                })
            };
            let deadline = after(Instant::now(), timeout_ms);
            let opts = CallOptions {
                method: b.spec.method,
                deadline,
                noop: true,
            };
            let call = b.upstream.call(opts, replay, &build);
            if let Ok(Ok(mut reply)) = tokio::time::timeout_at(deadline, call).await {
                // Drain the body so the connection goes back to the pool:
                // read and dropped, never held; past the host's
                // `max_response_bytes` the connection is closed instead.
                let (parts, mut body) = reply.resp.into_parts();
                let mut left = reply.host.max_response_bytes;
                let drain = async {
                    while let Some(Ok(frame)) = body.frame().await {
                        let n = frame.data_ref().map_or(0, |d| d.len() as u64);
                        if n > left {
                            crate::lb::framing::kill(&parts.extensions);
                            return;
                        }
                        left -= n;
                    }
                };
                let _ = tokio::time::timeout_at(deadline, drain).await;
                reply.guard.finish(AttemptResult::Ok);
            }
        });
    }
}

/// `validation/cel`'s refusal: CE's error text, a 500 at the endpoint, the
/// backend's failure at backend level.
fn rejected(index: usize) -> Error {
    Error::new(ErrorKind::Rejected, cel::aborted(index))
}

/// The `req` view of `validation/cel`: the request the endpoint's (or a
/// backend's) backends would get.
fn cel_request<'a>(
    ep: &'a EndpointRt,
    inb: &'a Inbound<'_>,
    method: &'a str,
    path: &'a str,
    headers: &'a dyn Fn() -> hyper::HeaderMap,
    query: &'a dyn Fn() -> Vec<(String, String)>,
) -> cel::RequestView<'a> {
    cel::RequestView {
        method,
        path,
        param_names: ep.spec.params,
        param_values: inb.params,
        headers,
        query,
    }
}

/// t.: the endpoint's `validation/cel` `req` list.
fn cel_endpoint_pre(gw: &Gw, ep: &EndpointRt, inb: &Inbound<'_>) -> Result<(), Error> {
    let Some(stage) = ep.cel.as_deref().filter(|s| s.has_pre()) else {
        return Ok(());
    };
    let headers = || {
        build_headers(
            ep.spec,
            &crate::spec::Backend::DEFAULT,
            inb,
            gw.spec.user_agent,
            false,
        )
    };
    let query = || cel::forwarded_query(ep.spec.input_query_strings, None, inb.query);
    let method = http_method(ep.spec.method);
    let view = cel_request(ep, inb, method.as_str(), inb.path, &headers, &query);
    stage.check_request(&view).map_err(rejected)
}

/// t.: the endpoint's `validation/cel` `resp` list, on a successful answer
/// (CE skips it when the proxy returned an error, partial data included).
fn cel_endpoint_post(ep: &EndpointRt, answer: &Answer) -> Result<(), Error> {
    let Some(stage) = ep.cel.as_deref().filter(|s| s.has_post()) else {
        return Ok(());
    };
    let checked = match answer {
        Answer::Merged(m) => {
            if !m.errors.is_empty() {
                return Ok(());
            }
            stage.check_response(&cel::ResponseView {
                completed: m.complete && m.data.as_ref().is_some_and(|d| !d.is_empty()),
                status: 0,
                headers: None,
                data: m.data.as_ref(),
            })
        }
        Answer::Rendered(r) => {
            if !r.errors.is_empty() {
                return Ok(());
            }
            let data = match crate::value::from_slice(&r.body) {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            };
            stage.check_response(&cel::ResponseView {
                completed: r.completed,
                status: 0,
                headers: None,
                data: data.as_ref(),
            })
        }
        Answer::Stream(s) => stage.check_response(&cel::ResponseView {
            completed: true,
            status: i64::from(s.resp.status().as_u16()),
            headers: Some(s.resp.headers()),
            data: None,
        }),
    };
    checked.map_err(rejected)
}

/// 14.: a backend's `validation/cel` `req` list, on the request this
/// backend gets.
fn cel_backend_pre(
    gw: &Gw,
    ep: &EndpointRt,
    b: &BackendRt,
    inb: &Inbound<'_>,
    prev: &[Option<Map>],
) -> Result<(), Error> {
    let Some(stage) = b.cel.as_ref().filter(|s| s.has_pre()) else {
        return Ok(());
    };
    let mut pq = String::with_capacity(64);
    build_path_and_query(&mut pq, "", ep.spec, b.spec, inb, prev);
    let path = pq.split_once('?').map_or(pq.as_str(), |(p, _)| p);
    let headers = || build_headers(ep.spec, b.spec, inb, gw.spec.user_agent, false);
    let query = || {
        cel::forwarded_query(
            ep.spec.input_query_strings,
            b.spec.input_query_strings,
            inb.query,
        )
    };
    let method = http_method(b.spec.method);
    let view = cel_request(ep, inb, method.as_str(), path, &headers, &query);
    stage.check_request(&view).map_err(rejected)
}

/// 14.: a backend's `validation/cel` `resp` list, on its decoded data.
fn cel_backend_post(b: &BackendRt, payload: &Payload) -> Result<(), Error> {
    let Some(stage) = b.cel.as_ref().filter(|s| s.has_post()) else {
        return Ok(());
    };
    let checked = match payload {
        Payload::Part(p) => stage.check_response(&cel::ResponseView {
            completed: p.complete,
            status: 0,
            headers: None,
            data: Some(&p.data),
        }),
        Payload::Rendered(r) => {
            let data = match crate::value::from_slice(&r.body) {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            };
            stage.check_response(&cel::ResponseView {
                completed: true,
                status: 0,
                headers: None,
                data: data.as_ref(),
            })
        }
    };
    checked.map_err(rejected)
}

/// Runs an endpoint. `start` is when the request arrived. t.:
/// `validation/cel`'s `req` list first, then `body` (the client's body,
/// read and, u., validated: CE's JSON Schema layer is inside the CEL one),
/// the answer, and the `resp` list on it.
pub async fn run(
    gw: &Arc<Gw>,
    ep_index: usize,
    inb: &Inbound<'_>,
    body: impl std::future::Future<Output = Result<ReqBody, Error>>,
    start: Instant,
) -> Result<Answer, Error> {
    let ep = &gw.endpoints[ep_index];
    cel_endpoint_pre(gw, ep, inb)?;
    let body = body.await?;
    let answer = answer(gw, ep_index, inb, body, start).await?;
    cel_endpoint_post(ep, &answer)?;
    Ok(answer)
}

/// The endpoint's answer, inside its `validation/cel` layer.
async fn answer(
    gw: &Arc<Gw>,
    ep_index: usize,
    inb: &Inbound<'_>,
    mut body: ReqBody,
    start: Instant,
) -> Result<Answer, Error> {
    let ep = &gw.endpoints[ep_index];
    if !ep.shadows.is_empty() {
        fire_shadows(gw, ep_index, inb, &body);
    }
    if ep.spec.output == crate::spec::OutputEncoding::NoOp {
        return run_noop(gw, ep, inb, body, start).await.map(Answer::Stream);
    }
    let regular = &ep.regular;
    let mut merged = Merged::new();
    match regular.len() {
        0 => {
            // KrakenD: "all endpoints must have at least one backend".
            merged.push(Err(Error::new(
                ErrorKind::Internal,
                "the endpoint has no backend",
            )));
        }
        1 => {
            let bi = regular[0];
            let pass = ep.json_passthrough;
            let r = call_backend(gw, ep, bi, inb, &mut body, &[], start, pass).await;
            let mut results = vec![(bi, r)];
            // Nothing follows for such an endpoint (no static data, no
            // endpoint flatmap): this is the answer.
            if let Some(answer) = assemble(ep, &mut results) {
                return Ok(Answer::Rendered(answer));
            }
            for (bi, r) in results {
                merged.push(r.and_then(|p| p.into_part(&ep.backends[bi])));
            }
        }
        _ if ep.spec.sequential => {
            let deadline = share(start, ep.spec.timeout_ms, 85);
            let chain = run_sequential(gw, ep, inb, &mut body, start, &mut merged);
            if tokio::time::timeout_at(deadline, chain).await.is_err() {
                merged.push(Err(Error::new(
                    ErrorKind::Timeout,
                    "sequential merge: deadline exceeded",
                )));
            }
        }
        _ => {
            let deadline = share(start, ep.spec.timeout_ms, 85);
            let pass = ep.json_passthrough;
            let futs: Vec<BoxFut<'_, (usize, Result<Payload, Error>)>> = regular
                .iter()
                .map(|&bi| {
                    let mut rb = body.fork();
                    let label = ep.backends[bi].label.as_str();
                    Box::pin(async move {
                        let call = call_backend(gw, ep, bi, inb, &mut rb, &[], start, pass);
                        (bi, with_deadline(deadline, label, call).await)
                    }) as BoxFut<'_, _>
                })
                .collect();
            let mut results = join_all(futs).await;
            if let Some(answer) = assemble(ep, &mut results) {
                return Ok(Answer::Rendered(answer));
            }
            for (bi, r) in results {
                merged.push(r.and_then(|p| p.into_part(&ep.backends[bi])));
            }
        }
    }
    // Endpoint-level flatmap: only with several backends, and only on a
    // merge without errors (lura's NewFlatmapMiddleware skips errors).
    if regular.len() > 1
        && !ep.spec.flatmap.is_empty()
        && merged.errors.is_empty()
        && let Some(data) = merged.data.as_mut()
    {
        manipulate::flatmap(data, ep.spec.flatmap);
    }
    if let (Some(st), Some(static_data)) = (ep.spec.static_data, ep.static_data.as_ref()) {
        let matched = match st.strategy {
            StaticStrategy::Always => true,
            StaticStrategy::Success => merged.errors.is_empty(),
            StaticStrategy::Errored => !merged.errors.is_empty(),
            StaticStrategy::Complete => {
                merged.errors.is_empty() && merged.data.is_some() && merged.complete
            }
            StaticStrategy::Incomplete => merged.data.is_none() || !merged.complete,
        };
        if matched {
            let data = merged.data.get_or_insert_with(Map::new);
            for (k, v) in static_data {
                data.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Answer::Merged(merged))
}

/// The sequential chain: backend 0 failing fails the request; a later
/// failure (or incomplete answer) stops the chain with what was merged.
async fn run_sequential(
    gw: &Gw,
    ep: &EndpointRt,
    inb: &Inbound<'_>,
    body: &mut ReqBody,
    start: Instant,
    merged: &mut Merged,
) {
    // Indexed like `respN`: by position among the non-shadow backends.
    let mut prev: Vec<Option<Map>> = vec![None; ep.regular.len()];
    for (pos, &bi) in ep.regular.iter().enumerate() {
        match call_backend(gw, ep, bi, inb, body, &prev, start, false)
            .await
            .and_then(|p| p.into_part(&ep.backends[bi]))
        {
            Err(e) => {
                if pos == 0 {
                    // lura returns the error alone: no data, whatever follows.
                    merged.push(Err(e));
                    merged.data = None;
                    return;
                }
                merged.push(Err(e));
                merged.mark_incomplete();
                return;
            }
            Ok(part) => {
                let complete = part.complete;
                if ep.referenced.get(pos).copied().unwrap_or(false) {
                    prev[pos] = Some(part.data.clone());
                }
                merged.push(Ok(part));
                if !complete {
                    merged.mark_incomplete();
                    return;
                }
            }
        }
    }
}

/// Whether a no-op endpoint's backend is a `gwc` pool (its failures then
/// map to 502/503/504, §7.5.5).
pub fn noop_pool(ep: &EndpointRt) -> bool {
    ep.spec.output == crate::spec::OutputEncoding::NoOp
        && ep
            .regular
            .first()
            .and_then(|&bi| ep.backends.get(bi))
            .is_some_and(|b| b.upstream.policy.is_some())
}

/// A no-op endpoint: the backend's status, headers and body go through.
async fn run_noop(
    gw: &Gw,
    ep: &EndpointRt,
    inb: &Inbound<'_>,
    mut body: ReqBody,
    start: Instant,
) -> Result<Streamed, Error> {
    let Some(&bi) = ep.regular.first() else {
        return Err(Error::new(
            ErrorKind::Internal,
            "the endpoint has no backend",
        ));
    };
    let b = &ep.backends[bi];
    // 14.: the backend's `validation/cel` `req` list.
    cel_backend_pre(gw, ep, b, inb, &[])?;
    let n = ep.spec.concurrent_calls.max(1);
    let deadline = after(start, ep.spec.timeout_ms);
    let debug = b.upstream.policy.is_some_and(|p| p.debug_headers);
    let one = |body: Replay| async move {
        let mut fetched = call_pool(gw, ep, b, inb, body, &[], deadline).await?;
        fetched.finish(AttemptResult::Ok);
        Ok(Streamed {
            resp: fetched.resp,
            permit: fetched.permit,
            attempts: debug.then_some(fetched.attempts),
        })
    };
    #[cfg(feature = "stats")]
    let layer_start = Instant::now();
    let r = if n == 1 {
        let body = body.replay(&b.upstream, b.spec.method).await?;
        one(body).await
    } else {
        let mut futs: Vec<BoxFut<'_, Result<Streamed, Error>>> = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let body = body.replay(&b.upstream, b.spec.method).await?;
            futs.push(Box::pin(one(body)));
        }
        first_ok(futs).await
    };
    // 10.: `telemetry/metrics`' backend layer.
    #[cfg(feature = "stats")]
    if let Some(l) = ep.stats.as_ref().and_then(|s| s.backend(bi)) {
        l.record(r.is_ok(), r.is_err(), layer_start.elapsed());
    }
    let r = if b.upstream.policy.is_some() {
        r.map_err(Error::for_noop_pool)
    } else {
        r
    };
    // 14.: its `resp` list, on the backend's status and headers.
    let streamed = r?;
    if let Some(stage) = b.cel.as_ref().filter(|s| s.has_post()) {
        stage
            .check_response(&cel::ResponseView {
                completed: true,
                status: i64::from(streamed.resp.status().as_u16()),
                headers: Some(streamed.resp.headers()),
                data: None,
            })
            .map_err(rejected)?;
    }
    Ok(streamed)
}
