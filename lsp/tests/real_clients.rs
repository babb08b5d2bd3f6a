//! The server against real editor clients: headless Neovim 0.11
//! (`nvim-lsp-check.sh`) and pytest-lsp with the captured capabilities of
//! VS Code 1.65, Neovim 0.11 and Emacs/eglot (`pytest-lsp-check.sh`), from
//! `../shared/real-clients`, on a config with a route collision and an
//! unresolved variable. Each run checks the diagnostics' ranges in the
//! negotiated encoding, that hover and completion answer, and that the
//! server exits with code 0 after shutdown and exit.
//!
//! Emacs 28 with eglot 1.9 (`eglot-lsp-check.sh`) runs too when `emacs` is
//! installed (optional: `apt-get install emacs-nox elpa-eglot`).
//!
//! Skips with a message when `../shared` is absent. Where it is present but
//! the clients are not installed (`real-clients/setup.sh`), the tests skip
//! locally and FAIL under CI (env `CI`), so CI cannot pass without them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn real_clients() -> Option<PathBuf> {
    let dir = repo().join("../shared/real-clients");
    dir.is_dir().then_some(dir)
}

fn tools_home() -> PathBuf {
    std::env::var_os("REAL_CLIENTS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cache/gwc-real-clients")
        })
}

/// The harness directory, or `None` (with the reason printed) to skip.
fn harness(tool: &str) -> Option<PathBuf> {
    let Some(dir) = real_clients() else {
        eprintln!("skipping: ../shared/real-clients not found");
        return None;
    };
    if !tools_home().join("venv/bin").join(tool).exists() {
        let msg = format!(
            "the real LSP clients are not installed ({tool} missing): run ../shared/real-clients/setup.sh"
        );
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("skipping: {msg}");
        return None;
    }
    Some(dir)
}

const FIXTURE: &str = "testdata/lsp/collision.json";
/// The cursor (1-based line, byte column) on `{user_id}`, the unresolved
/// variable: hover shows the rule, completion offers `iduser`.
const LINE: &str = "21";
const COL: &str = "76";

/// The server command: `gwc lsp` when the `gwc` executable sits beside
/// `gwc-lsp` (as after `cargo build`), else `gwc-lsp` itself.
fn server_command() -> Vec<String> {
    let server = PathBuf::from(env!("CARGO_BIN_EXE_gwc-lsp"));
    let gwc = server.with_file_name(if cfg!(windows) { "gwc.exe" } else { "gwc" });
    if gwc.is_file() {
        vec![gwc.display().to_string(), "lsp".to_string()]
    } else {
        eprintln!("note: no `gwc` beside `gwc-lsp`: running `gwc-lsp` directly");
        vec![server.display().to_string()]
    }
}

fn run(script: &Path, envs: &[(&str, &str)], line: &str, col: &str) -> (i32, Vec<Value>, String) {
    // The Neovim and pytest-lsp drivers take a JSON array (safe with
    // spaces in paths); the eglot driver splits on blanks.
    let command = if script.ends_with("eglot-lsp-check.sh") {
        server_command().join(" ")
    } else {
        serde_json::to_string(&server_command()).unwrap_or_default()
    };
    let out = Command::new("bash")
        .arg(script)
        .arg(command)
        .arg(FIXTURE)
        .arg(line)
        .arg(col)
        .envs(envs.iter().copied())
        .current_dir(repo())
        .output()
        .expect("run the harness");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let lines = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    let log = format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), lines, log)
}

fn of_kind<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["kind"] == kind).collect()
}

fn start(range: &Value) -> (u64, u64) {
    (
        range["start"]["line"].as_u64().unwrap_or(u64::MAX),
        range["start"]["character"].as_u64().unwrap_or(u64::MAX),
    )
}

fn end(range: &Value) -> (u64, u64) {
    (
        range["end"]["line"].as_u64().unwrap_or(u64::MAX),
        range["end"]["character"].as_u64().unwrap_or(u64::MAX),
    )
}

