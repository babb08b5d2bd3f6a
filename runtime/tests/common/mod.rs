//! Test harness: programmable upstreams on 127.0.0.1:0, a gateway started
//! from a hand-built (leaked, hence `'static`) description, and a client
//! with a timeout on every wait.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gw_runtime::spec::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Every wait in the tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

pub fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

pub fn leak_slice<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

pub fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// What an upstream saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub type Log = Arc<Mutex<Vec<Seen>>>;

/// A canned upstream reply.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn json(body: &str) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type", "application/json".into())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }
    pub fn status(mut self, s: u16) -> Reply {
        self.status = s;
        self
    }
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
    pub fn header(mut self, k: &'static str, v: &str) -> Reply {
        self.headers.push((k, v.to_owned()));
        self
    }
}

/// Starts an upstream answering every request with `reply(seen)`. Returns
/// its `http://127.0.0.1:PORT` host (leaked) and the request log.
pub async fn upstream<F>(reply: F) -> (&'static str, Log)
where
    F: Fn(&Seen) -> Reply + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Log = Arc::default();
    let reply = Arc::new(reply);
    let log2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = log2.clone();
            let reply = reply.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let log = log.clone();
                    let reply = reply.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let seen = Seen {
                            method: parts.method.to_string(),
                            uri: parts.uri.to_string(),
                            headers: parts.headers,
                            body,
                        };
                        let r = reply(&seen);
                        log.lock().unwrap().push(seen);
                        if !r.delay.is_zero() {
                            tokio::time::sleep(r.delay).await;
                        }
                        let mut resp = Response::new(Full::new(Bytes::from(r.body)));
                        *resp.status_mut() = StatusCode::from_u16(r.status).unwrap();
                        for (k, v) in r.headers {
                            resp.headers_mut().append(k, v.parse().unwrap());
                        }
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (leak_str(format!("http://{addr}")), log)
}

pub fn backend(host: &'static str, url: &'static [UrlPiece]) -> Backend {
    Backend {
        hosts: leak_slice(vec![host]),
        url,
        ..Backend::DEFAULT
    }
}

pub fn endpoint(
    method: Method,
    path: &'static str,
    segments: &'static [Segment],
    params: &'static [&'static str],
    backends: Vec<Backend>,
) -> Endpoint {
    Endpoint {
        method,
        path,
        segments,
        params,
        backends: leak_slice(backends),
        ..Endpoint::DEFAULT
    }
}

pub fn gateway(endpoints: Vec<Endpoint>) -> Gateway {
    Gateway {
        name: "test",
        endpoints: leak_slice(endpoints),
        router: RouterOptions {
            disable_access_log: true,
            ..RouterOptions::DEFAULT
        },
        version_header: Some("Version gwc-test"),
        user_agent: "KrakenD Version gwc-test",
        ..Gateway::DEFAULT
    }
}

/// A running gateway; dropping the handle stops it.
pub struct Running {
    pub addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

pub async fn start(gw: Gateway) -> Running {
    let gw = leak(gw);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        gw_runtime::serve(gw, listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Running { addr, _stop: tx }
}

/// A response as the client saw it.
#[derive(Debug)]
pub struct Got {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Got {
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.get(k).and_then(|v| v.to_str().ok())
    }
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }
}

pub async fn timed<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, f).await.expect("timed out")
}

/// Sends one request to the gateway.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Got {
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    timed(async {
        let resp = client.request(req).await.unwrap();
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        Got {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    })
    .await
}

pub async fn get(addr: SocketAddr, path: &str) -> Got {
    send(addr, "GET", path, &[], "").await
}
