//! The YAML emitter behind the `yaml` output encoding and the `text/plain`
//! (and YAML) branch of `negotiate`.
//!
//! KrakenD CE renders both with gin v1.12.0's `c.YAML`, which hands the
//! `map[string]interface{}` lura decoded from the backend (`encoding/json`
//! with `UseNumber()`) to goccy/go-yaml v1.19.2's `yaml.Marshal`, default
//! options. This module writes the same bytes for every JSON object, with
//! one deliberate difference: goccy sorts each map's keys (`encodeMap` sorts
//! by `fmt.Sprint(key)`, byte order); we keep the backend's order, as every
//! other gwc encoding does.
//!
//! Why by hand: goccy's output is the `String()` of its AST, column
//! arithmetic and quirks included, and no YAML crate reproduces it (nor
//! needs to: JSON values need only maps, sequences and scalars). What it does,
//! and so what this module does (encode.go, token/token.go, ast/ast.go):
//! - Numbers are `json.Number`, a Go string, so they go through the string
//!   rules and mostly come out quoted (`"1"`, `"1.5"`; `1e+21` stays plain).
//! - A string (value or key) is double-quoted with Go's `strconv.Quote` when
//!   `token.IsNeedQuoted` says so ([`needs_quotes`]); otherwise it is written
//!   plain, or as a literal block (`|`, `|-`, `|+`) when it holds a line break.
//! - Nested maps are indented two spaces; a sequence starts at its key's
//!   column (`key:\n- a`); an item's own lines go two spaces in (`- - 1`,
//!   `- k: v\n  k2: v2`); empty maps and sequences are `{}` and `[]`; the
//!   document ends with one newline.
//!
//! Numbers keep the backend's text (a `json.Number`, `value::Number`), so
//! they go through the string rules exactly as in KrakenD. One known limit:
//! numbers KrakenD takes from a JSON configuration (`proxy.static` data) are
//! Go float64s, which goccy prints unquoted in `%g` style (`42.0`, `1e+21`);
//! a `Value` does not say where a number came from, so they are printed
//! like a backend's (`"42"`).

use std::borrow::Cow;

use crate::value::{Map, Value};

/// Renders an object as a YAML document, as KrakenD's `yaml` encoding does.
/// Bytes, not a `String`: goccy re-indents a sequence item by byte offsets,
/// which can split a character in a pathological string (mixed `\r` and
/// `\n` breaks inside a nested sequence), and we keep even that.
pub fn encode(data: &Map) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_map(&mut out, data, 0);
    // The printer appends one newline to the root node's text.
    out.push(b'\n');
    out
}

// Layout. `indent` is the number of spaces before a node's first line
// (goccy's token column minus one). goccy builds every node at column 1 and
// then shifts a map that is a map's value two columns right, with all it
// holds; nothing else moves. So a map value is two further in, a sequence
// value stays at its key's column, and a sequence's items stand at the
// sequence's column until the sequence re-indents their text.

/// A node's text: the `String()` of the goccy node its value becomes.
fn write_node(out: &mut Vec<u8>, v: &Value, indent: usize) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // KrakenD's number is a json.Number: a string to goccy.
        Value::Number(n) => write_string(out, n.as_str(), indent),
        Value::String(s) => write_string(out, s, indent),
        Value::Array(items) => write_seq(out, items, indent),
        Value::Object(m) => write_map(out, m, indent),
    }
}

/// `key: value` lines joined by newlines (MappingNode and
/// MappingValueNode `String()`); an empty map is flow style, `{}`.
fn write_map(out: &mut Vec<u8>, m: &Map, indent: usize) {
    if m.is_empty() {
        out.extend_from_slice(b"{}");
        return;
    }
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        push_spaces(out, indent);
        write_string(out, k, indent);
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                out.extend_from_slice(b":\n");
                write_map(out, inner, indent + 2);
            }
            Value::Array(items) if !items.is_empty() => {
                out.extend_from_slice(b":\n");
                write_seq(out, items, indent);
            }
            // Scalars and empty collections share the key's line. goccy
            // writes `key:` alone for an empty scalar text, but no text is
            // empty here (an empty string is quoted).
            _ => {
                out.extend_from_slice(b": ");
                write_node(out, v, indent);
            }
        }
    }
}

