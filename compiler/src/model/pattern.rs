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

/// The variables KrakenD extracts from an `endpoint` after `CleanPath`
/// (which puts a `/` in front of a path that lacks one, so `{id}/x` declares
/// `id`), with ranges into the path as written.
pub fn declared_vars(path: &str, disable_rest: bool) -> Vec<Var<'_>> {
    if path.starts_with('/') {
        return endpoint_vars(path, disable_rest);
    }
    let clean = format!("/{path}");
    endpoint_vars(&clean, disable_rest)
        .into_iter()
        .map(|v| v.range.start - 1..v.range.end - 1)
        .filter_map(|r| {
            Some(Var {
                name: path.get(r.start + 1..r.end - 1)?,
                range: r,
            })
        })
        .collect()
}

/// Every `{…}` group in a string, whatever its name (for rules that report
/// braces KrakenD does *not* treat as variables).
pub fn brace_groups(s: &str) -> Vec<Var<'_>> {
    scan(s, |b| b != b'{' && b != b'}', false)
}

/// How KrakenD CE reads a `url_pattern` variable that is not an endpoint
/// variable (lura `sequentialParamsPattern`,
/// `^(resp[\d]+_.+)?(JWT\.([\w\-\.:/]+))?$`, plus the names around it that
/// users write and CE rejects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputParam<'s> {
    /// `{respN_field}`: filled from backend `N`'s response by the sequential
    /// proxy (`field` may be a dot path).
    Response {
        /// The backend index `N`.
        backend: usize,
        /// The text after `respN_`.
        field: &'s str,
    },
    /// `{respN}` or `{respN_}`: no field, which CE rejects at load.
    WholeResponse {
        /// The backend index `N`.
        backend: usize,
    },
    /// `{JWT.claim}`: filled from the validated token.
    Jwt,
    /// `{input_headers.X}` / `{input_query_strings.x}`: KrakenD Enterprise
    /// dynamic routing, rejected by CE.
    Enterprise {
        /// `input_headers` or `input_query_strings`.
        source: &'s str,
        /// The header or query string name.
        key: &'s str,
    },
    /// Anything else: must be an endpoint variable.
    Plain,
}

/// The enterprise dynamic-routing sources (`{input_headers.X}`…).
pub const ENTERPRISE_SOURCES: [&str; 2] = ["input_headers", "input_query_strings"];

/// Classifies a `url_pattern` variable name as KrakenD CE does.
pub fn output_param(name: &str) -> OutputParam<'_> {
    if let Some(rest) = name.strip_prefix("resp") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            // An index too large for usize cannot name a backend either;
            // saturate so it still reads as "out of range".
            let backend = rest[..digits].parse::<usize>().unwrap_or(usize::MAX);
            match rest[digits..].strip_prefix('_') {
                Some(field) if !field.is_empty() => {
                    return OutputParam::Response { backend, field };
                }
                Some(_) => return OutputParam::WholeResponse { backend },
                None if digits == rest.len() => return OutputParam::WholeResponse { backend },
                None => {}
            }
        }
    }
    if let Some(claim) = name.strip_prefix("JWT.")
        && !claim.is_empty()
        && claim.bytes().all(is_simple_name_byte)
    {
        return OutputParam::Jwt;
    }
    for source in ENTERPRISE_SOURCES {
        if let Some(key) = name.strip_prefix(source).and_then(|r| r.strip_prefix('.')) {
            return OutputParam::Enterprise { source, key };
        }
    }
    OutputParam::Plain
}

/// The path as KrakenD logs it in load errors (lura `CleanPath` then
/// `GetEndpointPath`): one leading `/` ensured, the query cut off in REST
/// mode, and each variable `{x}` written `:x`.
pub fn gin_path(path: &str, disable_rest: bool) -> String {
    let clean = format!("/{}", path.strip_prefix('/').unwrap_or(path));
    let vars: Vec<String> = endpoint_vars(&clean, disable_rest)
        .iter()
        .map(|v| v.name.to_string())
        .collect();
    let mut out = match clean.find('?') {
        Some(q) if !disable_rest => clean[..q].to_string(),
        _ => clean,
    };
    for v in vars {
        out = out.replace(&format!("{{{v}}}"), &format!(":{v}"));
    }
    out
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
        assert_eq!(
            declared_vars("{id}/x/{y}", false),
            vec![
                Var {
                    name: "id",
                    range: 0..4
                },
                Var {
                    name: "y",
                    range: 7..10
                }
            ]
        );
        assert_eq!(names(declared_vars("/{id}", false)), vec!["id"]);
    }

    #[test]
    fn output_params() {
        use OutputParam::*;
        let cases = [
            (
                "resp0_id",
                Response {
                    backend: 0,
                    field: "id",
                },
            ),
            (
                "resp12_a.b",
                Response {
                    backend: 12,
                    field: "a.b",
                },
            ),
            ("resp0", WholeResponse { backend: 0 }),
            ("resp3_", WholeResponse { backend: 3 }),
            ("resp", Plain),
            ("respx_a", Plain),
            ("Resp0_a", Plain),
            ("JWT.sub", Jwt),
            ("JWT.", Plain),
            ("jwt.sub", Plain),
            (
                "input_headers.X-Route",
                Enterprise {
                    source: "input_headers",
                    key: "X-Route",
                },
            ),
            (
                "input_query_strings.page",
                Enterprise {
                    source: "input_query_strings",
                    key: "page",
                },
            ),
            ("input_headers", Plain),
            ("id", Plain),
        ];
        for (name, want) in cases {
            assert_eq!(output_param(name), want, "{name}");
        }
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

    #[test]
    fn gin_paths() {
        let cases = [
            ("/user/{id}", false, "/user/:id"),
            ("user/{id}/x?q={id}", false, "/user/:id/x"),
            ("/file.{ext}", false, "/file.{ext}"),
            ("/file.{ext}", true, "/file.:ext"),
        ];
        for (path, disable_rest, want) in cases {
            assert_eq!(gin_path(path, disable_rest), want, "{path}");
        }
    }
}
