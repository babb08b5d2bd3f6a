//! The traffic components, planned: CE's defaults applied, one file a
//! namespace.

pub mod http_cache;
pub mod ratelimit_proxy;
pub mod ratelimit_router;

pub use http_cache::HttpCache;
pub use ratelimit_router::RateLimit;
