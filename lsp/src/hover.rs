//! Hover: the documentation of the key or value under the cursor (from the
//! schema), where a `{variable}` is declared, and the rule behind any
//! diagnostic at that place.

use gwc::check::registry;
use gwc::docs;
use gwc::model::Config;
use gwc::syntax::cursor::{Typing, cursor};
use gwc::syntax::{On, PathStep, Span, locate};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use crate::caps::ClientCaps;
use crate::document::Analysis;
use crate::vars::{self, Found};

/// The hover at byte `offset`, if there is anything to say.
pub fn hover(a: &Analysis, caps: &ClientCaps, offset: usize) -> Option<Hover> {
    if !a.is_config {
        return None;
    }
    let mut sections: Vec<String> = Vec::new();
    let mut range: Option<Span> = None;

    // The rules behind the diagnostics here: there is no docs website to
    // link a code to, so the rule's doc (what `gwc explain` prints) is shown
    // where the diagnostic is.
    for d in a
        .diagnostics
        .iter()
        .filter(|d| {
            d.primary.span.start <= offset
                && offset < d.primary.span.end.max(d.primary.span.start + 1)
        })
        .take(2)
    {
        if let Some(rule) = registry::find(d.code) {
            sections.push(rule_doc(rule));
        }
    }

    let place = place_at(a, offset);
    if let Some((path, on, span)) = &place {
        range = Some(*span);
        if let Some(var) = variable_doc(a, offset) {
            sections.push(var.0);
            range = Some(var.1);
        } else if let Some(doc) = place_doc(a, path, *on, *span) {
            sections.push(doc);
        }
    }
    if sections.is_empty() {
        return None;
    }
    let text = a.text(caps.encoding);
    let markdown = sections.join("\n\n---\n\n");
    Some(Hover {
        contents: HoverContents::Markup(if caps.hover_markdown {
            MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }
        } else {
            MarkupContent {
                kind: MarkupKind::PlainText,
                value: plain(&markdown),
            }
        }),
        range: range.map(|s| text.range(s)),
    })
}

/// The path, what the offset is on, and the span of the token: from the
/// tree when the text parses, else from the lexical cursor.
fn place_at(a: &Analysis, offset: usize) -> Option<(Vec<PathStep>, On, Span)> {
    if let Some(root) = &a.parsed.root {
        let loc = locate(root, offset)?;
        return Some((loc.path.clone(), loc.on, loc.span()));
    }
    // The cursor answers for a position inside a token; hover points at a
    // character, so look one byte further.
    let c = cursor(&a.text, offset + 1, a.format);
    match c.typing {
        Typing::Key { token: Some(t), .. } => {
            let raw = a.text.get(t.start..t.end)?;
            let key = raw
                .strip_prefix(['"', '\''])
                .and_then(|r| r.strip_suffix(['"', '\'']))
                .unwrap_or(raw)
                .to_string();
            let mut path = c.container;
            path.push(PathStep::Key(key));
            Some((path, On::Key, t))
        }
        Typing::Value {
            step,
            token: Some(t),
            ..
        } => {
            let mut path = c.container;
            path.push(step);
            Some((path, On::Value, t))
        }
        _ => None,
    }
}

/// The documentation of a key or value.
fn place_doc(a: &Analysis, path: &[PathStep], on: On, span: Span) -> Option<String> {
    if on == On::Container {
        return None;
    }
    let key = path.iter().rev().find_map(PathStep::as_key)?;
    let description = docs::docs_for(path)?;
    let type_name = docs::type_at(path)
        .map(|t| format!(" · `{t}`"))
        .unwrap_or_default();
    let mut out = match on {
        On::Key => format!("**`{key}`**{type_name}\n\n{description}"),
        _ => {
            let raw = a.text.get(span.start..span.end).unwrap_or_default();
            let values = docs::values_at(path);
            let unquoted = raw.trim_matches(['"', '\'']);
            let listed = values.values.iter().any(|v| match v.as_str() {
                Some(s) => s == unquoted,
                None => serde_json::from_str::<serde_json::Value>(raw).is_ok_and(|r| &r == v),
            });
            let what = if listed {
                format!("`{unquoted}` — a value of **`{key}`**")
            } else {
                format!("**`{key}`**{type_name}")
            };
            format!("{what}\n\n{description}")
        }
    };
    if path.len() > 1 {
        out.push_str(&format!(
            "\n\n`{}`",
            gwc::syntax::locate::path_to_string(path)
        ));
    }
    Some(out)
}

/// A `{variable}` under the offset: what it is and where it is declared.
fn variable_doc(a: &Analysis, offset: usize) -> Option<(String, Span)> {
    let root = a.parsed.root.as_ref()?;
    let config = Config::from_tree(root);
    match vars::at(&config, offset)? {
        Found::Endpoint(v) => {
            let line = |s: &vars::Site| a.index.line_col(&a.text, s.span.start).line;
            let declared = match &v.declaration {
                Some(d) => format!(
                    "declared by endpoint `{}` (line {})",
                    v.endpoint_path,
                    line(d)
                ),
                None => format!(
                    "**not declared** by endpoint `{}`: KrakenD refuses to start",
                    v.endpoint_path
                ),
            };
            let uses = match v.uses.len() {
                0 => "used by no backend `url_pattern`".to_string(),
                1 => "used by 1 backend `url_pattern`".to_string(),
                n => format!("used {n} times in the backends' `url_pattern`s"),
            };
            let span = Span::new(v.at.span.start.saturating_sub(1), v.at.span.end + 1);
            Some((format!("`{{{}}}` — {declared}; {uses}", v.name), span))
        }
        Found::Other(o) => Some((format!("`{{{}}}` — {}", o.name, o.kind), o.span)),
    }
}

/// Markdown made readable as plain text: no bold markers, heading marks or
/// rules (backticks and code blocks read fine as they are).
fn plain(markdown: &str) -> String {
    markdown
        .lines()
        .filter(|l| *l != "---")
        .map(|l| l.trim_start_matches("#### ").replace("**", ""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A rule's documentation for a hover: its code, severity and summary, then
/// the doc sections with their headings demoted.
fn rule_doc(rule: &registry::Rule) -> String {
    let doc = rule.doc_text();
    let body = doc.split_once('\n').map_or("", |(_, rest)| rest).trim();
    format!(
        "**{}** `{}` ({}): {}\n\n{}",
        rule.code,
        rule.name,
        rule.severity.as_str(),
        rule.summary(),
        format!("\n{body}").replace("\n## ", "\n#### ").trim_start()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text() {
        let cases = [
            ("**`a`** · `string`\n\nText.", "`a` · `string`\n\nText."),
            (
                "x\n\n---\n\n#### How to fix it\nDo.",
                "x\n\n\nHow to fix it\nDo.",
            ),
            ("```json\n{}\n```", "```json\n{}\n```"),
        ];
        for (md, want) in cases {
            assert_eq!(plain(md), want, "{md:?}");
        }
    }

    #[test]
    fn rule_docs_keep_every_section() {
        let rule = registry::find("GW101").expect("GW101");
        let doc = rule_doc(rule);
        assert!(
            doc.starts_with("**GW101** `route_conflict` (error): "),
            "{doc}"
        );
        for section in [
            "What it does",
            "Why is this bad?",
            "Example",
            "How to fix it",
        ] {
            assert!(doc.contains(&format!("#### {section}")), "{section}: {doc}");
        }
    }
}
