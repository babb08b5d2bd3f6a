//! a `shadow_timeout` that KrakenD ignores
//!
//! ## What it does
//! Checks `shadow_timeout` in a backend's `extra_config.proxy` and reports
//! it when it is not a string, not a valid Go duration, or sits on a
//! backend without `"shadow": true`.
//!
//! ## Why is this bad?
//! Lura reads `shadow_timeout` only as a string, only for shadow backends,
//! and drops it when `time.ParseDuration` fails
//! (`proxy/shadow.go` `isShadowBackend`). The shadow request then runs
//! with the endpoint timeout instead, without a word.
//!
//! ## Example
//! ```json
//! { "url_pattern": "/v2/users", "extra_config": { "proxy": { "shadow": true, "shadow_timeout": 500 } } }
//! ```
//!
//! ## How to fix it
//! Write a duration string (`"500ms"`) and set `"shadow": true`, or remove
//! `shadow_timeout`.

use crate::check::{Context, durations, edits};
use crate::diag::{Diagnostic, Fix};
use crate::model::duration::parse_go_duration;
use crate::syntax::{Node, NodeKind};

/// The rule's code.
pub const CODE: &str = "GW408";

/// `proxy` and its legacy alias.
const NAMESPACES: [&str; 2] = ["proxy", "github.com/devopsfaith/krakend/proxy"];

/// Reports each ignored `shadow_timeout`.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        for b in &ep.backends {
            for ns in NAMESPACES {
                let Some((_, proxy)) = b.extra.exact(ns) else { continue };
                let Some(member) = proxy.member("shadow_timeout") else { continue };
                report(cx, out, proxy, &member.value);
            }
        }
    }
}

fn report(cx: &Context<'_>, out: &mut Vec<Diagnostic>, proxy: &Node, value: &Node) {
    let shadow = proxy.member("shadow");
    if shadow.and_then(|m| m.value.as_bool()) != Some(true) {
        let mut d = cx
            .diag(CODE, value.span, "`shadow_timeout` on a backend that is not a shadow backend")
            .with_label("ignored: only shadow backends read it")
            .with_help("set `\"shadow\": true` if this backend should get a copy of the traffic, or remove `shadow_timeout`");
        if let Some(m) = shadow {
            d = d.with_secondary(m.value.span, "not `true`");
        }
        out.push(d);
        return;
    }
    match &value.kind {
        NodeKind::String(text) => {
            let Err(err) = parse_go_duration(text) else { return };
            let mut d = cx
                .diag(CODE, value.span, format!("invalid duration `{text}` in `shadow_timeout`"))
                .with_label(format!("ignored: not a Go duration ({})", err.describe()))
                .with_note("KrakenD drops an invalid `shadow_timeout` and gives the shadow request the endpoint timeout");
            match durations::suggest(text) {
                Some(fixed) => {
                    d = d.with_help(format!("write `\"{fixed}\"`"));
                    d.fixes.push(Fix { title: format!("write `\"{fixed}\"`"), edits: vec![edits::replace_string(value, &fixed)] });
                }
                None => d = d.with_help("write a number and a unit (`ns`, `us`, `ms`, `s`, `m`, `h`), e.g. `\"500ms\"`"),
            }
            out.push(d);
        }
        NodeKind::Number(n) => {
            let mut d = cx
                .diag(CODE, value.span, format!("`shadow_timeout` is a bare number: KrakenD ignores `{}`", n.raw))
                .with_label("ignored: only a string is read")
                .with_note("the shadow request gets the endpoint timeout instead");
            if !n.raw.bytes().all(|b| b.is_ascii_digit()) {
                out.push(d.with_help("write a duration string, e.g. `\"500ms\"`"));
                return;
            }
            d = d.with_help(format!("write a duration string: `\"{0}ms\"` for milliseconds, `\"{0}s\"` for seconds", n.raw));
            for unit in ["ms", "s"] {
                let text = format!("{}{unit}", n.raw);
                d.fixes.push(Fix { title: format!("write `\"{text}\"`"), edits: vec![edits::replace_with_string(value, &text)] });
            }
            out.push(d);
        }
        _ => {}
    }
}
