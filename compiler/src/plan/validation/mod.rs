//! The validation components, planned: one file a namespace.

pub mod json_schema;
