//! JSON in, JSON out, without a tree: the fast path of an endpoint that only
//! decodes backend objects and renders them again (`encoding: json` →
//! `output_encoding: json`, no manipulation but `group`; which endpoints
//! qualify is `state::json_passthrough`, and `proxy::assemble` puts grouped
//! bodies together).
//!
//! The slow path is [`super::decode`] (a `serde_json::Value` tree, an
//! insertion-ordered `Map` per object) then [`super::json_map`]. This module
//! drives the same `serde_json` parser with a visitor that writes each
//! token to the output as it arrives, with the same formatter, so for every
//! body it accepts the bytes are exactly the slow path's:
//!
//! - the parser calls the visitor with the values the tree would have held
//!   (`u64`, `i64` or `f64` numbers; strings unescaped), and each is written
//!   back with `serde_json`'s own serializer (the same number formatting
//!   and escaping) — `-0` becomes `-0.0` and `1E2` becomes `100.0` either way;
//! - keys keep their order, as the `preserve_order` map does;
//! - whitespace goes, as it does in the compact renderer.
//!
//! What it cannot reproduce it refuses, and the caller takes the slow path
//! (so errors and their messages stay the slow path's): a body that is not
//! one JSON object, any parse error, and an object with a duplicate key
//! (the map keeps the first key's position and the last value).
//!
//! Before that parser, a cheaper scan ([`minify`]) takes the common case:
//! a body already in the renderer's form but for whitespace — strings
//! without escapes, integers of at most 18 digits other than `-0`, no
//! duplicate keys — is copied without its whitespace. Anything else it
//! leaves to the parser.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};

/// A backend object rendered for the client.
#[derive(Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The body, byte for byte what `json_map(decode(body))` gives.
    pub body: Bytes,
    /// Whether the object has no member (`X-KrakenD-Completed: false`).
    pub empty: bool,
}

/// Re-renders a backend body that is one JSON object, or `None` when the
/// slow path must handle it (see the module docs).
pub fn object(body: &Bytes) -> Option<Rendered> {
    minify(body).or_else(|| transcode(body))
}

/// The bytes that end a plain string: its closing quote, or what [`minify`]
/// leaves to the parser (an escape, a control character).
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

/// The deepest nesting [`minify`] follows (the parser's limit is 128).
const MINIFY_DEPTH: u32 = 64;

/// The scan of [`minify`]: the body (valid UTF-8), the position, whether
/// whitespace was seen, and the keys of the objects being read (as in
/// [`State`]). It only validates; the copy is made at the end.
struct Scan<'a> {
    text: &'a str,
    at: usize,
    spaced: bool,
    keys: Vec<&'a str>,
    depth: u32,
}

/// Takes a body that is already rendered but for whitespace (see the
/// module docs) as it is, or a copy without its whitespace; `None` for
/// anything else, invalid JSON included.
pub fn minify(body: &Bytes) -> Option<Rendered> {
    let mut s = Scan {
        text: std::str::from_utf8(body).ok()?,
        at: 0,
        spaced: false,
        // Room for the keys of a typical object and its nested ones, so
        // the list is allocated once.
        keys: Vec::with_capacity(16),
        depth: 0,
    };
    s.ws();
    if s.peek()? != b'{' {
        return None;
    }
    let members = s.object()?;
    s.ws();
    if s.at != body.len() {
        return None;
    }
    let body = if s.spaced {
        Bytes::from(without_whitespace(body))
    } else {
        body.clone()
    };
    Some(Rendered {
        body,
        empty: members == 0,
    })
}

