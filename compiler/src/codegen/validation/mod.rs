//! The validation components' static data, one file a namespace.

pub mod json_schema;
