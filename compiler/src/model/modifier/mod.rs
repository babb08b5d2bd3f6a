//! The transformation components' namespaces, one file each, typed with
//! their spans (defaults not applied: that is the plan's job).

pub mod martian;

pub use martian::Martian;
