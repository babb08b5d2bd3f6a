//! `telemetry/opentelemetry`'s traces (krakend-components §8): W3C trace
//! context in and out, CE's sampler, and the spans as small records.
//!
//! A request that is traced gets one server span (CE's global layer:
//! named after the request's path, `krakend.stage="global"`) and one
//! client span per backend call (CE's `backend-request` span: named after
//! the backend's `url_pattern`), whose id travels to the backend in the
//! `traceparent` header. The spans are plain structs handed to a bounded
//! queue ([`Tracer::record`]): a full queue drops the span and counts it,
//! the request never waits. The OTLP exporter task empties the queue
//! ([`super::otlp`]).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::header::{HeaderMap, HeaderName, HeaderValue};

/// `traceparent` (W3C Trace Context).
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// `tracestate` (W3C Trace Context).
pub const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Spans the queue holds before new ones are dropped (Go SDK's
/// `BatchSpanProcessor` default, `OTEL_BSP_MAX_QUEUE_SIZE`).
pub const QUEUE: usize = 2048;

/// A trace context: what a `traceparent` header carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceParent {
    /// The trace id (never all zeros).
    pub trace_id: [u8; 16],
    /// The parent span's id (never all zeros).
    pub span_id: [u8; 8],
    /// The `sampled` flag.
    pub sampled: bool,
}

