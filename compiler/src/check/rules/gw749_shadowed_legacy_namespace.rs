//! a namespace written under both its name and its legacy long name: the long one is ignored
//!
//! ## What it does
//! Reports an `extra_config` that holds a namespace under its short name
//! (`router`, `security/cors`, `proxy`…) and under the long legacy name
//! KrakenD CE still reads for it (`github_com/luraproject/lura/router/gin`,
//! `github_com/devopsfaith/krakend-cors`, `github.com/devopsfaith/krakend/proxy`…).
//!
//! ## Why is this bad?
//! KrakenD CE renames each short name to its long one when it starts
//! (`Normalize`), overwriting what the long name held: only the short
//! one's settings are used, and gwc reads the pair the same way. The long
//! one looks configured and does nothing; an edit there changes nothing.
//!
//! ## Example
//! ```json
//! "extra_config": {
//!   "router": { "return_error_msg": true },
//!   "github_com/luraproject/lura/router/gin": { "trusted_proxies": ["10.0.0.0/8"] }
//! }
//! ```
//!
//! ## How to fix it
//! Move the long one's settings into the short one and remove it.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::ExtraConfig;
use crate::model::legacy::{is_ce_alias, short_namespace};

/// The rule's code.
pub const CODE: &str = "GW749";

/// Reports each long name beside its short one, at every level.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let config = cx.config;
    let mut extras: Vec<&ExtraConfig<'_>> = vec![&config.extra];
    for ep in &config.endpoints {
        extras.push(&ep.extra);
        extras.extend(ep.backends.iter().map(|b| &b.extra));
    }
    for extra in extras {
        for (long, span, _) in &extra.namespaces {
            let Some(short) = short_namespace(long).filter(|_| is_ce_alias(long)) else { continue };
            let Some((short_span, _)) = extra.exact(short) else { continue };
            out.push(
                cx.diag(CODE, *span, format!("`{long}` is ignored: `{short}` is set beside it"))
                    .with_label(format!("KrakenD CE renames `{short}` to this name at start, replacing what is here"))
                    .with_secondary(short_span, "this one is used")
                    .with_help(format!("move its settings into `{short}` and remove it")),
            );
        }
    }
}
