//! Code actions (the quick fixes the rules attach to their diagnostics) and
//! whole-document formatting.

use std::collections::HashMap;
use std::path::Path;

use dprint_plugin_json::configuration::ConfigurationBuilder;
use gwc::syntax::{Format, Span};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, FormattingOptions, Range, TextEdit, Uri,
    WorkspaceEdit,
};

use crate::caps::ClientCaps;
use crate::convert::{self, DiagnosticSupport};
use crate::document::Analysis;

fn overlaps(a: Span, b: Span) -> bool {
    // Touching counts: a cursor at either end of a diagnostic is on it.
    a.start <= b.end && b.start <= a.end
}

/// The quick fixes of the diagnostics that overlap `range`: one action per
/// fix, preferred when its diagnostic has exactly one fix. `only` filters
/// by kind as the client asks.
pub fn code_actions(
    a: &Analysis,
    caps: &ClientCaps,
    uri: &Uri,
    range: Range,
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    if !a.is_config || !caps.code_action_literals {
        return Vec::new();
    }
    if let Some(only) = only
        && !only
            .iter()
            .any(|k| CodeActionKind::QUICKFIX.as_str().starts_with(k.as_str()))
    {
        return Vec::new();
    }
    let text = a.text(caps.encoding);
    let wanted = text.span(range);
    let support = DiagnosticSupport {
        related_information: caps.related_information,
    };
    let mut out = Vec::new();
    for d in a
        .diagnostics
        .iter()
        .filter(|d| !d.fixes.is_empty() && overlaps(d.primary.span, wanted))
    {
        let lsp_diag = convert::diagnostic(d, &text, uri, support);
        for fix in &d.fixes {
            let edits = fix
                .edits
                .iter()
                .map(|e| TextEdit {
                    range: text.range(e.span),
                    new_text: e.text.clone(),
                })
                .collect();
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diag.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), edits)])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: (d.fixes.len() == 1).then_some(true),
                ..CodeAction::default()
            }));
        }
    }
    out
}

/// The whole document formatted (JSON and JSONC, with dprint's JSON
/// formatter, comments kept), as one edit; no edit when the text does not
/// parse, is already formatted, or is YAML or TOML (no formatter that keeps
/// comments is wired in for those).
pub fn format(a: &Analysis, caps: &ClientCaps, options: &FormattingOptions) -> Vec<TextEdit> {
    if a.format != Format::Json || a.parsed.root.is_none() {
        return Vec::new();
    }
    let Some(formatted) = format_json(&a.text, options) else {
        return Vec::new();
    };
    let text = a.text(caps.encoding);
    vec![TextEdit {
        range: text.range(Span::new(0, a.text.len())),
        new_text: formatted,
    }]
}

/// `text` formatted with the client's indentation, or `None` when it is
/// already formatted or dprint cannot parse it.
pub fn format_json(text: &str, options: &FormattingOptions) -> Option<String> {
    let indent = u8::try_from(options.tab_size.clamp(1, 16)).unwrap_or(2);
    let config = ConfigurationBuilder::new()
        .indent_width(indent)
        .use_tabs(!options.insert_spaces)
        // Long arrays of hosts or headers stay as written when they fit.
        .line_width(100)
        .build();
    let mut out =
        dprint_plugin_json::format_text(Path::new("krakend.json"), text, &config).ok()??;
    if options.trim_final_newlines == Some(true) {
        while out.ends_with("\n\n") {
            out.pop();
        }
    }
    if options.insert_final_newline == Some(false) && !text.ends_with('\n') {
        while out.ends_with('\n') {
            out.pop();
        }
    }
    (out != text).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(tab: u32, spaces: bool) -> FormattingOptions {
        FormattingOptions {
            tab_size: tab,
            insert_spaces: spaces,
            ..FormattingOptions::default()
        }
    }

    #[test]
    fn json_formatting() {
        // (input, options, output or None when nothing changes)
        let cases = [
            (
                "{\n\"version\":3,\n\"endpoints\":[]}",
                opts(2, true),
                Some("{\n  \"version\": 3,\n  \"endpoints\": []\n}\n"),
            ),
            // dprint keeps an object on one line when its first member is.
            (
                "{\"version\":3,\n\"endpoints\":[]}",
                opts(2, true),
                Some("{ \"version\": 3, \"endpoints\": [] }\n"),
            ),
            (
                "{\n// why\n\"a\":1 /* keep */}",
                opts(4, true),
                Some("{\n    // why\n    \"a\": 1 /* keep */\n}\n"),
            ),
            ("{\n\t\"a\": 1\n}\n", opts(4, false), None),
            ("{\"a\": ", opts(2, true), None),
        ];
        for (input, o, want) in cases {
            assert_eq!(format_json(input, &o).as_deref(), want, "{input:?}");
        }
    }
}
