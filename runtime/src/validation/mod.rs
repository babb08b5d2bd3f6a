//! The validation components of KrakenD CE, one module a namespace, each a
//! stage the handler runs in CE's order ([`crate::handler`]):
//! - [`cel`]: `validation/cel` (endpoint level, proxy stage t.; backend
//!   level, stage 14.);
//! - [`json_schema`]: `validation/json-schema` (endpoint level, proxy
//!   stage u.).

pub mod cel;
pub mod json_schema;
