//! An in-process LSP client for tests and benchmarks: it runs
//! [`gwc_lsp::serve`] on in-memory pipes and speaks real JSON-RPC to it,
//! framing included, so every message crosses the same (de)serialisation
//! as with an editor.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a test waits for one message before failing.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The repository root.
pub fn repo() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// A `file://` URI for a path.
pub fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

/// Client capabilities like VS Code's: UTF-16 only, push diagnostics with
/// related information, Markdown everywhere, hierarchical symbols.
pub fn vscode_caps() -> Value {
    json!({
        "textDocument": {
            "publishDiagnostics": {"relatedInformation": true},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "completion": {"completionItem": {"documentationFormat": ["markdown", "plaintext"]}},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}}
        },
        "workspace": {"configuration": true}
    })
}

/// Client capabilities like Neovim 0.11's: all three encodings offered,
/// pull diagnostics.
pub fn nvim_caps() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-8", "utf-16", "utf-32"]},
        "textDocument": {
            "diagnostic": {"dynamicRegistration": false},
            "publishDiagnostics": {"relatedInformation": true},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "completion": {"completionItem": {"documentationFormat": ["markdown", "plaintext"]}},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}}
        },
        "workspace": {"configuration": true, "diagnostics": {"refreshSupport": true}}
    })
}

/// A client with as little as the protocol allows: plain text, no related
/// information, flat symbols, no code action literals.
pub fn bare_caps() -> Value {
    json!({})
}

/// The client side of one in-process server.
pub struct Client {
    writer: tokio::io::WriteHalf<DuplexStream>,
    rx: mpsc::UnboundedReceiver<Value>,
    /// Notifications and server requests received but not yet consumed.
    pub inbox: VecDeque<Value>,
    next_id: i64,
    server: JoinHandle<bool>,
    /// What the client answers to `workspace/configuration` (per item).
    pub configuration: Value,
}

impl Client {
    /// Starts a server.
    pub fn start() -> Self {
        let (client_io, server_io) = tokio::io::duplex(1 << 22);
        let (server_read, server_write) = tokio::io::split(server_io);
        let server = tokio::spawn(gwc_lsp::serve(server_read, server_write));
        let (client_read, writer) = tokio::io::split(client_io);
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(read_messages(client_read, tx));
        Client {
            writer,
            rx,
            inbox: VecDeque::new(),
            next_id: 0,
            server,
            configuration: Value::Null,
        }
    }

    /// Sends one JSON-RPC message.
    pub async fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer.write_all(frame.as_bytes()).await.unwrap();
    }

    /// Sends raw bytes (for malformed-input tests).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Sends a request and returns its whole response (`result` or
    /// `error`), answering server requests meanwhile.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let msg = self.recv().await;
            if msg.get("method").is_none() && msg.get("id") == Some(&json!(id)) {
                return msg;
            }
            self.inbox.push_back(msg);
        }
    }

    /// The `result` of a request (fails the test on an error response).
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let resp = self.request(method, params).await;
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp.get("result").cloned().unwrap_or(Value::Null)
    }

    /// The next message from the server; server requests are answered
    /// (and still returned).
    async fn recv(&mut self) -> Value {
        let msg = tokio::time::timeout(TIMEOUT, self.rx.recv())
            .await
            .expect("timed out waiting for the server")
            .expect("the server closed the connection");
        if let (Some(id), Some(method)) = (msg.get("id"), msg.get("method").and_then(Value::as_str))
        {
            let result = match method {
                "workspace/configuration" => {
                    let n = msg["params"]["items"].as_array().map_or(1, Vec::len);
                    Value::Array(vec![self.configuration.clone(); n])
                }
                _ => Value::Null,
            };
            let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
            self.send(&reply).await;
        }
        msg
    }

    /// Waits for a notification `method` whose params satisfy `pred`;
    /// other messages stay in the inbox.
    pub async fn wait_for(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(pos) = self
            .inbox
            .iter()
            .position(|m| m["method"] == method && pred(&m["params"]))
        {
            return self.inbox.remove(pos).unwrap_or_default()["params"].clone();
        }
        loop {
            let msg = self.recv().await;
            if msg["method"] == method && pred(&msg["params"]) {
                return msg["params"].clone();
            }
            self.inbox.push_back(msg);
        }
    }

    /// Collects what arrives within `wait`, into the inbox.
    pub async fn drain(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            self.inbox.push_back(msg);
        }
    }

    /// The notifications `method` in the inbox, removed from it.
    pub fn take(&mut self, method: &str) -> Vec<Value> {
        let (taken, kept): (Vec<Value>, Vec<Value>) =
            self.inbox.drain(..).partition(|m| m["method"] == method);
        self.inbox = kept.into();
        taken.into_iter().map(|m| m["params"].clone()).collect()
    }

    /// `initialize` + `initialized`; returns the initialize result.
    pub async fn initialize(&mut self, capabilities: Value, options: Option<Value>) -> Value {
        let root = repo();
        let result = self
            .call(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": uri_of(&root),
                    "capabilities": capabilities,
                    "initializationOptions": options,
                    "workspaceFolders": [{"uri": uri_of(&root), "name": "gwc"}],
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        result
    }

    /// Opens a document.
    pub async fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        )
        .await;
    }

    /// Sends one incremental change.
    pub async fn change(&mut self, uri: &str, version: i32, range: Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": range, "text": text}]
            }),
        )
        .await;
    }

    /// Replaces the whole text.
    pub async fn replace(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        )
        .await;
    }

    /// Waits for the diagnostics of `uri` at `version`.
    pub async fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let params = self
            .wait_for("textDocument/publishDiagnostics", |p| {
                p["uri"] == uri && p["version"] == version
            })
            .await;
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `shutdown` then `exit`; returns what `serve` returned (whether it
    /// saw a shutdown first).
    pub async fn shutdown(mut self) -> bool {
        let resp = self.request("shutdown", Value::Null).await;
        assert_eq!(resp["result"], Value::Null, "{resp}");
        self.exit().await
    }

    /// `exit` alone; returns what `serve` returned.
    pub async fn exit(mut self) -> bool {
        self.notify("exit", Value::Null).await;
        tokio::time::timeout(TIMEOUT, self.server)
            .await
            .expect("the server did not stop after exit")
            .expect("the server task panicked")
    }
}

/// Reads framed messages until the stream ends.
async fn read_messages(read: tokio::io::ReadHalf<DuplexStream>, tx: mpsc::UnboundedSender<Value>) {
    let mut reader = BufReader::new(read);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length:") {
                length = v.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else { return };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let Ok(msg) = serde_json::from_slice::<Value>(&body) else {
            return;
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}

/// The `(line, character)` of a range's start.
pub fn start(range: &Value) -> (u64, u64) {
    (
        range["start"]["line"].as_u64().unwrap(),
        range["start"]["character"].as_u64().unwrap(),
    )
}

/// An LSP position.
pub fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

/// An LSP range.
pub fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": pos(l1, c1), "end": pos(l2, c2)})
}

/// The 0-based line and UTF-16 column of the first `needle` (plus `delta`
/// bytes) in `text`.
pub fn find(text: &str, needle: &str, delta: usize) -> (u32, u32) {
    let at = text.find(needle).map(|i| i + delta).unwrap();
    let line = text[..at].matches('\n').count();
    let line_start = text[..at].rfind('\n').map_or(0, |nl| nl + 1);
    let col = text[line_start..at].encode_utf16().count();
    (line as u32, col as u32)
}
