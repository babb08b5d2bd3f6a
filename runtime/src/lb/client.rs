//! Per-host HTTP clients (`gwc/http-client`, §7.3): protocol version
//! (HTTP/1.1, h2 over TLS, h2c with prior knowledge, ALPN `auto`), connect
//! and idle timeouts, keep-alive, the connection cap, and TLS from KrakenD's
//! `client_tls` fields.
//!
//! Every client, with or without a `gwc/*` policy, goes through the same
//! rustls connector (ring provider, Mozilla roots from `webpki-roots`), so
//! `https://` hosts work everywhere. Certificates named by `ca_certs` and
//! `client_certs` are read once, when the gateway starts.
//!
//! Plain `http://` HTTP/1.1 hosts (every such host without a
//! `gwc/http-client` policy, and `version: http1` with `implementation:
//! gwc`, the default) use the gateway's own client ([`crate::http1`],
//! issue 16): [`HttpClient::Own`]. `https://` HTTP/1.1 hosts, and hosts
//! whose policy says `implementation: hyper` (the escape hatch for a
//! backend hit by a framing edge case: the own client is stricter, research
//! §3), use the pool over hyper's connections ([`super::h1`]); h2, h2c and
//! `auto` use hyper-util's pooled client. Either way a host gets its own
//! client, and [`HttpClient::request`] is the one way to send; its answer's
//! body is an [`UpBody`] whatever the client.
//!
//! Request bodies: a buffered one goes out whole; a streamed one (a client
//! body to a lone backend, `GwBody::Stream`/`Once`) goes out as it comes
//! through [`Pool::request_streaming`], with its length when known, else
//! chunked, and is never sent again once polled.
//!
//! The own client is bound to one `host:port` and sends its own `Host`
//! (research §3.6). A request that leaves that frame — an absolute URI for
//! another authority or scheme (`modifier/martian` moved it, a redirect
//! leads elsewhere) or a `Host` header of its own (martian's
//! `host_header`) — goes through the host's hyper pool instead
//! ([`OwnClient`]), so such requests keep hyper's behaviour rather than
//! being refused.
//!
//! `max_connections_per_host` is not a hyper-util pool setting: it is a
//! per-host semaphore ([`ConnLimit`]) held from the request until its
//! response body ends. For HTTP/1 (one exchange per connection) that bounds
//! the connections in use; the idle pool is capped at the same number.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_LENGTH, HOST, HeaderValue};
use hyper::http::uri::{Authority, Scheme};
use hyper::{Method, Request, Response};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::h1::{H1Error, H1Pool};
use crate::body::GwBody;
use crate::http1::body::UpstreamBody;
use crate::http1::conn::{ReqBody, UpstreamRequest};
use crate::http1::head::ResponseHead;
use crate::http1::pool::{Pool, PoolConfig};
use crate::http1::{H1Error as Http1Error, Kind};
use crate::spec::{
    ClientCert, ClientOptions, HttpOptions, HttpVersion, Implementation, TlsOptions, TlsVersion,
};

/// A host's client.
#[derive(Clone, Debug)]
pub enum HttpClient {
    /// Plain HTTP/1.1: the gateway's own client ([`crate::http1`]).
    Own(Arc<OwnClient>),
    /// HTTP/1.1 over hyper's connections: `https://` hosts and
    /// `implementation: hyper`.
    H1(Arc<H1Pool>),
    /// h2, h2c, ALPN `auto`: hyper-util's pooled client.
    Pooled(Box<Client<HttpsConnector<HttpConnector>, GwBody>>),
}

/// The own HTTP/1.1 client of one `http://host:port`: its pool, and the
/// hyper pool that takes the requests the own one cannot frame as asked
/// (another authority, their own `Host`; see the module doc).
#[derive(Debug)]
pub struct OwnClient {
    pool: Pool,
    authority: Authority,
    other: Arc<H1Pool>,
}

impl OwnClient {
    /// The own pool (counters, idle connections).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The authority the pool connects to.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// Whether `req` fits the own pool: an `http` URI for its authority
    /// (or no authority), no `Host` header of its own, not `CONNECT`.
    fn takes(&self, req: &Request<GwBody>) -> bool {
        let uri = req.uri();
        uri.scheme().is_none_or(|s| *s == Scheme::HTTP)
            && uri
                .authority()
                .is_none_or(|a| a.as_str() == self.authority.as_str())
            && !req.headers().contains_key(HOST)
            && req.method() != Method::CONNECT
    }

