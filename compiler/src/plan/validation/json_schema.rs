//! `validation/json-schema`, planned: the schema as compact JSON text,
//! which the gateway parses and compiles once at start
//! (`gw_runtime::validation::json_schema`). A schema that does not
//! compile is planned as no validation, which is what KrakenD CE does
//! (`[JSONSchema] Parsing the definition` logged, the endpoint
//! unvalidated); GW760 makes it a lint error, so `gwc build` never gets
//! there.

use crate::model::validation::JsonSchema as Model;
use crate::model::validation::json_schema::compile;

/// The schema text, when it compiles.
pub(crate) fn plan(m: &Model<'_>) -> Option<String> {
    let schema = m.value();
    compile(&schema).ok()?;
    Some(schema.to_string())
}
