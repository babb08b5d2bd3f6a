//! a martian `port.Modifier` without exactly one of its options
//!
//! ## What it does
//! Reports a `port.Modifier` that sets none, or more than one, of `port`
//! (non-zero), `defaultForScheme: true` and `remove: true`.
//!
//! ## Why is this bad?
//! google/martian refuses it when it parses the modifier (`Must specify
//! only one of port, defaultForScheme or remove`), and KrakenD CE runs the
//! backend **without any of its modifiers**, logging the error once at
//! start.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "port.Modifier": { "scope": ["request"], "port": 8080, "remove": true } } }
//! ```
//!
//! ## How to fix it
//! Keep one option: `"port": 8080` to use that port, `"defaultForScheme":
//! true` for 80 or 443, or `"remove": true` to drop the port.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::{Kind, go_int};

/// The rule's code.
pub const CODE: &str = "GW726";

/// Reports each port modifier with zero or several options.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            if md.kind != Some(Kind::PortModifier) {
                continue;
            }
            let port = md
                .field("port")
                .and_then(|p| go_int(p.value.as_number()?.as_f64()))
                .is_some_and(|p| p != 0);
            let flag = |k: &str| md.field(k).and_then(|f| f.value.as_bool()).unwrap_or(false);
            let set: Vec<&str> = [
                ("`port`", port),
                ("`defaultForScheme`", flag("defaultForScheme")),
                ("`remove`", flag("remove")),
            ]
            .into_iter()
            .filter_map(|(n, on)| on.then_some(n))
            .collect();
            if set.len() == 1 {
                continue;
            }
            let message = if set.is_empty() {
                "`port.Modifier` sets none of `port`, `defaultForScheme` and `remove`".to_string()
            } else {
                format!("`port.Modifier` sets {}", set.join(" and "))
            };
            out.push(
                cx.diag(CODE, md.name_span, message)
                    .with_label("KrakenD CE's parser fails: `Must specify only one of port, defaultForScheme or remove`")
                    .with_secondary(m.key_span, "KrakenD CE runs this backend without any of these modifiers")
                    .with_help("keep one option: `\"port\": N`, `\"defaultForScheme\": true` or `\"remove\": true`"),
            );
        }
    }
}
