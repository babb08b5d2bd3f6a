//! `telemetry/logging` → a `gw_runtime::spec::Logging` literal.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::plan::telemetry::logging::{Format, Level, Logging, TimePart, Verb};

/// The literal of the gateway's `logging` field.
pub fn tokens(l: &Logging) -> TokenStream {
    let level = match l.level {
        Level::Critical => quote!(Critical),
        Level::Error => quote!(Error),
        Level::Warning => quote!(Warning),
        Level::Notice => quote!(Notice),
        Level::Info => quote!(Info),
        Level::Debug => quote!(Debug),
    };
    let stdout = l.stdout;
    let syslog = match l.syslog {
        Some(p) => {
            let p = Literal::u8_unsuffixed(p);
            quote!(Some(gw_runtime::spec::Syslog { priority: #p }))
        }
        None => quote!(None),
    };
    let prefix = Literal::string(&l.prefix);
    let format = match &l.format {
        Format::Basic => quote!(Basic),
        Format::Default => quote!(Default),
        Format::Logstash => quote!(Logstash),
        Format::Custom(verbs) => {
            let verbs = verbs.iter().map(verb);
            quote!(Custom(&[#(#verbs),*]))
        }
    };
    let logstash = match &l.logstash {
        Some(m) => {
            let m = Literal::string(m);
            quote!(Some(#m))
        }
        None => quote!(None),
    };
    quote! {
        gw_runtime::spec::Logging {
            level: gw_runtime::spec::LogLevel::#level,
            stdout: #stdout,
            syslog: #syslog,
            prefix: #prefix,
            format: gw_runtime::spec::LogFormat::#format,
            logstash: #logstash,
        }
    }
}

fn verb(v: &Verb) -> TokenStream {
    let body = match v {
        Verb::Text(s) => {
            let s = Literal::string(s);
            quote!(Text(#s))
        }
        Verb::Time(parts) => {
            let parts = parts.iter().map(time_part);
            quote!(Time(&[#(#parts),*]))
        }
        Verb::Level => quote!(Level),
        Verb::LevelCut(n) => {
            let n = Literal::u8_unsuffixed(*n);
            quote!(LevelCut(#n))
        }
        Verb::Message => quote!(Message),
        Verb::Module => quote!(Module),
        Verb::Id => quote!(Id),
        Verb::Pid => quote!(Pid),
        Verb::Program => quote!(Program),
        Verb::Color => quote!(Color),
        Verb::ColorBold => quote!(ColorBold),
        Verb::ColorReset => quote!(ColorReset),
    };
    quote!(gw_runtime::spec::LogVerb::#body)
}

fn time_part(p: &TimePart) -> TokenStream {
    let body = match p {
        TimePart::Text(s) => {
            let s = Literal::string(s);
            quote!(Text(#s))
        }
        TimePart::Year => quote!(Year),
        TimePart::Month => quote!(Month),
        TimePart::MonthName => quote!(MonthName),
        TimePart::Day => quote!(Day),
        TimePart::DaySpace => quote!(DaySpace),
        TimePart::Hour => quote!(Hour),
        TimePart::Minute => quote!(Minute),
        TimePart::Second => quote!(Second),
        TimePart::Fraction(n) => {
            let n = Literal::u8_unsuffixed(*n);
            quote!(Fraction(#n))
        }
    };
    quote!(gw_runtime::spec::TimePart::#body)
}
