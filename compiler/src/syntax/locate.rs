//! Byte offset → place in the tree: the path of keys and indices that leads
//! to what is at the offset, and whether the offset is on a key, on a value
//! or between the members of a container.
//!
//! Editors ask "what is under the cursor" (hover, go to definition, rename);
//! this answers it for every front end, since all of them produce the same
//! span-exact [`Node`] tree. Offsets are half-open: a token covers
//! `start..end`, so the offset just after a closing quote is outside it.

use std::fmt;

use super::tree::{Member, Node, NodeKind, Span};

/// One step of a path from the root: an object key or an array index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// The member of an object with this key.
    Key(String),
    /// The element of an array at this index.
    Index(usize),
}

impl PathStep {
    /// A key step.
    pub fn key(k: impl Into<String>) -> Self {
        PathStep::Key(k.into())
    }

    /// The key, when this is a key step.
    pub fn as_key(&self) -> Option<&str> {
        match self {
            PathStep::Key(k) => Some(k),
            PathStep::Index(_) => None,
        }
    }
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Key(k) => write!(f, "{k}"),
            PathStep::Index(i) => write!(f, "{i}"),
        }
    }
}

/// Writes a path the way people read it: `endpoints.0.backend.1.host`.
pub fn path_to_string(path: &[PathStep]) -> String {
    path.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// What the offset is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    /// An object key; the path ends with that key.
    Key,
    /// A scalar value, or the brackets of a container; the path leads to it.
    Value,
    /// Inside an object or array but on no member or element (blanks,
    /// commas, colons); the path leads to the container.
    Container,
}

/// The place of an offset in a tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Location<'a> {
    /// The path from the root to the key's value, the value, or the
    /// container (see [`On`]).
    pub path: Vec<PathStep>,
    /// What the offset is on.
    pub on: On,
    /// The node the path leads to.
    pub node: &'a Node,
    /// The member whose key or value the offset is on (`None` for array
    /// elements and containers).
    pub member: Option<&'a Member>,
}

impl Location<'_> {
    /// The span of what is under the offset: the key, or the node.
    pub fn span(&self) -> Span {
        match (self.on, self.member) {
            (On::Key, Some(m)) => m.key_span,
            _ => self.node.span,
        }
    }
}

fn contains(span: Span, offset: usize) -> bool {
    span.start <= offset && offset < span.end
}

/// Where `offset` is in the tree rooted at `root`; `None` when it is
/// outside the root value (blanks or comments around the document).
///
/// With duplicate keys each member is found by its own span, so the offset
/// on the first of two `"timeout"` keys is located on that one.
pub fn locate(root: &Node, offset: usize) -> Option<Location<'_>> {
    if !contains(root.span, offset) {
        return None;
    }
    let mut path = Vec::new();
    let mut node = root;
    let mut member = None;
    // Bounded by the tree depth (itself bounded by the parsers' MAX_DEPTH).
    loop {
        match &node.kind {
            NodeKind::Object(members) => {
                let Some(m) = members
                    .iter()
                    .find(|m| contains(m.key_span, offset) || contains(m.value.span, offset))
                else {
                    let on = if node.span.start == offset || offset + 1 == node.span.end {
                        // On the braces themselves.
                        On::Value
                    } else {
                        On::Container
                    };
                    return Some(Location {
                        path,
                        on,
                        node,
                        member,
                    });
                };
                path.push(PathStep::Key(m.key.clone()));
                if contains(m.key_span, offset) {
                    return Some(Location {
                        path,
                        on: On::Key,
                        node: &m.value,
                        member: Some(m),
                    });
                }
                member = Some(m);
                node = &m.value;
            }
            NodeKind::Array(items) => {
                let Some((i, item)) = items
                    .iter()
                    .enumerate()
                    .find(|(_, n)| contains(n.span, offset))
                else {
                    let on = if node.span.start == offset || offset + 1 == node.span.end {
                        On::Value
                    } else {
                        On::Container
                    };
                    return Some(Location {
                        path,
                        on,
                        node,
                        member,
                    });
                };
                path.push(PathStep::Index(i));
                member = None;
                node = item;
            }
            _ => {
                return Some(Location {
                    path,
                    on: On::Value,
                    node,
                    member,
                });
            }
        }
    }
}

