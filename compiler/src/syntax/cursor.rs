//! What is being typed at a cursor in a text that may not parse.
//!
//! While someone types, the document is mostly broken (`"ti` has no closing
//! quote, `"timeout"` no colon yet), and the JSON parser stops at the first
//! error without a tree. Completion still needs to know where the cursor is:
//! this module scans the text with a tolerant tokenizer (strings end at a
//! line break, comments are skipped, a missing comma starts a new member,
//! a mismatched bracket closes what it can) and keeps a stack of open
//! containers. The answer is the path of the container holding the cursor,
//! whether a key or a value is being typed there (and its text so far), and
//! the keys the object already has, before and after the cursor.
//!
//! The scan is linear in the text and allocation-light; a 500 KB config
//! takes well under a millisecond.
//!
//! YAML and TOML get the same answer from their lines ([`yaml_cursor`],
//! [`toml_cursor`]): block YAML by indentation and `- ` items, TOML by the
//! `[table]` / `[[array]]` header above the cursor.

mod lines;

pub use lines::{toml_cursor, yaml_cursor};

use super::locate::PathStep;
use super::tree::Span;

/// What is typed at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Typing {
    /// An object key: inside a key string or where a key must come.
    Key {
        /// The token under the cursor (the quoted string, quotes included,
        /// up to the end of the line when it is not closed), if any.
        token: Option<Span>,
        /// The key's text from the token start to the cursor (no quote).
        prefix: String,
        /// Whether a `:` follows the token.
        has_colon: bool,
    },
    /// A value: after `key:` in an object, or an array element.
    Value {
        /// The step from the container to this value (the member key or
        /// the element index).
        step: PathStep,
        /// The token under the cursor (a string with its quotes, or a bare
        /// word such as `tru`), if any.
        token: Option<Span>,
        /// The text from the token start to the cursor (no quote).
        prefix: String,
        /// Whether the token is a string.
        in_string: bool,
    },
    /// Anything else: inside a comment, after a complete value, outside the
    /// document.
    Other,
}

/// Where a cursor is: the result of [`json_cursor`], [`yaml_cursor`] and
/// [`toml_cursor`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The path from the root to the container holding the cursor.
    pub container: Vec<PathStep>,
    /// What is typed.
    pub typing: Typing,
    /// The keys of the object holding the cursor, in order, before and
    /// after it, without the key being typed (empty in an array).
    pub keys: Vec<String>,
}

