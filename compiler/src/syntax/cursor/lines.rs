//! The cursor in YAML and TOML, read from lines: what [`super::json_cursor`]
//! does for JSON, for the two line-oriented formats.
//!
//! YAML: block mappings and `- ` sequences, by indentation (flow
//! collections only as a value on the cursor's line: `host: [a, |`). TOML:
//! the `[table]` or `[[array]]` header above the cursor gives the container
//! (an array of tables counts its headers for the index), `key = value`
//! lines give keys and values. Multi-line strings and inline tables that
//! span lines are not modelled; at worst the answer is [`Typing::Other`].

use super::{Cursor, Typing};
use crate::syntax::Span;
use crate::syntax::locate::PathStep;

/// One line: its byte start and its text without the line break.
#[derive(Clone, Copy, Debug)]
struct Line<'a> {
    start: usize,
    text: &'a str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let t = raw.strip_suffix('\n').unwrap_or(raw);
        let t = t.strip_suffix('\r').unwrap_or(t);
        out.push(Line { start, text: t });
        start += raw.len();
    }
    if text.is_empty() || text.ends_with('\n') {
        out.push(Line { start, text: "" });
    }
    out
}

/// The line holding `offset` and the column (bytes) in it.
fn line_at<'a>(all: &[Line<'a>], offset: usize) -> Option<(usize, usize)> {
    let i = all.iter().rposition(|l| l.start <= offset)?;
    let col = (offset - all[i].start).min(all[i].text.len());
    Some((i, col))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'/' | b'.' | b'@' | b'$')
}

/// Removes one pair of matching quotes.
fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// The byte index of the first `sep` outside quotes (and before a comment).
fn find_outside_quotes(s: &str, sep: impl Fn(&str, usize) -> bool, comment: char) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' if !single => double = !double,
            '\'' if !double => single = !single,
            c if c == comment && !single && !double => return None,
            _ if !single && !double && sep(s, i) => return Some(i),
            _ => {}
        }
    }
    None
}

/// A value being typed from `value_start` (bytes into the line) to the
/// cursor at `col`: a flow sequence gives an element, anything else the
/// value itself.
fn value_typing(
    line: &Line<'_>,
    value_start: usize,
    col: usize,
    step: PathStep,
    container: &mut Vec<PathStep>,
) -> Typing {
    let text = line.text;
    let typed = text.get(value_start..col).unwrap_or_default();
    let lead = typed.len() - typed.trim_start().len();
    let mut start = value_start + lead;
    let mut step = step;
    if typed.trim_start().starts_with('[') {
        // An element of a flow sequence: after the last `[` or `,`.
        let inner = text.get(start + 1..col).unwrap_or_default();
        let index = inner.matches(',').count();
        let last = inner.rfind(',').map_or(0, |i| i + 1);
        let after = inner.get(last..).unwrap_or_default();
        start = start + 1 + last + (after.len() - after.trim_start().len());
        container.push(step);
        step = PathStep::Index(index);
    }
    let rest = text.get(start..).unwrap_or_default();
    let in_string = rest.starts_with(['"', '\'']);
    // The token runs to the closing quote, or to a separator.
    let end = if in_string {
        let q = rest.as_bytes()[0];
        rest.bytes()
            .skip(1)
            .position(|b| b == q)
            .map_or(rest.len(), |p| p + 2)
    } else {
        rest.find([',', ']', '#']).unwrap_or(rest.len())
    };
    let end = start + rest.get(..end).map_or(0, |t| t.trim_end().len());
    let end = end.max(col.min(text.len()));
    let prefix_start = start + usize::from(in_string);
    Typing::Value {
        step,
        token: (end > start).then(|| Span::new(line.start + start, line.start + end)),
        prefix: text.get(prefix_start..col).unwrap_or_default().to_string(),
        in_string,
    }
}

/// A key being typed from `key_start` (bytes into the line) to the cursor.
fn key_typing(line: &Line<'_>, key_start: usize, col: usize) -> Typing {
    let text = line.text;
    let bytes = text.as_bytes();
    let quoted = bytes
        .get(key_start)
        .is_some_and(|b| *b == b'"' || *b == b'\'');
    let mut end = key_start + usize::from(quoted);
    while end < bytes.len()
        && (is_word_byte(bytes[end]) || (quoted && bytes[end] != bytes[key_start]))
    {
        end += 1;
    }
    if quoted && end < bytes.len() {
        end += 1;
    }
    let end = end.max(col);
    let after = text.get(end..).unwrap_or_default().trim_start();
    Typing::Key {
        token: (end > key_start).then(|| Span::new(line.start + key_start, line.start + end)),
        prefix: text
            .get(key_start + usize::from(quoted)..col)
            .unwrap_or_default()
            .to_string(),
        has_colon: after.starts_with(':') || after.starts_with('='),
    }
}

