//! a `modifier/martian` object that does not hold exactly one modifier
//!
//! ## What it does
//! Reports each place of a backend's `modifier/martian` tree that should
//! hold one modifier object (`{"header.Modifier": {…}}`) and holds
//! something else: a second key beside the modifier's name (a comment such
//! as `@comment` included), no key at all (`{}`, `null`), a value that is
//! not an object, or nothing (a filter without `modifier`, a
//! `priority.Group` entry without one). The places are the namespace's
//! value, a filter's `modifier` and `else`, and the entries of a group's
//! `modifiers`.
//!
//! ## Why is this bad?
//! KrakenD CE parses the tree with google/martian's `parse.FromJSON`, which
//! decodes each such object into a map and fails unless it has exactly one
//! key (`parse: expected one modifier, received 2`). CE then logs the error
//! once at start and runs the backend **without any of its modifiers**:
//! requests still succeed, silently unmodified. A comment key is harmless
//! *inside* a modifier's own object, where unknown fields are ignored.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "@comment": "auth for the legacy API", "header.Modifier": { "scope": ["request"], "name": "Authorization", "value": "Basic a3Jha2VuZDpwYXNz" } } }
//! ```
//!
//! ## How to fix it
//! Keep one modifier per object: move comments inside the modifier's own
//! object (`"header.Modifier": {"@comment": "…", …}`), and wrap several
//! modifiers in a `fifo.Group`. Give every filter its `modifier`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::{Content, Place};

/// The rule's code.
pub const CODE: &str = "GW720";

/// Reports each slot that CE's parser cannot read as one modifier.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for slot in m.slots() {
            let place = slot.describe();
            let d = match &slot.content {
                Content::One(_) => continue,
                Content::Missing => {
                    let what = match slot.place {
                        Place::Priority(i) => format!("entry #{i} of `priority.Group.modifiers` has no `modifier`"),
                        _ => format!("`{}` has no `modifier`", slot.owner.unwrap_or("the filter")),
                    };
                    cx.diag(CODE, slot.span, what)
                        .with_label("KrakenD CE's parser fails here: `unexpected end of JSON input`")
                        .with_help("add the modifier to run, e.g. `\"modifier\": {\"header.Modifier\": {\"name\": \"X-A\", \"value\": \"1\"}}`")
                }
                Content::NotObject(node) => cx
                    .diag(CODE, node.span, format!("{place} is {}, not a modifier object", article(node.type_name())))
                    .with_label("KrakenD CE's parser needs an object with one modifier name")
                    .with_help("write one modifier as `{\"header.Modifier\": {…}}`"),
                Content::Keys(keys) if keys.is_empty() => cx
                    .diag(CODE, slot.span, format!("{place} holds no modifier"))
                    .with_label("KrakenD CE's parser fails: `expected one modifier, received 0`")
                    .with_help("write one modifier as `{\"header.Modifier\": {…}}`, or remove the empty object"),
                Content::Keys(keys) => {
                    let names = keys.iter().map(|k| format!("`{}`", k.key)).collect::<Vec<_>>().join(", ");
                    let comment = keys.iter().find(|k| k.key.starts_with(['@', '$', '_', '#']));
                    let primary = comment.copied().unwrap_or(keys[1]);
                    let mut d = cx
                        .diag(CODE, primary.key_span, format!("{place} holds {} keys ({names}), not one modifier", keys.len()))
                        .with_label(format!("KrakenD CE's parser fails: `expected one modifier, received {}`", keys.len()));
                    for k in keys.iter().filter(|k| k.key_span != primary.key_span) {
                        d = d.with_secondary(k.key_span, "another key of the same object");
                    }
                    d.with_help(match comment {
                        Some(c) => format!("move `{}` inside the modifier's own object, where KrakenD ignores it", c.key),
                        None => "wrap the modifiers in `{\"fifo.Group\": {\"modifiers\": [{…}, {…}]}}`".to_string(),
                    })
                }
            };
            out.push(
                d.with_secondary(m.key_span, "KrakenD CE runs this backend without any of these modifiers"),
            );
        }
    }
}

fn article(type_name: &str) -> String {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}
