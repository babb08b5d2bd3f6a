//! The quick fixes of the variable (GW2xx) and encoding (GW3xx) rules do
//! what they say: applying every fix of a firing case removes exactly the
//! findings that carried one, and leaves a file that still parses.

use std::path::Path;

fn apply(text: &str, diags: &[gwc::diag::Diagnostic]) -> String {
    let mut edits: Vec<_> = diags
        .iter()
        .flat_map(|d| d.fixes.iter().flat_map(|f| f.edits.iter()))
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut out = text.to_string();
    for e in edits {
        out.replace_range(e.span.start..e.span.end, &e.text);
    }
    out
}

#[test]
fn fixes_remove_their_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/lint");
    let mut fixed_any = 0;
    for entry in std::fs::read_dir(&dir).expect("testdata/lint") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if !(name.starts_with("gw2") || name.starts_with("gw3")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let (_, before) = gwc::lint_text(&name, &text);
        let with_fix: Vec<_> = before
            .iter()
            .filter(|d| !d.fixes.is_empty())
            .cloned()
            .collect();
        if with_fix.is_empty() {
            continue;
        }
        let fixed = apply(&text, &with_fix);
        let (_, after) = gwc::lint_text(&name, &fixed);
        assert!(
            after.iter().all(|d| !d.code.starts_with("GW0")),
            "{name}: the fixed text does not parse:\n{fixed}"
        );
        for d in &with_fix {
            let remaining = after.iter().filter(|a| a.code == d.code).count();
            let expected = before
                .iter()
                .filter(|b| b.code == d.code && b.fixes.is_empty())
                .count();
            assert_eq!(
                remaining, expected,
                "{name}: {} still fires after its fixes:\n{fixed}",
                d.code
            );
        }
        fixed_any += with_fix.len();
    }
    assert!(
        fixed_any >= 10,
        "expected the firing cases to exercise the fixes, got {fixed_any}"
    );
}
