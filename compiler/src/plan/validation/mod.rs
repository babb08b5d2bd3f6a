//! The validation components, planned: one file a namespace.

pub mod cel;
pub mod json_schema;

pub use cel::Cel;