impl TraceParent {
    /// Parses a `traceparent` value (version `00`, or a later version's
    /// first four fields, as the W3C spec asks); `None` when invalid.
    pub fn parse(v: &[u8]) -> Option<TraceParent> {
        let s = std::str::from_utf8(v).ok()?.trim();
        let mut parts = s.split('-');
        let version = parts.next()?;
        let (trace, span, flags) = (parts.next()?, parts.next()?, parts.next()?);
        if version.len() != 2 || version == "ff" || !hex(version) {
            return None;
        }
        // Version 00 has exactly four fields; a later version may add some.
        if version == "00" && parts.next().is_some() {
            return None;
        }
        if trace.len() != 32 || span.len() != 16 || flags.len() != 2 {
            return None;
        }
        let trace_id: [u8; 16] = decode_hex(trace)?;
        let span_id: [u8; 8] = decode_hex(span)?;
        let [flags]: [u8; 1] = decode_hex(flags)?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(TraceParent {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }

    /// The header value (`00-<trace>-<span>-<flags>`).
    pub fn header(&self) -> HeaderValue {
        let mut s = String::with_capacity(55);
        s.push_str("00-");
        push_hex(&mut s, &self.trace_id);
        s.push('-');
        push_hex(&mut s, &self.span_id);
        s.push_str(if self.sampled { "-01" } else { "-00" });
        // Hex digits and dashes only: always a valid header value.
        HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

fn hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn decode_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || !hex(s) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// A new random span id (never zero).
pub fn span_id() -> [u8; 8] {
    loop {
        let id = fastrand::u64(..).to_be_bytes();
        if id != [0; 8] {
            return id;
        }
    }
}

/// A new random trace id (never zero).
pub fn trace_id() -> [u8; 16] {
    loop {
        let id = fastrand::u128(..).to_be_bytes();
        if id != [0; 16] {
            return id;
        }
    }
}

/// CE's sampler (`state/state.go`): every trace when the rate is ≥ 1 or
/// ≤ 0 (`AlwaysSample`, which ignores the parent's flag); otherwise
/// `ParentBased(TraceIDRatioBased(rate))`: a parent's decision is kept,
/// a new trace is sampled when its id's last 8 bytes, shifted right by
/// one, are below `rate × 2^63` (Go SDK's `TraceIDRatioBased`).
#[derive(Clone, Copy, Debug)]
pub enum Sampler {
    /// Every trace.
    Always,
    /// Parent-based ratio: the bound the id is compared with.
    Ratio(u64),
}

impl Sampler {
    /// CE's sampler for `trace_sample_rate`.
    pub fn new(rate: f64) -> Sampler {
        if rate >= 1.0 || rate <= 0.0 || rate.is_nan() {
            Sampler::Always
        } else {
            // Truncated as Go's `uint64(fraction * (1 << 63))`.
            Sampler::Ratio((rate * 9_223_372_036_854_775_808.0) as u64)
        }
    }

    /// Whether a span of `trace_id` is sampled, given its remote parent's
    /// flag when there is one.
    pub fn sampled(&self, trace_id: &[u8; 16], parent: Option<bool>) -> bool {
        match (self, parent) {
            (Sampler::Always, _) => true,
            (Sampler::Ratio(_), Some(flag)) => flag,
            (Sampler::Ratio(bound), None) => {
                let mut low = [0u8; 8];
                low.copy_from_slice(&trace_id[8..]);
                (u64::from_be_bytes(low) >> 1) < *bound
            }
        }
    }
}

/// Nanoseconds since the Unix epoch, now.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// A span attribute's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Attr {
    /// A string.
    Str(String),
    /// A static string.
    Static(&'static str),
    /// An integer.
    Int(i64),
}

/// A span's kind (OTLP's `SpanKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The gateway serving a request.
    Server,
    /// The gateway calling a backend.
    Client,
}

/// One finished span, as the request path records it.
#[derive(Debug)]
pub struct SpanRecord {
    /// The trace.
    pub trace_id: [u8; 16],
    /// This span.
    pub span_id: [u8; 8],
    /// Its parent (a remote one for a server span continuing a trace).
    pub parent: Option<[u8; 8]>,
    /// The name.
    pub name: String,
    /// Server or client.
    pub kind: Kind,
    /// Start and end, in ns since the Unix epoch.
    pub start_ns: u64,
    /// End.
    pub end_ns: u64,
    /// Attributes, in the order CE sets them.
    pub attrs: Vec<(&'static str, Attr)>,
    /// An error's message (OTLP status `Error`), else status `Ok`.
    pub error: Option<String>,
}

/// The trace state of one request, made by the global layer ([S1]).
#[derive(Debug)]
pub struct ServerTrace {
    /// The server span's context (its own id in `span_id`); propagated to
    /// the backends with their own span ids.
    pub ctx: TraceParent,
    /// The remote parent, when the request continued a trace.
    pub parent: Option<[u8; 8]>,
    /// `tracestate` as received, passed on unchanged.
    pub tracestate: Option<HeaderValue>,
    /// When the span started.
    pub start_ns: u64,
    /// The span's name (the request's path, as CE names it) and the
    /// request's attributes; empty when not sampled.
    name: String,
    attrs: Vec<(&'static str, Attr)>,
    /// The endpoint that served the request (index + 1; 0: none), set by
    /// the endpoint's route stage (g.).
    endpoint: AtomicUsize,
    /// The server span is recorded (`layers.global.disable_traces` off).
    record: bool,
}

impl ServerTrace {
    /// The context of a backend call's client span: a new span id, the
    /// same trace and decision.
    pub fn child(&self) -> TraceParent {
        TraceParent {
            span_id: span_id(),
            ..self.ctx
        }
    }

    /// g.: the endpoint that serves the request (its route labels the span).
    pub fn set_endpoint(&self, index: usize) {
        self.endpoint.store(index + 1, Ordering::Relaxed);
    }

    /// The serving endpoint's index, once set.
    pub fn endpoint(&self) -> Option<usize> {
        self.endpoint.load(Ordering::Relaxed).checked_sub(1)
    }
}

/// The request facts CE's server span starts with
/// (`TraceIncomingRequestAttrs`).
#[derive(Debug)]
pub struct Incoming<'a> {
    /// The method.
    pub method: &'a str,
    /// The path (the span's name).
    pub path: &'a str,
    /// The request target as received (`url.full`: Go's `URL.String()`
    /// of a server request, path and query).
    pub target: &'a str,
    /// The `Host` header.
    pub host: Option<&'a str>,
    /// `User-Agent`.
    pub user_agent: Option<&'a str>,
    /// The peer's `ip:port` (`client.address`: Go's `RemoteAddr`).
    pub peer: &'a str,
}

/// A method's name.
pub fn method_name(m: crate::spec::Method) -> &'static str {
    use crate::spec::Method;
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
        Method::Head => "HEAD",
        Method::Options => "OPTIONS",
        Method::Connect => "CONNECT",
        Method::Trace => "TRACE",
    }
}

/// What CE's `backend-request` span says about one backend call.
#[derive(Debug)]
pub struct Call {
    /// The span's name and `http.route`: the backend's `url_pattern` in
    /// gin's form.
    pub name: String,
    /// The backend's method.
    pub method: &'static str,
    /// `krakend.endpoint.route`.
    pub endpoint_route: String,
    /// `krakend.endpoint.method`.
    pub endpoint_method: &'static str,
    /// `scheme://host:port` of the host that answered (`server.address`).
    pub server: Option<String>,
    /// The backend's status (`http.response.status_code`), when it answered.
    pub status: Option<u16>,
    /// The call's error, when it failed.
    pub error: Option<String>,
    /// The backend layer's `traces.static_attributes`.
    pub static_attrs: &'static [crate::spec::OtelAttr],
}

/// A backend call's client span (CE's `http/client` transport span, a
/// child of the server span).
pub fn client_span(trace: &ServerTrace, call: TraceParent, start_ns: u64, c: Call) -> SpanRecord {
    let mut attrs = Vec::with_capacity(8);
    attrs.push(("http.request.method", Attr::Static(c.method)));
    attrs.push(("http.route", Attr::Str(c.name.clone())));
    attrs.push(("krakend.endpoint.route", Attr::Str(c.endpoint_route)));
    attrs.push(("krakend.endpoint.method", Attr::Static(c.endpoint_method)));
    attrs.push(("krakend.stage", Attr::Static("backend-request")));
    if let Some(s) = c.server {
        attrs.push(("server.address", Attr::Str(s)));
    }
    if let Some(s) = c.status {
        attrs.push(("http.response.status_code", Attr::Int(i64::from(s))));
    }
    for a in c.static_attrs {
        attrs.push((a.key, Attr::Static(a.value)));
    }
    SpanRecord {
        trace_id: call.trace_id,
        span_id: call.span_id,
        // Without the server span (`layers.global.disable_traces`), the
        // client's own parent, if any.
        parent: if trace.record {
            Some(trace.ctx.span_id)
        } else {
            trace.parent
        },
        name: c.name,
        kind: Kind::Client,
        start_ns,
        end_ns: now_ns(),
        attrs,
        error: c.error,
    }
}

/// The request path's side of the traces: the sampler and the queue's
/// sending end.
#[derive(Debug)]
pub struct Tracer {
    sampler: Sampler,
    /// Read `traceparent` (off with `layers.global.disable_propagation`).
    extract: bool,
    queue: tokio::sync::mpsc::Sender<SpanRecord>,
    /// Spans dropped because the queue was full.
    pub dropped: AtomicU64,
}

impl Tracer {
    /// A tracer and the queue's receiving end (for the exporter task).
    pub fn new(
        sample_rate: f64,
        extract: bool,
    ) -> (Tracer, tokio::sync::mpsc::Receiver<SpanRecord>) {
        let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
        (
            Tracer {
                sampler: Sampler::new(sample_rate),
                extract,
                queue: tx,
                dropped: AtomicU64::new(0),
            },
            rx,
        )
    }

    /// Starts a request's trace: continues the client's `traceparent`
    /// (when valid and extraction is on) or starts a new trace, and
    /// decides whether it is sampled.
    pub fn start(
        &self,
        headers: &HeaderMap,
        req: Option<&Incoming<'_>>,
        record: bool,
    ) -> ServerTrace {
        let remote = if self.extract {
            headers
                .get(TRACEPARENT)
                .and_then(|v| TraceParent::parse(v.as_bytes()))
        } else {
            None
        };
        let trace_id = remote.map_or_else(trace_id, |r| r.trace_id);
        let sampled = self.sampler.sampled(&trace_id, remote.map(|r| r.sampled));
        let (name, attrs) = match req.filter(|_| sampled) {
            Some(r) => {
                let mut attrs = Vec::with_capacity(10);
                attrs.push(("url.full", Attr::Str(r.target.to_owned())));
                attrs.push(("server.address", Attr::Str(r.host.unwrap_or("").to_owned())));
                attrs.push(("http.request.method", Attr::Str(r.method.to_owned())));
                if let Some(ua) = r.user_agent.filter(|u| !u.is_empty()) {
                    attrs.push(("user_agent.original", Attr::Str(ua.to_owned())));
                }
                attrs.push(("client.address", Attr::Str(r.peer.to_owned())));
                attrs.push(("krakend.stage", Attr::Static("global")));
                (r.path.to_owned(), attrs)
            }
            None => (String::new(), Vec::new()),
        };
        ServerTrace {
            ctx: TraceParent {
                trace_id,
                span_id: span_id(),
                sampled,
            },
            parent: remote.map(|r| r.span_id),
            tracestate: remote
                .and_then(|_| headers.get(TRACESTATE))
                .filter(|_| self.extract)
                .cloned(),
            start_ns: now_ns(),
            name,
            attrs,
            endpoint: AtomicUsize::new(0),
            record,
        }
    }

    /// Ends the server span (when sampled): `route` is `http.route`,
    /// `statics` the global layer's `traces_static_attributes`.
    pub fn finish_server(
        &self,
        t: ServerTrace,
        route: String,
        status: u16,
        statics: &'static [crate::spec::OtelAttr],
    ) {
        if !t.ctx.sampled || !t.record {
            return;
        }
        let mut attrs = t.attrs;
        attrs.push(("http.route", Attr::Str(route)));
        attrs.push(("http.response.status_code", Attr::Int(i64::from(status))));
        for a in statics {
            attrs.push((a.key, Attr::Static(a.value)));
        }
        self.record(SpanRecord {
            trace_id: t.ctx.trace_id,
            span_id: t.ctx.span_id,
            parent: t.parent,
            name: t.name,
            kind: Kind::Server,
            start_ns: t.start_ns,
            end_ns: now_ns(),
            attrs,
            error: None,
        });
    }

    /// Hands a finished span to the exporter; never waits: a full queue
    /// drops it (counted in [`Tracer::dropped`]).
    pub fn record(&self, span: SpanRecord) {
        if self.queue.try_send(span).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_parsing() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let p = TraceParent::parse(ok.as_bytes());
        assert_eq!(
            p.map(|p| (p.trace_id[0], p.span_id[7], p.sampled)),
            Some((0x4b, 0xb7, true))
        );
        assert_eq!(p.map(|p| p.header()), Some(HeaderValue::from_static(ok)));
        for (input, want) in [
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
                Some(false),
            ),
            // A later version may add fields.
            (
                "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
                Some(true),
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
                None,
            ),
            (
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                None,
            ),
            (
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                None,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                None,
            ),
            (
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                None,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
                None,
            ),
            ("garbage", None),
        ] {
            assert_eq!(
                TraceParent::parse(input.as_bytes()).map(|p| p.sampled),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn sampler_is_ces() {
        let low = [0u8; 16];
        let mut high = [0u8; 16];
        high[8] = 0xff;
        for (rate, id, parent, want) in [
            (1.0, high, Some(false), true),
            (0.0, high, None, true),
            (0.5, low, None, true),
            (0.5, high, None, false),
            (0.5, high, Some(true), true),
            (0.5, low, Some(false), false),
        ] {
            assert_eq!(
                Sampler::new(rate).sampled(&id, parent),
                want,
                "{rate} {parent:?}"
            );
        }
    }

    #[tokio::test]
    async fn full_queue_drops_and_counts() {
        let (t, _rx) = Tracer::new(1.0, true);
        let span = || SpanRecord {
            trace_id: trace_id(),
            span_id: span_id(),
            parent: None,
            name: "/x".into(),
            kind: Kind::Server,
            start_ns: 0,
            end_ns: 1,
            attrs: Vec::new(),
            error: None,
        };
        for _ in 0..QUEUE + 3 {
            t.record(span());
        }
        assert_eq!(t.dropped.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn continues_or_starts() {
        let (t, _rx) = Tracer::new(1.0, true);
        let mut h = HeaderMap::new();
        h.insert(
            TRACEPARENT,
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
        );
        h.insert(TRACESTATE, HeaderValue::from_static("a=b"));
        let s = t.start(&h, None, true);
        assert_eq!(s.ctx.trace_id[0], 0x4b);
        assert_eq!(
            s.parent,
            Some([0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        );
        assert!(s.ctx.sampled, "rate 1 samples whatever the parent says");
        assert_eq!(s.tracestate, Some(HeaderValue::from_static("a=b")));
        let c = s.child();
        assert_eq!(c.trace_id, s.ctx.trace_id);
        assert_ne!(c.span_id, s.ctx.span_id);
        let (off, _rx) = Tracer::new(1.0, false);
        let s = off.start(&h, None, true);
        assert_ne!(s.ctx.trace_id[0..4], [0x4b, 0xf9, 0x2f, 0x35]);
        assert_eq!((s.parent, s.tracestate), (None, None));
    }
}