/// `- item` entries joined by newlines (SequenceNode `blockStyleString`);
/// an empty sequence is flow style, `[]`.
fn write_seq(out: &mut Vec<u8>, items: &[Value], indent: usize) {
    if items.is_empty() {
        out.extend_from_slice(b"[]");
        return;
    }
    let mut text = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        text.clear();
        write_node(&mut text, item, indent);
        // Only a StringNode has its literal-block indentation removed
        // first; numbers are StringNodes too but never span lines.
        let is_string = matches!(item, Value::String(_) | Value::Number(_));
        write_seq_item(out, &text, indent, is_string);
    }
}

/// Re-indents an item's text behind `- `, as goccy does: the first line
/// loses its leading spaces (`d` of them); every later line loses its
/// first `d` bytes and gains `indent + 2` spaces, and one no longer than
/// `d` bytes becomes empty. A multi-line string first drops the `indent + 2`
/// spaces its literal block added, so its blank lines end up truly empty.
fn write_seq_item(out: &mut Vec<u8>, text: &[u8], indent: usize, is_string: bool) {
    let mut lines = text.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let first_trimmed = trim_leading_spaces(first);
    let d = first.len() - first_trimmed.len();
    let strip_block_indent = is_string && text.contains(&b'\n');
    push_spaces(out, indent);
    out.extend_from_slice(b"- ");
    out.extend_from_slice(first_trimmed);
    for line in lines {
        let line = if strip_block_indent {
            strip_spaces(line, indent + 2)
        } else {
            line
        };
        out.push(b'\n');
        if let Some(rest) = line.get(d..).filter(|rest| !rest.is_empty()) {
            push_spaces(out, indent + 2);
            out.extend_from_slice(rest);
        }
    }
}

fn push_spaces(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, b' ');
}

fn trim_leading_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ').count();
    &s[n..]
}

/// `s` without its first `n` bytes when they are all spaces (TrimPrefix).
fn strip_spaces(s: &[u8], n: usize) -> &[u8] {
    match s.get(..n) {
        Some(head) if head.iter().all(|&b| b == b' ') => &s[n..],
        _ => s,
    }
}

// Scalars.

/// A string's text (`encodeString`, then StringNode `String()`): quoted,
/// plain, or a literal block when plain text would hold a line break.
/// Quoting comes first and escapes line breaks, so a string that needs
/// quotes is never a block. (goccy would also single-quote plain text that
/// starts with `{` or `[`; [`needs_quotes`] has already double-quoted it.)
fn write_string(out: &mut Vec<u8>, s: &str, indent: usize) {
    if needs_quotes(s) {
        go_quote(out, s);
        return;
    }
    let lb = line_break(s);
    if s.contains(lb) {
        write_literal_block(out, s, lb, indent);
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// The line break a multi-line string is split on
/// (`token.DetectLineBreakCharacter`): `\r\n` when every `\r` and `\n` is
/// part of one, `\r` when bare `\r` outnumber `\n`, else `\n`.
fn line_break(s: &str) -> &'static str {
    let n = s.matches('\n').count();
    let r = s.matches('\r').count();
    let rn = s.matches("\r\n").count();
    if n == rn && r == rn {
        "\r\n"
    } else if r > n {
        "\r"
    } else {
        "\n"
    }
}

/// A literal block scalar. The header keeps the string's final line breaks:
/// `|-` none, `|` one, `|+` more (`token.LiteralBlockHeader`). Each line,
/// empty ones too, gets `indent + 2` spaces; then one trailing "line break
/// and indentation" and one trailing run of `indent + 2` spaces are cut,
/// which drops the empty last line a final break leaves (and, for `|+`,
/// the indentation of the blank line before it).
fn write_literal_block(out: &mut Vec<u8>, s: &str, lb: &str, indent: usize) {
    let header = if s.strip_suffix(lb).is_some_and(|rest| rest.ends_with(lb)) {
        "|+"
    } else if s.ends_with(lb) {
        "|"
    } else {
        "|-"
    };
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(lb.as_bytes());
    let pad = indent + 2;
    let start = out.len();
    for (i, line) in s.split(lb).enumerate() {
        if i > 0 {
            out.extend_from_slice(lb.as_bytes());
        }
        push_spaces(out, pad);
        out.extend_from_slice(line.as_bytes());
    }
    // goccy's two TrimSuffix calls: first a line break plus `pad` spaces,
    // then `pad` spaces.
    let lb = lb.as_bytes();
    let block = &out[start..];
    let ends_with_pad = |b: &[u8]| b.len() >= pad && b[b.len() - pad..].iter().all(|&c| c == b' ');
    let mut len = block.len();
    if ends_with_pad(block) && block[..len - pad].ends_with(lb) {
        len -= pad + lb.len();
    }
    if ends_with_pad(&block[..len]) {
        len -= pad;
    }
    out.truncate(start + len);
}

// Quoting.

/// Plain scalars goccy quotes because a YAML 1.2 or 1.1 reader takes them
/// for null or a bool (`reservedEncKeywordMap`). `.inf`, `.nan` and their
/// spellings are not among them, so goccy leaves those plain.
const RESERVED: [&str; 26] = [
    "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y",
    "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
];

/// Whether goccy double-quotes `s` (`token.IsNeedQuoted`, the only test
/// `encodeString` applies with default options): empty; a reserved word;
/// anything [`is_number`] accepts; `-` alone; a first byte among
/// ``*&[{}],!|>%'"@` `` and space; a last byte `:` or space; a timestamp
/// ([`is_timestamp`]); or a `#` or `\` anywhere, or `: ` or `- ` inside.
/// Nothing else: `-type`, `?x`, `a:b`, tabs and other control characters
/// stay plain, and line breaks make a literal block instead.
fn needs_quotes(s: &str) -> bool {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return true;
    };
    if RESERVED.contains(&s) || is_number(b) || s == "-" {
        return true;
    }
    if b"*&[{}],!|>%'\"@ `".contains(&first) || last == b':' || last == b' ' {
        return true;
    }
    if is_timestamp(b) {
        return true;
    }
    // Byte-wise is rune-wise here: every byte of a multi-byte character is
    // >= 0x80.
    b.iter().enumerate().any(|(i, &c)| {
        c == b'#' || c == b'\\' || (matches!(c, b':' | b'-') && b.get(i + 1) == Some(&b' '))
    })
}

