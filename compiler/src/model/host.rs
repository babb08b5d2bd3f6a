//! Backend hosts as KrakenD sanitises them (lura `config/uri.go`,
//! research/krakend-semantics.md §a.3).
//!
//! `SafeCleanHost` runs `(https?://)?([a-zA-Z0-9\._\-]+)(:[0-9]{2,6})?/?`
//! with `FindAllStringSubmatch` and accepts the host only when there is
//! exactly one match; the cleaned host is the three groups glued together,
//! `http://` standing in for a missing scheme. [`sanitize_host`] replays
//! that scan (leftmost-first, greedy, non-overlapping, like Go's regexp) and
//! returns every match with its groups, so a rule can say what went wrong.

use std::ops::Range;

use crate::syntax::{Member, Node, NodeKind};

/// The `host` entries of an object as KrakenD decodes them: an array's
/// strings, or a lone string (koanf's weak typing wraps it in a list).
/// gwc's host objects (`{"url": "http://a", "weight": 3}`, see
/// [`super::lb`]) count by their `url` string. `None` when there is no
/// `host` key; an empty list for `[]` and `null`.
pub fn host_entries(object: &Node) -> Option<(&Member, Vec<&Node>)> {
    let member = object.member("host")?;
    let entries = match &member.value.kind {
        NodeKind::Array(items) => items
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::String(_) => Some(n),
                NodeKind::Object(_) => n.get("url").filter(|u| u.as_str().is_some()),
                _ => None,
            })
            .collect(),
        NodeKind::String(_) => vec![&member.value],
        _ => Vec::new(),
    };
    Some((member, entries))
}

/// One match of lura's `hostPattern`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostMatch {
    /// The whole match.
    pub range: Range<usize>,
    /// `http://` or `https://`, when written.
    pub scheme: Option<Range<usize>>,
    /// The host name (`[a-zA-Z0-9._-]+`).
    pub name: Range<usize>,
    /// `:port` (2 to 6 digits), when written.
    pub port: Option<Range<usize>>,
    /// Whether a trailing `/` was matched (and is dropped).
    pub trailing_slash: bool,
}

/// The result of sanitising one host string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sanitized {
    /// Exactly one match: KrakenD accepts the host and uses `cleaned`.
    Valid {
        /// The match.
        found: HostMatch,
        /// What KrakenD uses: scheme (or `http://`), name and port.
        cleaned: String,
    },
    /// Zero or several matches: `host … not valid: invalid host`.
    Invalid {
        /// Every match found, in order (may be empty).
        matches: Vec<HostMatch>,
    },
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// The match of `hostPattern` starting exactly at `at`, if any.
fn match_at(s: &str, at: usize) -> Option<HostMatch> {
    let bytes = s.as_bytes();
    let rest = &s[at..];
    // Greedy optional scheme first; if no name follows it, Go's backtracking
    // retries without the scheme (which then reads `http` as the name).
    let scheme_len = if rest.starts_with("https://") {
        8
    } else if rest.starts_with("http://") {
        7
    } else {
        0
    };
    for scheme in [scheme_len, 0] {
        let name_start = at + scheme;
        let mut i = name_start;
        while i < bytes.len() && is_name_byte(bytes[i]) {
            i += 1;
        }
        if i == name_start {
            if scheme == 0 {
                return None;
            }
            continue;
        }
        let name = name_start..i;
        let mut port = None;
        if i < bytes.len() && bytes[i] == b':' {
            let digits = bytes[i + 1..]
                .iter()
                .take(6)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits >= 2 {
                port = Some(i..i + 1 + digits);
                i += 1 + digits;
            }
        }
        let trailing_slash = i < bytes.len() && bytes[i] == b'/';
        if trailing_slash {
            i += 1;
        }
        return Some(HostMatch {
            range: at..i,
            scheme: (scheme > 0).then_some(at..at + scheme),
            name,
            port,
            trailing_slash,
        });
    }
    None
}

/// Every non-overlapping match, leftmost first (Go's `FindAll`).
pub fn host_matches(s: &str) -> Vec<HostMatch> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < s.len() {
        if !s.is_char_boundary(at) {
            at += 1;
            continue;
        }
        match match_at(s, at) {
            Some(m) => {
                at = m.range.end;
                out.push(m);
            }
            None => at += 1,
        }
    }
    out
}

/// Sanitises `host` as lura's `SafeCleanHost` does.
pub fn sanitize_host(host: &str) -> Sanitized {
    let mut matches = host_matches(host);
    if matches.len() != 1 {
        return Sanitized::Invalid { matches };
    }
    let found = matches.remove(0);
    let part = |r: &Option<Range<usize>>| r.clone().and_then(|r| host.get(r)).unwrap_or_default();
    let scheme = match part(&found.scheme) {
        "" => "http://",
        s => s,
    };
    let cleaned = format!(
        "{scheme}{}{}",
        host.get(found.name.clone()).unwrap_or_default(),
        part(&found.port)
    );
    Sanitized::Valid { found, cleaned }
}

/// The scheme written at the start of `host` (`ws` in `ws://x`), if it has
/// the shape `letter (letter | digit | + | - | .)* ://`.
pub fn written_scheme(host: &str) -> Option<&str> {
    let end = host.find("://")?;
    let scheme = &host[..end];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_like_lura() {
        // (input, Some(cleaned) when valid, number of matches when invalid)
        let cases: &[(&str, Result<&str, usize>)] = &[
            ("http://127.0.0.1:8080", Ok("http://127.0.0.1:8080")),
            ("https://api.github.com", Ok("https://api.github.com")),
            ("https://api.github.com/", Ok("https://api.github.com")),
            ("app1:8080", Ok("http://app1:8080")),
            ("localhost", Ok("http://localhost")),
            ("users_svc.internal", Ok("http://users_svc.internal")),
            ("http://h:123456", Ok("http://h:123456")),
            (" http://h", Ok("http://h")),
            ("http://h:8080 ", Ok("http://h:8080")),
            ("http", Ok("http://http")),
            // invalid
            ("", Err(0)),
            ("http://127.0.0.1:8080http://127.0.0.1:8080", Err(2)),
            ("http://host/base/path", Err(3)),
            ("https://user:pw@host", Err(3)),
            ("http://[::1]:8080", Err(3)),
            ("ws://ws_service:5678", Err(2)),
            ("amqp://guest:guest@host:5672", Err(4)),
            ("kafka://", Ok("http://kafka")),
            ("http://h:1", Err(2)),
            ("http://h:1234567", Err(2)),
            ("http://h?x=1", Err(3)),
            ("http://", Ok("http://http")),
            ("://", Err(0)),
        ];
        for (input, want) in cases {
            match (sanitize_host(input), want) {
                (Sanitized::Valid { cleaned, .. }, Ok(w)) => assert_eq!(cleaned, *w, "{input}"),
                (Sanitized::Invalid { matches }, Err(n)) => {
                    assert_eq!(matches.len(), *n, "{input}: {matches:?}")
                }
                (got, _) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn schemes() {
        assert_eq!(written_scheme("ws://x"), Some("ws"));
        assert_eq!(written_scheme("amqp://u:p@h"), Some("amqp"));
        assert_eq!(written_scheme("x:8080"), None);
        assert_eq!(written_scheme("://x"), None);
    }
}
