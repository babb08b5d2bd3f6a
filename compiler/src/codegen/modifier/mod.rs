//! The transformation components' static data, one file a namespace.

pub mod martian;
