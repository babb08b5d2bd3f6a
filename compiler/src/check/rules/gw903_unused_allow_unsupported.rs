//! an `allow_unsupported` entry that matches nothing gwc would ignore
//!
//! ## What it does
//! When building, reports an entry of the root's
//! `extra_config."gwc/build".allow_unsupported` list that accepts nothing:
//! no namespace or setting of that name is in the config, or gwc supports
//! it now.
//!
//! ## Why is this bad?
//! It is dead config at best. At worst it is a typo
//! (`telemetry/loging`): the setting it meant is still refused, and the
//! list no longer says what the gateway runs without.
//!
//! ## Example
//! ```json
//! { "extra_config": { "gwc/build": { "allow_unsupported": ["telemetry/loging"] },
//!                     "telemetry/logging": { "level": "INFO" } } }
//! ```
//!
//! ## How to fix it
//! Correct the name (the message suggests the closest one), or remove the
//! entry.

use crate::check::{Context, edits};
use crate::check::suggest::did_you_mean;
use crate::check::unsupported;
use crate::diag::{Diagnostic, Fix};

/// The rule's code.
pub const CODE: &str = "GW903";

/// Reports each config entry no finding answers to.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let findings = unsupported::findings(cx);
    let names: Vec<&str> = findings
        .iter()
        .flat_map(|f| [Some(f.name.as_str()), f.alias].into_iter().flatten())
        .collect();
    for entry in unsupported::accepted(cx) {
        let Some(node) = entry.node else { continue };
        if findings.iter().any(|f| f.accepted_by(&entry.name)) {
            continue;
        }
        let mut d = cx
            .diag(
                CODE,
                node.span,
                format!("`{}` in `allow_unsupported` matches nothing gwc would ignore", entry.name),
            )
            .with_label("no such namespace or setting in this config, or gwc supports it");
        match did_you_mean(&entry.name, names.iter().copied()) {
            Some(best) => {
                d = d.with_help(format!("did you mean `{best}`?"));
                d.fixes.push(Fix {
                    title: format!("replace with `{best}`"),
                    edits: vec![edits::replace_string(node, best)],
                });
            }
            None => d = d.with_help("remove the entry"),
        }
        out.push(d);
    }
}
