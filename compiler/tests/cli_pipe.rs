//! Every command that writes to stdout exits quietly when its reader has
//! gone away (`gwc explain | head`), keeping the exit code it would have had,
//! as ripgrep and ruff do: no panic, no error report.
//!
//! The reader end of the pipe is closed before gwc starts, so its first
//! write meets `EPIPE` deterministically (Rust ignores `SIGPIPE`).

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
