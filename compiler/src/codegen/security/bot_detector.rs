//! `security/bot-detector` → a `gw_runtime::spec::BotDetector` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::security::BotDetector;

/// `&BotDetector { … }` (a promoted constant inside the static).
pub fn tokens(d: &BotDetector) -> TokenStream {
    let list = |l: &[String]| {
        let items = l.iter().map(|s| Literal::string(s));
        quote!(&[#(#items),*])
    };
    let (allow, deny, patterns) = (list(&d.allow), list(&d.deny), list(&d.patterns));
    let empty = d.empty_user_agent_is_bot;
    let cache = Literal::u32_unsuffixed(d.cache_size);
    quote! {
        &BotDetector {
            allow: #allow,
            deny: #deny,
            patterns: #patterns,
            empty_user_agent_is_bot: #empty,
            cache_size: #cache,
        }
    }
}