/// goccy's `token.isNumber`: true when its `toNumber` parses `s`, or fails
/// only because the value is out of range. `toNumber` rejects an empty
/// string, a leading `_` and two or more dots; removes one leading `+`,
/// then one `-` (remembering a leading `-`) and every `_`; then reads `0x`,
/// `0o`, `0b` (with Go's `ParseUint` in that base), a leading `0` without a
/// dot (octal, so `0777` is a number and `09` is not), one dot (Go's
/// `ParseFloat`, sign restored), else decimal. So `1_000`, `+1`, `0x1F`,
/// `.5`, `5.` and `99999999999999999999` are numbers; `1e5`, `1e+21`,
/// `1.2.3` and `.inf` are not.
fn is_number(s: &[u8]) -> bool {
    let (Some(&first), dots) = (s.first(), s.iter().filter(|&&c| c == b'.').count()) else {
        return false;
    };
    if first == b'_' || dots > 1 {
        return false;
    }
    let unsigned = s.strip_prefix(b"+").unwrap_or(s);
    let unsigned = unsigned.strip_prefix(b"-").unwrap_or(unsigned);
    let normalized: Cow<[u8]> = if unsigned.contains(&b'_') {
        Cow::Owned(unsigned.iter().copied().filter(|&c| c != b'_').collect())
    } else {
        Cow::Borrowed(unsigned)
    };
    let (digits, radix) = if let Some(d) = normalized.strip_prefix(b"0x") {
        (d, 16)
    } else if let Some(d) = normalized.strip_prefix(b"0o") {
        (d, 8)
    } else if let Some(d) = normalized.strip_prefix(b"0b") {
        (d, 2)
    } else if normalized.len() > 1 && normalized[0] == b'0' && dots == 0 {
        (&normalized[..], 8)
    } else if dots == 1 {
        // ParseFloat reads one sign: the restored `-`, else any left in
        // the normalized text.
        let unsigned = if first == b'-' {
            &normalized[..]
        } else {
            normalized
                .strip_prefix(b"+")
                .or_else(|| normalized.strip_prefix(b"-"))
                .unwrap_or(&normalized)
        };
        return go_float_syntax(unsigned);
    } else {
        (&normalized[..], 10)
    };
    // A negative number goes through ParseInt, which strips the `-` put
    // back and then runs ParseUint: the same test on the same digits.
    go_uint_syntax(digits, radix)
}

/// Whether Go's `strconv.ParseUint(s, radix, 64)` succeeds or fails with a
/// range error. It reads left to right and reports overflow as soon as it
/// happens, so a later bad byte no longer matters.
fn go_uint_syntax(s: &[u8], radix: u64) -> bool {
    if s.is_empty() {
        return false;
    }
    let mut n: u64 = 0;
    for &c in s {
        let lower = c | 0x20;
        let d = match c {
            b'0'..=b'9' => u64::from(c - b'0'),
            _ if lower.is_ascii_lowercase() => u64::from(lower - b'a') + 10,
            _ => return false,
        };
        if d >= radix {
            return false;
        }
        match n.checked_mul(radix).and_then(|m| m.checked_add(d)) {
            Some(next) => n = next,
            None => return true,
        }
    }
    true
}

