//! The traffic components' namespaces, one file each, typed with their
//! spans (defaults not applied: that is the plan's job).

pub mod http_cache;
pub mod ratelimit_proxy;
pub mod ratelimit_router;

pub use http_cache::HttpCacheNs;
pub use ratelimit_proxy::RateLimitProxy;
pub use ratelimit_router::RateLimitRouter;
