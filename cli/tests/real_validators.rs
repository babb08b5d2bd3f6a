//! The machine formats, checked by the real third-party validators in
//! `../shared/real-clients` (SARIF 2.1.0 schema + Microsoft's SARIF
//! Multitool with GitHub's ingestion rules; the GitHub Actions runner's own
//! annotation parsing rules).
//!
//! Skips with a message when `../shared` is absent. Where it is present but
//! the validators were not installed (`real-clients/setup.sh`), the test
//! skips locally and fails under CI, so CI cannot pass without running them.

use std::path::{Path, PathBuf};
use std::process::Command;

fn real_clients() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/real-clients");
    if dir.is_dir() {
        return Some(dir);
    }
    let alt = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-clients");
    alt.is_dir().then_some(alt)
}

fn tools_home() -> PathBuf {
    std::env::var_os("REAL_CLIENTS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cache/gwc-real-clients")
        })
}

/// The validators' directory, or `None` (with the reason printed) to skip.
fn validators() -> Option<PathBuf> {
    let Some(dir) = real_clients() else {
        eprintln!("skipping: ../shared/real-clients not found");
        return None;
    };
    if !tools_home().join("venv/bin/python").exists() {
        let msg =
            "the real-client validators are not installed: run ../shared/real-clients/setup.sh";
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("skipping: {msg}");
        return None;
    }
    Some(dir)
}

fn gwc(args: &[&str]) -> Vec<u8> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .args(args)
        .arg("testdata/formats/mixed.json")
        .current_dir(fixture)
        .output()
        .expect("run gwc");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the fixture has errors: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn sarif_passes_the_sarif_validator_with_github_rules() {
    let Some(dir) = validators() else { return };
    let sarif = std::env::temp_dir().join(format!("gwc-{}.sarif", std::process::id()));
    std::fs::write(&sarif, gwc(&["lint", "--format", "sarif"])).expect("write sarif");
    let out = Command::new("bash")
        .arg(dir.join("validate-sarif.sh"))
        .arg("--github")
        .arg(&sarif)
        .output()
        .expect("run");
    let _ = std::fs::remove_file(&sarif);
    assert!(
        out.status.success(),
        "validate-sarif.sh --github failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn github_annotations_pass_the_runner_rules() {
    let Some(dir) = validators() else { return };
    let python = tools_home().join("venv/bin/python");
    let annotations = std::env::temp_dir().join(format!("gwc-{}.gh", std::process::id()));
    std::fs::write(&annotations, gwc(&["lint", "--format", "github"])).expect("write");
    let out = Command::new(python)
        .arg(dir.join("check-gh-annotations.py"))
        .arg(&annotations)
        .output()
        .expect("run");
    let _ = std::fs::remove_file(&annotations);
    assert!(
        out.status.success(),
        "check-gh-annotations.py failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
