//! The transformation components, planned: one file a namespace.

pub mod martian;

pub use martian::Martian;
