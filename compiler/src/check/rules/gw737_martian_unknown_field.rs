//! a field a martian modifier does not have
//!
//! ## What it does
//! Reports each key of a martian modifier's object that is not one of its
//! fields (nor `scope`): a typo (`"vaule"`), a field of another modifier,
//! or an `else` on the filters that have none in KrakenD CE's martian
//! (`header.RegexFilter`, `port.Filter`). Field names match ignoring case,
//! as Go's decoder does; comment keys (`@comment`, `_note`…) are fine.
//!
//! ## Why is this bad?
//! Go's `encoding/json` ignores the key, and the field it was meant for
//! keeps its zero value: a `header.Modifier` with `"vaule"` sets the header
//! to the empty string, an ignored `else` never runs.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "header.Modifier": { "scope": ["request"], "name": "X-Tenant", "vaule": "acme" } } }
//! ```
//!
//! ## How to fix it
//! Spell the field as the modifier has it (`gwc explain GW721` lists the
//! modifiers; the schema's hover shows their fields).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW737";

/// Reports each key a modifier ignores.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            let Some(kind) = md.kind else { continue };
            for member in md.unknown_fields() {
                let names = kind.fields().iter().map(|(f, _)| *f).chain(["scope"]);
                let help = match did_you_mean(&member.key, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "`{}` has {}",
                        md.name,
                        kind.fields()
                            .iter()
                            .map(|(f, _)| format!("`{f}`"))
                            .chain(["`scope`".to_string()])
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                out.push(
                    cx.diag(CODE, member.key_span, format!("`{}` has no field `{}`", md.name, member.key))
                        .with_label("KrakenD CE ignores it")
                        .with_help(help),
                );
            }
        }
    }
}
