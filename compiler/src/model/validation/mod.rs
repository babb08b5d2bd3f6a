//! The validation components' namespaces, one file each.

pub mod json_schema;

pub use json_schema::JsonSchema;
