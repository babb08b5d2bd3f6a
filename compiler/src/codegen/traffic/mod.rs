//! The traffic components' static data, one file a namespace.

pub mod ratelimit_router;
