//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning.
//!
//! Built by hand with `serde_json::json!` (ruff does the same): the subset
//! we need is small, and a typed SARIF crate costs a schema build script.
//! Every rule of the registry is listed with a full description and help so
//! GitHub's ingestion rules (GH2012) are satisfied.

use serde_json::{Value, json};

use crate::check::registry::RULES;
use crate::diag::{Diagnostic, Files, Label, Severity};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Renders the SARIF log.
pub fn render(files: &Files, diags: &[Diagnostic]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name_camel(),
                "shortDescription": {"text": r.summary()},
                "fullDescription": {"text": r.summary()},
                "help": {"text": r.doc_text(), "markdown": r.doc_text()},
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let rule_index = RULES.iter().position(|r| r.code == d.code);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            let mut result = json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [location(files, &d.primary, None)],
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            if !d.secondary.is_empty() {
                result["relatedLocations"] = Value::Array(
                    d.secondary
                        .iter()
                        .enumerate()
                        .map(|(i, l)| location(files, l, Some(i + 1)))
                        .collect(),
                );
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "gwc",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/gwc",
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory gwc was run in"}}},
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn location(files: &Files, label: &Label, id: Option<usize>) -> Value {
    let f = files.get(label.file);
    let start = f.index.line_col(&f.text, label.span.start);
    let end = f.index.line_col(&f.text, label.span.end);
    let (uri, base) = artifact_uri(&f.name);
    let mut artifact = json!({"uri": uri});
    if let Some(base) = base {
        artifact["uriBaseId"] = json!(base);
    }
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column.max(if end.line == start.line { start.column } else { 1 }),
            },
        },
    });
    if !label.message.is_empty() {
        loc["message"] = json!({"text": label.message});
    }
    if let Some(id) = id {
        loc["id"] = json!(id);
    }
    loc
}

/// A relative path becomes a URI relative to `%SRCROOT%` (what code scanning
/// wants); an absolute one a `file://` URI.
fn artifact_uri(name: &str) -> (String, Option<&'static str>) {
    let path = name.replace('\\', "/");
    let encoded: String = path
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '%' => "%25".to_string(),
            '#' => "%23".to_string(),
            '?' => "%3F".to_string(),
            c => c.to_string(),
        })
        .collect();
    if path.starts_with('/') {
        (format!("file://{encoded}"), None)
    } else {
        (
            encoded.trim_start_matches("./").to_string(),
            Some("%SRCROOT%"),
        )
    }
}
