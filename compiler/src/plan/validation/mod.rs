//! The validation components, planned: one file a namespace.

pub mod cel;

pub use cel::Cel;
