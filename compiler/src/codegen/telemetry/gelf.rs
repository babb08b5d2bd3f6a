//! `telemetry/gelf` → a `&gw_runtime::spec::Gelf` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::telemetry::Gelf;

/// The literal of the gateway's `gelf` field (inside `Some`).
pub fn tokens(g: &Gelf) -> TokenStream {
    let address = Literal::string(&g.address);
    let tcp = g.tcp;
    quote! {
        &gw_runtime::spec::Gelf { address: #address, tcp: #tcp }
    }
}