// ---------------------------------------------------------------- YAML

/// What a YAML line says about structure.
struct YamlLine<'a> {
    /// Spaces before the content.
    indent: usize,
    /// Where the content starts after any `- ` markers.
    content: usize,
    /// How many `- ` markers start the line.
    dashes: usize,
    /// The key of a `key:` at `content`, if any.
    key: Option<&'a str>,
    /// Whether the key has no value on the line (a nested block follows).
    opens: bool,
}

fn yaml_line(text: &str) -> Option<YamlLine<'_>> {
    let indent = text.len() - text.trim_start_matches(' ').len();
    let mut content = indent;
    let mut dashes = 0;
    while let Some(rest) = text.get(content..)
        && (rest.starts_with("- ") || rest == "-")
    {
        dashes += 1;
        content += if rest == "-" { 1 } else { 2 };
        content += rest
            .get(2..)
            .map_or(0, |r| r.len() - r.trim_start_matches(' ').len());
    }
    let rest = text.get(content..)?;
    if (rest.is_empty() || rest.starts_with('#')) && dashes == 0 {
        return None;
    }
    let colon = find_outside_quotes(
        rest,
        |s, i| s[i..].starts_with(": ") || &s[i..] == ":" || s[i..].starts_with(":\t"),
        '#',
    );
    let (key, opens) = match colon {
        Some(i) => {
            let value = rest[i + 1..].trim();
            (
                Some(unquote(&rest[..i])),
                value.is_empty() || value.starts_with('#'),
            )
        }
        None => (None, false),
    };
    Some(YamlLine {
        indent,
        content,
        dashes,
        key,
        opens,
    })
}

/// The cursor in a YAML text.
pub fn yaml_cursor(text: &str, offset: usize) -> Cursor {
    let all = lines(text);
    let other = || Cursor {
        container: Vec::new(),
        typing: Typing::Other,
        keys: Vec::new(),
    };
    let Some((li, col)) = line_at(&all, offset) else {
        return other();
    };
    let line = all[li];
    let before = line.text.get(..col).unwrap_or_default();
    if before.trim_start().starts_with('#') || before.trim_start().starts_with("---") {
        return other();
    }
    // The cursor line's own markers.
    let indent = before.len() - before.trim_start_matches(' ').len();
    let mut key_col = indent;
    let mut dashed = false;
    while let Some(rest) = line.text.get(key_col..)
        && rest.starts_with("- ")
        && key_col + 2 <= col
    {
        dashed = true;
        key_col += 2;
    }
    let rest = line.text.get(key_col..col).unwrap_or_default();
    let colon = find_outside_quotes(rest, |s, i| s[i..].starts_with(": ") || &s[i..] == ":", '#');
    let mut container = yaml_container(&all, li, key_col, dashed);
    let typing = match colon {
        Some(i) => {
            let key = unquote(&rest[..i]).to_string();
            value_typing(
                &line,
                key_col + i + 1,
                col,
                PathStep::Key(key),
                &mut container,
            )
        }
        None if dashed
            && rest.trim().is_empty()
            && line.text.get(col..).is_some_and(|r| r.trim().is_empty()) =>
        {
            // `- |` on an empty item: a mapping key or a scalar element;
            // offer keys (items of KrakenD lists of objects are objects).
            key_typing(&line, key_col, col)
        }
        None => key_typing(&line, key_col, col),
    };
    let keys = if matches!(typing, Typing::Key { .. }) {
        yaml_siblings(&all, li, key_col, dashed)
    } else {
        Vec::new()
    };
    Cursor {
        container,
        typing,
        keys,
    }
}

