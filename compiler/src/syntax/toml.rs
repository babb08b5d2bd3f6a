//! TOML → [`Node`], from toml_edit's document (byte spans on every key,
//! value and table header).
//!
//! Tables (`[a.b]`), dotted keys (`a.b = 1`) and arrays of tables
//! (`[[endpoints]]`) all become nested objects and arrays, members in source
//! order. Datetimes become strings (their text), numbers keep a JSON-readable
//! literal (`1_000` → `1000`, `0x1F` → `31`). TOML itself rejects duplicate
//! keys, so objects from TOML never hold two members of one name.

use toml_edit::{Array, ArrayOfTables, Document, InlineTable, Item, Key, Table, Value};

use super::{
    MAX_DEPTH, Member, Node, NodeKind, Number, Parsed, ScalarStyle, Span, SyntaxError, json_number,
    style_message,
};

/// Parses TOML text.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    match Document::parse(text) {
        Ok(doc) => {
            let lower = Lower { text };
            match lower.table(doc.as_table(), 0) {
                Ok(mut root) => {
                    root.span = Span::new(0, text.len());
                    parsed.root = Some(root);
                }
                Err(err) => parsed.error = Some(err),
            }
        }
        Err(err) => parsed.error = Some(syntax_error(text, err.span(), err.message())),
    }
    parsed
}

/// A parse error with our wording: the duplicated key named, the recursion
/// limit said plainly.
fn syntax_error(text: &str, range: Option<std::ops::Range<usize>>, message: &str) -> SyntaxError {
    let span = range.map_or(Span::new(0, 0), |r| {
        Span::new(
            r.start.min(text.len()),
            r.end.clamp(r.start, text.len()).min(text.len()),
        )
    });
    let source = text.get(span.start..span.end).unwrap_or_default();
    let message = match message {
        "duplicate key" if !source.is_empty() && !source.contains('\n') => {
            format!("duplicate key `{source}`")
        }
        m if m.starts_with("string values must be quoted")
            && !source.is_empty()
            && !source.contains(['\n', '"']) =>
        {
            format!("string values must be quoted: write `\"{source}\"`")
        }
        m if m.contains("recursion") => "the document nests too deeply".to_string(),
        m => style_message(m),
    };
    SyntaxError { span, message }
}

struct Lower<'t> {
    text: &'t str,
}

type Lowered = Result<Node, SyntaxError>;

