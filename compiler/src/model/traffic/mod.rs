//! The traffic components' namespaces, one file each, typed with their
//! spans (defaults not applied: that is the plan's job).

pub mod ratelimit_proxy;
pub mod ratelimit_router;

pub use ratelimit_proxy::RateLimitProxy;
pub use ratelimit_router::RateLimitRouter;
