//! The `gwc` command line's robustness: a closed stdout, directories.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};

/// Runs gwc with `args` and its stdout on a pipe nobody reads; returns the
/// exit code and stderr.
fn run_with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every command that writes to stdout exits quietly when its reader has
/// gone away (`gwc explain | head`), keeping the exit code it would have had,
/// as ripgrep and ruff do: no panic, no error report. The reader end of the
/// pipe is closed before gwc starts, so its first write meets `EPIPE`
/// deterministically (Rust ignores `SIGPIPE`).
#[test]
fn a_closed_stdout_is_not_an_error() {
    let table: &[(&[&str], i32)] = &[
        (&["explain"], 0),
        (&["explain", "GW001"], 0),
        (&["routes", "testdata/example/krakend.json"], 0),
        (&["lint", "testdata/example/krakend.json"], 0),
        // Findings keep their exit code though nobody read them.
        (&["lint", "testdata/lint/gw001_syntax_error.json"], 1),
        (
            &[
                "lint",
                "--format",
                "sarif",
                "testdata/lint/gw001_syntax_error.json",
            ],
            1,
        ),
    ];
    for (args, want) in table {
        let (code, stderr) = run_with_closed_stdout(args);
        assert_eq!(code, Some(*want), "gwc {args:?}: {stderr}");
        assert!(stderr.is_empty(), "gwc {args:?} wrote to stderr: {stderr}");
    }
}

/// `gwc lint DIR` lints the KrakenD configs under DIR, recursively (files
/// named `krakend.*`, or with a numeric `version` and `endpoints`), skips
/// hidden entries, `node_modules` and `target`, and says on stderr which
/// files it found; a directory without one is an error.
#[test]
fn lint_takes_directories() {
    let dir = std::env::temp_dir().join(format!("gwc-cli-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("krakend.yaml", "version: 3\nendpoints: []\n");
    write(
        "services/api.json",
        r#"{"version": 3, "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/{id}"}]}]}"#,
    );
    write("package.json", r#"{"name": "x", "version": "1.0.0"}"#);
    write("notes.toml", "title = 'not a config'\n");
    write(".hidden/krakend.json", "{ broken");
    write("node_modules/dep/krakend.json", "{ broken");
    write("target/krakend.json", "{ broken");
    std::fs::create_dir_all(dir.join("empty")).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .args(["lint", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "gwc: 2 KrakenD configs in `{}`: krakend.yaml, services/api.json",
            dir.display()
        )
    );
    // `/{id}` in the backend is unresolved: a finding, exit code 1.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = report.to_string();
    assert!(text.contains("services/api.json"), "{text}");
    assert!(
        !text.contains("package.json") && !text.contains("node_modules"),
        "{text}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .arg("lint")
        .arg(dir.join("empty"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no KrakenD config found in"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