/// The path of the mapping whose keys start at column `key_col` on line
/// `li` (`dashed`: the line starts a sequence item).
fn yaml_container(all: &[Line<'_>], li: usize, key_col: usize, dashed: bool) -> Vec<PathStep> {
    let mut steps = Vec::new();
    // The column a parent must be left of (or, for a sequence, at).
    let mut need = key_col;
    // Whether we are looking for the key that holds a sequence whose dashes
    // are at `need`.
    let mut seq_at = None;
    if dashed {
        let dash_col = key_col.saturating_sub(2);
        steps.push(PathStep::Index(yaml_item_index(all, li, dash_col)));
        need = dash_col;
        seq_at = Some(dash_col);
    }
    for j in (0..li).rev() {
        let Some(y) = yaml_line(all[j].text) else {
            continue;
        };
        // A dash line whose content is at `need` holds our mapping.
        if seq_at.is_none() && y.dashes > 0 && y.content == need {
            let dash_col = y.content - 2;
            steps.push(PathStep::Index(yaml_item_index(all, j, dash_col)));
            need = dash_col;
            seq_at = Some(dash_col);
            continue;
        }
        let start = if y.dashes > 0 { y.content } else { y.indent };
        let parent = match seq_at {
            // The key of a sequence may sit at the dashes' own column.
            Some(at) => start < at || (start == at && y.dashes == 0),
            None => start < need,
        };
        if !parent {
            continue;
        }
        match (y.key, y.opens) {
            (Some(k), true) => {
                steps.push(PathStep::Key(k.to_string()));
                need = start;
                seq_at = None;
                if y.dashes > 0 {
                    // `- key:` opens a mapping inside an item.
                    let dash_col = y.content - 2;
                    steps.push(PathStep::Index(yaml_item_index(all, j, dash_col)));
                    need = dash_col;
                    seq_at = Some(dash_col);
                }
            }
            _ => break,
        }
        if need == 0 && seq_at.is_none() {
            break;
        }
    }
    steps.reverse();
    steps
}

/// The index of the sequence item starting on line `li` with its dash at
/// `dash_col`: the dashes at that column above it in the same block.
fn yaml_item_index(all: &[Line<'_>], li: usize, dash_col: usize) -> usize {
    let mut n = 0;
    for j in (0..li).rev() {
        let Some(y) = yaml_line(all[j].text) else {
            continue;
        };
        if y.indent < dash_col || (y.indent == dash_col && y.dashes == 0) {
            break;
        }
        if y.indent == dash_col && y.dashes > 0 {
            n += 1;
        }
    }
    n
}

/// The keys at column `key_col` of the mapping around line `li`.
fn yaml_siblings(all: &[Line<'_>], li: usize, key_col: usize, dashed: bool) -> Vec<String> {
    let mut keys = Vec::new();
    let key_of = |y: &YamlLine<'_>| -> Option<String> {
        let start = if y.dashes > 0 { y.content } else { y.indent };
        (start == key_col)
            .then(|| y.key.map(str::to_string))
            .flatten()
    };
    if !dashed {
        for j in (0..li).rev() {
            let Some(y) = yaml_line(all[j].text) else {
                continue;
            };
            let start = if y.dashes > 0 { y.content } else { y.indent };
            if start < key_col {
                break;
            }
            keys.extend(key_of(&y));
            if y.dashes > 0 && start == key_col {
                // The first key of our item.
                break;
            }
        }
        keys.reverse();
    }
    for l in &all[li + 1..] {
        let Some(y) = yaml_line(l.text) else {
            continue;
        };
        if y.indent < key_col || y.dashes > 0 && y.content <= key_col {
            break;
        }
        if y.dashes == 0 {
            keys.extend(key_of(&y));
        }
    }
    keys
}

// ---------------------------------------------------------------- TOML

/// A `[a.b]` or `[[a.b]]` header: its keys and whether it is an array.
fn toml_header(text: &str) -> Option<(Vec<String>, bool)> {
    let t = text.trim();
    let (inner, array) = if let Some(r) = t.strip_prefix("[[") {
        (r.split("]]").next()?, true)
    } else if let Some(r) = t.strip_prefix('[') {
        (r.split(']').next()?, false)
    } else {
        return None;
    };
    Some((toml_keys(inner), array))
}

/// `a."b.c".d` → `a`, `b.c`, `d`.
fn toml_keys(dotted: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    for c in dotted.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '.') => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

/// The cursor in a TOML text.
pub fn toml_cursor(text: &str, offset: usize) -> Cursor {
    let all = lines(text);
    let other = Cursor {
        container: Vec::new(),
        typing: Typing::Other,
        keys: Vec::new(),
    };
    let Some((li, col)) = line_at(&all, offset) else {
        return other;
    };
    let line = all[li];
    let before = line.text.get(..col).unwrap_or_default();
    let trimmed = before.trim_start();
    if trimmed.starts_with('#') || trimmed.starts_with('[') {
        return other;
    }
    // The headers above: array tables are counted for their index; an
    // array header restarts the counts of the tables under it.
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut header: (Vec<String>, bool) = (Vec::new(), false);
    let mut header_line = None;
    for (j, l) in all[..li].iter().enumerate() {
        let Some((keys, array)) = toml_header(l.text) else {
            continue;
        };
        let dotted = keys.join(".");
        if array {
            counts.retain(|(k, _)| !k.starts_with(&format!("{dotted}.")));
            match counts.iter_mut().find(|(k, _)| *k == dotted) {
                Some((_, n)) => *n += 1,
                None => counts.push((dotted, 1)),
            }
        }
        header = (keys, array);
        header_line = Some(j);
    }
    let mut container = Vec::new();
    for (i, k) in header.0.iter().enumerate() {
        container.push(PathStep::Key(k.clone()));
        let prefix = header.0[..=i].join(".");
        if let Some((_, n)) = counts.iter().find(|(k, _)| *k == prefix) {
            container.push(PathStep::Index(n - 1));
        }
    }
    let indent = before.len() - trimmed.len();
    let eq = find_outside_quotes(
        line.text.get(indent..col).unwrap_or_default(),
        |s, i| s[i..].starts_with('='),
        '#',
    );
    let typing = match eq {
        Some(i) => {
            let mut keys = toml_keys(&line.text[indent..indent + i]);
            let last = keys.pop().unwrap_or_default();
            container.extend(keys.into_iter().map(PathStep::Key));
            value_typing(
                &line,
                indent + i + 1,
                col,
                PathStep::Key(last),
                &mut container,
            )
        }
        None => key_typing(&line, indent, col),
    };
    let mut keys = Vec::new();
    if matches!(typing, Typing::Key { .. }) {
        let from = header_line.map_or(0, |h| h + 1);
        for (j, l) in all.iter().enumerate().skip(from) {
            if toml_header(l.text).is_some() {
                // The next table ends this one.
                break;
            }
            if j == li {
                continue;
            }
            if let Some(i) = find_outside_quotes(l.text, |s, i| s[i..].starts_with('='), '#')
                && let Some(first) = toml_keys(&l.text[..i]).into_iter().next()
            {
                keys.push(first);
            }
        }
    }
    Cursor {
        container,
        typing,
        keys,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> PathStep {
        PathStep::key(s)
    }

    fn at(marked: &str, f: fn(&str, usize) -> Cursor) -> Cursor {
        let cursor = marked.find('|').expect("cursor mark");
        f(&marked.replacen('|', "", 1), cursor)
    }

    const YAML: &str = "version: 3\nendpoints:\n  - endpoint: /a/{id}\n    method: GET\n    backend:\n      - url_pattern: /b\n        host: [\"http://a\"]\n  - endpoint: /c\n";

    #[test]
    fn yaml_keys() {
        // (text with cursor, container, prefix, keys present)
        let cases: Vec<(String, Vec<PathStep>, &str, Vec<&str>)> = vec![
            ("ti|\nversion: 3".into(), vec![], "ti", vec!["version"]),
            (
                YAML.replace("    method: GET\n", "    method: GET\n    ti|\n"),
                vec![k("endpoints"), PathStep::Index(0)],
                "ti",
                vec!["endpoint", "method", "backend"],
            ),
            (
                YAML.replace("        host:", "        enc|\n        host:"),
                vec![
                    k("endpoints"),
                    PathStep::Index(0),
                    k("backend"),
                    PathStep::Index(0),
                ],
                "enc",
                vec!["url_pattern", "host"],
            ),
            (
                YAML.replace("  - endpoint: /c\n", "  - endpoint: /c\n    |\n"),
                vec![k("endpoints"), PathStep::Index(1)],
                "",
                vec!["endpoint"],
            ),
            // A new item's first key.
            (
                YAML.replace("  - endpoint: /c\n", "  - endpoint: /c\n  - end|\n"),
                vec![k("endpoints"), PathStep::Index(2)],
                "end",
                vec![],
            ),
            // A sequence written at its key's column.
            (
                "endpoints:\n- endpoint: /a\n  back|\n".into(),
                vec![k("endpoints"), PathStep::Index(0)],
                "back",
                vec!["endpoint"],
            ),
        ];
        for (marked, container, prefix, keys) in cases {
            let c = at(&marked, yaml_cursor);
            let Typing::Key { prefix: p, .. } = &c.typing else {
                panic!("{marked:?}: {:?}", c.typing);
            };
            assert_eq!(
                (&c.container, p.as_str()),
                (&container, prefix),
                "{marked:?}"
            );
            assert_eq!(c.keys, keys, "{marked:?}");
        }
    }

    #[test]
    fn yaml_values() {
        // (text with cursor, container, step, prefix)
        let cases: Vec<(String, Vec<PathStep>, PathStep, &str)> = vec![
            (
                YAML.replace("method: GET", "method: P|"),
                vec![k("endpoints"), PathStep::Index(0)],
                k("method"),
                "P",
            ),
            (
                YAML.replace(
                    "url_pattern: /b",
                    "url_pattern: /b\n        encoding: \"x|\"",
                ),
                vec![
                    k("endpoints"),
                    PathStep::Index(0),
                    k("backend"),
                    PathStep::Index(0),
                ],
                k("encoding"),
                "x",
            ),
            (
                YAML.replace("host: [\"http://a\"]", "host: [\"http://a\", h|]"),
                vec![
                    k("endpoints"),
                    PathStep::Index(0),
                    k("backend"),
                    PathStep::Index(0),
                    k("host"),
                ],
                PathStep::Index(1),
                "h",
            ),
            ("debug_endpoint: |".into(), vec![], k("debug_endpoint"), ""),
        ];
        for (marked, container, step, prefix) in cases {
            let c = at(&marked, yaml_cursor);
            let Typing::Value {
                step: s, prefix: p, ..
            } = &c.typing
            else {
                panic!("{marked:?}: {:?}", c.typing);
            };
            assert_eq!(
                (&c.container, s, p.as_str()),
                (&container, &step, prefix),
                "{marked:?}"
            );
        }
        assert_eq!(
            at("# a comm|ent\nversion: 3", yaml_cursor).typing,
            Typing::Other
        );
    }

    const TOML: &str = "version = 3\n\n[[endpoints]]\nendpoint = \"/a\"\n\n[[endpoints.backend]]\nurl_pattern = \"/b\"\n\n[[endpoints]]\nendpoint = \"/c\"\n\n[[endpoints.backend]]\nhost = [\"http://c\"]\n";

    #[test]
    fn toml_places() {
        let c = at(&TOML.replace("host = [", "enc|\nhost = ["), toml_cursor);
        assert_eq!(
            c.container,
            vec![
                k("endpoints"),
                PathStep::Index(1),
                k("backend"),
                PathStep::Index(0)
            ]
        );
        assert!(
            matches!(&c.typing, Typing::Key { prefix, .. } if prefix == "enc"),
            "{:?}",
            c.typing
        );
        assert_eq!(c.keys, vec!["host"]);

        let c = at(
            &TOML.replace("endpoint = \"/c\"", "endpoint = \"/c\"\nmethod = \"P|\""),
            toml_cursor,
        );
        assert_eq!(c.container, vec![k("endpoints"), PathStep::Index(1)]);
        assert!(
            matches!(&c.typing, Typing::Value { step, prefix, in_string: true, .. } if *step == k("method") && prefix == "P"),
            "{:?}",
            c.typing
        );

        let c = at("version = 3\nou|\n[extra_config]\n", toml_cursor);
        assert_eq!(c.container, vec![]);
        assert_eq!(c.keys, vec!["version"]);

        let c = at("[extra_config.router]\nauto_options = t|", toml_cursor);
        assert_eq!(c.container, vec![k("extra_config"), k("router")]);
        assert!(matches!(&c.typing, Typing::Value { step, .. } if *step == k("auto_options")));

        let c = at("a.b = \"x|\"", toml_cursor);
        assert_eq!(c.container, vec![k("a")]);
        assert_eq!(at("[endp|oints]", toml_cursor).typing, Typing::Other);
    }

    #[test]
    fn no_panics_at_any_offset() {
        for text in [
            YAML,
            TOML,
            "- - a: [\"b\", 'c'\n  \"q\": x # c\n",
            "é: 😀\n[t]\né = \"😀\"",
            "",
        ] {
            for offset in 0..=text.len() + 2 {
                let _ = yaml_cursor(text, offset);
                let _ = toml_cursor(text, offset);
            }
        }
    }
}
