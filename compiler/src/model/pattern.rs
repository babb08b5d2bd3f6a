//! Paths and `{variables}`: how KrakenD reads `endpoint` and `url_pattern`.
//!
//! Regexes from lura `config/uri.go` / `config.go`, re-implemented as small
//! scanners (research/krakend-semantics.md §a.4):
//! - endpoint, REST mode: `/\{([a-zA-Z\-_0-9]+)\}`: a variable counts only
//!   right after a `/`;
//! - endpoint with `disable_rest`, and every `url_pattern`:
//!   `\{([\w\-\.:/]+)\}`: anywhere, names may hold `.`, `:` and `/`.

use std::ops::Range;

/// A `{name}` in a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var<'s> {
    /// The name between the braces.
    pub name: &'s str,
    /// Byte range of `{name}` (braces included) in the path string.
    pub range: Range<usize>,
}

impl Var<'_> {
    /// Byte range of the name alone.
    pub fn name_range(&self) -> Range<usize> {
        self.range.start + 1..self.range.end - 1
    }
}

fn is_simple_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'/')
}

fn is_rest_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')
}

/// Every `{name}` whose name matches `is_name`, leftmost first, as Go's
/// `FindAllStringSubmatch` finds them (no overlaps).
fn scan<'s>(s: &'s str, is_name: fn(u8) -> bool, after_slash: bool) -> Vec<Var<'s>> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' && (!after_slash || (i > 0 && bytes[i - 1] == b'/')) {
            let mut j = i + 1;
            while j < bytes.len() && is_name(bytes[j]) {
                j += 1;
            }
            if j > i + 1 && j < bytes.len() && bytes[j] == b'}' {
                out.push(Var {
                    name: &s[i + 1..j],
                    range: i..j + 1,
                });
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The variables of a `url_pattern` (anywhere, wide names).
pub fn url_pattern_vars(s: &str) -> Vec<Var<'_>> {
    scan(s, is_simple_name_byte, false)
}

/// The variables KrakenD extracts from an `endpoint`.
pub fn endpoint_vars(s: &str, disable_rest: bool) -> Vec<Var<'_>> {
    if disable_rest {
        scan(s, is_simple_name_byte, false)
    } else {
        scan(s, is_rest_name_byte, true)
    }
}

/// Every `{…}` group in a string, whatever its name (for rules that report
/// braces KrakenD does *not* treat as variables).
pub fn brace_groups(s: &str) -> Vec<Var<'_>> {
    scan(s, |b| b != b'{' && b != b'}', false)
}

/// One `/`-separated segment of a route path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment<'s> {
    /// The segment text.
    pub text: &'s str,
    /// Byte range in the path string.
    pub range: Range<usize>,
}

impl Segment<'_> {
    /// `Some(name)` when the whole segment is one `{name}`.
    pub fn param(&self) -> Option<&str> {
        let inner = self.text.strip_prefix('{')?.strip_suffix('}')?;
        (!inner.is_empty() && !inner.contains(['{', '}'])).then_some(inner)
    }

    /// The name gin gives this segment when it holds a parameter: the text
    /// from the first `{` on, braces removed (`{id}.json` → `id.json`).
    pub fn gin_param(&self) -> Option<String> {
        let at = self.text.find('{')?;
        Some(self.text[at..].replace(['{', '}'], ""))
    }
}

/// The segments of a path as gin registers it: `//` collapsed (gin joins
/// group paths with `path.Join`), the leading `/` dropped. An empty last
/// segment marks a trailing slash.
pub fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = path.as_bytes();
    for i in 0..=bytes.len() {
        if i == bytes.len() || bytes[i] == b'/' {
            if i > start || (i == bytes.len() && i > 0 && bytes[i - 1] == b'/') {
                out.push(Segment {
                    text: &path[start..i],
                    range: start..i,
                });
            }
            start = i + 1;
        }
    }
    out
}

/// The path with `//` runs collapsed, as gin registers it.
pub fn collapse_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: Vec<Var<'_>>) -> Vec<&str> {
        v.into_iter().map(|v| v.name).collect()
    }

    #[test]
    fn variable_extraction() {
        let cases: [(&str, bool, Vec<&str>); 6] = [
            ("/user/{id}/x", false, vec!["id"]),
            ("/v1/{id}.json", false, vec!["id"]),
            ("/v1/file.{ext}", false, vec![]),
            ("/v1/file.{ext}", true, vec!["ext"]),
            ("/a/{x.y}", false, vec![]),
            ("/a/{x.y}", true, vec!["x.y"]),
        ];
        for (path, disable_rest, want) in cases {
            assert_eq!(names(endpoint_vars(path, disable_rest)), want, "{path}");
        }
        assert_eq!(
            names(url_pattern_vars("/u/{resp0_a.b}?q={JWT.sub}&x={}")),
            vec!["resp0_a.b", "JWT.sub"]
        );
    }

    #[test]
    fn segments_collapse_and_keep_trailing_slash() {
        let texts = |p: &str| {
            segments(p)
                .into_iter()
                .map(|s| s.text.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(texts("/a//b/"), vec!["a", "b", ""]);
        assert_eq!(texts("/"), vec![""]);
        assert_eq!(texts("/a/{id}"), vec!["a", "{id}"]);
        assert_eq!(collapse_slashes("//a///b"), "/a/b");
    }
}
