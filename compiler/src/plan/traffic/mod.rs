//! The traffic components, planned: CE's defaults applied, one file a
//! namespace.

pub mod ratelimit_proxy;
pub mod ratelimit_router;

pub use ratelimit_router::RateLimit;
