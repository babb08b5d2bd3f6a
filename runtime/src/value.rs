//! The runtime's JSON value: what a backend body decodes into, what the
//! manipulations, the merge and every renderer work on.
//!
//! Why not `serde_json::Value`: KrakenD decodes backend JSON with Go's
//! `UseNumber()`, so a number is a `json.Number` (the backend's text) and is
//! written back as it came (`1.10`, `1e2`, `-0`, 30-digit integers, 40-digit
//! decimals); serde_json keeps a `u64`, `i64` or `f64` and writes that back
//! (`1.1`, `100.0`, `-0.0`, a rounded float). serde_json's
//! `arbitrary_precision` feature keeps the text, but it is a workspace-wide
//! switch (the compiler and `jsonschema` would get it too) and costs a heap
//! string per number. Here a [`Number`] is its validated text, inline up to
//! [`Number::INLINE`] bytes (every 64-bit integer, most decimals), on the
//! heap only beyond.
//!
//! The rest mirrors serde_json with `preserve_order`, so behaviour outside
//! numbers is unchanged: an object is an insertion-ordered [`Map`] (a
//! repeated key keeps its first position and takes the last value), strings
//! are unescaped on the way in and escaped as serde_json escapes them on the
//! way out ([`write_json`]), nesting stops at serde_json's limit (127
//! containers), and what [`from_slice`] refuses is what
//! `serde_json::from_slice` refuses, with serde_json's error message. One
//! exception, KrakenD's: a number too large for an `f64` (`1e400`) is kept
//! (Go's decoder only checks the syntax of a `json.Number`), where serde_json
//! refuses the document.
//!
//! Conversions to `serde_json::Value` ([`Value::to_serde`]) exist for the
//! boundaries that need serde_json's type; each caller says why.

use std::fmt;

/// An object: keys in insertion order.
pub type Map = indexmap::IndexMap<String, Value>;

/// A JSON value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as the backend (or the config) wrote it.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map),
}

/// A JSON number kept as its text (Go's `json.Number`). Two numbers are
/// equal when their texts are (`1.0` is not `1`), as two `json.Number`s.
#[derive(Clone, PartialEq, Eq)]
pub struct Number(Text);

/// The text: inline when short, else on the heap.
#[derive(Clone, PartialEq, Eq)]
enum Text {
    /// `len` bytes of `buf` (the rest zero, so derived equality holds).
    Inline {
        len: u8,
        buf: [u8; Number::INLINE],
    },
    Heap(Box<str>),
}

impl Number {
    /// The longest text kept without an allocation: 22 bytes, so a
    /// `Number` is 24 bytes, and every `i64`/`u64` (at most 20 characters)
    /// and `f64` in shortest form but the longest subnormals fits.
    pub const INLINE: usize = 22;

    /// A number from text already checked to be a JSON number.
    fn from_valid(text: &str) -> Number {
        let bytes = text.as_bytes();
        if bytes.len() <= Number::INLINE {
            let mut buf = [0u8; Number::INLINE];
            buf[..bytes.len()].copy_from_slice(bytes);
            // At most INLINE (22) bytes, so the cast keeps the length.
            Number(Text::Inline {
                len: bytes.len() as u8,
                buf,
            })
        } else {
            Number(Text::Heap(text.into()))
        }
    }

    /// A number from its text, `None` when the text is not exactly one
    /// JSON number (no sign `+`, no leading zero, no whitespace).
    pub fn from_text(text: &str) -> Option<Number> {
        (number_end(text.as_bytes(), 0) == Some(text.len())).then(|| Number::from_valid(text))
    }

    /// The number's text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // The text is ASCII (a checked JSON number), so this never
            // falls back.
            Text::Inline { len, buf } => {
                std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or("0")
            }
            Text::Heap(s) => s,
        }
    }

    /// The text's bytes (no UTF-8 check: for writers).
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Text::Inline { len, buf } => &buf[..usize::from(*len)],
            Text::Heap(s) => s.as_bytes(),
        }
    }

    /// The nearest `f64` (`json.Number.Float64`); out of range gives an
    /// infinity.
    pub fn as_f64(&self) -> f64 {
        self.as_str().parse().unwrap_or(0.0)
    }

    /// The value when the text is an integer within `i64`
    /// (`json.Number.Int64`).
    pub fn as_i64(&self) -> Option<i64> {
        self.as_str().parse().ok()
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! number_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Number {
                Number::from_valid(&n.to_string())
            }
        }
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Number(Number::from(n))
            }
        }
    )*};
}
number_from_int!(u16, u32, u64, i32, i64, usize);

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}

impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Value {
        Value::Array(a)
    }
}

/// serde_json's value, its numbers as serde_json writes them (`1.5`,
/// `100.0`): for tests and for data that never came from a backend.
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(Number::from_valid(&n.to_string())),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl Value {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A member of an object (`None` for anything else).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    /// Takes the value out, leaving `null`.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }

    /// serde_json's value of this one. Numbers become what serde_json reads
    /// from their text (a `u64`, `i64` or `f64`: `1.10` becomes `1.1`, a
    /// 30-digit integer a float), and one out of `f64`'s range (`1e400`)
    /// becomes `null`, as serde_json's own `f64` conversion does. Only for
    /// consumers that compute on numbers, never for what the client gets.
    pub fn to_serde(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str::<serde_json::Number>(n.as_str())
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_serde).collect()),
            Value::Object(m) => serde_json::Value::Object(
                m.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect(),
            ),
        }
    }
}

/// Compact JSON, as [`write_json`] writes it.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        write_json(self, &mut out);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

/// Writes a value as compact JSON: numbers as their text, strings escaped
/// as serde_json escapes them (`"`, `\` and control characters only).
pub fn write_json(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.as_bytes()),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(item, out);
            }
            out.push(b']');
        }
        Value::Object(m) => write_map(m, out),
    }
}

/// Writes an object as compact JSON.
pub fn write_map(m: &Map, out: &mut Vec<u8>) {
    out.push(b'{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(k, out);
        out.push(b':');
        write_json(v, out);
    }
    out.push(b'}');
}

/// How serde_json escapes a byte in a string: 0 for not at all, `u` for
/// `\u00XX`, else the letter after the backslash.
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = b'u';
        c += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Writes a JSON string, escaped as serde_json's compact serializer does.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let esc = ESCAPE[usize::from(c)];
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if esc == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 0xf)]);
        } else {
            out.push(b'\\');
            out.push(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// Why a document was refused: serde_json's message for it (`expected value
/// at line 1 column 1`), so logs read as before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// serde_json's depth limit: it refuses the 128th nested container.
pub const MAX_DEPTH: u32 = 127;

/// Parses one JSON document (whitespace around it allowed).
pub fn from_slice(body: &[u8]) -> Result<Value, ParseError> {
    let parsed = std::str::from_utf8(body).ok().and_then(|text| {
        let mut p = Parser::new(text);
        let v = p.value()?;
        p.ws();
        p.at_end().then_some(v)
    });
    parsed.ok_or_else(|| refused(body))
}

/// The message for a refused document: serde_json's, computed again on
/// this (rare) path so the happy path tracks no line numbers.
pub fn refused(body: &[u8]) -> ParseError {
    ParseError(match serde_json::from_slice::<serde_json::Value>(body) {
        Err(e) => e.to_string(),
        // Not reached: what we refuse, serde_json refuses.
        Ok(_) => "invalid JSON".to_owned(),
    })
}

/// Where the number starting at `at` ends, `None` when none starts there.
/// The grammar is RFC 8259's: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
pub fn number_end(b: &[u8], at: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(i)
    };
    let mut i = at + usize::from(b.get(at) == Some(&b'-'));
    i = match b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(i)?,
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        i = digits(i + 1)?;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        i = digits(i)?;
    }
    Some(i)
}

