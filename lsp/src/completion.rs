//! Completion: the keys valid at the cursor (not already present), the
//! values the schema names for a key (`output_encoding`, `encoding`,
//! `method`, `sd`, booleans…), and the endpoint's variables inside the
//! braces of a `url_pattern`.
//!
//! The cursor is read lexically ([`gwc::syntax::cursor`]: a tolerant scan
//! for JSON, lines and indentation for YAML and TOML), so completion works
//! while the document does not parse; the endpoint's variables come from
//! the current tree, or from the last version that parsed.

use gwc::docs::{self, KeyDoc};
use gwc::model::pattern;
use gwc::syntax::cursor::{Typing, cursor};
use gwc::syntax::locate::node_at;
use gwc::syntax::{Format, Node, PathStep, Span};
use serde_json::Value;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionResponse, CompletionTextEdit, Documentation,
    MarkupContent, MarkupKind, TextEdit,
};

use crate::caps::ClientCaps;
use crate::convert::Text;
use crate::document::Analysis;

/// The completions at byte `offset`; `last_good` is the latest analysis of
/// the document whose text parsed (for the endpoint's variables while the
/// current text does not).
pub fn completion(
    a: &Analysis,
    last_good: Option<&Analysis>,
    caps: &ClientCaps,
    offset: usize,
) -> Option<CompletionResponse> {
    if !a.is_config {
        return None;
    }
    let text = a.text(caps.encoding);
    Some(CompletionResponse::Array(items(
        a, last_good, caps, &text, offset,
    )))
}

fn items(
    a: &Analysis,
    last_good: Option<&Analysis>,
    caps: &ClientCaps,
    text: &Text<'_>,
    offset: usize,
) -> Vec<CompletionItem> {
    let format = a.format;
    let cursor = cursor(&a.text, offset, format);
    match cursor.typing {
        Typing::Key {
            token, has_colon, ..
        } => {
            let replace = token.unwrap_or(Span::new(offset, offset));
            docs::keys_at(&cursor.container)
                .into_iter()
                .filter(|k| !cursor.keys.iter().any(|present| present == k.name))
                .enumerate()
                .map(|(i, k)| {
                    let (key, separator) = match format {
                        Format::Json => (format!("\"{}\"", k.name), ": "),
                        Format::Yaml => (yaml_key(k.name), ": "),
                        Format::Toml => (toml_key(k.name), " = "),
                    };
                    let new_text = if has_colon {
                        key.clone()
                    } else {
                        format!("{key}{separator}")
                    };
                    key_item(&k, i, caps, text.range(replace), new_text, key)
                })
                .collect()
        }
        Typing::Value {
            step,
            token,
            in_string,
            ..
        } => {
            let mut path = cursor.container.clone();
            path.push(step);
            if let Some(t) = token
                && path.last().and_then(PathStep::as_key) == Some("url_pattern")
                && let Some(items) = variable_items(a, last_good, text, &path, t, in_string, offset)
            {
                return items;
            }
            let replace = token.unwrap_or(Span::new(offset, offset));
            value_items(&path, caps, text, replace, |v| match (format, v) {
                (Format::Yaml, Value::String(s)) if !in_string && plain_yaml(s) => s.clone(),
                // A JSON literal is a valid YAML and TOML value too.
                (_, other) => other.to_string(),
            })
        }
        Typing::Other => Vec::new(),
    }
}

/// Whether a string can be written as a plain YAML scalar and read back as
/// the same string.
fn plain_yaml(s: &str) -> bool {
    const KEYWORDS: [&str; 10] = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !s.starts_with('-')
        && s.parse::<f64>().is_err()
        && !KEYWORDS.contains(&s.to_ascii_lowercase().as_str())
}

/// A key as YAML writes it (quoted when it is not a plain word).
fn yaml_key(k: &str) -> String {
    if k.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_-/.".contains(&b))
        && !k.starts_with('-')
    {
        k.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_else(|_| k.to_string())
    }
}

/// A key as TOML writes it (bare keys are `A-Za-z0-9_-`).
fn toml_key(k: &str) -> String {
    if k.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_else(|_| k.to_string())
    }
}

fn documentation(caps: &ClientCaps, text: &str) -> Option<Documentation> {
    if text.is_empty() {
        return None;
    }
    Some(if caps.completion_markdown {
        Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text.to_string(),
        })
    } else {
        Documentation::String(text.to_string())
    })
}

