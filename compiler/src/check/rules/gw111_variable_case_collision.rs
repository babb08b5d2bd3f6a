//! two variables of one endpoint that KrakenD stores under the same name
//!
//! ## What it does
//! Reports an endpoint with two variables whose names are equal
//! (`/a/{id}/b/{id}`), or differ only in the case of their first letter
//! (`/a/{id}/{Id}`).
//!
//! ## Why is this bad?
//! KrakenD stores each path parameter under its name with the first letter
//! upper-cased (`{id}` and `{Id}` both become `Id`), in a map: the later
//! value overwrites the earlier one, and every `{id}` and `{Id}` in the
//! backend's `url_pattern` gets that same value.
//!
//! ## Example
//! ```json
//! { "endpoint": "/orgs/{id}/users/{Id}", "backend": [{ "url_pattern": "/orgs/{id}/users/{Id}" }] }
//! ```
//!
//! ## How to fix it
//! Give the variables distinct names (`/orgs/{org}/users/{user}`), and use
//! the same names in the `url_pattern`.

use crate::check::Context;
use crate::check::routes::{self, GinSegment};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW111";

/// Reports each parameter that collides with an earlier one of the same endpoint.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        if path.value.contains(':') {
            // Parameters written with `:` are GW104's business.
            continue;
        }
        let Some(segments) = routes::gin_path(ep, cx.config.disable_rest) else { continue };
        // (stored key, gin name, segment index) of each parameter so far.
        let mut seen: Vec<(String, String, usize)> = Vec::new();
        for (depth, seg) in segments.iter().enumerate() {
            let GinSegment::Param { name, .. } = seg else { continue };
            let key = stored_key(name);
            if let Some((_, earlier, earlier_depth)) = seen.iter().find(|(k, ..)| *k == key) {
                let span_at = |d: usize| routes::segment_at(ep, d).map_or(path.span, |s| path.sub_span(s.range));
                let help = if earlier == name {
                    "give the two variables distinct names".to_string()
                } else {
                    format!("give the two variables names that differ beyond the case of their first letter (KrakenD upper-cases it: `{key}`)")
                };
                out.push(
                    cx.diag(
                        CODE,
                        span_at(depth),
                        if earlier == name {
                            format!("variable `{{{name}}}` appears twice in endpoint `{}`", path.value)
                        } else {
                            format!("`{{{name}}}` and `{{{earlier}}}` in endpoint `{}` are one parameter for KrakenD", path.value)
                        },
                    )
                    .with_label(format!("stored as `{key}`, overwriting the value of `{{{earlier}}}`"))
                    .with_secondary(span_at(*earlier_depth), format!("`{{{earlier}}}` is also stored as `{key}`"))
                    .with_help(help)
                    .with_note(if earlier == name {
                        format!("every `{{{name}}}` in the backends' `url_pattern` receives the value of this later segment")
                    } else {
                        format!(
                            "every `{{{earlier}}}` and `{{{name}}}` in the backends' `url_pattern` receives the value of this later segment"
                        )
                    }),
                );
                continue;
            }
            seen.push((key, name.clone(), depth));
        }
    }
}

/// The key lura stores a gin parameter under: first letter upper-cased.
fn stored_key(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}
