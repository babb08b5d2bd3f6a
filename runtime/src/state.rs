//! The gateway's run-time state, built once at start-up from the static
//! description: the router, one upstream pool per backend, metrics cells,
//! and a few facts derived from the tables (which backends are shadows,
//! which earlier responses a sequential chain needs). Nothing here parses
//! configuration text.

use serde_json::{Map, Value};

use crate::encoding::to_json;
use crate::metrics::{EndpointMetrics, OtherMetrics};
use crate::router::Router;
use crate::spec::{Backend, Endpoint, Gateway, UrlPiece};
use crate::upstream::{Shared, Upstream};

/// The running gateway.
pub struct Gw {
    /// The static description.
    pub spec: &'static Gateway,
    /// The router.
    pub router: Router,
    /// Per endpoint, in `spec.endpoints` order.
    pub endpoints: Box<[EndpointRt]>,
    /// Counters for requests that matched no endpoint.
    pub other: OtherMetrics,
    /// Host clients and health probers shared by the pools (the probers
    /// are started by [`Gw::start_background`]).
    pub shared: Shared,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Gw {
    /// Starts the background tasks (the probers). They stop when the `Gw`
    /// is dropped. Calling it twice starts nothing more.
    pub fn start_background(&self) {
        let Ok(mut tasks) = self.tasks.lock() else {
            return;
        };
        if !tasks.is_empty() {
            return;
        }
        for p in &self.shared.probers {
            tasks.push(tokio::spawn(std::sync::Arc::clone(p).run()));
        }
    }
}

impl Drop for Gw {
    fn drop(&mut self) {
        if let Ok(tasks) = self.tasks.get_mut() {
            for t in tasks.drain(..) {
                t.abort();
            }
        }
    }
}

/// One endpoint's state.
pub struct EndpointRt {
    /// Its description.
    pub spec: &'static Endpoint,
    /// Every backend, in declaration order.
    pub backends: Box<[BackendRt]>,
    /// Indices of the non-shadow backends.
    pub regular: Box<[usize]>,
    /// Indices of the shadow backends.
    pub shadows: Box<[usize]>,
    /// Per non-shadow backend position N: a later backend's `{respN_x}`
    /// reads it (sequential), so its data is kept for the chain.
    pub referenced: Box<[bool]>,
    /// `proxy.static` data, materialised.
    pub static_data: Option<Map<String, Value>>,
    /// Whether the request body can stream to the single backend request.
    pub stream_body: bool,
    /// Counters.
    pub metrics: EndpointMetrics,
}

/// One backend's state.
pub struct BackendRt {
    /// Its description.
    pub spec: &'static Backend,
    /// Its hosts and client.
    pub upstream: Upstream,
    /// A label for logs and metrics: the `url_pattern` as written.
    pub label: String,
}

/// The `url_pattern` text, rebuilt from its pieces (labels only).
fn pattern_label(ep: &Endpoint, b: &Backend) -> String {
    let mut s = String::new();
    for p in b.url {
        match p {
            UrlPiece::Literal(l) => s.push_str(l),
            UrlPiece::Param(i) => {
                s.push('{');
                s.push_str(ep.params.get(usize::from(*i)).copied().unwrap_or("?"));
                s.push('}');
            }
            UrlPiece::Response { backend, path } => {
                s.push_str(&format!("{{resp{backend}_{}}}", path.join(".")));
            }
            UrlPiece::Wildcard => s.push_str("/*"),
        }
    }
    s
}

impl Gw {
    /// Builds the state. Fails only on tables the compiler should never
    /// emit (a route conflict, an unparsable host).
    pub fn build(spec: &'static Gateway) -> Result<Gw, String> {
        let router = Router::build(spec).map_err(|e| e.0)?;
        let mut shared = Shared::default();
        let mut endpoints = Vec::with_capacity(spec.endpoints.len());
        for ep in spec.endpoints {
            let mut backends = Vec::with_capacity(ep.backends.len());
            for b in ep.backends {
                let label = pattern_label(ep, b);
                backends.push(BackendRt {
                    spec: b,
                    upstream: Upstream::new(b, &spec.client, &mut shared, &label)
                        .map_err(|e| format!("endpoint {}: {e}", ep.path))?,
                    label,
                });
            }
            let regular: Box<[usize]> = (0..ep.backends.len())
                .filter(|&i| !ep.backends[i].shadow)
                .collect();
            let shadows: Box<[usize]> = (0..ep.backends.len())
                .filter(|&i| ep.backends[i].shadow)
                .collect();
            let mut referenced = vec![false; regular.len()];
            for b in ep.backends {
                for p in b.url {
                    if let UrlPiece::Response { backend, .. } = p
                        && let Some(r) = referenced.get_mut(usize::from(*backend))
                    {
                        *r = true;
                    }
                }
            }
            let static_data = ep.static_data.and_then(|s| match to_json(s.data) {
                Value::Object(m) => Some(m),
                _ => None,
            });
            let requests = regular.len() * usize::from(ep.concurrent_calls.max(1)) + shadows.len();
            let stream_body = requests == 1 && !ep.sequential;
            endpoints.push(EndpointRt {
                spec: ep,
                backends: backends.into_boxed_slice(),
                regular,
                shadows,
                referenced: referenced.into_boxed_slice(),
                static_data,
                stream_body,
                metrics: EndpointMetrics::default(),
            });
        }
        Ok(Gw {
            spec,
            router,
            endpoints: endpoints.into_boxed_slice(),
            other: OtherMetrics::default(),
            shared,
            tasks: std::sync::Mutex::new(Vec::new()),
        })
    }
}