fn key_item(
    k: &KeyDoc,
    order: usize,
    caps: &ClientCaps,
    range: tower_lsp_server::ls_types::Range,
    new_text: String,
    filter: String,
) -> CompletionItem {
    CompletionItem {
        label: k.name.to_string(),
        kind: Some(CompletionItemKind::PROPERTY),
        detail: k.type_name.clone(),
        documentation: documentation(caps, k.description),
        deprecated: k.deprecated.then_some(true),
        sort_text: Some(format!("{order:04}")),
        filter_text: Some(filter),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit { range, new_text })),
        ..CompletionItem::default()
    }
}

/// The schema's values for `path`, each replacing `replace` with its
/// rendering by `render`.
fn value_items(
    path: &[PathStep],
    caps: &ClientCaps,
    text: &Text<'_>,
    replace: Span,
    render: impl Fn(&Value) -> String,
) -> Vec<CompletionItem> {
    let values = docs::values_at(path);
    let key = path
        .iter()
        .rev()
        .find_map(PathStep::as_key)
        .unwrap_or_default();
    let doc = docs::docs_for(path).unwrap_or_default();
    values
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let new_text = render(v);
            CompletionItem {
                label: v.as_str().map_or_else(|| v.to_string(), str::to_string),
                kind: Some(if values.closed {
                    CompletionItemKind::ENUM_MEMBER
                } else {
                    CompletionItemKind::VALUE
                }),
                detail: Some(format!("{key} value")),
                documentation: documentation(caps, doc),
                sort_text: Some(format!("{i:04}")),
                filter_text: Some(new_text.clone()),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                    range: text.range(replace),
                    new_text,
                })),
                ..CompletionItem::default()
            }
        })
        .collect()
}

/// Inside the braces of a `url_pattern` value (`token`, quoted or not):
/// the variables the enclosing endpoint declares. `None` when the cursor is
/// not after an unclosed `{`.
fn variable_items(
    a: &Analysis,
    last_good: Option<&Analysis>,
    text: &Text<'_>,
    path: &[PathStep],
    token: Span,
    quoted: bool,
    offset: usize,
) -> Option<Vec<CompletionItem>> {
    let content = token.start + usize::from(quoted);
    let before = a.text.get(content..offset)?;
    let brace = before.rfind('{')?;
    if before[brace..].contains('}') {
        return None;
    }
    let name_start = content + brace + 1;
    // Replace the name being typed and the rest of it after the cursor.
    let rest = a.text.get(offset..token.end)?;
    let tail = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || "_-.:/".contains(c)))
        .unwrap_or(rest.len());
    let closed = rest[tail..].starts_with('}');
    let replace = Span::new(name_start, offset + tail);

    // endpoints.N.backend.M.url_pattern → endpoint N's path.
    let [PathStep::Key(eps), PathStep::Index(n), ..] = path else {
        return None;
    };
    if eps != "endpoints" {
        return None;
    }
    let endpoint_of = |an: &Analysis| -> Option<(String, bool)> {
        let root = an.parsed.root.as_ref()?;
        let ep = node_at(root, &[PathStep::key("endpoints"), PathStep::Index(*n)])?;
        let disable_rest = root.get("disable_rest").and_then(Node::as_bool) == Some(true);
        Some((ep.get("endpoint")?.as_str()?.to_string(), disable_rest))
    };
    let (endpoint, disable_rest) = endpoint_of(a).or_else(|| last_good.and_then(endpoint_of))?;
    let mut seen = Vec::new();
    let items = pattern::declared_vars(&endpoint, disable_rest)
        .into_iter()
        .filter(|v| {
            let new = !seen.contains(&v.name);
            seen.push(v.name);
            new
        })
        .enumerate()
        .map(|(i, v)| {
            let new_text = if closed {
                v.name.to_string()
            } else {
                format!("{}}}", v.name)
            };
            CompletionItem {
                label: v.name.to_string(),
                kind: Some(CompletionItemKind::VARIABLE),
                detail: Some(format!("variable of endpoint `{endpoint}`")),
                sort_text: Some(format!("{i:04}")),
                filter_text: Some(v.name.to_string()),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                    range: text.range(replace),
                    new_text,
                })),
                ..CompletionItem::default()
            }
        })
        .collect();
    Some(items)
}
