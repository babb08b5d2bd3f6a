//! `telemetry/metrics` → a `gw_runtime::spec::Stats` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::telemetry::Stats;

/// `&Stats { … }` (a promoted constant inside the static).
pub fn tokens(s: &Stats) -> TokenStream {
    let listen = Literal::string(&s.listen);
    let ms = Literal::u64_unsuffixed(s.collection_ms);
    let (r, p, b, e) = (
        s.router_disabled,
        s.proxy_disabled,
        s.backend_disabled,
        s.endpoint_disabled,
    );
    quote! {
        &Stats {
            listen: #listen,
            collection_ms: #ms,
            router_disabled: #r,
            proxy_disabled: #p,
            backend_disabled: #b,
            endpoint_disabled: #e,
        }
    }
}
