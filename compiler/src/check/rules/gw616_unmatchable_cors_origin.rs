//! a `security/cors` `allow_origins` entry that no browser's `Origin` can match
//!
//! ## What it does
//! Reports an entry of the root `security/cors` `allow_origins` that can
//! never equal or match the `Origin` header a browser sends (a scheme, a
//! host and an optional port, nothing more): an entry with a path or a
//! trailing `/` (`https://app.example.com/`), without a scheme
//! (`app.example.com`), with a blank, or with a second `*`.
//!
//! ## Why is this bad?
//! KrakenD CE (rs/cors) compares the lower-cased `Origin` with each entry
//! exactly, or, for an entry with a `*`, checks the text before and after
//! the FIRST `*` (a later `*` is a literal character). An entry no origin
//! can match allows nobody: the browser blocks every call from the site
//! the author meant to allow, with nothing in the gateway's logs.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "security/cors": { "allow_origins": ["https://app.example.com/", "app.example.com", "https://*.*.example.com"] } } }
//! ```
//!
//! ## How to fix it
//! Write origins as browsers send them: `https://app.example.com`,
//! `http://localhost:3000`; one `*` for a family of hosts
//! (`https://*.example.com`).

use crate::check::{Context, edits};
use crate::diag::Diagnostic;
use crate::model::security::Cors;

/// The rule's code.
pub const CODE: &str = "GW616";

/// Reports each entry that can never match.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(cors) = &cx.config.extra.cors else { return };
    let origins = Cors::items(&cors.allow_origins);
    // With `*` in the list every origin is allowed: the others do nothing.
    if origins.iter().any(|o| o.value == "*") {
        return;
    }
    for o in origins {
        let text = o.value.as_str();
        let (why, fixed): (String, Option<String>) = if text.contains(char::is_whitespace) {
            ("an `Origin` holds no blanks".into(), Some(text.split_whitespace().collect()))
        } else if text.matches('*').count() > 1 {
            ("only the first `*` is a wildcard: the next one matches a literal `*`, which no origin holds".into(), None)
        } else if text == "null" {
            // The opaque origin of sandboxed frames and files: matchable.
            continue;
        } else if let Some((scheme, rest)) = text.split_once("://") {
            let Some(slash) = rest.find('/') else { continue };
            let host = &rest[..slash];
            if scheme.is_empty() || host.is_empty() {
                ("an `Origin` is `scheme://host[:port]`".into(), None)
            } else {
                ("an `Origin` never has a path or a trailing `/`".into(), Some(format!("{scheme}://{host}")))
            }
        } else if text.starts_with('*') {
            // `*.example.com` matches any scheme: fine.
            continue;
        } else {
            ("an `Origin` starts with its scheme (`https://`)".into(), Some(format!("https://{text}")))
        };
        let mut d = cx
            .diag(CODE, o.span, format!("`allow_origins` entry `{text}` never matches a browser's `Origin`"))
            .with_label(why);
        d = match fixed {
            Some(f) => d
                .with_help(format!("write `\"{f}\"`"))
                .with_fix(format!("write `\"{f}\"`"), o.span, edits::json_string(&f)),
            None => d.with_help("write the origin as browsers send it, e.g. `https://app.example.com`, with at most one `*`"),
        };
        out.push(d.with_note("browsers send `Origin: scheme://host[:port]`, and KrakenD CE compares it with each entry exactly (one `*` aside)"));
    }
}
