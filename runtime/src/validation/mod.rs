//! The validation components of KrakenD CE, one module a namespace, each a
//! stage the handler runs in CE's order ([`crate::handler`]):
//! - [`json_schema`]: `validation/json-schema` (endpoint level, proxy
//!   stage u.).

pub mod json_schema;