    async fn request(&self, req: Request<GwBody>) -> Result<Response<UpBody>, ClientError> {
        if !self.takes(&req) {
            return hyper_response(self.other.request(req).await);
        }
        let (parts, body) = req.into_parts();
        let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let (req_body, streamed) = match body {
            GwBody::Empty | GwBody::Full(None) => (ReqBody::Empty, None),
            GwBody::Full(Some(b)) => (ReqBody::Full(b), None),
            // A streamed client body (a lone backend) goes out as it comes,
            // with its length when the client sent one, else chunked; the
            // pool retries it only while it was never polled.
            streamed => (ReqBody::Empty, Some(streamed)),
        };
        let up = UpstreamRequest {
            method: &parts.method,
            path_and_query,
            headers: &parts.headers,
            body: &req_body,
        };
        let resp = match streamed {
            None => self.pool.request(&up).await,
            Some(body) => self.pool.request_streaming(&up, body).await,
        }
        .map_err(ClientError::Own)?;
        Ok(own_response(resp))
    }
}

/// A response of the own client as an `http::Response`. The head drops
/// the framing fields (the gateway re-frames); a valid `Content-Length`
/// goes back into the headers, as hyper leaves it there: what reads the
/// backend's headers (a no-op endpoint's HEAD answer, `modifier/martian`'s
/// `content_length`, `qos/http-cache`) sees what it saw through hyper.
fn own_response(r: crate::http1::pool::Response) -> Response<UpBody> {
    let ResponseHead {
        status,
        version,
        mut headers,
        content_length,
        ..
    } = r.head;
    if let Some(n) = content_length {
        let v = if n == 0 {
            HeaderValue::from_static("0")
        } else {
            HeaderValue::from(n)
        };
        headers.insert(CONTENT_LENGTH, v);
    }
    let mut resp = Response::new(UpBody::Own(r.body));
    *resp.status_mut() = status;
    *resp.version_mut() = version;
    *resp.headers_mut() = headers;
    resp
}

/// A hyper answer with its body wrapped.
fn hyper_response(r: Result<Response<Incoming>, H1Error>) -> Result<Response<UpBody>, ClientError> {
    r.map(|r| r.map(UpBody::Hyper)).map_err(ClientError::H1)
}

/// Why a client request failed.
#[derive(Debug)]
pub enum ClientError {
    /// From the own HTTP/1.1 client ([`crate::http1`]).
    Own(Http1Error),
    /// From the HTTP/1.1 pool over hyper.
    H1(H1Error),
    /// From hyper-util's client.
    Pooled(hyper_util::client::legacy::Error),
}

impl ClientError {
    /// Whether no connection could be made (nothing was sent).
    pub fn is_connect(&self) -> bool {
        match self {
            ClientError::Own(e) => matches!(e.kind, Kind::Connect(_)),
            ClientError::H1(e) => matches!(e, H1Error::Connect(_)),
            ClientError::Pooled(e) => e.is_connect(),
        }
    }

    /// Whether the upstream's answer was refused as malformed (a 502 "bad
    /// response", its connection closed): the own client's protocol
    /// rejects, or hyper refusing a head (a parse error in the chain).
    pub fn is_bad_response(&self) -> bool {
        match self {
            ClientError::Own(e) => matches!(e.kind, Kind::Protocol(_)),
            ClientError::H1(_) | ClientError::Pooled(_) => unparsable(self),
        }
    }

    /// The own client's error class label (the reject reason for a
    /// protocol error), `None` for hyper's errors.
    pub fn label(&self) -> Option<&'static str> {
        match self {
            ClientError::Own(e) => Some(e.label()),
            ClientError::H1(_) | ClientError::Pooled(_) => None,
        }
    }
}

/// Whether an error is hyper refusing the response head (a parse error
/// somewhere in its chain of causes).
fn unparsable(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_parse)
        {
            return true;
        }
        cur = err.source();
    }
    false
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Own(e) => e.fmt(f),
            ClientError::H1(e) => e.fmt(f),
            ClientError::Pooled(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Own(_) => None,
            ClientError::H1(e) => e.source(),
            ClientError::Pooled(e) => e.source(),
        }
    }
}