/// The expected ranges of the two diagnostics in an encoding: GW101 on
/// `{iduser}` of the second endpoint (ASCII line), GW201 on `{user_id}`
/// after `ñ` and `😀` on its line.
/// A diagnostic as the tests compare it: code, start and end.
type Found<'a> = (&'a str, (u64, u64), (u64, u64));

fn expected(encoding: &str) -> [Found<'static>; 2] {
    let col = match encoding {
        "utf-8" => 72,
        "utf-32" => 68,
        _ => 69,
    };
    [
        ("GW101", (17, 25), (17, 33)),
        ("GW201", (20, col), (20, col + 9)),
    ]
}

#[test]
fn neovim_0_11() {
    let Some(dir) = harness("nvim") else { return };
    let script = dir.join("nvim-lsp-check.sh");
    let extra = "textDocument/documentSymbol,textDocument/formatting,textDocument/codeAction,textDocument/definition";
    let (code, lines, log) = run(
        &script,
        &[("LSP_EXPECT_DIAGS", "2"), ("LSP_EXTRA", extra)],
        LINE,
        COL,
    );
    assert_eq!(code, 0, "nvim-lsp-check.sh failed:\n{log}");
    let server = of_kind(&lines, "server");
    let encoding = server[0]["positionEncoding"].as_str().unwrap_or_default();
    assert_eq!(encoding, "utf-8", "nvim 0.11 offers utf-8: {log}");

    let diags = of_kind(&lines, "diagnostic");
    let got: Vec<_> = diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default(),
                start(&d["range"]),
                end(&d["range"]),
            )
        })
        .collect();
    assert_eq!(got, expected(encoding), "{log}");
    assert_eq!(diags[0]["severity"], 1);
    assert_eq!(
        start(&diags[0]["relatedInformation"][0]["location"]["range"]),
        (6, 25),
        "the first `{{userid}}`: {log}"
    );

    let hover = of_kind(&lines, "hover");
    let contents = hover[0]["contents"]["value"].as_str().unwrap_or_default();
    assert!(contents.contains("**GW201**"), "{log}");
    assert!(
        contents.contains("**not declared** by endpoint `/user/{iduser}/orders`"),
        "{log}"
    );
    let completion = of_kind(&lines, "completion");
    assert_eq!(completion[0]["items"][0]["label"], "iduser", "{log}");

    let extra = of_kind(&lines, "extra");
    let symbols = &extra[0]["result"];
    assert_eq!(symbols[1]["name"], "GET /user/{iduser}/orders", "{log}");
    let formatting = &extra[1]["result"][0]["newText"];
    assert!(
        formatting
            .as_str()
            .is_some_and(|t| t.contains("\"@comment\": \"señor 😀\",\n")),
        "{log}"
    );

    let shutdown = of_kind(&lines, "shutdown");
    assert_eq!(
        (
            shutdown[0]["exited"].as_bool(),
            shutdown[0]["code"].as_i64()
        ),
        (Some(true), Some(0)),
        "{log}"
    );
}

