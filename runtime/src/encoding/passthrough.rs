//! JSON in, JSON out, without a tree: the fast path of an endpoint that only
//! decodes backend objects and renders them again (`encoding: json` →
//! `output_encoding: json`, no manipulation but `group`; which endpoints
//! qualify is `state::json_passthrough`, and `proxy::assemble` puts grouped
//! bodies together).
//!
//! The slow path is [`super::decode`] (a [`crate::value::Value`] tree, an
//! insertion-ordered map per object) then [`super::json_map`]. This module
//! reads with the same lexer ([`crate::value`]'s parser) and writes each
//! token to the output as it arrives, with the same writer, so for every
//! body it accepts the bytes are exactly the slow path's:
//!
//! - numbers are copied as the backend wrote them (`1.10`, `-0`, `1E+2`,
//!   30-digit integers), as KrakenD's `json.Number` is;
//! - strings are unescaped and escaped again as the tree's renderer does
//!   (`\u00e9` becomes `é`, `\/` becomes `/`);
//! - keys keep their order, as the map does;
//! - whitespace goes, as it does in the compact renderer.
//!
//! What it cannot reproduce it refuses, and the caller takes the slow path
//! (so errors and their messages stay the slow path's): a body that is not
//! one JSON object, any parse error, and an object with a duplicate key
//! (the map keeps the first key's position and the last value).
//!
//! Before that, a cheaper scan ([`minify`]) takes the common case: a body
//! already in the renderer's form but for whitespace — strings without
//! escapes, no duplicate keys — is copied without its whitespace. Anything
//! else it leaves to the transcoder.

use std::borrow::Cow;

use bytes::Bytes;

use crate::value::{Parser, number_end, write_str};

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
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let rest = self.text.get(self.at..)?;
        rest.starts_with(word).then(|| self.at += word.len())
    }

    /// A number: the renderer writes its text back unchanged.
    fn number(&mut self) -> Option<()> {
        self.at = number_end(self.text.as_bytes(), self.at)?;
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
/// writer, or `None` (see the module docs).
pub fn transcode(body: &[u8]) -> Option<Rendered> {
    let mut p = Parser::new(std::str::from_utf8(body).ok()?);
    let mut st = State {
        out: Vec::with_capacity(body.len()),
        keys: Vec::new(),
    };
    p.ws();
    if p.peek()? != b'{' {
        return None;
    }
    let members = write_object(&mut p, &mut st)?;
    p.ws();
    if !p.at_end() {
        return None;
    }
    Some(Rendered {
        body: Bytes::from(st.out),
        empty: members == 0,
    })
}

/// The output and the keys of the objects being written (a stack: each
/// object's keys from its start index), for the duplicate check.
struct State<'a> {
    out: Vec<u8>,
    keys: Vec<Cow<'a, str>>,
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

/// Writes any value at the position (after whitespace).
fn write_value<'a>(p: &mut Parser<'a>, st: &mut State<'a>) -> Option<()> {
    p.ws();
    match p.peek()? {
        b'{' => write_object(p, st).map(|_| ()),
        b'[' => write_array(p, st),
        b'"' => {
            let s = p.string()?;
            write_str(&s, &mut st.out);
            Some(())
        }
        b't' => p
            .literal("true")
            .map(|()| st.out.extend_from_slice(b"true")),
        b'f' => p
            .literal("false")
            .map(|()| st.out.extend_from_slice(b"false")),
        b'n' => p
            .literal("null")
            .map(|()| st.out.extend_from_slice(b"null")),
        _ => p.number().map(|n| st.out.extend_from_slice(n.as_bytes())),
    }
}

fn write_array<'a>(p: &mut Parser<'a>, st: &mut State<'a>) -> Option<()> {
    p.nest()?;
    p.punct(b'[')?;
    st.out.push(b'[');
    p.ws();
    if p.peek()? == b']' {
        p.punct(b']')?;
    } else {
        loop {
            write_value(p, st)?;
            p.ws();
            match p.peek()? {
                b',' => {
                    p.punct(b',')?;
                    st.out.push(b',');
                }
                b']' => {
                    p.punct(b']')?;
                    break;
                }
                _ => return None,
            }
        }
    }
    st.out.push(b']');
    p.unnest();
    Some(())
}

