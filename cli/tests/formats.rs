//! Each machine output format, snapshotted once on a shared fixture that has
//! non-ASCII text before the findings (so column conversion is pinned), a
//! two-label diagnostic and a single-label one.

use std::path::Path;

fn fixture() -> (gwc::diag::Files, Vec<gwc::diag::Diagnostic>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/formats/mixed.json");
    let text = std::fs::read_to_string(&path).expect("fixture");
    gwc::lint_text("testdata/formats/mixed.json", &text)
}

#[test]
fn json_format() {
    let (files, diags) = fixture();
    let out = gwc::diag::render::json::render(&files, &diags);
    let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    insta::assert_json_snapshot!(value);
}

#[test]
fn json_columns_count_unicode_scalar_values() {
    let (files, diags) = fixture();
    let out: serde_json::Value =
        serde_json::from_str(&gwc::diag::render::json::render(&files, &diags)).expect("json");
    let text = &files.get(0).text;
    for d in out["diagnostics"].as_array().expect("array") {
        let start = d["range"]["start_byte"].as_u64().expect("byte") as usize;
        let line = d["range"]["start"]["line"].as_u64().expect("line") as usize;
        let column = d["range"]["start"]["column"].as_u64().expect("column") as usize;
        let line_text = text.lines().nth(line - 1).expect("line exists");
        let line_start = text.find(line_text).expect("line start");
        assert_eq!(text[line_start..start].chars().count() + 1, column, "{d}");
    }
}

#[test]
fn sarif_format() {
    let (files, diags) = fixture();
    let out = gwc::diag::render::sarif::render(&files, &diags);
    let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let rules = value["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .len();
    assert_eq!(
        rules,
        gwc::check::registry::RULES.len(),
        "every rule is described"
    );
    insta::assert_json_snapshot!(value, {
        ".runs[0].tool.driver.version" => "[version]",
        ".runs[0].tool.driver.semanticVersion" => "[version]",
        ".runs[0].tool.driver.rules" => "[rules]",
        ".runs[0].results[].ruleIndex" => "[index]",
    });
}

#[test]
fn github_format() {
    let (files, diags) = fixture();
    insta::assert_snapshot!(gwc::diag::render::github::render(&files, &diags));
}

#[test]
fn human_format_with_colour() {
    let (files, diags) = fixture();
    let out = gwc::diag::render::human::render(&files, &diags, true);
    assert!(out.contains("\u{1b}["), "ANSI colour codes when asked");
    let plain = gwc::diag::render::human::render(&files, &diags, false);
    assert!(!plain.contains("\u{1b}["));
    insta::assert_snapshot!(plain);
}
