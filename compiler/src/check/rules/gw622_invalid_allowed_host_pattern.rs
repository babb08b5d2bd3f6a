//! a `security/http` `allowed_hosts` pattern that does not compile
//!
//! ## What it does
//! With `allowed_hosts_are_regex`, reports each `allowed_hosts` entry that
//! is not a valid regular expression once anchored as `^entry$`.
//!
//! ## Why is this bad?
//! `unrolled/secure` compiles every entry as `^entry$` when KrakenD CE
//! starts, and panics on the first that fails (`Error parsing
//! AllowedHost`): the gateway does not start. It does so even with
//! `is_development`, which only skips the check. gwc checks the patterns
//! with Rust's `regex`, of the same RE2 family as Go's `regexp`.
//!
//! ## Example
//! ```json
//! { "security/http": { "allowed_hosts": ["(api|www.example.com"], "allowed_hosts_are_regex": true } }
//! ```
//!
//! ## How to fix it
//! Fix the pattern (`(api|www)\.example\.com`). The anchors are added for
//! you; escape a literal dot as `\.`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::security::HttpSecurity;

/// The rule's code.
pub const CODE: &str = "GW622";

/// Compiles every entry as unrolled does.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(s) = &cx.config.extra.http_security else {
        return;
    };
    if !HttpSecurity::on(&s.allowed_hosts_are_regex) {
        return;
    }
    for host in s.allowed_hosts.iter().flat_map(|l| &l.value) {
        let Err(e) = regex::Regex::new(&format!("^{}$", host.value)) else {
            continue;
        };
        out.push(
            cx.diag(
                CODE,
                host.span,
                format!("`allowed_hosts` pattern `{}` does not compile", host.value),
            )
            .with_label(super::gw601_invalid_bot_pattern::first_line(&e))
            .with_help("fix the pattern: KrakenD CE panics at start-up when one does not compile (`Error parsing AllowedHost`)"),
        );
    }
}
