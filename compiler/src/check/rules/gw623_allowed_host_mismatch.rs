//! a `security/http` `allowed_hosts` entry that does not match what it says
//!
//! ## What it does
//! Reports an `allowed_hosts` entry that cannot match the hosts it names:
//! one written with a scheme or a path, or with `*` as a wildcard while
//! `allowed_hosts_are_regex` is off; and, with it on, a pattern with a
//! top-level `|`.
//!
//! ## Why is this bad?
//! KrakenD CE (`unrolled/secure`) compares the request's host (the `Host`
//! header, or the first `host_proxy_headers` header) with each entry:
//! - exactly, ignoring case, when the entries are not patterns. A host
//!   has no scheme or path, and `*` is compared literally, so
//!   `https://api.example.com` or `*.example.com` matches nothing and, if
//!   no other entry matches, every request gets `500 Bad Host`. (The port
//!   is part of the host too: `api.example.com` does not match
//!   `api.example.com:8080`.)
//! - as `^entry$` with `allowed_hosts_are_regex`. The anchors bind
//!   tighter than `|`, so `api\.example\.com|www\.example\.com` is
//!   `^api\.example\.com` or `www\.example\.com$`: it lets
//!   `api.example.com.attacker.net` in.
//!
//! ## Example
//! ```json
//! { "security/http": { "allowed_hosts": ["https://api.example.com", "*.example.com"] } }
//! ```
//!
//! ## How to fix it
//! Write bare hosts (`api.example.com`, with the port when clients send
//! one). For wildcards, turn `allowed_hosts_are_regex` on and write
//! patterns, grouping alternatives: `(api|www)\.example\.com`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::security::HttpSecurity;

/// The rule's code.
pub const CODE: &str = "GW623";

/// Reports each such entry.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(s) = &cx.config.extra.http_security else {
        return;
    };
    let regex = HttpSecurity::on(&s.allowed_hosts_are_regex);
    for host in s.allowed_hosts.iter().flat_map(|l| &l.value) {
        let h = host.value.as_str();
        let d = if regex {
            if !has_top_level_alternation(h) {
                continue;
            }
            cx.diag(
                CODE,
                host.span,
                format!("`allowed_hosts` pattern `{h}` is anchored as `^{h}$`"),
            )
            .with_label("`^` binds only the first alternative and `$` only the last")
            .with_help(format!("group the alternatives: `({h})`"))
        } else if let Some((_, rest)) = h.split_once("://") {
            let bare = rest.split('/').next().unwrap_or(rest);
            cx.diag(
                CODE,
                host.span,
                format!("`allowed_hosts` entry `{h}` never matches a host"),
            )
            .with_label("a host has no scheme")
            .with_help(format!("write the host alone: `{bare}`"))
        } else if let Some((bare, _)) = h.split_once('/') {
            cx.diag(
                CODE,
                host.span,
                format!("`allowed_hosts` entry `{h}` never matches a host"),
            )
            .with_label("a host has no path")
            .with_help(format!("write the host alone: `{bare}`"))
        } else if h.contains('*') {
            cx.diag(
                CODE,
                host.span,
                format!("`allowed_hosts` entry `{h}` is compared exactly"),
            )
            .with_label("`*` is not a wildcard here: it only matches a literal `*`")
            .with_help("set `allowed_hosts_are_regex` and write a pattern (`[a-z0-9-]+\\.example\\.com`), or list each host")
        } else {
            continue;
        };
        out.push(d);
    }
}

/// Whether a Go regexp has a `|` outside any group and character class.
fn has_top_level_alternation(pattern: &str) -> bool {
    let mut depth = 0usize;
    let mut class = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !class => {
                class = true;
                // `[]…]` and `[^]…]` hold a literal `]`.
                chars.next_if_eq(&'^');
                chars.next_if_eq(&']');
            }
            ']' if class => class = false,
            '(' if !class => depth += 1,
            ')' if !class => depth = depth.saturating_sub(1),
            '|' if !class && depth == 0 => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn top_level_alternation_table() {
        let table = [
            ("a|b", true),
            ("(a|b)", false),
            ("(a)|b", true),
            (r"a\|b", false),
            ("[|]", false),
            ("[]|]", false),
            ("[^]|]x", false),
            ("(?:a|b)c", false),
            ("a(b|c)|d", true),
            ("api.example.com", false),
        ];
        for (p, want) in table {
            assert_eq!(super::has_top_level_alternation(p), want, "{p}");
        }
    }
}