/// The bytes that end the plain part of a string: its closing quote, an
/// escape, or a control character (refused).
const STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A recursive-descent JSON reader over text already known to be UTF-8.
/// Every method returns `None` on invalid input; [`refused`] says why.
/// The lexing methods are shared with the passthrough's transcoder.
pub(crate) struct Parser<'a> {
    text: &'a str,
    at: usize,
    depth: u32,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(text: &'a str) -> Parser<'a> {
        Parser {
            text,
            at: 0,
            depth: 0,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.at == self.text.len()
    }

    /// Skips JSON whitespace (space, tab, LF, CR).
    pub(crate) fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Consumes `c` after whitespace.
    pub(crate) fn punct(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.at += 1)
    }

    /// Enters a container, refusing serde_json's 128th level.
    pub(crate) fn nest(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    pub(crate) fn unnest(&mut self) {
        self.depth -= 1;
    }

    /// `true`, `false` or `null` at the position.
    pub(crate) fn literal(&mut self, word: &str) -> Option<()> {
        let rest = self.text.get(self.at..)?;
        rest.starts_with(word).then(|| self.at += word.len())
    }

    /// The number's text at the position.
    pub(crate) fn number(&mut self) -> Option<&'a str> {
        let end = number_end(self.bytes(), self.at)?;
        // A number is ASCII, so both ends are character boundaries.
        let text = self.text.get(self.at..end)?;
        self.at = end;
        Some(text)
    }

    /// The string at the position (at its `"`), unescaped; borrowed when it
    /// has no escape.
    pub(crate) fn string(&mut self) -> Option<std::borrow::Cow<'a, str>> {
        let start = self.at + 1;
        let rest = self.bytes().get(start..)?;
        let len = rest.iter().position(|&c| STRING_STOP[usize::from(c)])?;
        // Quotes and backslashes are ASCII: character boundaries.
        let plain = self.text.get(start..start + len)?;
        self.at = start + len;
        if rest[len] == b'"' {
            self.at += 1;
            return Some(std::borrow::Cow::Borrowed(plain));
        }
        let mut s = String::with_capacity(len + 16);
        s.push_str(plain);
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(std::borrow::Cow::Owned(s));
                }
                b'\\' => {
                    self.at += 1;
                    self.escape(&mut s)?;
                }
                _ => {
                    let rest = self.bytes().get(self.at..)?;
                    let len = rest.iter().position(|&c| STRING_STOP[usize::from(c)])?;
                    if len == 0 {
                        // A control character.
                        return None;
                    }
                    s.push_str(self.text.get(self.at..self.at + len)?);
                    self.at += len;
                }
            }
        }
    }

    /// One escape after its backslash. Surrogates must come in pairs, as
    /// serde_json wants for a `str`.
    fn escape(&mut self, s: &mut String) -> Option<()> {
        let c = self.peek()?;
        self.at += 1;
        let plain = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let n = self.hex4()?;
                let c = match n {
                    0xD800..=0xDBFF => {
                        if self.bytes().get(self.at..self.at + 2)? != b"\\u" {
                            return None;
                        }
                        self.at += 2;
                        let n2 = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&n2) {
                            return None;
                        }
                        0x1_0000 + ((u32::from(n) - 0xD800) << 10) + (u32::from(n2) - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return None,
                    n => u32::from(n),
                };
                char::from_u32(c)?
            }
            _ => return None,
        };
        s.push(plain);
        Some(())
    }

    fn hex4(&mut self) -> Option<u16> {
        let h = self.bytes().get(self.at..self.at + 4)?;
        let mut n = 0u16;
        for &c in h {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return None,
            };
            n = (n << 4) | u16::from(d);
        }
        self.at += 4;
        Some(n)
    }

    /// A value after optional whitespace.
    pub(crate) fn value(&mut self) -> Option<Value> {
        self.ws();
        Some(match self.peek()? {
            b'{' => Value::Object(self.object()?),
            b'[' => Value::Array(self.array()?),
            b'"' => Value::String(self.string()?.into_owned()),
            b't' => self.literal("true").map(|_| Value::Bool(true))?,
            b'f' => self.literal("false").map(|_| Value::Bool(false))?,
            b'n' => self.literal("null").map(|_| Value::Null)?,
            _ => Value::Number(Number::from_valid(self.number()?)),
        })
    }

    fn array(&mut self) -> Option<Vec<Value>> {
        self.nest()?;
        self.at += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek()? == b']' {
            self.at += 1;
        } else {
            loop {
                items.push(self.value()?);
                self.ws();
                match self.peek()? {
                    b',' => self.at += 1,
                    b']' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.unnest();
        Some(items)
    }

    fn object(&mut self) -> Option<Map> {
        self.nest()?;
        self.at += 1;
        let mut m = Map::new();
        self.ws();
        if self.peek()? == b'}' {
            self.at += 1;
        } else {
            loop {
                self.ws();
                if self.peek()? != b'"' {
                    return None;
                }
                let k = self.string()?.into_owned();
                self.punct(b':')?;
                let v = self.value()?;
                // serde_json's map: a repeated key keeps its first
                // position and takes the last value.
                m.insert(k, v);
                self.ws();
                match self.peek()? {
                    b',' => self.at += 1,
                    b'}' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.unnest();
        Some(m)
    }
}

/// `serde_json::json!` as a [`Value`], for tests (numbers spelled as
/// serde_json writes them).
#[cfg(test)]
macro_rules! json {
    ($($t:tt)+) => {
        $crate::value::Value::from(serde_json::json!($($t)+))
    };
}
#[cfg(test)]
pub(crate) use json;

#[cfg(test)]
mod tests;
