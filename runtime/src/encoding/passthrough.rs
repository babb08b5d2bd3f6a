//! JSON in, JSON out, without a tree: the fast path of an endpoint that only
//! decodes a backend object and renders it again (`encoding: json` →
//! `output_encoding: json`, one backend, no manipulation).
//!
//! The slow path is [`super::decode`] (a `serde_json::Value` tree, an
//! insertion-ordered `Map` per object) then [`super::json_map`]. This module
//! drives the same `serde_json` parser with a visitor that writes each
//! token to the output as it arrives, with the same formatter, so for every
//! body it accepts the bytes are exactly the slow path's:
//!
//! - the parser calls the visitor with the values the tree would have held
//!   (`u64`, `i64` or `f64` numbers; strings unescaped), and each is written
//!   back with `serde_json`'s own serializer (`itoa`/`ryu`, the same
//!   escaping) — `-0` becomes `-0.0` and `1E2` becomes `100.0` either way;
//! - keys keep their order, as the `preserve_order` map does;
//! - whitespace goes, as it does in the compact renderer.
//!
//! What it cannot reproduce it refuses, and the caller takes the slow path
//! (so errors and their messages stay the slow path's): a body that is not
//! one JSON object, any parse error, and an object with a duplicate key
//! (the map keeps the first key's position and the last value).

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
pub fn object(body: &[u8]) -> Option<Rendered> {
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
fn has_duplicate(keys: &mut [Cow<'_, str>]) -> bool {
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
            let got = object(body.as_bytes());
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
    fn refuses_invalid_utf8_and_deep_nesting_like_the_parser() {
        assert_eq!(object(b"{\"a\":\"\xff\"}"), None);
        assert!(slow(b"{\"a\":\"\xff\"}").is_none());
        // serde_json's recursion limit is 128 levels: the same on both paths.
        for depth in [100, 127, 128, 129, 500] {
            let body = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
            assert_eq!(
                object(body.as_bytes()),
                slow(body.as_bytes()),
                "depth {depth}"
            );
        }
    }

    #[test]
    fn duplicates_in_large_objects_are_found() {
        let mut body = String::from("{");
        for i in 0..40 {
            body.push_str(&format!("\"k{i}\":{i},"));
        }
        body.push_str("\"k7\":0}");
        assert_eq!(object(body.as_bytes()), None);
        let ok = body.replace("\"k7\":0", "\"k40\":0");
        assert_eq!(object(ok.as_bytes()), slow(ok.as_bytes()));
        assert!(object(ok.as_bytes()).is_some());
    }

    /// A random JSON-ish document: mostly valid, sometimes with duplicate
    /// keys, odd numbers, escapes, whitespace; `mutate` breaks some.
    struct Gen {
        rng: fastrand::Rng,
        dup: bool,
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
                s.push_str(self.rng.choice(PIECES).unwrap_or(&"a"));
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
            s.push_str(self.rng.choice(NUMBERS).unwrap_or(&"0"));
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
                k.push_str(
                    self.rng
                        .choice(&["k", "\\u006b", "é", "\\u00e9", "x\\ty"])
                        .unwrap_or(&"k"),
                );
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
        };
        let (mut fast_hits, mut valid) = (0, 0);
        for i in 0..20_000 {
            g.dup = false;
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
            let fast = object(&body);
            let slow = slow(&body);
            if let Some(f) = &fast {
                fast_hits += 1;
                assert_eq!(Some(f), slow.as_ref(), "{}", String::from_utf8_lossy(&body));
            }
            if slow.is_some() {
                valid += 1;
                if !g.dup && i % 4 != 3 {
                    // A valid object without repeated keys is always taken.
                    assert!(fast.is_some(), "{}", String::from_utf8_lossy(&body));
                }
            }
        }
        // The generator reaches both paths often.
        assert!(
            valid > 2_000 && fast_hits > 1_000,
            "{valid} valid, {fast_hits} fast"
        );
    }
}
