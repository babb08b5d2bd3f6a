//! A small YAML emitter for JSON values (the `yaml` output encoding and the
//! `text/plain` branch of `negotiate`). JSON values need only block maps,
//! block sequences and scalars, so a well-kept YAML crate would bring far
//! more than it gives (serde_yaml is archived). Strings that YAML could
//! read as something else are double-quoted, with JSON escapes (a JSON
//! string literal is a valid YAML double-quoted scalar).

use serde_json::{Map, Value};

/// Whether `s` can be written as a plain YAML scalar and read back as the
/// same string.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace() {
        return false;
    }
    if s.ends_with(char::is_whitespace) || s.contains(": ") || s.contains(" #") || s.ends_with(':')
    {
        return false;
    }
    if s.chars().any(|c| c.is_control()) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true"
            | "false"
            | "null"
            | "~"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".nan"
            | ".inf"
            | "-.inf"
    ) {
        return false;
    }
    // Anything that looks numeric would be read back as a number.
    !(s.parse::<f64>().is_ok() || s.starts_with("0x") || s.starts_with("0o"))
}

fn scalar(out: &mut String, s: &str) {
    if plain_ok(s) {
        out.push_str(s);
    } else {
        out.push_str(&Value::String(s.to_owned()).to_string());
    }
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push_str("  ");
    }
}

/// Writes the value after `key:` or `- `; `depth` is the indentation of the
/// line holding the key.
fn value(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            map(out, m, depth + 1);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            seq(out, a, depth);
        }
        _ => {
            out.push(' ');
            inline(out, v);
            out.push('\n');
        }
    }
}

fn inline(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => scalar(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn map(out: &mut String, m: &Map<String, Value>, depth: usize) {
    for (k, v) in m {
        indent(out, depth);
        scalar(out, k);
        out.push(':');
        value(out, v, depth);
    }
}

fn seq(out: &mut String, a: &[Value], depth: usize) {
    for item in a {
        indent(out, depth);
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                // `- k: v` with the rest of the map aligned under `k`.
                let mut first = true;
                for (k, v) in m {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(out, depth + 1);
                    }
                    scalar(out, k);
                    out.push(':');
                    value(out, v, depth + 1);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                seq(out, inner, depth + 1);
            }
            _ => value(out, item, depth),
        }
    }
}

/// Renders an object as a YAML document.
pub fn encode(data: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(256);
    if data.is_empty() {
        out.push_str("{}\n");
    } else {
        map(&mut out, data, 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encode_table() {
        let table: &[(Value, &str)] = &[
            (json!({}), "{}\n"),
            (json!({"a": 1, "b": "x"}), "a: 1\nb: x\n"),
            (
                json!({"a": {"b": true, "c": null}}),
                "a:\n  b: true\n  c: null\n",
            ),
            (json!({"l": [1, "two"]}), "l:\n- 1\n- two\n"),
            (
                json!({"l": [{"id": 1, "name": "a"}, {"id": 2}]}),
                "l:\n- id: 1\n  name: a\n- id: 2\n",
            ),
            (
                json!({"s": ["", "true", "12", "a: b", "x\ny"]}),
                "s:\n- \"\"\n- \"true\"\n- \"12\"\n- \"a: b\"\n- \"x\\ny\"\n",
            ),
            (json!({"e": [], "o": {}}), "e: []\no: {}\n"),
            (json!({"m": [[1, 2]]}), "m:\n-\n  - 1\n  - 2\n"),
        ];
        for (v, want) in table {
            let Value::Object(m) = v else { unreachable!() };
            assert_eq!(encode(m), *want, "{v}");
        }
    }
}
