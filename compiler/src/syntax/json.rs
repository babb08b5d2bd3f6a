//! JSON (and JSONC) → [`Node`], using jsonc-parser for byte-exact ranges.
//!
//! The parser is configured as close to Go's `encoding/json` as it goes,
//! except for comments and trailing commas: those are accepted so the editor
//! keeps a tree while the user types, and recorded for the GW002/GW003 rules.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::tokens::Token;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions, parse_to_ast};

use super::{
    Member, Node, NodeKind, Number, Parsed, ScalarStyle, Span, SyntaxError, style_message,
};

/// Parses JSON text.
pub fn parse(text: &str) -> Parsed {
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::AsTokens,
        tokens: true,
    };
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let mut parsed = Parsed::default();
    let result = match parse_to_ast(text, &collect, &options) {
        Ok(result) => result,
        Err(err) => {
            let r = err.range();
            parsed.error = Some(SyntaxError {
                span: Span::new(r.start, r.end.max(r.start)),
                message: style_message(&err.kind().to_string()),
            });
            return parsed;
        }
    };
    let tokens = result.tokens.unwrap_or_default();
    let mut last_significant: Option<(&Token, Span)> = None;
    for t in &tokens {
        let span = Span::new(t.range.start, t.range.end);
        match &t.token {
            Token::CommentLine(_) | Token::CommentBlock(_) => parsed.comments.push(span),
            tok => {
                if matches!(tok, Token::CloseBrace | Token::CloseBracket)
                    && let Some((Token::Comma, comma)) = last_significant
                {
                    parsed.trailing_commas.push(comma);
                }
                last_significant = Some((tok, span));
            }
        }
    }
    match result.value {
        Some(value) => parsed.root = Some(lower(text, &value)),
        None => {
            parsed.error = Some(SyntaxError {
                span: Span::new(text.len(), text.len()),
                message: "the file is empty: expected a JSON object".into(),
            });
        }
    }
    parsed
}

fn lower(text: &str, value: &Value<'_>) -> Node {
    let r = value.range();
    let span = Span::new(r.start, r.end);
    match value {
        Value::NullKeyword(_) => Node::new(NodeKind::Null, span),
        Value::BooleanLit(b) => Node::new(NodeKind::Bool(b.value), span),
        Value::NumberLit(n) => Node::new(
            NodeKind::Number(Number {
                raw: n.value.to_string(),
            }),
            span,
        ),
        Value::StringLit(s) => string_node(text, s.value.as_ref(), span),
        Value::Array(a) => Node::new(
            NodeKind::Array(a.elements.iter().map(|e| lower(text, e)).collect()),
            span,
        ),
        Value::Object(o) => {
            let members = o
                .properties
                .iter()
                .map(|p| {
                    let (key, key_range) = match &p.name {
                        ObjectPropName::String(s) => (s.value.to_string(), s.range),
                        ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                    };
                    Member {
                        key,
                        key_span: Span::new(key_range.start, key_range.end),
                        value: lower(text, &p.value),
                    }
                })
                .collect();
            Node::new(NodeKind::Object(members), span)
        }
    }
}

fn string_node(text: &str, value: &str, span: Span) -> Node {
    let mut node = Node::new(NodeKind::String(value.to_string()), span);
    // Offsets inside the value map onto the source only when no escape was
    // decoded: the raw text between the quotes is then the value itself.
    if span.len() >= 2 && text.get(span.start + 1..span.end - 1) == Some(value) {
        node.style = ScalarStyle::Quoted;
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_keys_values_and_jsonc() {
        let text = "{\n  // note\n  \"a\": [1, \"x\",],\n  \"a\": true,\n}";
        let p = parse(text);
        assert!(p.error.is_none());
        let root = p.root.expect("root");
        let members = root.as_object().expect("object");
        assert_eq!(members.len(), 2, "duplicates are kept");
        assert_eq!(
            &text[members[0].key_span.start..members[0].key_span.end],
            "\"a\""
        );
        assert_eq!(
            root.get("a").and_then(Node::as_bool),
            Some(true),
            "last duplicate wins"
        );
        assert_eq!(p.comments.len(), 1);
        assert_eq!(p.trailing_commas.len(), 2);
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let cases = [
            ("{\"a\": 1,, }", 8),
            ("{\"a\" 1}", 5),
            ("{'a': 1}", 1),
            ("", 0),
        ];
        for (text, at) in cases {
            let p = parse(text);
            let err = p.error.unwrap_or_else(|| panic!("{text:?} must fail"));
            assert_eq!(err.span.start, at, "{text:?}: {}", err.message);
        }
    }

    #[test]
    fn sub_spans_only_for_verbatim_strings() {
        let text = r#"{"a": "/x/{id}", "b": "/x/\u007bid}"}"#;
        let root = parse(text).root.expect("root");
        let a = root.get("a").expect("a");
        let s = a.sub_span(3..7);
        assert_eq!(&text[s.start..s.end], "{id}");
        let b = root.get("b").expect("b");
        assert_eq!(b.sub_span(3..7), b.span);
    }
}