/// An upstream response body, whichever client read it: one enum, no box
/// per request. The own client's body owns its connection inline (about
/// 300 bytes, against hyper's 40): boxing it would be an allocation per
/// request, which the own client exists to save.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum UpBody {
    /// From hyper (the escape hatch, TLS, h2).
    Hyper(Incoming),
    /// From the own HTTP/1.1 client; it owns its connection (dropped
    /// before its end, the connection is closed).
    Own(UpstreamBody),
}

/// Why reading an upstream body failed.
#[derive(Debug)]
pub enum UpBodyError {
    /// hyper's error.
    Hyper(hyper::Error),
    /// The own client's error (cut short, a malformed chunk, a timeout).
    Own(Http1Error),
}

impl std::fmt::Display for UpBodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpBodyError::Hyper(e) => e.fmt(f),
            UpBodyError::Own(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for UpBodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UpBodyError::Hyper(e) => Some(e),
            UpBodyError::Own(e) => Some(e),
        }
    }
}

impl Body for UpBody {
    type Data = Bytes;
    type Error = UpBodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, UpBodyError>>> {
        match self.get_mut() {
            UpBody::Hyper(b) => Pin::new(b)
                .poll_frame(cx)
                .map(|o| o.map(|r| r.map_err(UpBodyError::Hyper))),
            UpBody::Own(b) => Pin::new(b)
                .poll_frame(cx)
                .map(|o| o.map(|r| r.map_err(UpBodyError::Own))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            UpBody::Hyper(b) => b.is_end_stream(),
            UpBody::Own(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            UpBody::Hyper(b) => b.size_hint(),
            UpBody::Own(b) => b.size_hint(),
        }
    }
}

impl HttpClient {
    /// Sends a request (absolute URI) and returns the response head.
    pub async fn request(&self, req: Request<GwBody>) -> Result<Response<UpBody>, ClientError> {
        match self {
            HttpClient::Own(c) => c.request(req).await,
            HttpClient::H1(pool) => hyper_response(pool.request(req).await),
            HttpClient::Pooled(c) => c
                .request(req)
                .await
                .map(|r| r.map(UpBody::Hyper))
                .map_err(ClientError::Pooled),
        }
    }

    /// The own client's pool, when this is one.
    pub fn own_pool(&self) -> Option<&Pool> {
        match self {
            HttpClient::Own(c) => Some(c.pool()),
            HttpClient::H1(_) | HttpClient::Pooled(_) => None,
        }
    }

    /// Which implementation serves the host (`/upstreams`): `gwc`, or
    /// `hyper`.
    pub fn implementation(&self) -> &'static str {
        match self {
            HttpClient::Own(_) => "gwc",
            HttpClient::H1(_) | HttpClient::Pooled(_) => "hyper",
        }
    }
}

/// The client of a host without a `gwc/http-client` policy: lura's root
/// client options, HTTP/1.1, and `tls` (made from the root `client_tls`
/// once, by the caller). One per host: the own client for an `http://`
/// `url`, hyper's pool for `https://`.
pub fn root_client(url: &str, o: &ClientOptions, tls: ClientConfig) -> Result<HttpClient, String> {
    let hyper = root_hyper_pool(o, tls);
    let (idle, timeout) = root_idle(o);
    let connect = (o.dialer_timeout_ms > 0).then(|| Duration::from_millis(o.dialer_timeout_ms));
    Ok(match own_target(url) {
        Some(authority) => own_client(authority, idle, timeout, connect, hyper),
        None => HttpClient::H1(hyper),
    })
}

/// The idle cap and idle timeout of lura's root client options.
fn root_idle(o: &ClientOptions) -> (usize, Duration) {
    let idle = if o.disable_keep_alives {
        0
    } else {
        o.max_idle_connections_per_host as usize
    };
    let timeout = if o.idle_connection_timeout_ms > 0 {
        Duration::from_millis(o.idle_connection_timeout_ms)
    } else {
        // Go's Transport keeps idle connections forever when 0; hyper's
        // default (90 s) is a better neighbour and invisible to clients.
        Duration::from_secs(90)
    };
    (idle, timeout)
}

/// hyper's HTTP/1.1 pool with lura's root client options (`https://`
/// hosts; the own client's fallback).
pub fn root_hyper_pool(o: &ClientOptions, tls: ClientConfig) -> Arc<H1Pool> {
    let mut conn = HttpConnector::new();
    conn.set_nodelay(true);
    conn.enforce_http(false);
    if o.dialer_timeout_ms > 0 {
        conn.set_connect_timeout(Some(Duration::from_millis(o.dialer_timeout_ms)));
    }
    if o.dialer_keep_alive_ms > 0 {
        conn.set_keepalive(Some(Duration::from_millis(o.dialer_keep_alive_ms)));
    }
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(conn);
    let (idle, timeout) = root_idle(o);
    H1Pool::new(https, idle, timeout)
}

/// The authority of a host the own client can serve: an `http://` URL.
fn own_target(url: &str) -> Option<Authority> {
    let rest = url.strip_prefix("http://")?;
    let auth = rest.split('/').next().unwrap_or(rest);
    Authority::try_from(auth).ok()
}

/// The own client of `authority`, with hyper's pool `other` for the
/// requests it does not take. `idle` is the host's idle cap, split between
/// the workers (rounded up) as [`H1Pool`] splits it; 0 is keep-alive off.
fn own_client(
    authority: Authority,
    idle: usize,
    idle_timeout: Duration,
    connect_timeout: Option<Duration>,
    other: Arc<H1Pool>,
) -> HttpClient {
    let port = authority.port_u16().unwrap_or(80);
    let host = authority.host();
    // `[::1]` is the authority's spelling; the socket wants `::1`.
    let dial = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    // The `Host` hyper-util sends: the port only when not 80.
    let host_header = if authority.port_u16().is_some_and(|p| p != 80) {
        Bytes::copy_from_slice(authority.as_str().as_bytes())
    } else {
        Bytes::copy_from_slice(host.as_bytes())
    };
    let config = PoolConfig {
        max_idle_per_worker: idle.div_ceil(crate::worker::count().max(1)),
        idle_timeout,
        connect_timeout,
        // The failover loop bounds each attempt (per-try timeout,
        // `response_header_timeout`, the endpoint deadline) around the
        // whole exchange, as it does for hyper; the pool adds none.
        head_timeout: None,
        body_read_timeout: None,
        // hyper's pool sends a request again only when it never left; a
        // reused connection found closed after the write is retried for
        // idempotent methods (research §3.5), never for the others.
        retry_non_idempotent: false,
        ..PoolConfig::default()
    };
    HttpClient::Own(Arc::new(OwnClient {
        pool: Pool::new(dial, port, host_header, config),
        authority,
        other,
    }))
}

/// A host's client from its resolved `gwc/http-client` options. `probe`
/// builds the prober's client: no idle pool unless `reuse` (Pingora's
/// `reuse_connection=false`: a fresh connection catches L4 failures).
/// `url` is the host's: an `http://` host on HTTP/1.1 with
/// `implementation: gwc` (the default) gets the own client.
pub fn host_client(
    url: &str,
    o: &HttpOptions,
    root: &ClientOptions,
    probe: Option<bool>,
) -> Result<HttpClient, String> {
    let mut conn = HttpConnector::new();
    conn.set_nodelay(true);
    conn.enforce_http(false);
    if o.connect_timeout_ms > 0 {
        conn.set_connect_timeout(Some(Duration::from_millis(o.connect_timeout_ms)));
    }
    if root.dialer_keep_alive_ms > 0 {
        conn.set_keepalive(Some(Duration::from_millis(root.dialer_keep_alive_ms)));
    }
    let tls = tls_config(o.tls)?;
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http();
    let idle = match probe {
        Some(reuse) => usize::from(reuse),
        None if !o.keep_alive => 0,
        None => o.max_connections_per_host.max(1) as usize,
    };
    let timeout = Duration::from_millis(o.idle_timeout_ms.max(1));
    let https = match o.version {
        HttpVersion::Http1 => {
            let https = builder.enable_http1().wrap_connector(conn);
            let hyper = H1Pool::new(https, idle, timeout);
            let own = (o.implementation == Implementation::Gwc)
                .then(|| own_target(url))
                .flatten();
            return Ok(match own {
                Some(authority) => {
                    let connect = (o.connect_timeout_ms > 0)
                        .then(|| Duration::from_millis(o.connect_timeout_ms));
                    own_client(authority, idle, timeout, connect, hyper)
                }
                None => HttpClient::H1(hyper),
            });
        }
        HttpVersion::H2c => builder.enable_http1().wrap_connector(conn),
        HttpVersion::H2 => builder.enable_http2().wrap_connector(conn),
        HttpVersion::Auto => builder.enable_all_versions().wrap_connector(conn),
    };
    let mut b = Client::builder(TokioExecutor::new());
    b.pool_timer(TokioTimer::new());
    b.timer(TokioTimer::new());
    // h2 and h2c speak HTTP/2 from the first byte; `auto` lets ALPN decide.
    b.http2_only(matches!(o.version, HttpVersion::H2 | HttpVersion::H2c));
    b.pool_max_idle_per_host(idle);
    b.pool_idle_timeout(timeout);
    Ok(HttpClient::Pooled(Box::new(b.build(https))))
}

/// The in-flight cap of one host (`max_connections_per_host`); `None` when
/// the host speaks HTTP/2 (one multiplexed connection).
#[derive(Debug, Clone)]
pub struct ConnLimit(Option<Arc<Semaphore>>);

impl ConnLimit {
    /// No cap.
    pub fn none() -> ConnLimit {
        ConnLimit(None)
    }

