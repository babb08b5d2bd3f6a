//! The validation components' static data, one file a namespace.

pub mod cel;
pub mod json_schema;