/// Whether Go's `strconv.ParseFloat` reads all of an unsigned `s` (its
/// `readFloat`; an out-of-range value still counts as a number to goccy).
/// Callers pass text with exactly one dot and no `_`, so `inf` and `nan`
/// cannot match whole. Syntax: decimal digits, or `0x`/`0X` and hex digits,
/// with the dot anywhere and at least one digit; then an exponent, `e` for
/// decimal (optional) or `p` for hex (required), with an optional sign and
/// at least one digit.
fn go_float_syntax(s: &[u8]) -> bool {
    let hex = s.len() > 2 && s[0] == b'0' && s[1] | 0x20 == b'x';
    let mut i = if hex { 2 } else { 0 };
    let mut saw_dot = false;
    let mut saw_digits = false;
    while let Some(&c) = s.get(i) {
        if c == b'.' && !saw_dot {
            saw_dot = true;
        } else if c.is_ascii_digit() || (hex && matches!(c | 0x20, b'a'..=b'f')) {
            saw_digits = true;
        } else {
            break;
        }
        i += 1;
    }
    if !saw_digits {
        return false;
    }
    let exponent = if hex { b'p' } else { b'e' };
    if s.get(i).is_some_and(|&c| c | 0x20 == exponent) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !s.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    } else if hex {
        return false;
    }
    i == s.len()
}

/// One element of a Go time layout, as `time.Parse` reads it.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    /// A literal byte.
    Lit(u8),
    /// A layout space: a run of spaces in the text, or its end.
    Spaces,
    /// `2006`: four digits.
    Year,
    /// `01`: two digits, 1 to 12.
    Month,
    /// `02`: two digits, checked against month and year at the end.
    Day,
    /// `15`: one or two digits, below 24.
    Hour,
    /// `04`: two digits, below 60.
    Minute2,
    /// `4`: one or two digits, below 60.
    Minute,
    /// `05`: two digits, below 60. A fraction may follow even where the
    /// layout has none.
    Second,
    /// `.999999999`: optionally `.` or `,` and one or more digits, any
    /// number of them.
    Fraction,
    /// `Z07:00`: `Z`, or `+`/`-`, two digits up to 24, `:`, two digits up
    /// to 60.
    Zone,
}

/// Whether `time.Parse` accepts `s` with one of the layouts goccy's
/// `isTimestamp` tries: `time.RFC3339Nano`, the same with a lower-case `t`,
/// `time.DateTime`, `time.DateOnly` and `15:4`. So `2024-01-15`,
/// `2024-01-15 10:00:00.5` and `12:30` are quoted, and `2023-02-29`,
/// `24:00` and an RFC 3339 time without a zone are not.
fn is_timestamp(s: &[u8]) -> bool {
    use Field::*;
    #[rustfmt::skip]
    const LAYOUTS: [&[Field]; 5] = [
        &[Year, Lit(b'-'), Month, Lit(b'-'), Day, Lit(b'T'),
          Hour, Lit(b':'), Minute2, Lit(b':'), Second, Fraction, Zone],
        &[Year, Lit(b'-'), Month, Lit(b'-'), Day, Lit(b't'),
          Hour, Lit(b':'), Minute2, Lit(b':'), Second, Fraction, Zone],
        &[Year, Lit(b'-'), Month, Lit(b'-'), Day, Spaces,
          Hour, Lit(b':'), Minute2, Lit(b':'), Second],
        &[Year, Lit(b'-'), Month, Lit(b'-'), Day],
        &[Hour, Lit(b':'), Minute],
    ];
    LAYOUTS.iter().any(|layout| parses_as(layout, s))
}