    /// The cap for these options.
    pub fn for_options(o: &HttpOptions) -> ConnLimit {
        match o.version {
            HttpVersion::H2 | HttpVersion::H2c => ConnLimit(None),
            HttpVersion::Http1 | HttpVersion::Auto => ConnLimit(Some(Arc::new(Semaphore::new(
                o.max_connections_per_host.max(1) as usize,
            )))),
        }
    }

    /// Waits for a slot. The permit travels with the response body and is
    /// released when that body is done (or dropped).
    pub async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        match &self.0 {
            Some(s) => Arc::clone(s).acquire_owned().await.ok(),
            None => None,
        }
    }
}

/// The rustls provider: ring (aws-lc-rs would need cmake and a C build).
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A rustls client configuration from KrakenD's `client_tls` (defaults
/// when `None`). ALPN is left empty: the connector sets it per version.
pub fn tls_config(t: Option<&TlsOptions>) -> Result<ClientConfig, String> {
    let provider = provider();
    let (min, max) = t.map_or((TlsVersion::Tls12, TlsVersion::Tls13), |t| {
        (t.min_version, t.max_version)
    });
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
    if min <= TlsVersion::Tls12 && max >= TlsVersion::Tls12 {
        versions.push(&rustls::version::TLS12);
    }
    if max >= TlsVersion::Tls13 {
        versions.push(&rustls::version::TLS13);
    }
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&versions)
        .map_err(|e| format!("tls: {e}"))?;
    let builder = if t.is_some_and(|t| t.allow_insecure_connections) {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider)))
    } else {
        let mut roots = RootCertStore::empty();
        if !t.is_some_and(|t| t.disable_system_ca_pool) {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for file in t.map_or(&[][..], |t| t.ca_certs) {
            if let Err(e) = add_ca_file(&mut roots, file) {
                skipped(&format!("ca_certs `{file}`: {e}"));
            }
        }
        builder.with_root_certificates(roots)
    };
    for cc in t.map_or(&[][..], |t| t.client_certs) {
        match client_cert(cc) {
            Ok((chain, key)) => {
                return builder
                    .clone()
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("tls: client certificate `{}`: {e}", cc.certificate));
            }
            Err(e) => skipped(&e),
        }
    }
    Ok(builder.with_no_client_auth())
}

