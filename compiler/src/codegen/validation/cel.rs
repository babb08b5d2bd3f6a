//! `validation/cel` → a `gw_runtime::spec::Cel` literal: the expressions'
//! text, grouped by list (the gateway compiles them once at start).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::validation::Cel;

/// `&Cel { … }` (a promoted constant inside the static).
pub fn tokens(c: &Cel) -> TokenStream {
    let list = |l: &[String]| {
        let items = l.iter().map(|s| Literal::string(s));
        quote!(&[#(#items),*])
    };
    let (pre, post, jwt) = (list(&c.pre), list(&c.post), list(&c.jwt));
    quote! {
        &gw_runtime::spec::Cel {
            pre: #pre,
            post: #post,
            jwt: #jwt,
        }
    }
}
