//! `qos/ratelimit/router` → a `gw_runtime::spec::RateLimit` literal
//! (paths written in full, so the generated `use` list stays as it is).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::traffic::ratelimit_router::{ClientKey, RateLimit, TokenBucket};

/// `&RateLimit { … }` (a promoted constant inside the static).
pub fn tokens(r: &RateLimit) -> TokenStream {
    let endpoint = option(r.endpoint.as_ref().map(bucket));
    let client = option(r.client.as_ref().map(|c| {
        let bucket = bucket(&c.bucket);
        let key = match &c.key {
            ClientKey::Ip { header } => {
                let header = option(header.as_deref().map(Literal::string).map(|l| quote!(#l)));
                quote!(gw_runtime::spec::ClientKey::Ip { header: #header })
            }
            ClientKey::Header(h) => {
                let h = Literal::string(h);
                quote!(gw_runtime::spec::ClientKey::Header(#h))
            }
            ClientKey::Param(i) => {
                let i = option(i.map(Literal::u16_unsuffixed).map(|l| quote!(#l)));
                quote!(gw_runtime::spec::ClientKey::Param(#i))
            }
        };
        let ttl = Literal::u64_unsuffixed(c.idle_ttl_ns);
        let jitter = Literal::u64_unsuffixed(c.idle_jitter_ns);
        let cleanup = Literal::u64_unsuffixed(c.cleanup_period_ns);
        let shards = Literal::u16_unsuffixed(c.shards);
        let max = Literal::u32_unsuffixed(c.max_clients);
        quote! {
            gw_runtime::spec::ClientLimit {
                bucket: #bucket,
                key: #key,
                idle_ttl_ns: #ttl,
                idle_jitter_ns: #jitter,
                cleanup_period_ns: #cleanup,
                shards: #shards,
                max_clients: #max,
            }
        }
    }));
    quote! {
        &gw_runtime::spec::RateLimit {
            endpoint: #endpoint,
            client: #client,
        }
    }
}

pub(crate) fn bucket(b: &TokenBucket) -> TokenStream {
    let fill = Literal::u64_unsuffixed(b.fill_interval_ns);
    let capacity = Literal::u64_unsuffixed(b.capacity);
    quote!(gw_runtime::spec::TokenBucket { fill_interval_ns: #fill, capacity: #capacity })
}

fn option(t: Option<TokenStream>) -> TokenStream {
    match t {
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    }
}
