//! `qos/http-cache` → a `gw_runtime::spec::HttpCache` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::traffic::HttpCache;

/// `HttpCache { … }` (a `Copy` value in the backend).
pub fn tokens(c: &HttpCache) -> TokenStream {
    let shared = c.shared;
    let bounded = c.bounded;
    let max_size = Literal::u64_unsuffixed(c.max_size);
    let max_items = Literal::u64_unsuffixed(c.max_items);
    quote! {
        gw_runtime::spec::HttpCache {
            shared: #shared,
            bounded: #bounded,
            max_size: #max_size,
            max_items: #max_items,
        }
    }
}
