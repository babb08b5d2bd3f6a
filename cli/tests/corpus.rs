//! The real-config corpus (`../shared/corpus`, described by its
//! `SOURCES.md`): gwc never panics and never fails internally on any file,
//! and what it reports agrees with what KrakenD CE does with the file.
//!
//! The expectations are read from SOURCES.md's table, not written here:
//! - a plain JSON/YAML/TOML file with `version` 3 whose "CE load" column is
//!   exactly `ok` lints with zero errors (warnings are fine);
//! - a file KrakenD CE rejects or crashes on (any other "CE load" value:
//!   `unsupported version`, `parse error`, `ok → gin PANIC`, `undefined
//!   output param`; every v1/v2 file; the enterprise playground) gets at
//!   least one error;
//! - a flexible-config template gets exactly one GW002 and no GW001;
//! - an intentionally broken file gets exactly one GW001.
//!
//! Every file prints one summary line (name, errors, warnings, codes), and
//! every failed expectation is listed together at the end.
//!
//! One exception, listed in [`BROKEN_AT_RUN_TIME`]: a file CE loads whose
//! component CE then runs broken (an endpoint that answers 401 forever),
//! which DESIGN.md §4 makes a lint error on purpose.

use std::path::{Path, PathBuf};
use std::process::Command;

use gwc::diag::{Diagnostic, Severity};

/// Errors on files KrakenD CE loads, where CE then runs the component
/// broken and gwc reports it (DESIGN.md §4): (file, code, what CE does).
const BROKEN_AT_RUN_TIME: &[(&str, &str, &str)] = &[(
    "krakend__krakend-schema__test__v2.13__all.json__tests0_data.json",
    "GW632",
    "`/cel/req-resp/{id}`'s `auth/validator` reads `jwk_local_path` without \
     `disable_jwk_security`: CE's https check fails and the endpoint answers 401 forever \
     (the file says it is \"not valid from a functionality point of view\")",
)];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

/// One row of SOURCES.md's table.
#[derive(Debug)]
struct Row {
    file: String,
    ver: String,
    kind: String,
    ce_load: String,
}

impl Row {
    fn is_template(&self) -> bool {
        self.kind.contains("TEMPLATE")
    }

    fn is_broken(&self) -> bool {
        self.kind.contains("BROKEN")
    }

    /// A plain config (no template, not broken) in the format its name says.
    fn is_plain(&self) -> bool {
        matches!(self.kind.as_str(), "JSON" | "YAML" | "TOML")
    }

    /// `3` or `3.0` (Go decodes TOML's `3.0` as 3).
    fn is_v3(&self) -> bool {
        self.ver.parse::<f64>().is_ok_and(|v| v == 3.0)
    }

    fn is_enterprise_playground(&self) -> bool {
        self.file.contains("playground-enterprise")
    }

    /// KrakenD CE loads it as it is.
    fn must_be_clean(&self) -> bool {
        self.is_plain() && self.is_v3() && self.ce_load == "ok" && !self.is_enterprise_playground()
    }

    /// Why KrakenD CE refuses it (or crashes on it), if it does.
    fn must_fail(&self) -> Option<String> {
        if self.is_enterprise_playground() {
            return Some("KrakenD enterprise playground (EE-only variables)".into());
        }
        if matches!(self.ver.as_str(), "1" | "2") {
            return Some(format!("version {}", self.ver));
        }
        (self.ce_load != "ok").then(|| format!("CE load: {}", self.ce_load))
    }
}

/// The table rows of SOURCES.md: `| # | `file` | source | ver | eps | kind | CE load | …`.
fn read_sources(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("SOURCES.md")).expect("corpus/SOURCES.md");
    let mut rows = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // cells[0] is the text before the first `|`.
        let (Some(number), Some(file)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let cell = |i: usize| {
            cells
                .get(i)
                .map_or_else(String::new, |c| c.replace("**", ""))
        };
        rows.push(Row {
            file: file.trim_matches('`').to_string(),
            ver: cell(4),
            kind: cell(6),
            ce_load: cell(7),
        });
    }
    rows
}

/// Runs the built binary on one file: its exit code and the error count of
/// its JSON report.
fn run_binary(path: &Path) -> (Option<i32>, Option<u64>) {
    let out = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .args(["lint", "--format", "json"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("running gwc on {}: {e}", path.display()));
    let errors = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| {
            v.pointer("/summary/errors")
                .and_then(serde_json::Value::as_u64)
        });
    (out.status.code(), errors)
}