/// Go's `time.Parse(layout, s)` without building the time (format.go
/// `parse`; `Parse`'s RFC 3339 fast path accepts a subset of this). Fields
/// missing from the layout default to year 0, January, day 1.
fn parses_as(layout: &[Field], mut v: &[u8]) -> bool {
    let (mut year, mut month, mut day) = (0, 1, 1);
    for (i, &field) in layout.iter().enumerate() {
        let parsed = match field {
            Field::Lit(c) => v.strip_prefix(&[c]).map(|rest| (0, rest)),
            Field::Spaces if v.first().is_some_and(|&b| b != b' ') => None,
            Field::Spaces => Some((0, trim_leading_spaces(v))),
            Field::Year => match v.split_at_checked(4) {
                Some((y, rest)) if y.iter().all(u8::is_ascii_digit) => {
                    Some((y.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')), rest))
                }
                _ => None,
            },
            Field::Month | Field::Day | Field::Minute2 | Field::Second => two_digits(v),
            Field::Hour | Field::Minute => two_digits(v).or_else(|| match v {
                [d @ b'0'..=b'9', rest @ ..] => Some((u32::from(d - b'0'), rest)),
                _ => None,
            }),
            Field::Fraction => Some((0, skip_fraction(v))),
            Field::Zone => match v {
                [b'Z', rest @ ..] => Some((0, rest)),
                [b'+' | b'-', h1, h2, b':', m1, m2, rest @ ..]
                    if digit_pair(*h1, *h2).is_some_and(|h| h <= 24)
                        && digit_pair(*m1, *m2).is_some_and(|m| m <= 60) =>
                {
                    Some((0, rest))
                }
                _ => None,
            },
        };
        let Some((n, rest)) = parsed else {
            return false;
        };
        match field {
            Field::Year => year = n,
            Field::Month if (1..=12).contains(&n) => month = n,
            Field::Day => day = n,
            Field::Month => return false,
            Field::Hour if n >= 24 => return false,
            Field::Minute | Field::Minute2 | Field::Second if n >= 60 => return false,
            _ => {}
        }
        v = rest;
        // Go reads a fraction after the seconds even when the layout has
        // none; where it has one, that field reads it.
        if field == Field::Second && layout.get(i + 1) != Some(&Field::Fraction) {
            v = skip_fraction(v);
        }
    }
    v.is_empty() && day >= 1 && day <= days_in(month, year)
}

/// Two digits and the rest.
fn two_digits(v: &[u8]) -> Option<(u32, &[u8])> {
    match v {
        [a, b, rest @ ..] => digit_pair(*a, *b).map(|n| (n, rest)),
        _ => None,
    }
}

fn digit_pair(a: u8, b: u8) -> Option<u32> {
    (a.is_ascii_digit() && b.is_ascii_digit())
        .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
}

/// `v` past a `.` or `,` and the digits after it, when a digit follows.
fn skip_fraction(v: &[u8]) -> &[u8] {
    match v {
        [b'.' | b',', b'0'..=b'9', ..] => {
            let digits = v[1..].iter().take_while(|b| b.is_ascii_digit()).count();
            &v[1 + digits..]
        }
        _ => v,
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `strconv.Quote`: `"` and `\` get a backslash; printable characters
/// ([`go_is_print`]) stay as they are; `\a \b \f \n \r \t \v` are named;
/// any other character below U+0020 or U+007F is `\xHH`, below U+10000
/// `\uHHHH`, else `\UHHHHHHHH`, in lower-case hex. Its output never holds a
/// raw line break.
fn go_quote(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for c in s.chars() {
        let named: &[u8] = match c {
            '"' => b"\\\"",
            '\\' => b"\\\\",
            _ if go_is_print(c) => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            '\x07' => b"\\a",
            '\x08' => b"\\b",
            '\x0c' => b"\\f",
            '\n' => b"\\n",
            '\r' => b"\\r",
            '\t' => b"\\t",
            '\x0b' => b"\\v",
            _ => {
                let code = u32::from(c);
                let (prefix, digits) = match code {
                    0..0x20 | 0x7f => (b"\\x", 2),
                    0..0x10000 => (b"\\u", 4),
                    _ => (b"\\U", 8),
                };
                out.extend_from_slice(prefix);
                for shift in (0..digits).rev() {
                    out.push(HEX[((code >> (4 * shift)) & 0xf) as usize]);
                }
                continue;
            }
        };
        out.extend_from_slice(named);
    }
    out.push(b'"');
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols
/// (Unicode categories L, M, N, P, S) and the ASCII space. The categories
/// come from `unicode-general-category` (Unicode 16; Go 1.25's tables are
/// Unicode 15, so the two differ only on characters assigned since).
fn go_is_print(c: char) -> bool {
    use unicode_general_category::{GeneralCategory as G, get_general_category};
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !matches!(
        get_general_category(c),
        G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::Control
            | G::Format
            | G::PrivateUse
            | G::Surrogate
            | G::Unassigned
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected outputs are derived from goccy/go-yaml v1.19.2 (encode.go,
    /// token/token.go, ast/ast.go) with the keys in input order; the comment
    /// on each row names the rule it pins.
    #[test]
    fn encode_table() {
        let table: &[(&str, &str)] = &[
            // Layout.
            // An empty root map is flow style; every document ends in one newline.
            (r#"{}"#, "{}\n"),
            (r#"{"a":"b"}"#, "a: b\n"),
            // Keys keep the backend's order (goccy sorts them: our one deliberate difference).
            (r#"{"b":"one","a":"two"}"#, "b: one\na: two\n"),
            // null and bools are plain.
            (
                r#"{"a":null,"b":true,"c":false}"#,
                "a: null\nb: true\nc: false\n",
            ),
            // A nested map is indented two spaces.
            (r#"{"a":{"b":{"c":"d"}}}"#, "a:\n  b:\n    c: d\n"),
            // Empty collections are flow style on the key's line.
            (r#"{"e":[],"o":{}}"#, "e: []\no: {}\n"),
            // A sequence starts at its key's column, not indented.
            (r#"{"l":["a","b"]}"#, "l:\n- a\n- b\n"),
            // ... also in a nested map.
            (r#"{"a":{"l":["x"]}}"#, "a:\n  l:\n  - x\n"),
            // Empty collections as items.
            (r#"{"l":[[],{}]}"#, "l:\n- []\n- {}\n"),
            // Nested sequences: `- - `, further lines two spaces in.
            (r#"{"m":[["a","b"],["c"]]}"#, "m:\n- - a\n  - b\n- - c\n"),
            // A sequence of maps: the first key after `- `, the rest aligned under it.
            (
                r#"{"l":[{"id":"x","name":"a"},{"id":"z"}]}"#,
                "l:\n- id: x\n  name: a\n- id: z\n",
            ),
            // A map item holding a map and a sequence.
            (
                r#"{"l":[{"a":{"b":"c"},"s":["d","e"]}]}"#,
                "l:\n- a:\n    b: c\n  s:\n  - d\n  - e\n",
            ),
            // A sequence of maps inside a nested map: the item's indentation is
            // cut and put back at the sequence's column.
            (
                r#"{"a":{"l":[{"k":"v","m":"w"}]}}"#,
                "a:\n  l:\n  - k: v\n    m: w\n",
            ),
            // Numbers are json.Number strings: quoted when token.isNumber says so.
            (
                r#"{"i":1,"z":0,"neg":-5}"#,
                "i: \"1\"\nz: \"0\"\nneg: \"-5\"\n",
            ),
            (
                r#"{"f":1.5,"g":100.0,"h":-0.25}"#,
                "f: \"1.5\"\ng: \"100.0\"\nh: \"-0.25\"\n",
            ),
            // No dot, so goccy tries ParseUint, which fails: plain.
            (r#"{"a":1e+21,"b":1e-7}"#, "a: 1e+21\nb: 1e-7\n"),
            // The backend's text, whatever its spelling (json.Number).
            (
                r#"{"a":1.10,"b":-0,"c":1E+2,"d":1e2,"e":123456789012345678901234567890}"#,
                "a: \"1.10\"\nb: \"-0\"\nc: 1E+2\nd: 1e2\ne: \"123456789012345678901234567890\"\n",
            ),
            // The largest integers are still numbers.
            (
                r#"{"u":18446744073709551615,"i":-9223372036854775808}"#,
                "u: \"18446744073709551615\"\ni: \"-9223372036854775808\"\n",
            ),
            // Numbers in a sequence.
            (
                r#"{"l":[1,2.5,true,null]}"#,
                "l:\n- \"1\"\n- \"2.5\"\n- true\n- null\n",
            ),
            // Quoting: the empty string, as a value and as a key.
            (r#"{"":""}"#, "\"\": \"\"\n"),
            // Reserved words, YAML 1.1 bools included; other spellings stay plain.
            (
                r#"{"l":["true","False","NULL","~","y","Yes","NO","on","OFF","tRUE","nil"]}"#,
                "l:\n- \"true\"\n- \"False\"\n- \"NULL\"\n- \"~\"\n- \"y\"\n- \"Yes\"\n- \"NO\"\n\
                 - \"on\"\n- \"OFF\"\n- tRUE\n- nil\n",
            ),
            // `.inf` and `.nan` are not in goccy's encoding keyword map: plain.
            (
                r#"{"l":[".inf","-.inf",".NaN"]}"#,
                "l:\n- .inf\n- -.inf\n- .NaN\n",
            ),
            // Number-like strings: decimal, `_`, sign, hex, octal, binary, float,
            // out of range, overflow before a bad byte.
            (
                r#"{"l":["12","1_000","+1","-1","0x1F","0o17","0b101","0777","1.5",".5","5.",
                "1.0e5","0X1.8p1","99999999999999999999","99999999999999999999x","+-5","++5.0"]}"#,
                "l:\n- \"12\"\n- \"1_000\"\n- \"+1\"\n- \"-1\"\n- \"0x1F\"\n- \"0o17\"\n\
                 - \"0b101\"\n- \"0777\"\n- \"1.5\"\n- \".5\"\n- \"5.\"\n- \"1.0e5\"\n\
                 - \"0X1.8p1\"\n- \"99999999999999999999\"\n- \"99999999999999999999x\"\n\
                 - \"+-5\"\n- \"++5.0\"\n",
            ),
            // Not numbers: `09` (bad octal), exponent without a dot, two dots,
            // leading `_`, bare prefix, dangling exponent, sign pairs.
            (
                r#"{"l":["09","1e5","1E+21","1.2.3.4","_1","0x","1.5e","--5","-+5.0","1.5x","example.com"]}"#,
                "l:\n- 09\n- 1e5\n- 1E+21\n- 1.2.3.4\n- _1\n- 0x\n- 1.5e\n- --5\n- -+5.0\n\
                 - 1.5x\n- example.com\n",
            ),
            // `-` alone is quoted; a key starting with `-` is not (KrakenD CE's
            // negotiate spec: `-type: admin`); `- ` inside is.
            (
                r#"{"-type":"admin","d":"-","e":"a- b","f":"a -b"}"#,
                "-type: admin\nd: \"-\"\ne: \"a- b\"\nf: a -b\n",
            ),
            // Each first byte that forces quotes, and some that do not.
            (
                r#"{"l":["*a","&a","[a","{a","}a","]a",",a","!a","|a",">a","%a","'a","\"a","@a","`a"," a"]}"#,
                "l:\n- \"*a\"\n- \"&a\"\n- \"[a\"\n- \"{a\"\n- \"}a\"\n- \"]a\"\n- \",a\"\n\
                 - \"!a\"\n- \"|a\"\n- \">a\"\n- \"%a\"\n- \"'a\"\n- \"\\\"a\"\n- \"@a\"\n\
                 - \"`a\"\n- \" a\"\n",
            ),
            (
                r#"{"l":["?a",":a","<a","=a","~a","a'b"]}"#,
                "l:\n- ?a\n- :a\n- <a\n- =a\n- ~a\n- a'b\n",
            ),
            // Last byte `:` or space; a tab is not.
            (
                r#"{"l":["a:","a ","a\t"]}"#,
                "l:\n- \"a:\"\n- \"a \"\n- a\t\n",
            ),
            // `#` and `\` anywhere, `: ` inside; `:` without a space is plain.
            (
                r#"{"l":["a#b","a\\b","a: b","a:b","http://x/y?q=1"]}"#,
                "l:\n- \"a#b\"\n- \"a\\\\b\"\n- \"a: b\"\n- a:b\n- http://x/y?q=1\n",
            ),
            // Keys follow the same rules.
            (
                r##"{"1":"x","a: b":"w","#c":"z"}"##,
                "\"1\": x\n\"a: b\": w\n\"#c\": z\n",
            ),
            // Timestamps Go's time.Parse accepts with goccy's layouts are quoted.
            (
                r#"{"l":["2024-01-15","2024-02-29","2024-01-15T10:00:00Z","2024-01-15t10:00:00+01:00",
                "2024-01-15T10:00:00.123456789-07:30","2024-01-15T10:00:00,5Z","2024-01-15T1:00:00Z",
                "2024-01-15 10:00:00","2024-01-15   10:00:00.5","12:30","1:1","0000-02-29"]}"#,
                "l:\n- \"2024-01-15\"\n- \"2024-02-29\"\n- \"2024-01-15T10:00:00Z\"\n\
                 - \"2024-01-15t10:00:00+01:00\"\n- \"2024-01-15T10:00:00.123456789-07:30\"\n\
                 - \"2024-01-15T10:00:00,5Z\"\n- \"2024-01-15T1:00:00Z\"\n- \"2024-01-15 10:00:00\"\n\
                 - \"2024-01-15   10:00:00.5\"\n- \"12:30\"\n- \"1:1\"\n- \"0000-02-29\"\n",
            ),
            // ... and what it rejects stays plain: a day the month lacks, month 13,
            // hour 24, minute 60, no zone, zone hour 25, three-digit hour.
            (
                r#"{"l":["2023-02-29","2024-04-31","2024-13-01","24:00","12:60",
                "2024-01-15T10:00:00","2024-01-15T10:00:00+25:00","123:4","2024-1-15"]}"#,
                "l:\n- 2023-02-29\n- 2024-04-31\n- 2024-13-01\n- 24:00\n- 12:60\n\
                 - 2024-01-15T10:00:00\n- 2024-01-15T10:00:00+25:00\n- 123:4\n- 2024-1-15\n",
            ),
            // strconv.Quote escapes: named, \x, \u (NBSP, zero-width space),
            // \U (a Cf code point; U+10FFFF, a noncharacter, unassigned);
            // printable non-ASCII stays.
            (
                r##"{"a":"#\"\\\u0007\b\f\n\r\t\u000b\u0001\u007f","b":"# \u00a0\u200b\u00e9\u20ac","c":"# \ud83d\ude00\udb40\udc01\udbff\udfff"}"##,
                "a: \"#\\\"\\\\\\a\\b\\f\\n\\r\\t\\v\\x01\\x7f\"\n\
                 b: \"# \\u00a0\\u200bé€\"\nc: \"# 😀\\U000e0001\\U0010ffff\"\n",
            ),
            // Plain text keeps control characters and non-ASCII as they are.
            ("{\"a\":\"x\\u0001y\u{e9}\"}", "a: x\u{1}yé\n"),
            // Literal blocks: `|-` without a final break, `|` with one, `|+` with more.
            (
                r#"{"a":"x\ny","b":"x\n","c":"x\n\n"}"#,
                "a: |-\n  x\n  y\nb: |\n  x\nc: |+\n  x\n\n",
            ),
            // A blank line inside keeps the indentation in a map.
            (r#"{"a":"x\n\ny"}"#, "a: |-\n  x\n  \n  y\n"),
            // A lone line break is an empty block; the second cut also eats a
            // last line that holds only spaces.
            (r#"{"a":"\n","b":"x\n  \n"}"#, "a: |\n\nb: |\n  x\n  \n"),
            // `\r\n` and bare `\r` are kept as the block's line break.
            (
                r#"{"a":"x\r\ny","b":"x\ry\r"}"#,
                "a: |-\r\n  x\r\n  y\nb: |\r  x\r  y\n",
            ),
            // A block in a nested map is indented from its key.
            (r#"{"m":{"k":"x\ny\n"}}"#, "m:\n  k: |\n    x\n    y\n"),
            // In a sequence, a block's blank lines lose their indentation.
            (r#"{"l":["x\n\ny","z"]}"#, "l:\n- |-\n  x\n\n  y\n- z\n"),
            // ... but not inside a map item (only string items are re-cut).
            (
                r#"{"a":{"l":[{"k":"x\n\ny"}]}}"#,
                "a:\n  l:\n  - k: |-\n      x\n      \n      y\n",
            ),
            // Quoting wins over a block: the break is escaped.
            (
                r#"{"a":"k: v\nw"," b\nc":"d"}"#,
                "a: \"k: v\\nw\"\n\" b\\nc\": d\n",
            ),
            // A multi-line key becomes a block too (goccy writes it so).
            (r#"{"x\ny":"z"}"#, "|-\n  x\n  y: z\n"),
            // Mixed breaks, `\r` winning: goccy re-cuts a sequence's map item at
            // `\n` and drops each later line's first 2 bytes (the item's
            // indentation), text or not.
            (
                r#"{"a":{"l":[{"k":"p\rq\r\nrst"}]}}"#,
                "a:\n  l:\n  - k: |-\r    p\r    q\r    \n    t\n",
            ),
        ];
        for (input, want) in table {
            let data: Map = match crate::value::from_slice(input.as_bytes()) {
                Ok(Value::Object(data)) => data,
                other => panic!("bad test input {input}: {other:?}"),
            };
            let got = encode(&data);
            assert_eq!(String::from_utf8_lossy(&got), *want, "input {input}");
        }
    }

    /// The cut above can split a character; goccy writes the half, so do we
    /// (and nothing panics).
    #[test]
    fn encode_splits_a_character_as_goccy_does() {
        let data: Map = match crate::value::from_slice(br#"{"a":{"l":[{"k":"p\rq\r\nr\u00e9"}]}}"#)
        {
            Ok(Value::Object(data)) => data,
            other => panic!("bad test input: {other:?}"),
        };
        let want: &[u8] = b"a:\n  l:\n  - k: |-\r    p\r    q\r    \n    \xa9\n";
        assert_eq!(encode(&data), want);
    }
}
