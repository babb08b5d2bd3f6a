//! `modifier/martian` → a `gw_runtime::spec::Martian` literal: each side's
//! modifier tree as nested promoted constants (paths written in full, so
//! the generated `use` list stays as it is).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::modifier::martian::{Condition, Martian, Modifier, PortChange};

/// `&Martian { … }`.
pub fn tokens(m: &Martian) -> TokenStream {
    let request = side(m.request.as_ref());
    let response = side(m.response.as_ref());
    let regexes = m.regexes.iter().map(|r| Literal::string(r));
    quote! {
        &gw_runtime::spec::Martian {
            request: #request,
            response: #response,
            regexes: &[#(#regexes),*],
        }
    }
}

fn side(m: Option<&Modifier>) -> TokenStream {
    match m {
        Some(m) => {
            let m = modifier(m);
            quote!(Some(&#m))
        }
        None => quote!(None),
    }
}

fn opt(s: &Option<String>) -> TokenStream {
    match s {
        Some(s) => {
            let l = Literal::string(s);
            quote!(Some(#l))
        }
        None => quote!(None),
    }
}

fn modifier(m: &Modifier) -> TokenStream {
    let s = Literal::string;
    match m {
        Modifier::SetHeader { name, value } => {
            let (n, v) = (s(name), s(value));
            quote!(gw_runtime::spec::Modifier::SetHeader { name: #n, value: #v })
        }
        Modifier::AppendHeader { name, value } => {
            let (n, v) = (s(name), s(value));
            quote!(gw_runtime::spec::Modifier::AppendHeader { name: #n, value: #v })
        }
        Modifier::RemoveHeaders(names) => {
            let names = names.iter().map(|n| s(n));
            quote!(gw_runtime::spec::Modifier::RemoveHeaders(&[#(#names),*]))
        }
        Modifier::CopyHeader { from, to } => {
            let (f, t) = (s(from), s(to));
            quote!(gw_runtime::spec::Modifier::CopyHeader { from: #f, to: #t })
        }
        Modifier::RequestId { header } => {
            let h = s(header);
            quote!(gw_runtime::spec::Modifier::RequestId { header: #h })
        }
        Modifier::SetQuery { name, value } => {
            let (n, v) = (s(name), s(value));
            quote!(gw_runtime::spec::Modifier::SetQuery { name: #n, value: #v })
        }
        Modifier::SetUrl {
            scheme,
            host,
            path,
            query,
        } => {
            let (sc, h, p, q) = (opt(scheme), opt(host), opt(path), opt(query));
            quote! {
                gw_runtime::spec::Modifier::SetUrl { scheme: #sc, host: #h, path: #p, query: #q }
            }
        }
        Modifier::Body { content_type, body } => {
            let ct = s(content_type);
            let b = Literal::byte_string(body);
            quote!(gw_runtime::spec::Modifier::Body { content_type: #ct, body: #b })
        }
        Modifier::Cookie { pair, set_cookie } => {
            let (p, c) = (s(pair), s(set_cookie));
            quote!(gw_runtime::spec::Modifier::Cookie { pair: #p, set_cookie: #c })
        }
        Modifier::Port(change) => {
            let c = match change {
                PortChange::Use(p) => {
                    let p = Literal::u16_unsuffixed(*p);
                    quote!(gw_runtime::spec::PortChange::Use(#p))
                }
                PortChange::DefaultForScheme => {
                    quote!(gw_runtime::spec::PortChange::DefaultForScheme)
                }
                PortChange::Remove => quote!(gw_runtime::spec::PortChange::Remove),
            };
            quote!(gw_runtime::spec::Modifier::Port(#c))
        }
        Modifier::Stash { header } => {
            let h = s(header);
            quote!(gw_runtime::spec::Modifier::Stash { header: #h })
        }
        Modifier::Status(code) => {
            let c = Literal::u16_unsuffixed(*code);
            quote!(gw_runtime::spec::Modifier::Status(#c))
        }
        Modifier::Static { root, explicit } => {
            let r = s(root);
            let e = explicit.iter().map(|(from, to)| {
                let (f, t) = (s(from), s(to));
                quote!((#f, #t))
            });
            quote!(gw_runtime::spec::Modifier::Static { root: #r, explicit: &[#(#e),*] })
        }
        Modifier::Group {
            modifiers,
            aggregate_errors,
        } => {
            let ms = modifiers.iter().map(modifier);
            quote! {
                gw_runtime::spec::Modifier::Group {
                    modifiers: &[#(#ms),*],
                    aggregate_errors: #aggregate_errors,
                }
            }
        }
        Modifier::Filter {
            when,
            then,
            otherwise,
        } => {
            let w = condition(when);
            let t = side(then.as_deref());
            let o = side(otherwise.as_deref());
            quote! {
                gw_runtime::spec::Modifier::Filter { when: #w, then: #t, otherwise: #o }
            }
        }
    }
}

fn condition(c: &Condition) -> TokenStream {
    let s = Literal::string;
    match c {
        Condition::Header { name, value } => {
            let (n, v) = (s(name), s(value));
            quote!(gw_runtime::spec::Condition::Header { name: #n, value: #v })
        }
        Condition::HeaderRegex { header, regex } => {
            let (h, r) = (s(header), Literal::u16_unsuffixed(*regex));
            quote!(gw_runtime::spec::Condition::HeaderRegex { header: #h, regex: #r })
        }
        Condition::Query { name, value } => {
            let (n, v) = (s(name), s(value));
            quote!(gw_runtime::spec::Condition::Query { name: #n, value: #v })
        }
        Condition::Url {
            scheme,
            host,
            path,
            query,
        } => {
            let (sc, h, p, q) = (opt(scheme), opt(host), opt(path), opt(query));
            quote! {
                gw_runtime::spec::Condition::Url { scheme: #sc, host: #h, path: #p, query: #q }
            }
        }
        Condition::UrlRegex(i) => {
            let i = Literal::u16_unsuffixed(*i);
            quote!(gw_runtime::spec::Condition::UrlRegex(#i))
        }
        Condition::Cookie { name, value } => {
            let (n, v) = (s(name), s(value));
            quote!(gw_runtime::spec::Condition::Cookie { name: #n, value: #v })
        }
        Condition::Port(p) => {
            let p = Literal::i64_unsuffixed(*p);
            quote!(gw_runtime::spec::Condition::Port(#p))
        }
    }
}
