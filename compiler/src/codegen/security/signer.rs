//! `auth/signer` → a `gw_runtime::spec::JwtSigner` literal.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::plan::Plan;
use crate::plan::security::Signer;
use crate::plan::security::validator::ALGORITHMS;

/// The `use` of the signer's types, when the plan has a signer (so configs
/// without one generate the same code as before).
pub fn imports(plan: &Plan) -> TokenStream {
    if plan.endpoints.iter().all(|e| e.signer.is_none()) {
        return TokenStream::new();
    }
    // The key-set types are the validator's: imported once.
    if plan.endpoints.iter().any(|e| e.jwt.is_some()) {
        return quote! {
            use gw_runtime::spec::JwtSigner;
        };
    }
    quote! {
        #[allow(unused_imports)]
        use gw_runtime::spec::{JwkRemote, JwkSource, JwtAlg, JwtSigner};
    }
}

/// `&JwtSigner { … }` (a promoted constant inside the static).
pub fn tokens(s: &Signer) -> TokenStream {
    // The identifier comes from gwc's own list, never from config text.
    let alg = ALGORITHMS
        .iter()
        .find(|a| **a == s.alg)
        .map_or_else(|| format_ident!("RS256"), |a| format_ident!("{}", a));
    let keys = super::validator::key_source(&s.keys);
    let kid = Literal::string(&s.kid);
    let keys_to_sign = s.keys_to_sign.iter().map(|k| Literal::string(k));
    let full = s.full;
    let typ = Literal::string(&s.typ);
    quote! {
        &JwtSigner {
            alg: JwtAlg::#alg,
            kid: #kid,
            keys: #keys,
            keys_to_sign: &[#(#keys_to_sign),*],
            full: #full,
            typ: #typ,
        }
    }
}