/// The body without its whitespace outside strings. Only for bodies the
/// scan accepted: their strings have no escapes, so every `"` opens or
/// closes one.
fn without_whitespace(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut in_string = false;
    for &c in body {
        match c {
            b'"' => in_string = !in_string,
            b' ' | b'\t' | b'\n' | b'\r' if !in_string => continue,
            _ => {}
        }
        out.push(c);
    }
    out
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Skips JSON whitespace (space, tab, LF, CR).
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
            self.spaced = true;
        }
    }

    /// Consumes `c` (after whitespace).
    fn punct(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.at += 1)
    }

    fn value(&mut self) -> Option<()> {
        match self.peek()? {
            b'{' => self.object().map(|_| ()),
            b'[' => self.array(),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.integer(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let rest = self.text.get(self.at..)?;
        rest.starts_with(word).then(|| self.at += word.len())
    }

    /// An integer the renderer writes back unchanged: at most 18 digits (so
    /// it fits `i64` and `u64`), no leading zero, not `-0`. A fraction or
    /// an exponent is refused (the renderer reformats floats).
    fn integer(&mut self) -> Option<()> {
        let b = self.text.as_bytes();
        let start = self.at;
        let neg = b.get(start) == Some(&b'-');
        let digits = start + usize::from(neg);
        let mut end = digits;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        let n = end - digits;
        let first = *b.get(digits)?;
        let plain = (1..=18).contains(&n)
            && (first != b'0' || (n == 1 && !neg))
            && !matches!(b.get(end), Some(b'.' | b'e' | b'E'));
        if !plain {
            return None;
        }
        self.at = end;
        Some(())
    }

    /// A string without escapes or control characters; returns its text.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at + 1;
        let rest = self.text.as_bytes().get(start..)?;
        // One table lookup a byte: strings are most of a body's bytes.
        let len = rest.iter().position(|&c| STRING_STOP[usize::from(c)])?;
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        // Quotes are ASCII, so both ends are character boundaries.
        let text = self.text.get(start..start + len)?;
        self.at = start + len + 1;
        Some(text)
    }

    fn nest(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MINIFY_DEPTH).then_some(())
    }

    fn array(&mut self) -> Option<()> {
        self.nest()?;
        self.punct(b'[')?;
        self.ws();
        if self.peek()? != b']' {
            loop {
                self.value()?;
                self.ws();
                if self.peek()? != b',' {
                    break;
                }
                self.punct(b',')?;
                self.ws();
            }
        }
        self.punct(b']')?;
        self.depth -= 1;
        Some(())
    }

    /// An object; returns its member count.
    fn object(&mut self) -> Option<usize> {
        self.nest()?;
        self.punct(b'{')?;
        let start = self.keys.len();
        self.ws();
        if self.peek()? != b'}' {
            loop {
                if self.peek()? != b'"' {
                    return None;
                }
                let key = self.string()?;
                self.keys.push(key);
                self.punct(b':')?;
                self.ws();
                self.value()?;
                self.ws();
                if self.peek()? != b',' {
                    break;
                }
                self.punct(b',')?;
                self.ws();
            }
        }
        self.punct(b'}')?;
        let members = self.keys.len() - start;
        if has_duplicate(&mut self.keys[start..]) {
            return None;
        }
        self.keys.truncate(start);
        self.depth -= 1;
        Some(members)
    }
}

/// Re-renders a JSON object body by streaming the parser into the
/// serializer, or `None` (see the module docs).
pub fn transcode(body: &[u8]) -> Option<Rendered> {
    let mut st = State {
        out: Vec::with_capacity(body.len()),
        keys: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let members = de.deserialize_any(Top(&mut st)).ok()?;
    de.end().ok()?;
    Some(Rendered {
        body: Bytes::from(st.out),
        empty: members == 0,
    })
}

/// The output and the keys of the objects being written (a stack: each
/// object's keys from its start index), for the duplicate check.
struct State<'de> {
    out: Vec<u8>,
    keys: Vec<Cow<'de, str>>,
}

impl State<'_> {
    /// Writes a scalar or a string with `serde_json`'s serializer.
    fn scalar<T: serde::Serialize + ?Sized, E: de::Error>(&mut self, v: &T) -> Result<(), E> {
        serde_json::to_writer(&mut self.out, v).map_err(E::custom)
    }
}

/// Objects with at most this many keys are checked for duplicates pairwise;
/// larger ones are sorted.
const PAIRWISE_MAX: usize = 16;

/// Whether a key slice has a duplicate (the slice may be reordered).
fn has_duplicate<K: Ord>(keys: &mut [K]) -> bool {
    if keys.len() <= PAIRWISE_MAX {
        keys.iter()
            .enumerate()
            .any(|(i, k)| keys[i + 1..].iter().any(|o| o == k))
    } else {
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }
}

