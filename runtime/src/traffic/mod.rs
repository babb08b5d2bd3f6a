//! The traffic components of KrakenD CE, one module a namespace, each a
//! stage the handler runs in CE's order ([`crate::handler`]):
//! - [`ratelimit`]: `qos/ratelimit/router` (endpoint level);
//! - [`ratelimit_proxy`]: `qos/ratelimit/proxy` (backend level);
//! - [`http_cache`]: `qos/http-cache` (backend level, in the request
//!   executor).
//!
//! A module holds the namespace's static description (what the generated
//! crate writes) and its run-time state and stage function, as the
//! security components do ([`crate::security`]).

pub mod http_cache;
pub mod ratelimit;
pub mod ratelimit_proxy;