impl Lower<'_> {
    fn span(&self, range: Option<std::ops::Range<usize>>) -> Option<Span> {
        range.map(|r| {
            Span::new(
                r.start.min(self.text.len()),
                r.end.min(self.text.len()).max(r.start.min(self.text.len())),
            )
        })
    }

    fn deeper(&self, depth: usize, span: Option<Span>) -> Result<usize, SyntaxError> {
        if depth >= MAX_DEPTH {
            return Err(SyntaxError {
                span: span.unwrap_or_default(),
                message: format!("the document nests deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(depth + 1)
    }

    /// A table: its members sorted by where their keys are written (toml_edit
    /// groups a table's members, wherever the headers that define them are).
    fn table(&self, table: &Table, depth: usize) -> Lowered {
        let header = self.span(table.span());
        let depth = self.deeper(depth, header)?;
        let mut members = Vec::with_capacity(table.len());
        for (name, item) in table.iter() {
            let Some(value) = self.item(item, depth)? else {
                continue;
            };
            members.push(self.member(name, table.key(name), value));
        }
        Ok(object(members, header))
    }

    fn inline_table(&self, table: &InlineTable, depth: usize) -> Lowered {
        let own = self.span(table.span());
        let depth = self.deeper(depth, own)?;
        let mut members = Vec::with_capacity(table.len());
        for (name, value) in table.iter() {
            let value = self.value(value, depth)?;
            members.push(self.member(name, table.key(name), value));
        }
        // A dotted inline table (`d.e = 2` inside `{ }`) spans only its key.
        let own = if table.is_dotted() { None } else { own };
        Ok(object(members, own))
    }

    fn member(&self, name: &str, key: Option<&Key>, value: Node) -> Member {
        let key_span = key.and_then(|k| self.span(k.span())).unwrap_or(value.span);
        Member {
            key: name.to_string(),
            key_span,
            value,
        }
    }

    fn item(&self, item: &Item, depth: usize) -> Result<Option<Node>, SyntaxError> {
        Ok(match item {
            Item::None => None,
            Item::Value(v) => Some(self.value(v, depth)?),
            Item::Table(t) => Some(self.table(t, depth)?),
            Item::ArrayOfTables(a) => Some(self.array_of_tables(a, depth)?),
        })
    }

    fn array_of_tables(&self, array: &ArrayOfTables, depth: usize) -> Lowered {
        let own = self.span(array.span());
        let depth = self.deeper(depth, own)?;
        let items = array
            .iter()
            .map(|t| self.table(t, depth))
            .collect::<Result<Vec<_>, _>>()?;
        let span = items
            .iter()
            .map(|n| n.span)
            .reduce(Span::cover)
            .or(own)
            .unwrap_or_default();
        Ok(Node::new(NodeKind::Array(items), span))
    }

    fn array(&self, array: &Array, depth: usize) -> Lowered {
        let own = self.span(array.span());
        let depth = self.deeper(depth, own)?;
        let items = array
            .iter()
            .map(|v| self.value(v, depth))
            .collect::<Result<Vec<_>, _>>()?;
        let span = own
            .or_else(|| items.iter().map(|n| n.span).reduce(Span::cover))
            .unwrap_or_default();
        Ok(Node::new(NodeKind::Array(items), span))
    }

    fn value(&self, value: &Value, depth: usize) -> Lowered {
        let span = self.span(value.span()).unwrap_or_default();
        let source = self.text.get(span.start..span.end).unwrap_or_default();
        Ok(match value {
            Value::String(s) => {
                let s = s.value();
                let mut node = Node::new(NodeKind::String(s.clone()), span);
                // Basic (`"…"`) and literal (`'…'`) strings without escapes
                // map 1:1; multi-line ones (`"""…"""`) have a longer opening.
                let multiline = source.starts_with("\"\"\"") || source.starts_with("'''");
                if !multiline
                    && source.len() >= 2
                    && source.get(1..source.len() - 1) == Some(s.as_str())
                {
                    node.style = ScalarStyle::Quoted;
                }
                node
            }
            Value::Integer(i) => {
                let raw = if json_number(source) {
                    source.to_string()
                } else {
                    i.value().to_string()
                };
                Node::new(NodeKind::Number(Number { raw }), span)
            }
            Value::Float(f) => {
                let v = *f.value();
                let raw = if json_number(source) {
                    source.to_string()
                } else if v.is_finite() {
                    format!("{v:?}")
                } else {
                    // `inf`/`nan`: kept as written; no JSON number reads them.
                    source.to_string()
                };
                Node::new(NodeKind::Number(Number { raw }), span)
            }
            Value::Boolean(b) => Node::new(NodeKind::Bool(*b.value()), span),
            Value::Datetime(d) => {
                let text = if source.is_empty() {
                    d.value().to_string()
                } else {
                    source.to_string()
                };
                let mut node = Node::new(NodeKind::String(text), span);
                if !source.is_empty() {
                    node.style = ScalarStyle::Plain;
                }
                node
            }
            Value::Array(a) => self.array(a, depth)?,
            Value::InlineTable(t) => self.inline_table(t, depth)?,
        })
    }
}

/// An object whose members are in source order, spanning its own text (a
/// header, braces) and every member.
fn object(mut members: Vec<Member>, own: Option<Span>) -> Node {
    members.sort_by_key(|m| m.key_span.start);
    let span = members
        .iter()
        .map(|m| m.key_span.cover(m.value.span))
        .fold(own, |acc, s| Some(acc.map_or(s, |a| a.cover(s))));
    Node::new(NodeKind::Object(members), span.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let p = parse(text);
        assert!(p.error.is_none(), "{text:?}: {:?}", p.error);
        p.root.expect("root")
    }

    fn src(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn values_are_typed() {
        let cases: [(&str, NodeKind); 10] = [
            ("3", NodeKind::Number(Number { raw: "3".into() })),
            ("3.0", NodeKind::Number(Number { raw: "3.0".into() })),
            ("+5", NodeKind::Number(Number { raw: "5".into() })),
            ("1_000", NodeKind::Number(Number { raw: "1000".into() })),
            ("0x1F", NodeKind::Number(Number { raw: "31".into() })),
            ("1e3", NodeKind::Number(Number { raw: "1e3".into() })),
            ("1_0.5", NodeKind::Number(Number { raw: "10.5".into() })),
            ("true", NodeKind::Bool(true)),
            ("'lit\\n'", NodeKind::String("lit\\n".into())),
            (
                "1979-05-27T07:32:00Z",
                NodeKind::String("1979-05-27T07:32:00Z".into()),
            ),
        ];
        for (value, want) in cases {
            let r = root(&format!("v = {value}\n"));
            assert_eq!(r.get("v").map(|n| &n.kind), Some(&want), "{value}");
        }
        assert_eq!(
            root("version = 3.0\n")
                .get("version")
                .and_then(Node::as_number)
                .and_then(Number::as_i64),
            Some(3)
        );
    }

    #[test]
    fn spans_of_keys_values_tables_and_arrays_of_tables() {
        let text = "version = 3\nname = \"é {x}\"\na.b = 'c'\n\n[extra_config.\"x/y\"]\nlevel = \"DEBUG\"\n\n[[endpoints]]\nendpoint = \"/a/{id}\"\n[[endpoints.backend]]\nurl_pattern = \"/b\"\n\n[[endpoints]]\nendpoint = \"/c\"\n";
        let r = root(text);
        let keys: Vec<(&str, &str)> = r
            .as_object()
            .expect("root")
            .iter()
            .map(|m| (m.key.as_str(), src(text, m.key_span)))
            .collect();
        assert_eq!(
            keys,
            [
                ("version", "version"),
                ("name", "name"),
                ("a", "a"),
                ("extra_config", "extra_config"),
                ("endpoints", "endpoints")
            ]
        );
        let name = r.get("name").expect("name");
        assert_eq!(name.style, ScalarStyle::Quoted);
        assert_eq!(
            src(text, name.sub_span(3..6)),
            "{x}",
            "byte offsets after non-ASCII text"
        );
        let b = r.pointer("/a/b").map(|(n, _)| n).expect("a.b");
        assert_eq!(src(text, b.span), "'c'");
        let (ns, member) = r.pointer("/extra_config/x~1y").expect("namespace");
        assert_eq!(src(text, member.expect("member").key_span), "\"x/y\"");
        assert_eq!(
            src(text, ns.span),
            "[extra_config.\"x/y\"]\nlevel = \"DEBUG\""
        );
        let endpoints = r
            .get("endpoints")
            .and_then(Node::as_array)
            .expect("endpoints");
        assert_eq!(endpoints.len(), 2);
        let e0 = &endpoints[0];
        let path = e0.get("endpoint").expect("endpoint");
        assert_eq!(src(text, path.sub_span(3..7)), "{id}");
        let (pattern, _) = e0.pointer("/backend/0/url_pattern").expect("url_pattern");
        assert_eq!(src(text, pattern.span), "\"/b\"");
        assert_eq!(
            src(text, endpoints[1].span),
            "[[endpoints]]\nendpoint = \"/c\""
        );
    }

    #[test]
    fn inline_tables_and_styles() {
        let text = "it = { k = \"v\", d.e = 2 }\nml = \"\"\"\nx\"\"\"\nesc = \"a\\tb\"\n";
        let r = root(text);
        let it = r.get("it").expect("it");
        assert_eq!(src(text, it.span), "{ k = \"v\", d.e = 2 }");
        let (e, m) = it.pointer("/d/e").expect("d.e");
        assert_eq!(
            (src(text, e.span), src(text, m.expect("e").key_span)),
            ("2", "e")
        );
        assert_eq!(r.get("ml").map(|n| n.style), Some(ScalarStyle::Opaque));
        assert_eq!(r.get("esc").map(|n| n.style), Some(ScalarStyle::Opaque));
        assert_eq!(
            root("").as_object().map(<[Member]>::len),
            Some(0),
            "an empty file is an empty table"
        );
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let cases = [
            ("a = 1\na = 2\n", "a = 2\n", "duplicate key `a`"),
            ("[t]\nb = 1\n[t]\n", "t]\n", "duplicate key `t`"),
            ("\"é\" = \"x\n", "\n", "invalid basic string, expected `\"`"),
            ("a = [1, 2\n", "\n", "unclosed array, expected `]`"),
            (
                "t = 10s\n",
                "10s\n",
                "string values must be quoted: write `\"10s\"`",
            ),
            (
                "a = 1 b = 2\n",
                "= 2\n",
                "unexpected key or value, expected newline, `#`",
            ),
        ];
        for (text, rest, message) in cases {
            let p = parse(text);
            let err = p.error.unwrap_or_else(|| panic!("{text:?} must fail"));
            assert_eq!(&text[err.span.start..], rest, "{text:?}: {}", err.message);
            assert_eq!(err.message, message, "{text:?}");
        }
        let deep = format!("a = {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(
            parse(&deep)
                .error
                .is_some_and(|e| e.message.contains("nests too deeply"))
        );
    }

    #[test]
    fn every_prefix_parses_without_panic_and_with_spans_in_the_text() {
        let text = "# café\nversion = 3.0\nname = \"é {x}\"\nit = { k = 'v', d.e = [1, 2.5, 1979-05-27] }\n[extra_config.\"x/y\"]\nl = \"\"\"\nz\"\"\"\n[[endpoints]]\nendpoint = \"/a\"\n[[endpoints.backend]]\nhost = [\"h\"]\n";
        crate::syntax::testing::assert_prefixes_parse(text, parse);
    }
}