#[test]
fn corpus_lints_as_krakend_loads_it() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        println!("skipping: ../shared/corpus not found");
        return;
    }
    let rows = read_sources(&dir);
    assert!(
        rows.len() >= 10,
        "SOURCES.md: only {} table rows read",
        rows.len()
    );

    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "SOURCES.md"))
        .collect();
    files.sort();

    let mut failures: Vec<String> = Vec::new();
    for row in &rows {
        if !files.iter().any(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy() == row.file)
        }) {
            failures.push(format!(
                "{}: listed in SOURCES.md but not in the corpus",
                row.file
            ));
        }
    }

    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                failures.push(format!("{name}: unreadable: {e}"));
                continue;
            }
        };
        let diags: Vec<Diagnostic> = match std::panic::catch_unwind(|| gwc::lint_text(&name, &text))
        {
            Ok((_, diags)) => diags,
            Err(_) => {
                failures.push(format!("{name}: gwc panicked"));
                continue;
            }
        };
        let expected_broken = |d: &Diagnostic| {
            BROKEN_AT_RUN_TIME
                .iter()
                .any(|(file, code, _)| *file == name && *code == d.code)
        };
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let unexpected = diags
            .iter()
            .filter(|d| d.severity == Severity::Error && !expected_broken(d))
            .count();
        let warnings = diags.len() - errors;
        let codes = |code: &str| diags.iter().filter(|d| d.code == code).count();
        let mut summary: Vec<String> = diags
            .iter()
            .map(|d| {
                format!(
                    "{}{}",
                    d.code,
                    if d.severity == Severity::Error {
                        ""
                    } else {
                        "(w)"
                    }
                )
            })
            .collect();
        summary.dedup();
        println!(
            "{name:<100} errors={errors:<3} warnings={warnings:<3} {}",
            summary.join(" ")
        );

        let (exit, binary_errors) = run_binary(path);
        match exit {
            Some(0 | 1) => {}
            other => failures.push(format!(
                "{name}: `gwc lint` exited with {other:?} (an internal failure)"
            )),
        }
        if exit == Some(if errors > 0 { 0 } else { 1 }) {
            failures.push(format!(
                "{name}: `gwc lint` exited with {exit:?} but the lint found {errors} errors"
            ));
        }
        if binary_errors.is_some_and(|b| b != errors as u64) {
            failures.push(format!(
                "{name}: the binary reports {binary_errors:?} errors, the library {errors}"
            ));
        }

        let Some(row) = rows.iter().find(|r| r.file == name) else {
            failures.push(format!("{name}: not described in SOURCES.md"));
            continue;
        };
        let error_lines = || {
            diags
                .iter()
                .filter(|d| d.severity == Severity::Error && !expected_broken(d))
                .map(|d| format!("\n    {}: {}", d.code, d.message))
                .collect::<String>()
        };
        if row.must_be_clean() && unexpected > 0 {
            failures.push(format!(
                "{name}: KrakenD CE loads it, yet {unexpected} errors:{}",
                error_lines()
            ));
        }
        if let Some(why) = row.must_fail()
            && errors == 0
        {
            failures.push(format!(
                "{name}: no error, but KrakenD CE rejects it ({why})"
            ));
        }
        if row.is_template() && (codes("GW002") != 1 || codes("GW001") != 0) {
            failures.push(format!(
                "{name}: a template must get exactly one GW002 and no GW001; got {} GW002, {} GW001",
                codes("GW002"),
                codes("GW001")
            ));
        }
        if row.is_broken() && (codes("GW001") != 1 || codes("GW002") != 0) {
            failures.push(format!(
                "{name}: a broken file must get exactly one GW001 and no GW002; got {} GW001, {} GW002",
                codes("GW001"),
                codes("GW002")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus expectations failed:\n- {}",
        failures.len(),
        failures.join("\n- ")
    );
}

/// The koanf fixtures say one config three times (JSON, YAML, TOML): the
/// three front ends must build the same document.
#[test]
fn koanf_fixtures_read_the_same_in_every_format() {
    let dir = corpus_dir();
    let stem = "krakend__krakend-koanf__fixtures__ok";
    let Ok(json) = std::fs::read_to_string(dir.join(format!("{stem}.json"))) else {
        println!("skipping: ../shared/corpus not found");
        return;
    };
    let tree = |ext: &str, text: &str| {
        let parsed = gwc::syntax::parse(text, gwc::syntax::Format::from_path(&format!("x.{ext}")));
        assert!(parsed.error.is_none(), "{stem}.{ext}: {:?}", parsed.error);
        numbers_as_floats(parsed.root.expect("root").to_json())
    };
    let want = tree("json", &json);
    for ext in ["yaml", "toml"] {
        let text = std::fs::read_to_string(dir.join(format!("{stem}.{ext}"))).expect("fixture");
        assert_eq!(
            tree(ext, &text),
            want,
            "{stem}.{ext} differs from the JSON fixture"
        );
    }
}

/// The TOML fixture writes `port = 8080.0` where the JSON one writes `8080`;
/// Go's weakly typed decoding reads both as 8080, so compare values.
fn numbers_as_floats(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) => n
            .as_f64()
            .map_or(Value::Number(n), |f| serde_json::json!(f)),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_floats).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_floats(v)))
                .collect(),
        ),
        other => other,
    }
}
