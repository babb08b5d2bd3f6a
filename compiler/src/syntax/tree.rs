//! The span-exact document tree every front end produces.
//!
//! JSON, YAML and TOML all lower into this one shape so that the model, the
//! schema check and every rule are written once. Invariants:
//! - every node and every object key carries the byte range it came from;
//! - objects keep members in source order *including duplicates* (the
//!   duplicate-key rule needs both places; lookups take the last one, as Go's
//!   `encoding/json` and koanf do).

use std::fmt;

/// A half-open byte range `start..end` into one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from its two ends.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The length in bytes.
    pub const fn len(self) -> usize {
        self.end - self.start
    }

    /// True for an empty span.
    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Span::new(r.start, r.end)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// One value of the document with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the value is.
    pub kind: NodeKind,
    /// Where the whole value is, quotes and brackets included.
    pub span: Span,
    /// How a string scalar is written, which decides whether offsets inside
    /// the value map 1:1 onto the source (see [`Node::sub_span`]).
    pub style: ScalarStyle,
}

/// How a scalar is written in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ScalarStyle {
    /// Not a string, or a string whose raw text differs from its value
    /// (escapes, folding): no sub-spans.
    #[default]
    Opaque,
    /// The raw text between one leading and one trailing quote is the value.
    Quoted,
    /// The raw text is the value (plain YAML scalars).
    Plain,
}

/// The kinds of value.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `null` (also YAML `~` and empty values).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, with its source text (so `3` and `3.0` stay apart).
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object, members in source order, duplicates kept.
    Object(Vec<Member>),
}

/// A number as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    /// The literal text (`3`, `-1.5e3`).
    pub raw: String,
}

impl Number {
    /// The value as an integer when it is one (`3`, `3.0`, `3e2`).
    pub fn as_i64(&self) -> Option<i64> {
        if let Ok(i) = self.raw.parse::<i64>() {
            return Some(i);
        }
        let f = self.as_f64()?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    }

    /// The value as a float.
    pub fn as_f64(&self) -> Option<f64> {
        self.raw.parse::<f64>().ok().filter(|f| f.is_finite())
    }
}

/// One `"key": value` member of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The key, decoded.
    pub key: String,
    /// Where the key is, quotes included.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

impl Node {
    /// A node from its kind and span.
    pub fn new(kind: NodeKind, span: Span) -> Self {
        Node {
            kind,
            span,
            style: ScalarStyle::Opaque,
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean value, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The number, if this is a number.
    pub fn as_number(&self) -> Option<&Number> {
        match &self.kind {
            NodeKind::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            NodeKind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The member named `key` (the last one when the key is duplicated).
    pub fn member(&self, key: &str) -> Option<&Member> {
        self.as_object()?.iter().rev().find(|m| m.key == key)
    }

    /// The value of the member named `key` (the last one when duplicated).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    /// A short name of the node's type, as the schema and messages say it.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Number(_) => "number",
            NodeKind::String(_) => "string",
            NodeKind::Array(_) => "array",
            NodeKind::Object(_) => "object",
        }
    }

    /// The span of the bytes `range` of this string's *value*, when the value
    /// is written verbatim in the source; the whole node's span otherwise.
    ///
    /// This is what lets a diagnostic point at `{iduser}` inside
    /// `"/user/{iduser}/some"` without re-lexing the string.
    pub fn sub_span(&self, range: std::ops::Range<usize>) -> Span {
        let offset = match self.style {
            ScalarStyle::Quoted => self.span.start + 1,
            ScalarStyle::Plain => self.span.start,
            ScalarStyle::Opaque => return self.span,
        };
        let len = self.as_str().map_or(0, str::len);
        if range.start > range.end || range.end > len {
            return self.span;
        }
        Span::new(offset + range.start, offset + range.end)
    }

    /// The span of the string value without its quotes (for edits that
    /// replace the text); the node span when the value is not verbatim.
    pub fn inner_span(&self) -> Span {
        let len = self.as_str().map_or(0, str::len);
        self.sub_span(0..len)
    }

    /// Converts to a `serde_json::Value` (last duplicate key wins), the
    /// instance the JSON Schema validator checks.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Number(n) => n
                .raw
                .parse::<serde_json::Number>()
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(n.raw.clone())),
            NodeKind::String(s) => Value::String(s.clone()),
            NodeKind::Array(a) => Value::Array(a.iter().map(Node::to_json).collect()),
            NodeKind::Object(m) => {
                let mut map = serde_json::Map::with_capacity(m.len());
                for member in m {
                    map.insert(member.key.clone(), member.value.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// Resolves an RFC 6901 JSON Pointer (`/endpoints/0/backend`) to the node
    /// and, when the last step is an object key, that member.
    pub fn pointer(&self, pointer: &str) -> Option<(&Node, Option<&Member>)> {
        let mut node = self;
        let mut member = None;
        if pointer.is_empty() {
            return Some((node, None));
        }
        for raw in pointer.strip_prefix('/')?.split('/') {
            let step = raw.replace("~1", "/").replace("~0", "~");
            match &node.kind {
                NodeKind::Object(_) => {
                    let m = node.member(&step)?;
                    member = Some(m);
                    node = &m.value;
                }
                NodeKind::Array(a) => {
                    node = a.get(step.parse::<usize>().ok()?)?;
                    member = None;
                }
                _ => return None,
            }
        }
        Some((node, member))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_as_i64() {
        let cases = [
            ("3", Some(3)),
            ("3.0", Some(3)),
            ("3e2", Some(300)),
            ("3.5", None),
            ("x", None),
        ];
        for (raw, want) in cases {
            assert_eq!(Number { raw: raw.into() }.as_i64(), want, "{raw}");
        }
    }
}
