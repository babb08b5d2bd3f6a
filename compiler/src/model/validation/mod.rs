//! The validation components' namespaces, one file each, typed with their
//! spans (defaults not applied: that is the plan's job).

pub mod cel;
pub mod json_schema;

pub use cel::Cel;
pub use json_schema::JsonSchema;
