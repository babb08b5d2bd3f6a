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
//! HTTP/1.1 hosts (every host without a `gwc/http-client` version, and
//! `version: http1`) use the host's own pool ([`super::h1`]); h2, h2c and
//! `auto` use hyper-util's pooled client. Either way a host gets its own
//! client, and [`HttpClient::request`] is the one way to send.
//!
//! `max_connections_per_host` is not a hyper-util pool setting: it is a
//! per-host semaphore ([`ConnLimit`]) held from the request until its
//! response body ends. For HTTP/1 (one exchange per connection) that bounds
//! the connections in use; the idle pool is capped at the same number.

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Request, Response};
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
use crate::spec::{ClientCert, ClientOptions, HttpOptions, HttpVersion, TlsOptions, TlsVersion};

/// A host's client.
#[derive(Clone, Debug)]
pub enum HttpClient {
    /// HTTP/1.1: the host's own connection pool.
    H1(Arc<H1Pool>),
    /// h2, h2c, ALPN `auto`: hyper-util's pooled client.
    Pooled(Box<Client<HttpsConnector<HttpConnector>, GwBody>>),
}

/// Why a client request failed.
#[derive(Debug)]
pub enum ClientError {
    /// From the HTTP/1.1 pool.
    H1(H1Error),
    /// From hyper-util's client.
    Pooled(hyper_util::client::legacy::Error),
}

impl ClientError {
    /// Whether no connection could be made (nothing was sent).
    pub fn is_connect(&self) -> bool {
        match self {
            ClientError::H1(e) => matches!(e, H1Error::Connect(_)),
            ClientError::Pooled(e) => e.is_connect(),
        }
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::H1(e) => e.fmt(f),
            ClientError::Pooled(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::H1(e) => e.source(),
            ClientError::Pooled(e) => e.source(),
        }
    }
}

impl HttpClient {
    /// Sends a request (absolute URI) and returns the response head.
    pub async fn request(&self, req: Request<GwBody>) -> Result<Response<Incoming>, ClientError> {
        match self {
            HttpClient::H1(pool) => pool.request(req).await.map_err(ClientError::H1),
            HttpClient::Pooled(c) => c.request(req).await.map_err(ClientError::Pooled),
        }
    }
}

/// The client of a host without a `gwc/http-client` policy: lura's root
/// client options, HTTP/1.1, and `tls` (made from the root `client_tls`
/// once, by the caller). One per host.
pub fn root_client(o: &ClientOptions, tls: ClientConfig) -> Result<HttpClient, String> {
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
    Ok(HttpClient::H1(H1Pool::new(https, idle, timeout)))
}

/// A host's client from its resolved `gwc/http-client` options. `probe`
/// builds the prober's client: no idle pool unless `reuse` (Pingora's
/// `reuse_connection=false`: a fresh connection catches L4 failures).
pub fn host_client(
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
            return Ok(HttpClient::H1(H1Pool::new(https, idle, timeout)));
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