/// Adds every certificate of a PEM file to `roots`.
fn add_ca_file(roots: &mut RootCertStore, file: &str) -> Result<(), String> {
    for cert in CertificateDer::pem_file_iter(file).map_err(|e| e.to_string())? {
        roots
            .add(cert.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A client certificate chain and its key.
fn client_cert(
    cc: &ClientCert,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let chain = CertificateDer::pem_file_iter(cc.certificate)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("client certificate `{}`: {e}", cc.certificate))?;
    let key = PrivateKeyDer::from_pem_file(cc.private_key)
        .map_err(|e| format!("client key `{}`: {e}", cc.private_key))?;
    Ok((chain, key))
}

/// A certificate file that cannot be read is logged and skipped, as lura's
/// `loadCertPool` and `loadClientCerts` do: the gateway starts, and calls
/// to backends that need it fail their TLS handshake.
fn skipped(what: &str) {
    crate::telemetry::logging::log(
        crate::telemetry::logging::Level::Error,
        &format!("tls: {what}: skipped"),
    );
}

/// `allow_insecure_connections: true`: a verifier that accepts **any**
/// server certificate (expired, self-signed, another name). The handshake
/// signatures are still checked, so the peer must hold the key of the
/// certificate it shows, but nothing says that certificate is the right one.
#[derive(Debug)]
pub(crate) struct AcceptAnyServerCert(pub(crate) Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// An upstream on 127.0.0.1 that answers every request with `answer`
    /// (raw bytes) and keeps the connection open; counts its connections.
    async fn raw_upstream(answer: &'static [u8]) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", l.local_addr().expect("addr"));
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let mut got = Vec::new();
                    loop {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => got.extend_from_slice(&buf[..n]),
                        }
                        while let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                            got.drain(..end + 4);
                            if s.write_all(answer).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        (url, accepted)
    }

    fn get(url: &str, path: &str) -> Request<GwBody> {
        let mut req = Request::new(GwBody::Empty);
        *req.uri_mut() = format!("{url}{path}").parse().expect("uri");
        req
    }

    fn options(implementation: Implementation) -> HttpOptions {
        HttpOptions {
            implementation,
            ..HttpOptions::DEFAULT
        }
    }

    /// Each client and the implementation it is: plain `http://` on
    /// HTTP/1.1 gets the own client unless `implementation: hyper`; TLS
    /// and HTTP/2 stay on hyper whatever it says.
    #[test]
    fn the_own_client_serves_plain_http1_hosts_only() {
        let root = ClientOptions::DEFAULT;
        let tls = || tls_config(None).expect("tls");
        let which = |c: Result<HttpClient, String>| c.expect("client").implementation();
        assert_eq!(which(root_client("http://h:8080", &root, tls())), "gwc");
        assert_eq!(which(root_client("https://h", &root, tls())), "hyper");
        let gwc = options(Implementation::Gwc);
        let hyper = options(Implementation::Hyper);
        assert_eq!(
            which(host_client("http://h:1/api", &gwc, &root, None)),
            "gwc"
        );
        assert_eq!(
            which(host_client("http://h:1", &hyper, &root, None)),
            "hyper"
        );
        assert_eq!(which(host_client("https://h", &gwc, &root, None)), "hyper");
        for version in [HttpVersion::H2, HttpVersion::H2c, HttpVersion::Auto] {
            let o = HttpOptions { version, ..gwc };
            assert_eq!(which(host_client("http://h:1", &o, &root, None)), "hyper");
        }
        // The prober's client too (keep-alive as `reuse_connection` says).
        assert_eq!(
            which(host_client("http://h:1", &gwc, &root, Some(false))),
            "gwc"
        );
    }

    /// A framing case where the two clients differ (research §4.7(c), S13:
    /// `Transfer-Encoding: chunked` twice): the own client refuses it as a
    /// bad response with its reason, hyper's reads it. This is what the
    /// escape hatch is for.
    #[tokio::test]
    async fn the_escape_hatch_reads_what_the_own_client_refuses() {
        let (url, _) = raw_upstream(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        )
        .await;
        let root = ClientOptions::DEFAULT;
        let own = host_client(&url, &options(Implementation::Gwc), &root, None).expect("own");
        let e = own.request(get(&url, "/")).await.expect_err("refused");
        assert!(e.is_bad_response(), "{e}");
        assert!(!e.is_connect());
        assert_eq!(e.label(), Some("bad_transfer_encoding"));
        assert!(e.to_string().contains("bad_transfer_encoding"), "{e}");
        let pool = own.own_pool().expect("own pool");
        assert_eq!(
            pool.stats()
                .rejected(crate::http1::Reason::BadTransferEncoding),
            1
        );
        let hyper = host_client(&url, &options(Implementation::Hyper), &root, None).expect("hyper");
        let resp = hyper.request(get(&url, "/")).await.expect("hyper reads it");
        assert!(matches!(resp.body(), UpBody::Hyper(_)));
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(&body[..], b"ok");
    }

    /// The own client's answer: status, headers with the `Content-Length`
    /// put back, a body that streams and returns its connection (the next
    /// request reuses it); a refused connection is a connect error.
    #[tokio::test]
    async fn own_answers_reuse_their_connection_and_refusals_are_connect_errors() {
        let (url, accepted) = raw_upstream(
            b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: 1\r\nConnection: keep-alive\r\n\r\nhello",
        )
        .await;
        let c = root_client(
            &url,
            &ClientOptions::DEFAULT,
            tls_config(None).expect("tls"),
        )
        .expect("client");
        for _ in 0..3 {
            let resp = c.request(get(&url, "/x?y=1")).await.expect("answer");
            assert_eq!(resp.status(), 201);
            assert_eq!(resp.headers()["content-length"], "5");
            assert_eq!(resp.headers()["x-a"], "1");
            assert!(resp.headers().get("connection").is_none());
            assert!(matches!(resp.body(), UpBody::Own(_)));
            assert_eq!(resp.body().size_hint().exact(), Some(5));
            let body = resp.into_body().collect().await.expect("body").to_bytes();
            assert_eq!(&body[..], b"hello");
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
        let pool = c.own_pool().expect("own pool");
        assert_eq!(pool.stats().get(crate::http1::pool::Event::Dial), 1);
        assert_eq!(pool.stats().get(crate::http1::pool::Event::Reuse), 2);

        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let dead = format!("http://{}", l.local_addr().expect("addr"));
        drop(l);
        let c = root_client(
            &dead,
            &ClientOptions::DEFAULT,
            tls_config(None).expect("tls"),
        )
        .expect("client");
        let e = c.request(get(&dead, "/")).await.expect_err("refused");
        assert!(e.is_connect(), "{e}");
        assert!(!e.is_bad_response());
        assert_eq!(e.label(), Some("connect"));
    }

    /// What the own client does not frame itself goes through the host's
    /// hyper pool: a `Host` of the request's own, another authority.
    #[tokio::test]
    async fn foreign_requests_go_through_hyper() {
        let (url, _) = raw_upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        let c = root_client(
            &url,
            &ClientOptions::DEFAULT,
            tls_config(None).expect("tls"),
        )
        .expect("client");
        let mut req = get(&url, "/");
        req.headers_mut()
            .insert(HOST, HeaderValue::from_static("other.example"));
        let resp = c.request(req).await.expect("answer");
        assert!(matches!(resp.body(), UpBody::Hyper(_)));
        let (other, _) = raw_upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        let resp = c.request(get(&other, "/")).await.expect("answer");
        assert!(matches!(resp.body(), UpBody::Hyper(_)));
        let resp = c.request(get(&url, "/")).await.expect("answer");
        assert!(matches!(resp.body(), UpBody::Own(_)));
    }

    static INSECURE: TlsOptions = TlsOptions {
        allow_insecure_connections: true,
        ca_certs: &[],
        client_certs: &[],
        min_version: TlsVersion::Tls13,
        max_version: TlsVersion::Tls13,
        disable_system_ca_pool: true,
    };
    static MISSING_CA: TlsOptions = TlsOptions {
        allow_insecure_connections: false,
        ca_certs: &["/nonexistent/ca.pem"],
        client_certs: &[],
        min_version: TlsVersion::Tls12,
        max_version: TlsVersion::Tls13,
        disable_system_ca_pool: false,
    };

    static MISSING_CERT: ClientCert = ClientCert {
        certificate: "/nonexistent/cert.pem",
        private_key: "/nonexistent/key.pem",
    };

    #[test]
    fn tls_configs_build_or_fail_clearly() {
        assert!(tls_config(None).is_ok());
        assert!(tls_config(Some(&INSECURE)).is_ok());
        // lura logs an unreadable CA file and starts without it.
        assert!(tls_config(Some(&MISSING_CA)).is_ok());
        let mut roots = RootCertStore::empty();
        let e = add_ca_file(&mut roots, "/nonexistent/ca.pem").expect_err("missing file");
        assert!(!e.is_empty());
        assert!(client_cert(&MISSING_CERT).is_err());
    }
}