/// The node at `path` (the last member when a key is duplicated).
pub fn node_at<'a>(root: &'a Node, path: &[PathStep]) -> Option<&'a Node> {
    let mut node = root;
    for step in path {
        node = match step {
            PathStep::Key(k) => node.get(k)?,
            PathStep::Index(i) => node.as_array()?.get(*i)?,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{Format, parse};

    fn k(s: &str) -> PathStep {
        PathStep::key(s)
    }

    #[test]
    fn offsets_to_places() {
        let text = r#"{ "version": 3, "endpoints": [ { "endpoint": "/a/{id}", "backend": [ {"url_pattern": "/b"} ] } ], "timeout": "2s", "timeout": "3s" }"#;
        let at = |needle: &str, nth: usize, delta: usize| {
            text.match_indices(needle)
                .nth(nth)
                .map(|(i, _)| i + delta)
                .expect("needle")
        };
        // (offset, path, on, text under the offset)
        let cases: Vec<(usize, Vec<PathStep>, On, &str)> = vec![
            (
                at("\"version\"", 0, 0),
                vec![k("version")],
                On::Key,
                "\"version\"",
            ),
            (
                at("\"version\"", 0, 3),
                vec![k("version")],
                On::Key,
                "\"version\"",
            ),
            (at("3,", 0, 0), vec![k("version")], On::Value, "3"),
            (
                at("\"/a/{id}\"", 0, 4),
                vec![k("endpoints"), PathStep::Index(0), k("endpoint")],
                On::Value,
                "\"/a/{id}\"",
            ),
            (
                at("\"url_pattern\"", 0, 1),
                vec![
                    k("endpoints"),
                    PathStep::Index(0),
                    k("backend"),
                    PathStep::Index(0),
                    k("url_pattern"),
                ],
                On::Key,
                "\"url_pattern\"",
            ),
            // Between the elements of an array, and between members.
            (
                at("[ {", 1, 1),
                vec![k("endpoints"), PathStep::Index(0), k("backend")],
                On::Container,
                "[ {\"url_pattern\": \"/b\"} ]",
            ),
            (at(", \"endpoints\"", 0, 1), vec![], On::Container, text),
            // Each duplicate key is found at its own place.
            (
                at("\"timeout\"", 0, 1),
                vec![k("timeout")],
                On::Key,
                "\"timeout\"",
            ),
            (at("\"3s\"", 0, 0), vec![k("timeout")], On::Value, "\"3s\""),
            (0, vec![], On::Value, text),
        ];
        let parsed = parse(text, Format::Json);
        let root = parsed.root.as_ref().expect("parses");
        for (offset, path, on, under) in cases {
            let loc = locate(root, offset).expect("inside");
            assert_eq!((&loc.path, loc.on), (&path, on), "at {offset}");
            let span = loc.span();
            assert_eq!(&text[span.start..span.end], under, "at {offset}");
        }
        assert_eq!(locate(root, text.len()), None);
        let dup = locate(root, at("\"timeout\"", 0, 1)).expect("inside");
        assert_eq!(dup.node.as_str(), Some("2s"));
    }

    #[test]
    fn yaml_and_toml_trees_locate_the_same_way() {
        let yaml = "version: 3\nendpoints:\n  - endpoint: /a\n    method: GET\n";
        let parsed = parse(yaml, Format::Yaml);
        let root = parsed.root.as_ref().expect("parses");
        let loc = locate(root, yaml.find("GET").expect("GET")).expect("inside");
        assert_eq!(
            loc.path,
            vec![k("endpoints"), PathStep::Index(0), k("method")]
        );
        assert_eq!(loc.on, On::Value);

        let toml = "version = 3\n[[endpoints]]\nendpoint = \"/a\"\n";
        let parsed = parse(toml, Format::Toml);
        let root = parsed.root.as_ref().expect("parses");
        let loc = locate(root, toml.find("endpoint =").expect("key") + 2).expect("inside");
        assert_eq!(
            loc.path,
            vec![k("endpoints"), PathStep::Index(0), k("endpoint")]
        );
        assert_eq!(loc.on, On::Key);
    }

    #[test]
    fn node_at_paths() {
        let text = r#"{"a": [1, {"b": "x"}], "a2": {}}"#;
        let parsed = parse(text, Format::Json);
        let root = parsed.root.as_ref().expect("parses");
        let cases = [
            (vec![k("a"), PathStep::Index(1), k("b")], Some("\"x\"")),
            (vec![k("a"), PathStep::Index(0)], Some("1")),
            (vec![k("a"), PathStep::Index(2)], None),
            (vec![k("a2"), k("b")], None),
            (vec![], Some(text)),
        ];
        for (path, want) in cases {
            let got = node_at(root, &path).map(|n| &text[n.span.start..n.span.end]);
            assert_eq!(got, want, "{}", path_to_string(&path));
        }
    }
}
