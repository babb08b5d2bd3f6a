//! a martian modifier name KrakenD CE does not know
//!
//! ## What it does
//! Reports each modifier whose name is not one KrakenD CE registers:
//! a typo or a wrong case (`header.modifier`), or a google/martian modifier
//! CE does not compile in (`skip.RoundTrip`, `log.Logger`,
//! `method.Verifier`, `pingback.Verifier`, `failure.Verifier`).
//!
//! CE knows `header.Modifier`, `header.Append`, `header.Blacklist`,
//! `header.Copy`, `header.Filter`, `header.RegexFilter`,
//! `header.Verifier`, `header.Id`, `querystring.Modifier`,
//! `querystring.Filter`, `querystring.Verifier`, `url.Modifier`,
//! `url.Filter`, `url.RegexFilter`, `url.Verifier`, `body.Modifier`,
//! `cookie.Modifier`, `cookie.Filter`, `port.Modifier`, `port.Filter`,
//! `stash.Modifier`, `status.Modifier`, `status.Verifier`, `fifo.Group`,
//! `priority.Group` and `static.Modifier` (krakend-components §7.2).
//!
//! ## Why is this bad?
//! Names are looked up exactly in the parser's registry; an unknown one
//! fails the parse (`parse: unknown modifier: header.modifier`), and KrakenD
//! CE runs the backend **without any of its modifiers**, logging the error
//! once at start.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "header.modifier": { "scope": ["request"], "name": "X-Tenant", "value": "acme" } } }
//! ```
//!
//! ## How to fix it
//! Spell the name as CE registers it (`header.Modifier`); for a modifier CE
//! lacks, use one it has (a `status.Modifier` in place of
//! `skip.RoundTrip`'s canned answers, `static.Modifier` to serve files).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::{Kind, NOT_IN_CE};

/// The rule's code.
pub const CODE: &str = "GW721";

/// Reports each unknown modifier name.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            if md.kind.is_some() {
                continue;
            }
            let known = Kind::ALL.iter().map(|k| k.name());
            let (label, help) = if NOT_IN_CE.contains(&md.name) {
                (
                    "a google/martian modifier that KrakenD CE does not compile in".to_string(),
                    "use one of the modifiers CE registers (`gwc explain GW721` lists them)".to_string(),
                )
            } else if let Some(s) = did_you_mean(md.name, known) {
                (
                    "KrakenD CE's parser fails: `unknown modifier`".to_string(),
                    format!("did you mean `{s}`? Names are case-sensitive"),
                )
            } else {
                (
                    "KrakenD CE's parser fails: `unknown modifier`".to_string(),
                    "use one of the modifiers CE registers (`gwc explain GW721` lists them)".to_string(),
                )
            };
            out.push(
                cx.diag(CODE, md.name_span, format!("unknown martian modifier `{}`", md.name))
                    .with_label(label)
                    .with_secondary(m.key_span, "KrakenD CE runs this backend without any of these modifiers")
                    .with_help(help),
            );
        }
    }
}