#[test]
fn neovim_0_11_navigation_and_quick_fix() {
    let Some(dir) = harness("nvim") else { return };
    let script = dir.join("nvim-lsp-check.sh");
    // The cursor on `{iduser}` of the `url_pattern` (byte column 63), then
    // on the colliding `{iduser}` of the endpoint (line 18, column 28).
    let (code, lines, log) = run(
        &script,
        &[(
            "LSP_EXTRA",
            "textDocument/definition,textDocument/references",
        )],
        LINE,
        "63",
    );
    assert_eq!(code, 0, "{log}");
    let extra = of_kind(&lines, "extra");
    assert_eq!(
        start(&extra[0]["result"]["range"]),
        (17, 26),
        "definition: {log}"
    );
    let refs: Vec<_> = extra[1]["result"]
        .as_array()
        .map(|r| r.iter().map(|l| start(&l["range"])).collect())
        .unwrap_or_default();
    assert_eq!(refs, [(17, 26), (20, 61)], "references: {log}");

    let (code, lines, log) = run(
        &script,
        &[("LSP_EXTRA", "textDocument/codeAction")],
        "18",
        "28",
    );
    assert_eq!(code, 0, "{log}");
    let extra = of_kind(&lines, "extra");
    let action = &extra[0]["result"][0];
    assert_eq!(action["title"], "rename `{iduser}` to `{userid}`", "{log}");
    let hover = of_kind(&lines, "hover");
    assert!(
        hover[0]["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("**GW101**")),
        "{log}"
    );
}

#[test]
fn pytest_lsp_vscode_neovim_emacs() {
    let Some(dir) = harness("python") else { return };
    let script = dir.join("pytest-lsp-check.sh");
    let (code, lines, log) = run(&script, &[("LSP_EXPECT_DIAGS", "2")], LINE, COL);
    assert_eq!(code, 0, "pytest-lsp-check.sh failed:\n{log}");
    assert!(log.contains("9 passed"), "{log}");
    for client in ["visual_studio_code", "neovim", "emacs"] {
        let mine: Vec<&Value> = lines.iter().filter(|l| l["client"] == client).collect();
        let summary = mine
            .iter()
            .find(|l| l["kind"] == "diagnostics_summary")
            .unwrap_or_else(|| panic!("{client}: no diagnostics: {log}"));
        let encoding = summary["positionEncoding"].as_str().unwrap_or_default();
        let got: Vec<_> = mine
            .iter()
            .filter(|l| l["kind"] == "diagnostic")
            .map(|l| {
                let d = &l["diagnostic"];
                (
                    d["code"].as_str().unwrap_or_default(),
                    start(&d["range"]),
                    end(&d["range"]),
                )
            })
            .collect();
        assert_eq!(got, expected(encoding), "{client} ({encoding}): {log}");
        let hover = mine
            .iter()
            .find(|l| l["kind"] == "hover")
            .map(|l| &l["result"]);
        assert!(
            hover.is_some_and(|h| h["contents"]["value"]
                .as_str()
                .is_some_and(|v| v.contains("GW201"))),
            "{client}: {log}"
        );
        let completion = mine
            .iter()
            .find(|l| l["kind"] == "completion")
            .map(|l| &l["labels"]);
        assert_eq!(
            completion.and_then(|c| c[0].as_str()),
            Some("iduser"),
            "{client}: {log}"
        );
        let exits: Vec<_> = mine
            .iter()
            .filter(|l| l["kind"] == "shutdown")
            .map(|l| l["returncode"].as_i64())
            .collect();
        assert_eq!(exits, [Some(0); 3], "{client}: {log}");
    }
    let encodings: Vec<_> = lines
        .iter()
        .filter(|l| l["kind"] == "diagnostics_summary")
        .map(|l| l["positionEncoding"].as_str().unwrap_or_default())
        .collect();
    assert!(
        encodings.contains(&"utf-16") && encodings.contains(&"utf-8"),
        "{encodings:?}"
    );
}

#[test]
fn emacs_eglot_when_installed() {
    let Some(dir) = real_clients() else {
        eprintln!("skipping: ../shared/real-clients not found");
        return;
    };
    let has_emacs = Command::new("emacs")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_emacs {
        // Optional third client (not installed by setup.sh): apt-get install
        // emacs-nox elpa-eglot.
        eprintln!(
            "skipping: emacs is not installed (optional: apt-get install emacs-nox elpa-eglot)"
        );
        return;
    }
    let (code, lines, log) = run(&dir.join("eglot-lsp-check.sh"), &[], LINE, COL);
    assert_eq!(code, 0, "eglot-lsp-check.sh failed:\n{log}");
    let server = of_kind(&lines, "server");
    let encoding = server[0]["capabilities"]["positionEncoding"]
        .as_str()
        .unwrap_or_default();
    let got: Vec<_> = of_kind(&lines, "diagnostic")
        .iter()
        .map(|l| {
            let d = &l["diagnostic"];
            (
                d["code"].as_str().unwrap_or_default(),
                start(&d["range"]),
                end(&d["range"]),
            )
        })
        .collect();
    assert_eq!(got, expected(encoding), "{log}");
    let hover = of_kind(&lines, "hover");
    assert!(
        hover[0]["result"]["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("GW201")),
        "{log}"
    );
    let completion = of_kind(&lines, "completion");
    assert_eq!(completion[0]["result"][0]["label"], "iduser", "{log}");
}