/// Writes the members of an object; returns how many there were.
fn write_object<'de, A: MapAccess<'de>>(
    st: &mut State<'de>,
    mut map: A,
) -> Result<usize, A::Error> {
    st.out.push(b'{');
    let start = st.keys.len();
    while let Some(key) = map.next_key_seed(KeySeed)? {
        if st.keys.len() > start {
            st.out.push(b',');
        }
        st.scalar::<str, A::Error>(&key)?;
        st.out.push(b':');
        st.keys.push(key);
        map.next_value_seed(ValueSeed { st, comma: false })?;
    }
    let members = st.keys.len() - start;
    let dup = has_duplicate(&mut st.keys[start..]);
    st.keys.truncate(start);
    if dup {
        return Err(de::Error::custom("duplicate key"));
    }
    st.out.push(b'}');
    Ok(members)
}

/// The document: one object, nothing else.
struct Top<'s, 'de>(&'s mut State<'de>);

impl<'de> Visitor<'de> for Top<'_, 'de> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<usize, A::Error> {
        write_object(self.0, map)
    }
}

/// Any value, written where it stands (after a `,` when `comma`).
struct ValueSeed<'s, 'de> {
    st: &'s mut State<'de>,
    comma: bool,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.comma {
            self.st.out.push(b',');
        }
        d.deserialize_any(ValueVisitor(self.st))
    }
}

struct ValueVisitor<'s, 'de>(&'s mut State<'de>);

