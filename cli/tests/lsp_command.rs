//! `gwc lsp` runs the language server linked into the `gwc` binary: a copy
//! of `gwc` alone in a directory, with an empty PATH (what one `cargo
//! install --path cli` gives), serves a client over stdio.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

#[test]
fn a_lone_gwc_runs_the_server_itself() {
    let dir = std::env::temp_dir().join(format!("gwc-lsp-alone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let gwc = dir.join("gwc");
    std::fs::copy(env!("CARGO_BIN_EXE_gwc"), &gwc).expect("copy gwc");
    assert!(!dir.join(gwc_lsp_name()).exists());
    let mut child = Command::new(&gwc)
        .arg("lsp")
        .arg("--stdio")
        .env("PATH", "")
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
    let _ = std::fs::remove_dir_all(&dir);
}

fn gwc_lsp_name() -> &'static str {
    if cfg!(windows) {
        "gwc-lsp.exe"
    } else {
        "gwc-lsp"
    }
}
