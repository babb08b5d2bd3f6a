//! `security/cors` → a `gw_runtime::spec::Cors` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::security::Cors;

/// `&Cors { … }` (a promoted constant inside the static).
pub fn tokens(c: &Cors) -> TokenStream {
    let list = |l: &[String]| {
        let items = l.iter().map(|s| Literal::string(s));
        quote!(&[#(#items),*])
    };
    let text = |s: &Option<String>| match s {
        Some(s) => {
            let s = Literal::string(s);
            quote!(Some(#s))
        }
        None => quote!(None),
    };
    let (origins, methods, headers) = (list(&c.origins), list(&c.methods), list(&c.headers));
    let wildcards = c.wildcard_origins.iter().map(|(p, s)| {
        let (p, s) = (Literal::string(p), Literal::string(s));
        quote!((#p, #s))
    });
    let (expose, max_age) = (text(&c.expose_headers), text(&c.max_age));
    let status = Literal::u16_unsuffixed(c.options_success_status);
    let (all_origins, all_headers) = (c.allow_all_origins, c.allow_all_headers);
    let (credentials, private) = (c.allow_credentials, c.allow_private_network);
    let (passthrough, debug) = (c.options_passthrough, c.debug);
    quote! {
        &Cors {
            allow_all_origins: #all_origins,
            origins: #origins,
            wildcard_origins: &[#(#wildcards),*],
            methods: #methods,
            allow_all_headers: #all_headers,
            headers: #headers,
            expose_headers: #expose,
            allow_credentials: #credentials,
            allow_private_network: #private,
            options_passthrough: #passthrough,
            options_success_status: #status,
            max_age: #max_age,
            debug: #debug,
        }
    }
}
