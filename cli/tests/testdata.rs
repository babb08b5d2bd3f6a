//! Golden tests over `testdata/`: every firing case has a reviewed snapshot of
//! its human rendering, every clean case lints with no finding at all, and
//! every rule in the registry has both.
//!
//! Build rules (GW9xx, `Check::Build`) only run when building, so their
//! files (`gw9xx_*`) are linted as `gwc lint --build` lints them; every
//! other file as plain `gwc lint`.

use std::path::{Path, PathBuf};

use gwc::check::registry::RULES;

fn testdata() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    dir.canonicalize().unwrap_or(dir)
}

/// The options `gwc lint` would run with for this file: `--build` when its
/// code is a build rule's.
fn options_for(path: &Path) -> gwc::check::CheckOptions {
    let code = code_of(path);
    gwc::check::CheckOptions {
        build: gwc::check::registry::find(&code).is_some_and(|r| r.is_build()),
        ..Default::default()
    }
}

/// Lints one file as the CLI does, with the path relative to `testdata/` so
/// snapshots do not depend on where the checkout lives.
fn lint_rel(path: &Path) -> (gwc::diag::Files, Vec<gwc::diag::Diagnostic>) {
    let full = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let rel = full
        .strip_prefix(testdata())
        .unwrap_or(&full)
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    gwc::lint_text_with(&rel, &text, &options_for(path))
}

fn code_of(path: &Path) -> String {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    stem.split('_')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase()
}

#[test]
fn firing_cases() {
    insta::glob!(
        "../../testdata",
        "lint/*.{json,yaml,yml,toml,tmpl}",
        |path| {
            let (files, diags) = lint_rel(path);
            let code = code_of(path);
            assert!(
                diags.iter().any(|d| d.code == code),
                "{} must fire {code}; got {:?}",
                path.display(),
                diags.iter().map(|d| d.code).collect::<Vec<_>>()
            );
            insta::assert_snapshot!(gwc::diag::render::human::render(&files, &diags, false));
        }
    );
}

#[test]
fn clean_cases() {
    let mut seen = 0;
    for entry in std::fs::read_dir(testdata().join("ok")).expect("testdata/ok") {
        let path = entry.expect("entry").path();
        let (files, diags) = lint_rel(&path);
        assert!(
            diags.is_empty(),
            "{} must lint clean:\n{}",
            path.display(),
            gwc::diag::render::human::render(&files, &diags, false)
        );
        seen += 1;
    }
    assert!(seen > 0, "testdata/ok is empty");
}

#[test]
fn every_rule_has_a_firing_and_a_clean_case() {
    let names = |dir: &str| -> Vec<String> {
        std::fs::read_dir(testdata().join(dir))
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (lint, ok) = (names("lint"), names("ok"));
    let mut missing = Vec::new();
    for r in RULES {
        let prefix = format!("{}_", r.code.to_ascii_lowercase());
        if !lint.iter().any(|n| n.starts_with(&prefix)) {
            missing.push(format!(
                "{}: no firing case testdata/lint/{prefix}*.json",
                r.code
            ));
        }
        if !ok.iter().any(|n| n.starts_with(&prefix)) {
            missing.push(format!(
                "{}: no clean case testdata/ok/{prefix}*.json",
                r.code
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "rules without testdata:\n{}",
        missing.join("\n")
    );
}