/// Writes an object; returns how many members it had.
fn write_object<'a>(p: &mut Parser<'a>, st: &mut State<'a>) -> Option<usize> {
    p.nest()?;
    p.punct(b'{')?;
    st.out.push(b'{');
    let start = st.keys.len();
    p.ws();
    if p.peek()? == b'}' {
        p.punct(b'}')?;
    } else {
        loop {
            p.ws();
            if p.peek()? != b'"' {
                return None;
            }
            let key = p.string()?;
            write_str(&key, &mut st.out);
            st.keys.push(key);
            p.punct(b':')?;
            st.out.push(b':');
            write_value(p, st)?;
            p.ws();
            match p.peek()? {
                b',' => {
                    p.punct(b',')?;
                    st.out.push(b',');
                }
                b'}' => {
                    p.punct(b'}')?;
                    break;
                }
                _ => return None,
            }
        }
    }
    let members = st.keys.len() - start;
    if has_duplicate(&mut st.keys[start..]) {
        return None;
    }
    st.keys.truncate(start);
    st.out.push(b'}');
    p.unnest();
    Some(members)
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
                // Every number as the backend wrote it (json.Number).
                Some(
                    r#"{"n":[1.0,-0,0,-0.0,1e2,1E-2,12.50,-7,18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809,1.7976931348623157e308,5e-324,0.1]}"#,
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
            // Out of f64's range: kept, as Go's json.Number (serde_json
            // would refuse the body).
            (r#"{"a":1e400}"#, Some(r#"{"a":1e400}"#)),
            (r#"{"a":-1e400}"#, Some(r#"{"a":-1e400}"#)),
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
            // Numbers are copied, whatever their spelling.
            (
                r#"{"n":[-0, 1.0,1e2 ,1E+2,-1.5e-3,123456789012345678901234567890]}"#,
                Some(r#"{"n":[-0,1.0,1e2,1E+2,-1.5e-3,123456789012345678901234567890]}"#),
            ),
            // Left to the parser: the renderer would change these.
            (r#"{"s":"a\nb"}"#, None),
            (r#"{"s":"\u00e9"}"#, None),
            (r#"{"a":1,"a":1}"#, None),
            // Invalid: the parser fails and the slow path reports it.
            (r#"{"n":01}"#, None),
            (r#"{"n":-}"#, None),
            (r#"{"n":1.}"#, None),
            (r#"{"n":.5}"#, None),
            (r#"{"n":+1}"#, None),
            (r#"{"n":NaN}"#, None),
            (r#"{"n":1e}"#, None),
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
        /// The numbers written, in document order.
        numbers: Vec<String>,
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

        /// A number: one of a fixed list of edge cases, or a random text
        /// (sign, integer part beyond 64 bits, fractions with trailing
        /// zeros, long decimals, exponents `e`/`E` with `+`/`-`). Each is
        /// recorded, to check that its text reaches the output.
        fn number(&mut self, s: &mut String) {
            const NUMBERS: &[&str] = &[
                "0",
                "-0",
                "1",
                "-1",
                "1.0",
                "-0.0",
                "0.0",
                "1.10",
                "12.50",
                "1e2",
                "1E+2",
                "1e-2",
                "-1.5e-3",
                "1e400",
                "-1e400",
                "1e-400",
                "2.5e-310",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775808",
                "-9223372036854775809",
                "123456789012345678901234567890",
                "0.1000000000000000055511151231257827",
                "3.141592653589793238462643",
                "9007199254740993",
                "1.7976931348623157e308",
                "4.9e-324",
            ];
            let start = s.len();
            if self.rng.bool() {
                s.push_str(self.rng.choice(NUMBERS).unwrap_or(&"0"));
            } else {
                let digits = |rng: &mut fastrand::Rng, s: &mut String, n: usize| {
                    for _ in 0..n {
                        s.push(char::from(b'0' + rng.u8(0..10)));
                    }
                };
                if self.rng.bool() {
                    s.push('-');
                }
                if self.rng.u8(0..4) == 0 {
                    s.push('0');
                } else {
                    s.push(char::from(b'1' + self.rng.u8(0..9)));
                    let n = *self.rng.choice(&[0, 1, 5, 17, 19, 25, 40]).unwrap_or(&0);
                    digits(&mut self.rng, s, n);
                }
                if self.rng.bool() {
                    s.push('.');
                    let n = *self.rng.choice(&[1, 2, 6, 20, 36]).unwrap_or(&1);
                    digits(&mut self.rng, s, n);
                    for _ in 0..self.rng.usize(0..3) {
                        s.push('0');
                    }
                }
                if self.rng.bool() {
                    s.push(if self.rng.bool() { 'e' } else { 'E' });
                    s.push_str(self.rng.choice(["", "+", "-"]).unwrap_or(""));
                    let n = self.rng.usize(1..4);
                    digits(&mut self.rng, s, n);
                }
            }
            self.numbers.push(s[start..].to_owned());
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
            numbers: Vec::new(),
        };
        let (mut fast_hits, mut minified, mut valid, mut kept) = (0, 0, 0, 0);
        for i in 0..20_000 {
            g.dup = false;
            g.numbers.clear();
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
            // serde_json is the oracle for everything but numbers: it takes
            // the same objects (but those with a number beyond f64's range,
            // which KrakenD's json.Number keeps), and reads the output as
            // the same tree it reads from the body.
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(serde_json::Value::Object(theirs)) => {
                    let ours = slow
                        .as_ref()
                        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok());
                    assert_eq!(
                        ours,
                        Some(Some(serde_json::Value::Object(theirs))),
                        "oracle: {text}"
                    );
                }
                Ok(_) => assert!(slow.is_none(), "not an object: {text}"),
                Err(e) if e.to_string().starts_with("number out of range") => {}
                Err(e) => assert!(slow.is_none(), "serde_json refuses ({e}): {text}"),
            }
            if let Some(slow) = &slow {
                valid += 1;
                if !g.dup && i % 4 != 3 {
                    // A valid object without repeated keys is always taken,
                    // and a plain one by the scan.
                    assert!(fast.is_some(), "transcode: {text}");
                    assert!(!g.plain || min.is_some(), "minify: {text}");
                    // Every number reaches the output as it was written.
                    assert_eq!(number_texts(&slow.body), g.numbers, "{text}");
                    kept += g.numbers.len();
                }
            }
        }
        // The generator reaches every path often.
        assert!(
            valid > 2_000 && fast_hits > 1_000 && minified > 500 && kept > 10_000,
            "{valid} valid, {fast_hits} transcoded, {minified} minified, {kept} numbers kept"
        );
    }

    /// The numbers of a rendered (compact) JSON text, in order.
    fn number_texts(json: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let (mut i, mut in_string) = (0, false);
        while let Some(&c) = json.get(i) {
            match c {
                b'\\' if in_string => i += 1,
                b'"' => in_string = !in_string,
                b'-' | b'0'..=b'9' if !in_string => {
                    let len = json[i..]
                        .iter()
                        .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                        .unwrap_or(json.len() - i);
                    out.push(String::from_utf8_lossy(&json[i..i + len]).into_owned());
                    i += len;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        out
    }
}
