//! gwc's JSON Schema of a KrakenD configuration (`krakend.json`, syntax
//! version 3), embedded so every tool ships the same copy.
//!
//! The schema is draft 2020-12 and describes what gwc's GW8xx rules check:
//! the keys of the root, endpoints, backends and the `extra_config`
//! namespaces gwc models, with their types and closed value sets. Every
//! property has a `description` (one or two sentences: behaviour and
//! default) that editors show as hover documentation. Checks owned by other
//! rule families (durations, methods, encodings, `version`,
//! `concurrent_calls`, and the values of gwc's own `gwc/…` namespaces that
//! the GW5xx rules check) are typed but not constrained here.

/// The schema document, as JSON text (draft 2020-12, `$id`
/// `urn:gwc:krakend-config`).
pub const SCHEMA_JSON: &str = include_str!("../krakend.schema.json");
