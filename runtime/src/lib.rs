//! gw-runtime: the library a gateway compiled by `gwc build` links.
//!
//! The generated crate provides a `static` [`spec::Gateway`] and calls one
//! non-generic, non-async entry point; everything async and generic lives
//! here, compiled once (research/rust-stack.md §6).

pub mod spec;
