//! The traffic components' static data, one file a namespace.

pub mod http_cache;
pub mod ratelimit_router;