/// The cursor in a text of `format`.
pub fn cursor(text: &str, offset: usize, format: super::Format) -> Cursor {
    match format {
        super::Format::Json => json_cursor(text, offset),
        super::Format::Yaml => yaml_cursor(text, offset),
        super::Format::Toml => toml_cursor(text, offset),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// After `{` or `,` in an object.
    Key,
    /// After a key.
    Colon,
    /// After `:` or `[` or `,` in an array.
    Value,
    /// After a complete value.
    Comma,
}

#[derive(Debug)]
struct Frame {
    is_object: bool,
    expect: Expect,
    /// The current member's key (objects).
    key: Option<String>,
    /// The keys seen so far (objects).
    keys: Vec<String>,
    /// The current element's index (arrays).
    index: usize,
}

impl Frame {
    fn step(&self) -> PathStep {
        if self.is_object {
            PathStep::Key(self.key.clone().unwrap_or_default())
        } else {
            PathStep::Index(self.index)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Open(bool),
    Close(bool),
    Colon,
    Comma,
    /// A string; `true` when it is closed.
    Str(bool),
    Word,
    Comment,
}

/// Tokenizes from `i`, returning the token kind and its end.
fn next_token(bytes: &[u8], mut i: usize) -> Option<(usize, Tok, usize)> {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    let start = i;
    let b = *bytes.get(i)?;
    let tok = match b {
        b'{' => (Tok::Open(true), i + 1),
        b'[' => (Tok::Open(false), i + 1),
        b'}' => (Tok::Close(true), i + 1),
        b']' => (Tok::Close(false), i + 1),
        b':' => (Tok::Colon, i + 1),
        b',' => (Tok::Comma, i + 1),
        b'"' => {
            let mut j = i + 1;
            loop {
                match bytes.get(j) {
                    None | Some(b'\n') | Some(b'\r') => break (Tok::Str(false), j),
                    Some(b'\\') => j += 2,
                    Some(b'"') => break (Tok::Str(true), j + 1),
                    Some(_) => j += 1,
                }
            }
        }
        b'/' if bytes.get(i + 1) == Some(&b'/') => {
            let j = bytes[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(bytes.len(), |p| i + p);
            (Tok::Comment, j)
        }
        b'/' if bytes.get(i + 1) == Some(&b'*') => {
            let j = bytes[i + 2..]
                .windows(2)
                .position(|w| w == b"*/")
                .map_or(bytes.len(), |p| i + 2 + p + 2);
            (Tok::Comment, j)
        }
        _ => {
            let mut j = i;
            while j < bytes.len()
                && !bytes[j].is_ascii_whitespace()
                && !matches!(bytes[j], b'{' | b'}' | b'[' | b']' | b':' | b',' | b'"')
            {
                j += 1;
            }
            (Tok::Word, j.max(i + 1))
        }
    };
    Some((start, tok.0, tok.1.min(bytes.len())))
}

/// Whether the cursor is inside the token `start..end` of kind `tok`.
fn cursor_in(tok: Tok, start: usize, end: usize, cursor: usize) -> bool {
    match tok {
        // After the opening quote; a closed string ends before its quote.
        Tok::Str(true) => start < cursor && cursor < end,
        Tok::Str(false) => start < cursor && cursor <= end,
        // A bare word includes its end: `tru|` is still typing `true`.
        Tok::Word => start < cursor && cursor <= end,
        Tok::Comment => start < cursor && cursor <= end,
        _ => false,
    }
}

/// The decoded text of a string token (escapes kept as written: keys with
/// escapes are rare and only compared, never edited).
fn string_text(text: &str, start: usize, end: usize, closed: bool) -> String {
    let inner_end = if closed { end.saturating_sub(1) } else { end };
    text.get(start + 1..inner_end.max(start + 1))
        .unwrap_or_default()
        .to_string()
}

/// Where the cursor at byte `cursor` is in the JSON (or JSONC) `text`, which
/// does not need to parse. A cursor past the end is clamped to it.
pub fn json_cursor(text: &str, cursor: usize) -> Cursor {
    let bytes = text.as_bytes();
    let cursor = cursor.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    // Set when the cursor's place is known.
    let mut found: Option<Found> = None;

    while let Some((start, tok, end)) = next_token(bytes, i) {
        i = end;
        if found.is_none() {
            // The cursor in the blanks before this token: decided by what
            // the innermost container expects.
            if cursor <= start {
                found = Some(Found::new(at_blank(&stack), &stack));
            } else if cursor_in(tok, start, end, cursor) {
                found = Some(Found::new(
                    at_token(text, &stack, tok, start, end, cursor),
                    &stack,
                ));
                // The token itself is not a key the object already has.
                advance(&mut stack, tok, text, start, end);
                continue;
            } else {
                advance(&mut stack, tok, text, start, end);
                continue;
            }
        }
        let Some(f) = &mut found else { break };
        // Past the cursor: only the keys of the cursor's object are still
        // wanted, until it closes.
        let at_depth = stack.len() == f.depth;
        let key = advance(&mut stack, tok, text, start, end);
        if at_depth && let Some(key) = key {
            f.keys.push(key);
        }
        if stack.len() < f.depth {
            break;
        }
    }
    let f = found.unwrap_or_else(|| Found::new(at_blank(&stack), &stack));
    Cursor {
        container: f.container,
        typing: f.typing,
        keys: f.keys,
    }
}

/// The cursor's place, once found, and the keys of its object.
struct Found {
    typing: Typing,
    container: Vec<PathStep>,
    depth: usize,
    keys: Vec<String>,
}

impl Found {
    fn new(typing: Typing, stack: &[Frame]) -> Self {
        let container = stack[..stack.len().saturating_sub(1)]
            .iter()
            .map(Frame::step)
            .collect();
        let keys = match stack.last() {
            Some(f) if f.is_object => f.keys.clone(),
            _ => Vec::new(),
        };
        Found {
            typing,
            container,
            depth: stack.len(),
            keys,
        }
    }
}

fn at_blank(stack: &[Frame]) -> Typing {
    let Some(top) = stack.last() else {
        return Typing::Other;
    };
    match (top.is_object, top.expect) {
        (true, Expect::Key) => Typing::Key {
            token: None,
            prefix: String::new(),
            has_colon: false,
        },
        (_, Expect::Value) => Typing::Value {
            step: top.step(),
            token: None,
            prefix: String::new(),
            in_string: false,
        },
        _ => Typing::Other,
    }
}

fn at_token(
    text: &str,
    stack: &[Frame],
    tok: Tok,
    start: usize,
    end: usize,
    cursor: usize,
) -> Typing {
    let Some(top) = stack.last() else {
        return Typing::Other;
    };
    let (in_string, prefix_start) = match tok {
        Tok::Str(_) => (true, start + 1),
        Tok::Word => (false, start),
        _ => return Typing::Other,
    };
    let prefix = text
        .get(prefix_start..cursor)
        .unwrap_or_default()
        .to_string();
    let token = Some(Span::new(start, end));
    if top.is_object && top.expect != Expect::Value {
        // A string where a key goes, or a bare word there (probably a key
        // typed without its quotes yet).
        let rest = text.get(end..).unwrap_or_default();
        let has_colon = in_string && rest.trim_start_matches([' ', '\t']).starts_with(':');
        return Typing::Key {
            token,
            prefix,
            has_colon,
        };
    }
    let step = match (top.is_object, top.expect) {
        (true, _) => top.step(),
        // A missing comma between two elements: this is the next one.
        (false, Expect::Comma) => PathStep::Index(top.index + 1),
        (false, _) => PathStep::Index(top.index),
    };
    Typing::Value {
        step,
        token,
        prefix,
        in_string,
    }
}

/// Moves the stack past one token; returns the key when the token is one.
fn advance(
    stack: &mut Vec<Frame>,
    tok: Tok,
    text: &str,
    start: usize,
    end: usize,
) -> Option<String> {
    match tok {
        Tok::Comment => {}
        Tok::Open(is_object) => {
            start_value(stack);
            stack.push(Frame {
                is_object,
                expect: if is_object {
                    Expect::Key
                } else {
                    Expect::Value
                },
                key: None,
                keys: Vec::new(),
                index: 0,
            });
        }
        Tok::Close(is_object) => {
            // Close the nearest container of this kind (tolerating a
            // mismatched bracket in between).
            if let Some(pos) = stack.iter().rposition(|f| f.is_object == is_object) {
                stack.truncate(pos);
            } else {
                stack.pop();
            }
            if let Some(f) = stack.last_mut() {
                f.expect = Expect::Comma;
            }
        }
        Tok::Colon => {
            if let Some(f) = stack.last_mut()
                && f.is_object
            {
                f.expect = Expect::Value;
            }
        }
        Tok::Comma => {
            if let Some(f) = stack.last_mut() {
                if f.is_object {
                    f.expect = Expect::Key;
                    f.key = None;
                } else {
                    if f.expect == Expect::Comma {
                        f.index += 1;
                    }
                    f.expect = Expect::Value;
                }
            }
        }
        Tok::Str(closed) => {
            let f = stack.last_mut()?;
            if f.is_object && f.expect != Expect::Value {
                let key = string_text(text, start, end, closed);
                f.keys.push(key.clone());
                f.key = Some(key.clone());
                f.expect = Expect::Colon;
                return Some(key);
            }
            start_value(stack);
        }
        Tok::Word => {
            let f = stack.last_mut()?;
            if f.is_object && f.expect != Expect::Value {
                f.key = text.get(start..end).map(str::to_string);
                f.expect = Expect::Colon;
            } else {
                start_value(stack);
            }
        }
    }
    None
}

/// A value begins in the innermost container.
fn start_value(stack: &mut [Frame]) {
    let Some(f) = stack.last_mut() else { return };
    // A missing comma between two elements starts the next one.
    if !f.is_object && f.expect == Expect::Comma {
        f.index += 1;
    }
    f.expect = Expect::Comma;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> PathStep {
        PathStep::key(s)
    }

    /// `|` marks the cursor.
    fn at(marked: &str) -> Cursor {
        let cursor = marked.find('|').expect("cursor mark");
        let text = marked.replacen('|', "", 1);
        json_cursor(&text, cursor)
    }

    fn key(prefix: &str) -> (String, bool) {
        (prefix.to_string(), false)
    }

    #[test]
    fn keys_while_typing() {
        // (text with cursor, container path, key prefix, keys present)
        let cases: Vec<(&str, Vec<PathStep>, &str, Vec<&str>)> = vec![
            ("{ \"version\": 3, \"ti|", vec![], "ti", vec!["version"]),
            ("{ \"version\": 3, \"ti|\" }", vec![], "ti", vec!["version"]),
            (
                "{ \"version\": 3,\n  \"|\"\n  \"port\": 1 }",
                vec![],
                "",
                vec!["version", "port"],
            ),
            ("{ \"version\": 3,\n  |\n}", vec![], "", vec!["version"]),
            // A missing comma: the new line is still a new member.
            (
                "{ \"version\": 3\n  \"ti|\n}",
                vec![],
                "ti",
                vec!["version"],
            ),
            (
                "{\"endpoints\": [{\"endpoint\": \"/a\", \"backend\": [{\"url_pattern\": \"/b\", \"h|\"}]}, {\"x\": 1}]}",
                vec![
                    k("endpoints"),
                    PathStep::Index(0),
                    k("backend"),
                    PathStep::Index(0),
                ],
                "h",
                vec!["url_pattern"],
            ),
            (
                "{\"endpoints\": [{}, {\"endpoint\": \"/a\", \"|\", \"method\": \"GET\", \"backend\": [{\"host\": []}]}], \"port\": 1}",
                vec![k("endpoints"), PathStep::Index(1)],
                "",
                vec!["endpoint", "method", "backend"],
            ),
            // JSONC comments are skipped.
            (
                "{ // \"no\": 1\n \"a\": 1, /* \"b\" */ \"c|\" }",
                vec![],
                "c",
                vec!["a"],
            ),
            // A bare word at a key position.
            ("{ \"a\": 1, ti| }", vec![], "ti", vec!["a"]),
        ];
        for (marked, container, prefix, keys) in cases {
            let c = at(marked);
            let Typing::Key { prefix: p, .. } = &c.typing else {
                panic!("{marked:?}: {:?}", c.typing);
            };
            assert_eq!(
                (&c.container, key(p)),
                (&container, key(prefix)),
                "{marked:?}"
            );
            assert_eq!(c.keys, keys, "{marked:?}");
        }
    }

    #[test]
    fn values_while_typing() {
        // (text with cursor, container, step, prefix, in a string)
        let cases: Vec<(&str, Vec<PathStep>, PathStep, &str, bool)> = vec![
            (
                "{ \"output_encoding\": \"js|\" }",
                vec![],
                k("output_encoding"),
                "js",
                true,
            ),
            (
                "{ \"output_encoding\": \"js|",
                vec![],
                k("output_encoding"),
                "js",
                true,
            ),
            (
                "{ \"output_encoding\": |",
                vec![],
                k("output_encoding"),
                "",
                false,
            ),
            (
                "{ \"debug_endpoint\": tr|, \"a\": 1 }",
                vec![],
                k("debug_endpoint"),
                "tr",
                false,
            ),
            (
                "{\"endpoints\": [{\"backend\": [{\"encoding\": \"x|\"}]}]}",
                vec![
                    k("endpoints"),
                    PathStep::Index(0),
                    k("backend"),
                    PathStep::Index(0),
                ],
                k("encoding"),
                "x",
                true,
            ),
            (
                "{\"methods\": [\"GET\", \"P|\"]}",
                vec![k("methods")],
                PathStep::Index(1),
                "P",
                true,
            ),
            (
                "{\"methods\": [\"GET\", |]}",
                vec![k("methods")],
                PathStep::Index(1),
                "",
                false,
            ),
            (
                "{\"methods\": [|]}",
                vec![k("methods")],
                PathStep::Index(0),
                "",
                false,
            ),
            (
                "{\"host\": [\"a\" \"b|\"]}",
                vec![k("host")],
                PathStep::Index(1),
                "b",
                true,
            ),
            // Escapes inside the string do not end it.
            (
                "{\"url_pattern\": \"/a\\\"{|\"}",
                vec![],
                k("url_pattern"),
                "/a\\\"{",
                true,
            ),
        ];
        for (marked, container, step, prefix, in_string) in cases {
            let c = at(marked);
            let Typing::Value {
                step: s,
                prefix: p,
                in_string: q,
                ..
            } = &c.typing
            else {
                panic!("{marked:?}: {:?}", c.typing);
            };
            assert_eq!(
                (&c.container, s, p.as_str(), *q),
                (&container, &step, prefix, in_string),
                "{marked:?}"
            );
        }
    }

    #[test]
    fn tokens_and_other_places() {
        let c = at("{ \"output_encoding\": \"json|\", \"b\": 1 }");
        let Typing::Value { token: Some(t), .. } = c.typing else {
            panic!("{:?}", c.typing);
        };
        assert_eq!((t.start, t.end), (21, 27));
        let c = at("{ \"timeout|\": \"2s\" }");
        assert!(
            matches!(c.typing, Typing::Key { has_colon: true, token: Some(t), .. } if (t.start, t.end) == (2, 11)),
            "{:?}",
            c.typing
        );
        for marked in [
            "|{ \"a\": 1 }",
            "{ \"a\": 1 |}",
            "{ \"a\": 1 }|",
            "{ // com|ment\n}",
            "|",
            "{ \"a\": \"x\"| }",
        ] {
            assert_eq!(at(marked).typing, Typing::Other, "{marked:?}");
        }
        // A cursor past the end, and text that is not UTF-8 aligned at the
        // cursor, do not panic.
        assert_eq!(json_cursor("{\"a\": 1}", 99).typing, Typing::Other);
        let _ = json_cursor("{\"é|", 3);
    }
}
