//! a `sequential_propagated_params` entry that no backend ever receives
//!
//! ## What it does
//! Reports entries of the endpoint's `extra_config.proxy.
//! sequential_propagated_params` (`"resp0_user"`, `"resp1"`) that KrakenD
//! never sets: the backend they name does not exist or is the last one
//! (values only flow to the backends after it), or the whole list when the
//! endpoint does not run sequentially.
//!
//! ## Why is this bad?
//! The sequential proxy sets `RespN_field` before calling each backend that
//! comes after backend `N`, and nowhere else. Entries it cannot place are
//! skipped without a word, so whatever reads them (a body generator, a Lua
//! script, a `url_pattern`) gets nothing.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/order/{id}",
//!   "extra_config": { "proxy": { "sequential": true, "sequential_propagated_params": ["resp2_user"] } },
//!   "backend": [{ "url_pattern": "/orders/{id}" }, { "url_pattern": "/users/{resp0_user_id}" }]
//! }
//! ```
//!
//! ## How to fix it
//! Name a backend that runs before another one (`resp0_…` above), or
//! remove the entry. Set `"sequential": true` when the list should be used.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW207";

/// Reports dead entries (or the dead list).
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(proxy) = &ep.extra.proxy else { continue };
        let Some(params) = &proxy.sequential_propagated_params else { continue };
        if params.value.is_empty() {
            continue;
        }
        let regular = ep.regular_backends().count();
        if !ep.is_sequential() || regular < 2 {
            let why = if ep.is_sequential() && regular == 0 {
                "the endpoint has no regular backend (all are shadow)"
            } else if ep.is_sequential() {
                "the endpoint calls a single backend, so no backend runs after another"
            } else {
                "the endpoint does not run its backends sequentially"
            };
            let help = if ep.is_sequential() {
                "add the backends that should receive the values, or remove the list"
            } else {
                "set `\"sequential\": true` in the same `proxy` object, or remove the list"
            };
            let mut d = cx
                .diag(CODE, params.key_span, "`sequential_propagated_params` has no effect")
                .with_label(why)
                .with_help(help);
            if let Some(seq) = &proxy.sequential
                && !seq.value
            {
                d = d.with_secondary(seq.span, "`sequential` is off here");
            }
            out.push(d);
            continue;
        }
        for entry in &params.value {
            let Some(n) = propagated_index(&entry.value) else { continue };
            let (message, label) = if n >= regular {
                (
                    format!("`{}` names backend {n}, but this endpoint has {regular} backends", entry.value),
                    format!("there is no backend {n}"),
                )
            } else if n + 1 == regular {
                (
                    format!("`{}` names the last backend, so no backend ever receives it", entry.value),
                    format!("values flow only to backends after backend {n}"),
                )
            } else {
                continue;
            };
            let help = if regular == 2 {
                "only `resp0…` reaches a later backend here; use it or remove the entry".to_string()
            } else {
                format!("name a backend from `resp0` to `resp{}`, or remove the entry", regular - 2)
            };
            out.push(cx.diag(CODE, entry.span, message).with_label(label).with_help(help));
        }
    }
}

/// The backend index KrakenD reads from an entry: the first
/// `[Rr]esp(\d+)` anywhere in it (lura `rePropagatedParams`, unanchored).
fn propagated_index(entry: &str) -> Option<usize> {
    let bytes = entry.as_bytes();
    let mut i = 0;
    while let Some(at) = entry[i..].find("esp").map(|p| p + i) {
        let before = at.checked_sub(1).and_then(|b| bytes.get(b));
        if matches!(before, Some(b'r' | b'R')) {
            let digits = entry[at + 3..].bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 {
                return Some(entry[at + 3..at + 3 + digits].parse().unwrap_or(usize::MAX));
            }
        }
        i = at + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::propagated_index;

    #[test]
    fn indices() {
        let cases =
            [("resp0_user", Some(0)), ("Resp12", Some(12)), ("x_resp3_a", Some(3)), ("resp_x", None), ("esp1", None)];
        for (entry, want) in cases {
            assert_eq!(propagated_index(entry), want, "{entry}");
        }
    }
}
