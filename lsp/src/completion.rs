//! Completion: the keys valid at the cursor (not already present), the
//! values the schema names for a key (`output_encoding`, `encoding`,
//! `method`, `sd`, booleans…), and the endpoint's variables inside the
//! braces of a `url_pattern`.
//!
//! JSON is read with the tolerant cursor scan
//! ([`gwc::syntax::cursor::json_cursor`]), which works while the document
//! does not parse; the endpoint's variables come from the current tree, or
//! from the last version that parsed. YAML and TOML get value completion
//! on a value of a document that parses.

use gwc::docs::{self, KeyDoc};
use gwc::model::pattern;
use gwc::syntax::cursor::{Typing, json_cursor};
use gwc::syntax::locate::node_at;
use gwc::syntax::{Format, Node, NodeKind, On, PathStep, Span, locate};
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
    let items = match a.format {
        Format::Json => json_items(a, last_good, caps, &text, offset),
        Format::Yaml | Format::Toml => tree_value_items(a, caps, &text, offset),
    };
    Some(CompletionResponse::Array(items))
}

fn json_items(
    a: &Analysis,
    last_good: Option<&Analysis>,
    caps: &ClientCaps,
    text: &Text<'_>,
    offset: usize,
) -> Vec<CompletionItem> {
    let cursor = json_cursor(&a.text, offset);
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
                    let quoted = format!("\"{}\"", k.name);
                    let new_text = if has_colon {
                        quoted.clone()
                    } else {
                        format!("{quoted}: ")
                    };
                    key_item(&k, i, caps, text.range(replace), new_text, quoted)
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
            if in_string
                && let Some(t) = token
                && path.last().and_then(PathStep::as_key) == Some("url_pattern")
                && let Some(items) = variable_items(a, last_good, text, &path, t, offset)
            {
                return items;
            }
            let replace = token.unwrap_or(Span::new(offset, offset));
            value_items(&path, caps, text, replace, |v| v.to_string())
        }
        Typing::Other => Vec::new(),
    }
}

/// Value completion on a scalar of a parsed YAML or TOML tree.
fn tree_value_items(
    a: &Analysis,
    caps: &ClientCaps,
    text: &Text<'_>,
    offset: usize,
) -> Vec<CompletionItem> {
    let Some(root) = &a.parsed.root else {
        return Vec::new();
    };
    // The cursor usually sits just after the value being typed.
    let loc = locate(root, offset).or_else(|| locate(root, offset.saturating_sub(1)));
    let Some(loc) = loc.filter(|l| l.on == On::Value && !is_container(l.node)) else {
        return Vec::new();
    };
    let format = a.format;
    value_items(&loc.path, caps, text, loc.node.span, |v| match v {
        // A bare scalar is a string in YAML; TOML needs the quotes.
        Value::String(s) if format == Format::Yaml => s.clone(),
        other => other.to_string(),
    })
}

fn is_container(node: &Node) -> bool {
    matches!(node.kind, NodeKind::Object(_) | NodeKind::Array(_))
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

/// Inside the braces of a `url_pattern` string (`token`): the variables the
/// enclosing endpoint declares. `None` when the cursor is not after an
/// unclosed `{`.
fn variable_items(
    a: &Analysis,
    last_good: Option<&Analysis>,
    text: &Text<'_>,
    path: &[PathStep],
    token: Span,
    offset: usize,
) -> Option<Vec<CompletionItem>> {
    let before = a.text.get(token.start + 1..offset)?;
    let brace = before.rfind('{')?;
    if before[brace..].contains('}') {
        return None;
    }
    let name_start = token.start + 1 + brace + 1;
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