impl<'de> Visitor<'de> for ValueVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.scalar(&v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.0.scalar(&v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.0.scalar(&v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // The tree keeps only finite floats (`Number::from_f64`) and turns
        // the rest into `null`; the parser never yields one, but match it.
        if v.is_finite() {
            self.0.scalar(&v)
        } else {
            self.visit_unit()
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.scalar(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.out.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let st = self.0;
        st.out.push(b'[');
        let mut comma = false;
        while seq
            .next_element_seed(ValueSeed {
                st: &mut *st,
                comma,
            })?
            .is_some()
        {
            comma = true;
        }
        st.out.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        write_object(self.0, map).map(|_| ())
    }
}

/// An object key, borrowed from the body unless it had escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{decode, json_map};
    use crate::spec::Encoding;

    /// A body as the proxy has it.
    fn b(body: impl AsRef<[u8]>) -> Bytes {
        Bytes::copy_from_slice(body.as_ref())
    }

    /// The slow path: what the endpoint renders today, with its emptiness.
    fn slow(body: &[u8]) -> Option<Rendered> {
        decode(Encoding::Json, false, body).ok().map(|m| Rendered {
            body: json_map(&m),
            empty: m.is_empty(),
        })
    }

    #[test]
    fn passthrough_table() {
        // (body, what the fast path renders; None = it refuses)
        let table: &[(&str, Option<&str>)] = &[
            (r#"{"a":1}"#, Some(r#"{"a":1}"#)),
            ("{}", Some("{}")),
            (" { } ", Some("{}")),
            (
                "{ \"z\" : 1 ,\n\t\"a\" : [ 1 , 2 , { } , [ ] ] }",
                Some(r#"{"z":1,"a":[1,2,{},[]]}"#),
            ),
            (
                r#"{"n":[1.0,-0,0,-0.0,1e2,1E-2,12.50,-7,18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809,1.7976931348623157e308,5e-324,0.1]}"#,
                Some(
                    r#"{"n":[1.0,-0.0,0,-0.0,100.0,0.01,12.5,-7,18446744073709551615,1.8446744073709552e+19,-9223372036854775808,-9.223372036854776e+18,1.7976931348623157e+308,5e-324,0.1]}"#,
                ),
            ),
            (
                r#"{"s":"\u00e9\/\"\\\b\f\n\r\t\u0001\u001f\ud83d\ude00é😀\u2028"}"#,
                Some("{\"s\":\"é/\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f😀é😀\u{2028}\"}"),
            ),
            (
                r#"{"k\u0061":true,"b":null,"f":false}"#,
                Some(r#"{"ka":true,"b":null,"f":false}"#),
            ),
            // Refused: the slow path decides (an error, or the map's rules).
            (r#"{"a":1,"a":2}"#, None),
            (r#"{"a":1,"\u0061":2}"#, None),
            (r#"{"o":{"x":1,"y":2,"x":3}}"#, None),
            ("[1,2]", None),
            ("3", None),
            ("\"s\"", None),
            ("null", None),
            ("", None),
            ("{", None),
            (r#"{"a":1}x"#, None),
            (r#"{"a":1e400}"#, None),
            (r#"{"a":-1e400}"#, None),
            (r#"{"a":"\ud800"}"#, None),
            (r#"{"a":01}"#, None),
            (r#"{"a":1,}"#, None),
            ("{\"a\":\"\u{1}\"}", None),
            (r#"{'a':1}"#, None),
        ];
        for (body, want) in table {
            let got = object(&b(body));
            assert_eq!(
                got.as_ref()
                    .map(|r| std::str::from_utf8(&r.body).unwrap_or("<utf8>")),
                *want,
                "{body}"
            );
            if let Some(got) = got {
                assert_eq!(Some(got), slow(body.as_bytes()), "{body}");
            }
        }
    }

    #[test]
    fn minify_table() {
        // (body, what the scan copies; None = it leaves it to the parser)
        let table: &[(&str, Option<&str>)] = &[
            (
                " {\n \"id\" : 42 , \"s\":\"é 😀 /\", \"l\":[ true,false ,null, [], {} ], \"o\":{\"k\":-7} } \r\n",
                Some(r#"{"id":42,"s":"é 😀 /","l":[true,false,null,[],{}],"o":{"k":-7}}"#),
            ),
            ("{}", Some("{}")),
            (
                r#"{"n":0,"m":-1,"big":999999999999999999}"#,
                Some(r#"{"n":0,"m":-1,"big":999999999999999999}"#),
            ),
            (r#"{"":""}"#, Some(r#"{"":""}"#)),
            // Left to the parser: the renderer would change these.
            (r#"{"n":-0}"#, None),
            (r#"{"n":1.0}"#, None),
            (r#"{"n":1e2}"#, None),
            (r#"{"n":1000000000000000000}"#, None),
            (r#"{"s":"a\nb"}"#, None),
            (r#"{"s":"\u00e9"}"#, None),
            (r#"{"a":1,"a":1}"#, None),
            // Invalid: the parser fails and the slow path reports it.
            (r#"{"n":01}"#, None),
            (r#"{"n":-}"#, None),
            (r#"{"n":1x}"#, None),
            (r#"{"n":tru}"#, None),
            (r#"{"n":truex}"#, None),
            (r#"{"a":1,}"#, None),
            ("[1,]", None),
            (r#"{"l":[1,]}"#, None),
            (r#"{"l":[1 2]}"#, None),
            (r#"{"a" 1}"#, None),
            (r#"{a:1}"#, None),
            (r#"{"a":1}}"#, None),
            (r#"{"a":1"#, None),
            (r#"{"a":"x"#, None),
            ("{\"a\":\"\u{1}\"}", None),
            ("{\"a\":1}\u{c}", None),
            ("", None),
            ("[]", None),
        ];
        for (body, want) in table {
            let got = minify(&b(body));
            assert_eq!(
                got.as_ref()
                    .map(|r| std::str::from_utf8(&r.body).unwrap_or("<utf8>")),
                *want,
                "{body}"
            );
            if let Some(got) = got {
                assert_eq!(Some(got), slow(body.as_bytes()), "{body}");
            }
        }
        // Nesting past its depth goes to the parser, which takes it.
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(80), "]".repeat(80));
        assert_eq!(minify(&b(&deep)), None);
        assert!(transcode(deep.as_bytes()).is_some());
        assert_eq!(object(&b(&deep)), slow(deep.as_bytes()));
    }

    #[test]
    fn refuses_invalid_utf8_and_deep_nesting_like_the_parser() {
        assert_eq!(object(&b(b"{\"a\":\"\xff\"}")), None);
        assert_eq!(minify(&b(b"{\"a\":\"\xff\"}")), None);
        assert!(slow(b"{\"a\":\"\xff\"}").is_none());
        // serde_json's recursion limit is 128 levels: the same on both paths.
        for depth in [100, 127, 128, 129, 500] {
            let body = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
            assert_eq!(object(&b(&body)), slow(body.as_bytes()), "depth {depth}");
        }
    }

    #[test]
    fn a_compact_body_is_taken_without_a_copy() {
        let compact = b(r#"{"id":42,"tags":["a","b"],"o":{"x":null}}"#);
        let got = minify(&compact).map(|r| r.body);
        assert_eq!(got.as_deref(), Some(&compact[..]));
        assert_eq!(got.map(|g| g.as_ptr()), Some(compact.as_ptr()));
        // With whitespace it is a new buffer without it.
        let spaced = b(r#"{ "id": 42 }"#);
        let got = minify(&spaced).map(|r| r.body);
        assert_eq!(got.as_deref(), Some(&br#"{"id":42}"#[..]));
    }

    #[test]
    fn duplicates_in_large_objects_are_found() {
        let mut body = String::from("{");
        for i in 0..40 {
            body.push_str(&format!("\"k{i}\":{i},"));
        }
        body.push_str("\"k7\":0}");
        assert_eq!(object(&b(&body)), None);
        let ok = body.replace("\"k7\":0", "\"k40\":0");
        assert_eq!(object(&b(&ok)), slow(ok.as_bytes()));
        assert!(object(&b(&ok)).is_some());
    }

    /// A random JSON-ish document: mostly valid, sometimes with duplicate
    /// keys, odd numbers, escapes, whitespace; `mutate` breaks some.
    struct Gen {
        rng: fastrand::Rng,
        dup: bool,
        /// Only what the minify scan takes (it may still add duplicates).
        plain: bool,
    }

    impl Gen {
        fn ws(&mut self, s: &mut String) {
            for _ in 0..self.rng.usize(0..3) {
                s.push(*self.rng.choice(&[' ', '\n', '\t', '\r']).unwrap_or(&' '));
            }
        }

        fn string(&mut self, s: &mut String) {
            const PIECES: &[&str] = &[
                "a",
                "b",
                "key",
                "é",
                "😀",
                "\\u00e9",
                "\\ud83d\\ude00",
                "\\n",
                "\\\"",
                "\\\\",
                "\\/",
                "\\t",
                "\\u0000",
                "\\u001F",
                "\\b",
                "\\f",
                "\\r",
                " ",
                "<",
                "&",
                "\u{7f}",
                "\u{2028}",
                "日本",
                "\\u2603",
                "\\uD800",
                "\\uDFFF",
            ];
            s.push('"');
            for _ in 0..self.rng.usize(0..5) {
                let piece = self.rng.choice(PIECES).unwrap_or(&"a");
                if !(self.plain && piece.contains('\\')) {
                    s.push_str(piece);
                }
            }
            s.push('"');
        }

        fn number(&mut self, s: &mut String) {
            const NUMBERS: &[&str] = &[
                "0",
                "-0",
                "1",
                "-1",
                "1.0",
                "-0.0",
                "1.5",
                "12.50",
                "1e2",
                "1E+2",
                "1e-2",
                "1e400",
                "-1e400",
                "1e-400",
                "2.5e-310",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775808",
                "-9223372036854775809",
                "123456789012345678901234567890",
                "0.1",
                "3.141592653589793238462643",
                "9007199254740993",
                "-12",
                "1.7976931348623157e308",
                "4.9e-324",
            ];
            if self.plain {
                s.push_str(
                    self.rng
                        .choice(["0", "7", "-12", "123456789012345678"])
                        .unwrap_or("0"),
                );
            } else {
                s.push_str(self.rng.choice(NUMBERS).unwrap_or(&"0"));
            }
        }

        fn key(&mut self, s: &mut String, used: &mut Vec<String>) {
            let mut k = String::new();
            if !used.is_empty() && self.rng.u8(..) < 8 {
                // A repeat, possibly written differently (`a` vs `\u0061`).
                let i = self.rng.usize(..used.len());
                k = used[i].clone();
                self.dup = true;
            } else {
                // Distinct per object, escapes included (`\u0062` is `b`).
                let n = used.len();
                k.push('"');
                let names = if self.plain {
                    &["k", "é", "x y"][..]
                } else {
                    &["k", "\\u006b", "é", "\\u00e9", "x\\ty"][..]
                };
                k.push_str(self.rng.choice(names).unwrap_or(&"k"));
                k.push_str(&n.to_string());
                k.push('"');
            }
            s.push_str(&k);
            used.push(k);
        }

        fn value(&mut self, s: &mut String, depth: usize) {
            let pick = if depth > 6 {
                self.rng.u8(0..6)
            } else {
                self.rng.u8(0..9)
            };
            match pick {
                0 => s.push_str("null"),
                1 => s.push_str("true"),
                2 => s.push_str("false"),
                3 | 4 => self.number(s),
                5 => self.string(s),
                6 => {
                    s.push('[');
                    for i in 0..self.rng.usize(0..4) {
                        if i > 0 {
                            s.push(',');
                        }
                        self.ws(s);
                        self.value(s, depth + 1);
                        self.ws(s);
                    }
                    s.push(']');
                }
                _ => self.object(s, depth + 1),
            }
        }

        fn object(&mut self, s: &mut String, depth: usize) {
            s.push('{');
            let mut used = Vec::new();
            let n = if self.rng.u8(..) < 6 {
                20
            } else {
                self.rng.usize(0..5)
            };
            for i in 0..n {
                if i > 0 {
                    s.push(',');
                }
                self.ws(s);
                self.key(s, &mut used);
                self.ws(s);
                s.push(':');
                self.ws(s);
                self.value(s, depth);
            }
            self.ws(s);
            s.push('}');
        }

        fn mutate(&mut self, doc: String) -> Vec<u8> {
            let mut b = doc.into_bytes();
            if b.is_empty() {
                return b;
            }
            match self.rng.u8(0..4) {
                0 => b.truncate(self.rng.usize(..b.len())),
                1 => {
                    let i = self.rng.usize(..b.len());
                    b[i] = *self.rng.choice(b"{}[],:\"\\0-e.x \xff").unwrap_or(&b'x');
                }
                2 => b.push(b'}'),
                _ => b.insert(0, b'['),
            }
            b
        }
    }

    #[test]
    fn randomized_equivalence_with_the_slow_path() {
        let mut g = Gen {
            rng: fastrand::Rng::with_seed(0x6777_6300),
            dup: false,
            plain: false,
        };
        let (mut fast_hits, mut minified, mut valid) = (0, 0, 0);
        for i in 0..20_000 {
            g.dup = false;
            g.plain = i % 3 == 0;
            let mut doc = String::new();
            g.ws(&mut doc);
            if i % 10 == 0 {
                g.value(&mut doc, 0);
            } else {
                g.object(&mut doc, 0);
            }
            g.ws(&mut doc);
            let body = if i % 4 == 3 {
                g.mutate(doc)
            } else {
                doc.into_bytes()
            };
            let text = String::from_utf8_lossy(&body);
            let (min, fast, slow) = (minify(&b(&body)), transcode(&body), slow(&body));
            if let Some(m) = &min {
                minified += 1;
                assert_eq!(Some(m), slow.as_ref(), "minify: {text}");
            }
            if let Some(f) = &fast {
                fast_hits += 1;
                assert_eq!(Some(f), slow.as_ref(), "transcode: {text}");
            }
            assert_eq!(
                object(&b(&body)).as_ref(),
                min.as_ref().or(fast.as_ref()),
                "{text}"
            );
            if slow.is_some() {
                valid += 1;
                if !g.dup && i % 4 != 3 {
                    // A valid object without repeated keys is always taken,
                    // and a plain one by the scan.
                    assert!(fast.is_some(), "transcode: {text}");
                    assert!(!g.plain || min.is_some(), "minify: {text}");
                }
            }
        }
        // The generator reaches every path often.
        assert!(
            valid > 2_000 && fast_hits > 1_000 && minified > 500,
            "{valid} valid, {fast_hits} transcoded, {minified} minified"
        );
    }
}
