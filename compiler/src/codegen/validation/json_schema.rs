//! `validation/json-schema` → a `gw_runtime::spec::JsonSchema` literal:
//! the schema's JSON text, compiled once at gateway start.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// `&JsonSchema { schema: "…" }` (a promoted constant inside the static).
pub fn tokens(schema: &str) -> TokenStream {
    let text = Literal::string(schema);
    quote!(&gw_runtime::spec::JsonSchema { schema: #text })
}
