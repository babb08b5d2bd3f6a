//! `gwc lsp` runs the `gwc-lsp` executable found beside `gwc` (or on
//! PATH), passing stdio through and returning its exit code; without one
//! it says how to install it and exits 2.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

#[test]
fn without_the_server_it_says_how_to_install_it() {
    let dir = std::env::temp_dir().join(format!("gwc-lsp-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let alone = dir.join("gwc");
    std::fs::copy(env!("CARGO_BIN_EXE_gwc"), &alone).expect("copy gwc");
    let out = Command::new(&alone)
        .arg("lsp")
        .env("PATH", "")
        .env("NO_COLOR", "1")
        .output()
        .expect("run gwc lsp");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot find the language server executable `gwc-lsp`"),
        "{stderr}"
    );
    assert!(stderr.contains("cargo install --path lsp"), "{stderr}");
}

#[test]
fn it_runs_the_server_beside_it() {
    let gwc = PathBuf::from(env!("CARGO_BIN_EXE_gwc"));
    let server = gwc.with_file_name(gwc_lsp_name());
    if !server.is_file() {
        eprintln!(
            "skipping: no `gwc-lsp` beside `gwc` (build the workspace: cargo build --workspace)"
        );
        return;
    }
    let mut child = Command::new(&gwc)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gwc lsp");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    // As a client does: each message once the previous request is answered.
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let mut answered = |id: u32, seen: &mut Vec<u8>| {
        let want = format!("\"id\":{id}}}");
        while !String::from_utf8_lossy(seen).contains(&want) {
            let n = stdout.read(&mut buf).expect("read");
            assert!(
                n > 0,
                "the server closed stdout: {}",
                String::from_utf8_lossy(seen)
            );
            seen.extend_from_slice(&buf[..n]);
        }
    };
    let mut send = |body: &str| stdin.write_all(frame(body).as_bytes()).expect("write");
    send(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#);
    answered(1, &mut seen);
    send(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
    send(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#);
    answered(2, &mut seen);
    stdin
        .write_all(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#).as_bytes())
        .expect("write");
    drop(stdin);
    let status = child.wait().expect("wait");
    let stdout = String::from_utf8_lossy(&seen);
    assert_eq!(status.code(), Some(0), "{stdout:?}");
    assert!(stdout.contains(r#""serverInfo":{"name":"gwc""#), "{stdout}");
}

fn gwc_lsp_name() -> &'static str {
    if cfg!(windows) {
        "gwc-lsp.exe"
    } else {
        "gwc-lsp"
    }
}
