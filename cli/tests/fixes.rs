//! Quick fixes do what they say: applying any one of them to its firing case
//! leaves a file that still parses and has fewer diagnostics of that code.

use std::path::Path;

fn apply(text: &str, fix: &gwc::diag::Fix) -> String {
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut out = text.to_string();
    for e in edits {
        out.replace_range(e.span.start..e.span.end, &e.text);
    }
    out
}

#[test]
fn fixes_remove_their_diagnostic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/lint");
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("testdata/lint") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("read");
        // Build rules' cases (`gw9xx_*`) are linted as `gwc lint --build`.
        let code = name
            .split('_')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let options = gwc::check::CheckOptions {
            build: gwc::check::registry::find(&code).is_some_and(|r| r.is_build()),
            ..Default::default()
        };
        let (_, diags) = gwc::lint_text_with(&name, &text, &options);
        for d in &diags {
            let before = diags.iter().filter(|x| x.code == d.code).count();
            for fix in &d.fixes {
                let fixed = apply(&text, fix);
                let (_, after) = gwc::lint_text_with(&name, &fixed, &options);
                let syntax = after.iter().any(|x| x.code == "GW001");
                let remaining = after.iter().filter(|x| x.code == d.code).count();
                if syntax || remaining >= before {
                    failures.push(format!(
                        "{name}: {} fix `{}` → syntax error: {syntax}, {remaining} left\n{fixed}",
                        d.code, fix.title
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        checked >= 30,
        "expected the firing cases to exercise the fixes, got {checked}"
    );
}
