//! Small text edits for quick fixes: replace a string value, rename a key,
//! insert a member, append to an array. Every helper returns `None` when
//! the source is not written in a shape it can edit safely, so a rule never
//! offers a fix that would break the file.

use crate::diag::Edit;
use crate::syntax::{Member, Node, ScalarStyle, Span};

/// Replaces a string value with `new`: the text between the quotes when the
/// value is written verbatim, else the whole value with a JSON-quoted string
/// (valid in JSON, YAML and TOML alike).
pub fn replace_string(node: &Node, new: &str) -> Edit {
    match node.style {
        ScalarStyle::Quoted | ScalarStyle::Plain => Edit {
            span: node.inner_span(),
            text: new.to_string(),
        },
        ScalarStyle::Opaque => Edit {
            span: node.span,
            text: json_string(new),
        },
    }
}

/// Replaces any value (a number, say) with the JSON string `new`.
pub fn replace_with_string(node: &Node, new: &str) -> Edit {
    Edit {
        span: node.span,
        text: json_string(new),
    }
}

/// `new` as a JSON string literal.
pub fn json_string(new: &str) -> String {
    serde_json::to_string(new).unwrap_or_else(|_| format!("\"{new}\""))
}

/// Renames a member's key, keeping its quoting; `None` when the key is
/// written with escapes.
pub fn rename_key(text: &str, member: &Member, new: &str) -> Option<Edit> {
    let raw = text.get(member.key_span.start..member.key_span.end)?;
    if raw == member.key {
        return Some(Edit {
            span: member.key_span,
            text: new.to_string(),
        });
    }
    let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = raw.strip_prefix(quote)?.strip_suffix(quote)?;
    (inner == member.key).then(|| Edit {
        span: Span::new(member.key_span.start + 1, member.key_span.end - 1),
        text: new.to_string(),
    })
}

/// Inserts the JSON member `member_text` (`"k": v`) just before `key_span`,
/// on its own line with the same indentation when the key starts a line,
/// else on the same line. JSON only: the caller checks the format.
pub fn insert_member_before(text: &str, key_span: Span, member_text: &str) -> Option<Edit> {
    let line_start = text.get(..key_span.start)?.rfind('\n').map_or(0, |i| i + 1);
    let indent = text.get(line_start..key_span.start)?;
    let new = if indent.chars().all(|c| c == ' ' || c == '\t') {
        format!("{member_text},\n{indent}")
    } else {
        format!("{member_text}, ")
    };
    Some(Edit {
        span: Span::new(key_span.start, key_span.start),
        text: new,
    })
}

/// Appends the JSON value `item` to a flow array (`[…]`) after its last
/// element; `None` for an empty array or one not written with brackets.
pub fn append_to_array(text: &str, array: &Node, item: &str) -> Option<Edit> {
    let items = array.as_array()?;
    let last = items.last()?;
    let open = text.get(array.span.start..array.span.start + 1)?;
    if open != "[" {
        return None;
    }
    Some(Edit {
        span: Span::new(last.span.end, last.span.end),
        text: format!(", {item}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{Format, parse};

    #[test]
    fn edits() {
        let text = "{\n  \"a\": [\"x\"],\n  \"b\": \"v\"\n}";
        let root = parse(text, Format::Json).root.expect("parses");
        let apply = |e: Edit| format!("{}{}{}", &text[..e.span.start], e.text, &text[e.span.end..]);
        let b = root.member("b").expect("b");
        assert_eq!(
            apply(replace_string(&b.value, "w")),
            "{\n  \"a\": [\"x\"],\n  \"b\": \"w\"\n}"
        );
        assert_eq!(
            apply(rename_key(text, b, "c").expect("rename")),
            "{\n  \"a\": [\"x\"],\n  \"c\": \"v\"\n}"
        );
        assert_eq!(
            apply(insert_member_before(text, b.key_span, "\"z\": true").expect("insert")),
            "{\n  \"a\": [\"x\"],\n  \"z\": true,\n  \"b\": \"v\"\n}"
        );
        let a = root.get("a").expect("a");
        assert_eq!(
            apply(append_to_array(text, a, "\"y\"").expect("append")),
            "{\n  \"a\": [\"x\", \"y\"],\n  \"b\": \"v\"\n}"
        );
    }
}
