//! `telemetry/opentelemetry` → a `gw_runtime::spec::Otel` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::telemetry::Otel;

/// `&Otel { … }` (a promoted constant inside the static).
pub fn tokens(o: &Otel) -> TokenStream {
    let exporters = o.prometheus.iter().map(|(name, listen)| {
        let (name, listen) = (Literal::string(name), Literal::string(listen));
        quote!(PrometheusExporter { name: #name, listen: #listen })
    });
    quote! {
        &Otel { prometheus: &[#(#exporters),*] }
    }
}
