//! `auth/validator` → a `gw_runtime::spec::JwtValidator` literal.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::plan::Plan;
use crate::plan::security::Validator;
use crate::plan::security::validator::{ALGORITHMS, KeyIdStrategy, KeySource};

/// The `use` of the validator's types, when the plan has a validator (so
/// configs without one generate the same code as before).
pub fn imports(plan: &Plan) -> TokenStream {
    if plan.endpoints.iter().all(|e| e.jwt.is_none()) {
        return TokenStream::new();
    }
    quote! {
        #[allow(unused_imports)]
        use gw_runtime::spec::{ClaimHeader, JwkRemote, JwkSource, JwtAlg, JwtValidator, KeyIdStrategy};
    }
}

fn strs(items: &[String]) -> TokenStream {
    let items = items.iter().map(|s| Literal::string(s));
    quote!(&[#(#items),*])
}

/// `&JwtValidator { … }` (a promoted constant inside the static).
pub fn tokens(v: &Validator) -> TokenStream {
    // The identifier comes from gwc's own list, never from config text
    // (the plan only keeps names of that list; anything else is RS256,
    // which no config reaches).
    let alg = ALGORITHMS
        .iter()
        .find(|a| **a == v.alg)
        .map_or_else(|| format_ident!("RS256"), |a| format_ident!("{}", a));
    let keys = key_source(&v.keys);
    let strategy = match v.key_identify_strategy {
        KeyIdStrategy::Kid => quote!(KeyIdStrategy::Kid),
        KeyIdStrategy::X5t => quote!(KeyIdStrategy::X5t),
        KeyIdStrategy::X5tS256 => quote!(KeyIdStrategy::X5tS256),
        KeyIdStrategy::KidX5t => quote!(KeyIdStrategy::KidX5t),
    };
    let issuer = match &v.issuer {
        Some(i) => {
            let i = Literal::string(i);
            quote!(Some(#i))
        }
        None => quote!(None),
    };
    let propagate = v.propagate_claims.iter().map(|(claim, header)| {
        let claim = strs(claim);
        let header = Literal::string(header);
        quote!(ClaimHeader { claim: #claim, header: #header })
    });
    let cache = v.cache;
    let cache_duration = Literal::u32_unsuffixed(v.cache_duration_s);
    let cooldown = Literal::u64_unsuffixed(v.failed_key_cooldown_ms);
    let audience = strs(&v.audience);
    let leeway = Literal::u64_unsuffixed(v.leeway_ns);
    let roles_key = strs(&v.roles_key);
    let roles = strs(&v.roles);
    let scopes_key = strs(&v.scopes_key);
    let scopes = strs(&v.scopes);
    let all = v.scopes_match_all;
    let preserve = v.propagate_claims_preserve_array;
    let header = Literal::string(&v.auth_header_name);
    let cookie = Literal::string(&v.cookie_key);
    let debug = v.operation_debug;
    quote! {
        &JwtValidator {
            alg: JwtAlg::#alg,
            keys: #keys,
            cache: #cache,
            cache_duration_s: #cache_duration,
            failed_key_cooldown_ms: #cooldown,
            key_identify_strategy: #strategy,
            issuer: #issuer,
            audience: #audience,
            leeway_ns: #leeway,
            roles_key: #roles_key,
            roles: #roles,
            scopes_key: #scopes_key,
            scopes: #scopes,
            scopes_match_all: #all,
            propagate_claims: &[#(#propagate),*],
            propagate_claims_preserve_array: #preserve,
            auth_header_name: #header,
            cookie_key: #cookie,
            operation_debug: #debug,
        }
    }
}

/// `JwkSource::…` (shared with `auth/signer`).
pub fn key_source(keys: &KeySource) -> TokenStream {
    match keys {
        KeySource::Local(path) => {
            let path = Literal::string(path);
            quote!(JwkSource::Local(#path))
        }
        KeySource::Remote {
            url,
            disable_jwk_security,
            fingerprints,
            local_ca,
            cipher_suites,
        } => {
            let url = Literal::string(url);
            let fingerprints = fingerprints.iter().map(|f| {
                let bytes = f.iter().map(|b| Literal::u8_unsuffixed(*b));
                quote!(&[#(#bytes),*])
            });
            let local_ca = match local_ca {
                Some(ca) => {
                    let ca = Literal::string(ca);
                    quote!(Some(#ca))
                }
                None => quote!(None),
            };
            let suites = cipher_suites.iter().map(|c| Literal::u16_unsuffixed(*c));
            quote! {
                JwkSource::Remote(JwkRemote {
                    url: #url,
                    disable_jwk_security: #disable_jwk_security,
                    fingerprints: &[#(#fingerprints),*],
                    local_ca: #local_ca,
                    cipher_suites: &[#(#suites),*],
                })
            }
        }
    }
}
