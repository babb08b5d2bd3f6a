//! `security/http` → a `gw_runtime::spec::HttpSecurity` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::security::HttpSecurity;
use crate::plan::security::http::AllowedHosts;

/// `&HttpSecurity { … }` (a promoted constant inside the static).
pub fn tokens(s: &HttpSecurity) -> TokenStream {
    let list = |l: &[String]| {
        let items = l.iter().map(|s| Literal::string(s));
        quote!(&[#(#items),*])
    };
    let pairs = |l: &[(String, String)]| {
        let items = l.iter().map(|(k, v)| {
            let (k, v) = (Literal::string(k), Literal::string(v));
            quote!((#k, #v))
        });
        quote!(&[#(#items),*])
    };
    let option = |v: &Option<String>| match v {
        Some(v) => {
            let v = Literal::string(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    };
    let allowed_hosts = match &s.allowed_hosts {
        AllowedHosts::Any => quote!(AllowedHosts::Any),
        AllowedHosts::Exact(l) => {
            let l = list(l);
            quote!(AllowedHosts::Exact(#l))
        }
        AllowedHosts::Patterns(l) => {
            let l = list(l);
            quote!(AllowedHosts::Patterns(#l))
        }
    };
    let host_proxy_headers = list(&s.host_proxy_headers);
    let ssl_redirect = s.ssl_redirect;
    let ssl_host = option(&s.ssl_host);
    let ssl_proxy_headers = pairs(&s.ssl_proxy_headers);
    let sts = option(&s.sts);
    let force_sts_header = s.force_sts_header;
    let headers = pairs(&s.headers);
    let nonce_policy = list(&s.nonce_policy);
    quote! {
        &HttpSecurity {
            allowed_hosts: #allowed_hosts,
            host_proxy_headers: #host_proxy_headers,
            ssl_redirect: #ssl_redirect,
            ssl_host: #ssl_host,
            ssl_proxy_headers: #ssl_proxy_headers,
            sts: #sts,
            force_sts_header: #force_sts_header,
            headers: #headers,
            nonce_policy: #nonce_policy,
        }
    }
}
