//! koanf's weak typing: how KrakenD CE turns a value of the "wrong" JSON
//! type into the Go field type (mapstructure `WeaklyTypedInput`,
//! research/krakend-semantics.md §a.7).

use crate::syntax::{Node, NodeKind};

/// How KrakenD reads an integer field (`version`, `port`…): koanf decodes
/// it with mapstructure's weak typing, so a float is truncated (`3.0`, even
/// `3.9`, is 3), a string is parsed with Go's `strconv.ParseInt(s, 0, 64)`
/// (`"3"` is 3, `""` is 0), a boolean is 1 or 0, and `null` is 0. `None`
/// when the value cannot be decoded at all (an array, an object, `"three"`).
pub fn decode_weak_int(node: &Node) -> Option<i64> {
    match &node.kind {
        NodeKind::Null => Some(0),
        NodeKind::Bool(b) => Some(i64::from(*b)),
        NodeKind::Number(n) => n.raw.parse::<i64>().ok().or_else(|| {
            let f = n.as_f64()?;
            (f.abs() < 9.2e18).then_some(f.trunc() as i64)
        }),
        NodeKind::String(s) => go_parse_int(s),
        NodeKind::Array(_) | NodeKind::Object(_) => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, `0x`/`0o`/`0b`/`0`
/// prefixes, `_` between digits only with a prefix; `""` is 0 for
/// mapstructure (it turns an empty string into `"0"` first).
fn go_parse_int(s: &str) -> Option<i64> {
    if s.is_empty() {
        return Some(0);
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    if digits.contains('_') && !prefixed {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let magnitude = i128::from_str_radix(&clean, radix).ok()?;
    let value = if neg { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}
