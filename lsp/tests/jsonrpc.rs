//! The language server over real JSON-RPC, in process: one test per
//! feature, with the capabilities of the clients it must serve (VS Code:
//! UTF-16 and push diagnostics; Neovim 0.11: UTF-8 and pull diagnostics; a
//! bare client with no optional capability).

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Client, bare_caps, find, nvim_caps, pos, range, repo, start, uri_of, vscode_caps};

fn fixture(name: &str) -> (String, String) {
    let path = repo().join("testdata/lsp").join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    (uri_of(&path), text)
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().filter_map(|d| d["code"].as_str()).collect()
}

fn text_of(v: &Value) -> String {
    match &v["contents"] {
        Value::Object(m) => m["value"].as_str().unwrap_or_default().to_string(),
        other => other.to_string(),
    }
}

fn labels(completion: &Value) -> Vec<String> {
    let items = completion
        .get("items")
        .unwrap_or(completion)
        .as_array()
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .filter_map(|i| i["label"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn initialize_negotiates_the_position_encoding() {
    // (capabilities, negotiated encoding, pull diagnostics)
    let cases = [
        (vscode_caps(), "utf-16", false),
        (nvim_caps(), "utf-8", true),
        (
            json!({"general": {"positionEncodings": ["utf-32", "utf-16"]}}),
            "utf-32",
            false,
        ),
        (bare_caps(), "utf-16", false),
    ];
    for (caps, encoding, pull) in cases {
        let mut c = Client::start();
        let init = c.initialize(caps, None).await;
        let sc = &init["capabilities"];
        assert_eq!(sc["positionEncoding"], encoding, "{init}");
        assert_eq!(sc["diagnosticProvider"].is_object(), pull, "{init}");
        assert_eq!(sc["textDocumentSync"]["change"], 2, "incremental sync");
        for provider in [
            "hoverProvider",
            "completionProvider",
            "definitionProvider",
            "referencesProvider",
            "renameProvider",
            "documentSymbolProvider",
            "documentFormattingProvider",
            "codeActionProvider",
        ] {
            assert!(!sc[provider].is_null(), "{provider} missing: {init}");
        }
        assert_eq!(init["serverInfo"]["name"], "gwc");
        assert!(c.shutdown().await);
    }
}

#[tokio::test]
async fn push_diagnostics_on_open_change_and_close() {
    let (uri, text) = fixture("collision.json");
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    c.open(&uri, "json", &text).await;
    let diags = c.diagnostics(&uri, 1).await;
    assert_eq!(codes(&diags), ["GW101", "GW201"], "{diags:?}");

    let collision = &diags[0];
    assert_eq!(collision["severity"], 1);
    assert_eq!(collision["source"], "gwc");
    // The second place of the collision, with its label.
    let (l, col) = find(&text, "{userid}\"", 0);
    let related = &collision["relatedInformation"][0];
    assert_eq!(start(&related["location"]["range"]), (l.into(), col.into()));
    assert_eq!(related["location"]["uri"], uri.as_str());
    assert!(
        related["message"]
            .as_str()
            .is_some_and(|m| m.contains("declared")),
        "{related}"
    );
    let message = collision["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("endpoint `/user/{iduser}/orders` conflicts with `/user/{userid}`")
    );
    assert!(
        message.contains("\nhelp: rename `{iduser}` to `{userid}`"),
        "{message}"
    );
    // No docs website: no codeDescription (the rule's doc is in hover).
    assert!(collision.get("codeDescription").is_none());

    // UTF-16: `ñ` is one unit, `😀` two; the variable is at UTF-16 column 69.
    let undefined = &diags[1];
    assert_eq!(start(&undefined["range"]), (20, 69));
    assert_eq!(undefined["range"]["end"]["character"], 78);

    // Fix the variable with an incremental edit: `user_id` → `iduser`.
    let line = text.lines().nth(20).unwrap_or_default();
    let byte = line.find("{user_id}").unwrap_or_default() + 1;
    let col = line[..byte].encode_utf16().count() as u32;
    c.change(&uri, 2, range(20, col, 20, col + 7), "iduser")
        .await;
    let diags = c.diagnostics(&uri, 2).await;
    assert_eq!(codes(&diags), ["GW101"], "{diags:?}");

    // A burst of edits: the last version's diagnostics arrive, and no
    // stale version is published after it.
    for v in 3..=8 {
        let name = if v % 2 == 0 { "iduser" } else { "nobody" };
        c.change(&uri, v, range(20, col, 20, col + 6), name).await;
    }
    let diags = c.diagnostics(&uri, 8).await;
    assert_eq!(codes(&diags), ["GW101"], "{diags:?}");
    c.drain(Duration::from_millis(300)).await;
    let late = c.take("textDocument/publishDiagnostics");
    assert!(late.iter().all(|p| p["version"] == 8), "{late:?}");

    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    let closed = c
        .wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri.as_str()
        })
        .await;
    assert_eq!(closed["diagnostics"], json!([]));
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn pull_diagnostics_and_other_encodings() {
    let (uri, text) = fixture("collision.json");
    // (capabilities, the column of `{user_id}` on line 20)
    let cases = [
        (nvim_caps(), 72),
        (
            json!({"general": {"positionEncodings": ["utf-32"]}, "textDocument": {"diagnostic": {}}}),
            68,
        ),
    ];
    for (caps, col) in cases {
        let mut c = Client::start();
        c.initialize(caps, None).await;
        c.open(&uri, "json", &text).await;
        let report = c
            .call(
                "textDocument/diagnostic",
                json!({"textDocument": {"uri": uri}}),
            )
            .await;
        assert_eq!(report["kind"], "full", "{report}");
        let items = report["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(codes(&items), ["GW101", "GW201"]);
        assert_eq!(start(&items[1]["range"]), (20, col));
        // Unchanged while the text is.
        let id = report["resultId"].clone();
        let again = c
            .call(
                "textDocument/diagnostic",
                json!({"textDocument": {"uri": uri}, "previousResultId": id}),
            )
            .await;
        assert_eq!(again["kind"], "unchanged", "{again}");
        // A change makes a new full report.
        c.replace(&uri, 2, "{\"version\": 3, \"endpoints\": []}")
            .await;
        let report = c
            .call(
                "textDocument/diagnostic",
                json!({"textDocument": {"uri": uri}, "previousResultId": id}),
            )
            .await;
        assert_eq!(
            (
                report["kind"].as_str(),
                report["items"].as_array().map(Vec::len)
            ),
            (Some("full"), Some(0))
        );
        // Pull clients get no pushed diagnostics while the document is open.
        c.drain(Duration::from_millis(200)).await;
        assert!(c.take("textDocument/publishDiagnostics").is_empty());
        assert!(c.shutdown().await);
    }
}

#[tokio::test]
async fn clients_without_related_information_get_the_places_in_the_message() {
    let (uri, text) = fixture("collision.json");
    let mut c = Client::start();
    c.initialize(bare_caps(), None).await;
    c.open(&uri, "json", &text).await;
    let diags = c.diagnostics(&uri, 1).await;
    assert!(diags[0].get("relatedInformation").is_none());
    let message = diags[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("\n7:26: `{userid}` is declared"),
        "{message}"
    );
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn hover_documents_keys_values_variables_and_rules() {
    let (uri, text) = fixture("collision.json");
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    c.open(&uri, "json", &text).await;
    let hover =
        |line: u32, col: u32| json!({"textDocument": {"uri": uri}, "position": pos(line, col)});
    // (needle, byte delta, what the hover must contain)
    let cases = [
        ("\"url_pattern\"", 2, "sent to the backend"),
        ("\"output_encoding\"", 3, "How the response is rendered"),
        ("\"json\"", 2, "`json` — a value of **`output_encoding`**"),
        ("\"version\"", 1, "**`version`**"),
        (
            "{userid}\"",
            2,
            "`{userid}` — declared by endpoint `/user/{userid}` (line 7); used by 1 backend",
        ),
        // The collision's diagnostic: the rule's doc.
        ("{iduser}/orders", 1, "**GW101** `route_conflict` (error)"),
    ];
    for (needle, delta, want) in cases {
        let (l, col) = find(&text, needle, delta);
        let h = c.call("textDocument/hover", hover(l, col)).await;
        assert_eq!(h["contents"]["kind"], "markdown");
        assert!(text_of(&h).contains(want), "{needle}: {}", text_of(&h));
    }
    // A `url_pattern` variable: where it is declared, its range the `{var}`.
    let (l, col) = find(&text, "/users/{userid}", 10);
    let h = c.call("textDocument/hover", hover(l, col)).await;
    assert!(text_of(&h).contains("declared by endpoint `/user/{userid}` (line 7)"));
    assert_eq!(
        start(&h["range"]),
        find(&text, "/users/{userid}", 7).into_tuple()
    );
    // Nothing under the cursor: null.
    let h = c.call("textDocument/hover", hover(0, 0)).await;
    assert_eq!(h, Value::Null);
    assert!(c.shutdown().await);
}

trait IntoTuple {
    fn into_tuple(self) -> (u64, u64);
}

impl IntoTuple for (u32, u32) {
    fn into_tuple(self) -> (u64, u64) {
        (self.0.into(), self.1.into())
    }
}

#[tokio::test]
async fn hover_on_namespaces_and_in_plain_text() {
    let text = r#"{"version": 3, "endpoints": [{"endpoint": "/a", "backend": [{"url_pattern": "/a", "extra_config": {"gwc/loadbalancer": {}, "qos/circuit-breaker": {}}}]}]}"#;
    let uri = "file:///tmp/gw.json";
    let mut c = Client::start();
    c.initialize(bare_caps(), None).await;
    c.open(uri, "json", text).await;
    for (needle, want) in [
        ("gwc/loadbalancer", "gwc extension"),
        ("qos/circuit-breaker", "circuit-breaker"),
    ] {
        let (l, col) = find(text, needle, 2);
        let h = c
            .call(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": pos(l, col)}),
            )
            .await;
        assert_eq!(h["contents"]["kind"], "plaintext", "{h}");
        assert!(text_of(&h).contains(want), "{needle}: {h}");
    }
    assert!(c.shutdown().await);
}

/// The security components' fields (issue 12, item 7): hover docs and key
/// completion come from the schema, as for every other namespace.
#[tokio::test]
async fn hover_and_completion_in_the_security_namespaces() {
    let text = r#"{"version": 3,
 "extra_config": {
  "security/bot-detector": {"patterns": ["bot"], "x": 1},
  "security/cors": {"allow_origins": ["*"], "x": 1},
  "security/http": {"allowed_hosts": ["a.example"], "x": 1}},
 "endpoints": [{"endpoint": "/a",
  "extra_config": {"auth/validator": {"alg": "RS256", "x": 1}},
  "backend": [{"url_pattern": "/a"}]}]}"#;
    let uri = "file:///tmp/security.json";
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    c.open(uri, "json", text).await;
    let at = |l: u32, col: u32| json!({"textDocument": {"uri": uri}, "position": pos(l, col)});
    // (a key, a field the namespace's completion must offer)
    let cases = [
        ("\"patterns\"", "empty_user_agent_is_bot"),
        ("\"allow_origins\"", "allow_credentials"),
        ("\"allowed_hosts\"", "ssl_redirect"),
        ("\"alg\"", "jwk_url"),
    ];
    for (key, sibling) in cases {
        let (l, col) = find(text, key, 2);
        let h = c.call("textDocument/hover", at(l, col)).await;
        assert_eq!(h["contents"]["kind"], "markdown", "{key}: {h}");
        assert!(
            text_of(&h).contains(&format!("**`{}`**", key.trim_matches('"'))),
            "{key}: {}",
            text_of(&h)
        );
        // Completing the unknown key `"x"` of the same object, inside its quotes.
        let start = text.find(key).unwrap_or(0);
        let x = start + text[start..].find("\"x\"").unwrap_or(0) + 1;
        let (l, col) = find(text, &text[x..], 0);
        let res = c.call("textDocument/completion", at(l, col)).await;
        let got = labels(&res);
        assert!(got.contains(&sibling.to_string()), "{key}: {got:?}");
    }
    assert!(c.shutdown().await);
}

/// `qos/ratelimit/router`'s fields (issue 13, item 1): hover docs, key
/// completion and the strategy values come from the schema.
#[tokio::test]
async fn hover_and_completion_in_the_rate_limit() {
    let text = r#"{"version": 3,
 "endpoints": [{"endpoint": "/a",
  "extra_config": {"qos/ratelimit/router": {"client_max_rate": 5, "strategy": "", "x": 1}},
  "backend": [{"url_pattern": "/a"}]}]}"#;
    let uri = "file:///tmp/ratelimit.json";
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    c.open(uri, "json", text).await;
    let at = |l: u32, col: u32| json!({"textDocument": {"uri": uri}, "position": pos(l, col)});
    let (l, col) = find(text, "\"client_max_rate\"", 2);
    let h = c.call("textDocument/hover", at(l, col)).await;
    assert!(
        text_of(&h).contains("**`client_max_rate`**"),
        "{}",
        text_of(&h)
    );
    assert!(text_of(&h).contains("429"), "{}", text_of(&h));
    // The unknown key `"x"`, inside its quotes: the namespace's other fields.
    let (l, col) = find(text, "x\": 1", 0);
    let got = labels(&c.call("textDocument/completion", at(l, col)).await);
    for field in ["max_rate", "capacity", "client_capacity", "key", "every"] {
        assert!(got.contains(&field.to_string()), "{field}: {got:?}");
    }
    // The empty `strategy` value: its three strategies.
    let (l, col) = find(text, "\"\", \"x\"", 1);
    let got = labels(&c.call("textDocument/completion", at(l, col)).await);
    for value in ["ip", "header", "param"] {
        assert!(got.iter().any(|g| g.contains(value)), "{value}: {got:?}");
    }
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn completion_of_keys_values_and_variables() {
    let (uri, text) = fixture("collision.json");
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    c.open(&uri, "json", &text).await;
    let complete =
        |l: u32, col: u32| json!({"textDocument": {"uri": uri}, "position": pos(l, col)});

    // Enum values inside `"output_encoding": "json"`.
    let (l, col) = find(&text, "\"json\",", 1);
    let res = c.call("textDocument/completion", complete(l, col)).await;
    let got = labels(&res);
    for want in ["json", "negotiate", "xml", "no-op"] {
        assert!(got.contains(&want.to_string()), "{want} in {got:?}");
    }
    // The edit replaces the whole string, quotes included.
    let item = &res[0];
    assert_eq!(item["textEdit"]["newText"], "\"json\"");
    assert_eq!(
        start(&item["textEdit"]["range"]),
        (l.into(), u64::from(col) - 1)
    );

    // Variables inside the braces of a `url_pattern`.
    let (l, col) = find(&text, "{user_id}", 3);
    let res = c.call("textDocument/completion", complete(l, col)).await;
    assert_eq!(labels(&res), ["iduser"]);

    // Keys while typing: the document does not parse.
    let (l, _) = find(
        &text,
        "\"method\": \"GET\",\n      \"backend\": [\n        {\"@",
        0,
    );
    c.change(&uri, 2, range(l, 0, l, 0), "      \"ti\n").await;
    let res = c.call("textDocument/completion", complete(l, 9)).await;
    let got = labels(&res);
    assert!(got.contains(&"timeout".to_string()), "{got:?}");
    assert!(got.contains(&"output_encoding".to_string()), "{got:?}");
    // Keys already present are not offered.
    assert!(
        !got.contains(&"endpoint".to_string()) && !got.contains(&"method".to_string()),
        "{got:?}"
    );
    assert!(
        !got.contains(&"url_pattern".to_string()),
        "backend keys: {got:?}"
    );
    let timeout = res
        .as_array()
        .and_then(|items| items.iter().find(|i| i["label"] == "timeout"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(timeout["textEdit"]["newText"], "\"timeout\": ");
    assert_eq!(timeout["documentation"]["kind"], "markdown");

    // Variables still come from the last version that parsed.
    let (l2, col2) = find(&text, "{user_id}", 3);
    let res = c
        .call("textDocument/completion", complete(l2 + 1, col2))
        .await;
    assert_eq!(labels(&res), ["iduser"]);
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn completion_in_yaml_toml_and_outside_configs() {
    let yaml = "version: 3\nendpoints:\n  - endpoint: /a/{id}\n    output_encoding: json\n    backend:\n      - url_pattern: /a/{\n        host: [\"http://a\"]\n";
    let toml = "version = 3\n[[endpoints]]\nendpoint = \"/a/{id}\"\n[[endpoints.backend]]\nurl_pattern = \"/b\"\nenc\n";
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    let complete = |uri: &str, (l, col): (u32, u32)| json!({"textDocument": {"uri": uri}, "position": pos(l, col)});
    let item = |res: &Value, label: &str| {
        res.as_array()
            .and_then(|items| items.iter().find(|i| i["label"] == label))
            .cloned()
            .unwrap_or_default()
    };
    let y = "file:///tmp/gw.yaml";
    c.open(y, "yaml", yaml).await;
    // A value: a plain scalar replaces the one being typed.
    let res = c
        .call(
            "textDocument/completion",
            complete(y, find(yaml, "json", 2)),
        )
        .await;
    assert_eq!(
        item(&res, "negotiate")["textEdit"]["newText"],
        "negotiate",
        "{res}"
    );
    // A variable inside the braces (the document parses: `{` is text).
    let res = c
        .call(
            "textDocument/completion",
            complete(y, find(yaml, "/a/{\n", 4)),
        )
        .await;
    assert_eq!(labels(&res), ["id"], "{res}");
    assert_eq!(item(&res, "id")["textEdit"]["newText"], "id}");
    // A key while typing (the document no longer parses).
    let typed = yaml.replace("    backend:", "    ti\n    backend:");
    c.replace(y, 2, &typed).await;
    let res = c
        .call(
            "textDocument/completion",
            complete(y, find(&typed, "ti\n", 2)),
        )
        .await;
    let got = labels(&res);
    assert!(
        got.contains(&"timeout".to_string()) && !got.contains(&"backend".to_string()),
        "{got:?}"
    );
    assert_eq!(item(&res, "timeout")["textEdit"]["newText"], "timeout: ");

    let t = "file:///tmp/gw.toml";
    c.open(t, "toml", toml).await;
    let res = c
        .call(
            "textDocument/completion",
            complete(t, find(toml, "enc\n", 3)),
        )
        .await;
    let enc = item(&res, "encoding");
    assert_eq!(enc["textEdit"]["newText"], "encoding = ", "{res}");
    assert!(!labels(&res).contains(&"url_pattern".to_string()));

    // A JSON file that is not a config: nothing.
    c.open(
        "file:///tmp/package.json",
        "json",
        "{\"name\": \"x\", \"version\": \"1\"}",
    )
    .await;
    let res = c
        .call(
            "textDocument/completion",
            json!({"textDocument": {"uri": "file:///tmp/package.json"}, "position": pos(0, 1)}),
        )
        .await;
    assert_eq!(res, Value::Null);
    let h = c
        .call(
            "textDocument/hover",
            json!({"textDocument": {"uri": "file:///tmp/package.json"}, "position": pos(0, 3)}),
        )
        .await;
    assert_eq!(h, Value::Null);
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn definition_references_and_rename_of_endpoint_variables() {
    let (uri, text) = fixture("collision.json");
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    c.open(&uri, "json", &text).await;
    let at = |needle: &str, delta: usize| {
        let (l, col) = find(&text, needle, delta);
        json!({"textDocument": {"uri": uri}, "position": pos(l, col)})
    };
    let decl = find(&text, "{iduser}/orders", 1).into_tuple();
    let use_ = find(&text, "{iduser}?", 1).into_tuple();

    let def = c.call("textDocument/definition", at("{iduser}?", 3)).await;
    assert_eq!(start(&def["range"]), decl, "{def}");
    assert_eq!(def["range"]["end"]["character"], decl.1 + 6);

    let mut params = at("{iduser}/orders", 2);
    params["context"] = json!({"includeDeclaration": true});
    let refs = c.call("textDocument/references", params.clone()).await;
    let starts: Vec<_> = refs
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|r| start(&r["range"]))
        .collect();
    assert_eq!(starts, [decl, use_]);
    params["context"] = json!({"includeDeclaration": false});
    let refs = c.call("textDocument/references", params).await;
    assert_eq!(refs.as_array().map(Vec::len), Some(1));

    let prep = c
        .call("textDocument/prepareRename", at("{iduser}?", 1))
        .await;
    assert_eq!(prep["placeholder"], "iduser");

    let mut params = at("{iduser}?", 2);
    params["newName"] = json!("userid");
    let edit = c.call("textDocument/rename", params.clone()).await;
    let edits = edit["changes"][uri.as_str()]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let starts: Vec<_> = edits.iter().map(|e| start(&e["range"])).collect();
    assert_eq!(starts, [decl, use_]);
    assert!(edits.iter().all(|e| e["newText"] == "userid"));

    // An invalid name is refused with a message, not applied.
    params["newName"] = json!("user id");
    let resp = c.request("textDocument/rename", params).await;
    assert!(
        resp["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not a valid")),
        "{resp}"
    );

    // The undeclared `{user_id}` has no definition and cannot be renamed.
    let def = c.call("textDocument/definition", at("{user_id}", 2)).await;
    assert_eq!(def, Value::Null);
    let prep = c
        .call("textDocument/prepareRename", at("{user_id}", 2))
        .await;
    assert_eq!(prep, Value::Null);
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn code_actions_are_the_rules_quick_fixes() {
    let (uri, text) = fixture("fixes.json");
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    c.open(&uri, "json", &text).await;
    c.diagnostics(&uri, 1).await;
    let actions = |line: u32| {
        json!({
            "textDocument": {"uri": uri},
            "range": range(line, 0, line, 200),
            "context": {"diagnostics": []}
        })
    };
    // (line, title, new text of the single edit)
    let cases = [
        (5, "rename to `timeout`", "timeout"),
        (6, "replace with `json`", "json"),
        (
            9,
            "write `http://items.internal:8080`",
            "http://items.internal:8080",
        ),
        (11, "replace with `xml`", "xml"),
    ];
    for (line, title, new_text) in cases {
        let res = c.call("textDocument/codeAction", actions(line)).await;
        let list = res.as_array().cloned().unwrap_or_default();
        let action = list
            .iter()
            .find(|a| a["title"].as_str().is_some_and(|t| t.contains(title)))
            .unwrap_or_else(|| panic!("line {line}: no `{title}` in {res}"));
        assert_eq!(action["kind"], "quickfix");
        assert!(action["diagnostics"][0]["code"].is_string());
        let edits = &action["edit"]["changes"][uri.as_str()];
        assert_eq!(edits[0]["newText"], new_text, "{action}");
        // Preferred only when it is its diagnostic's one fix (GW405 offers
        // `http://` and `https://`).
        assert_eq!(
            action["isPreferred"].as_bool(),
            (line != 9).then_some(true),
            "{action}"
        );
    }
    // The route collision's fix renames the variable in the endpoint and in
    // its backend, in one action.
    let (uri2, text2) = fixture("collision.json");
    c.open(&uri2, "json", &text2).await;
    let (l, _) = find(&text2, "{iduser}/orders", 0);
    let res = c
        .call(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri2}, "range": range(l, 28, l, 28), "context": {"diagnostics": [], "only": ["quickfix"]}}),
        )
        .await;
    let action = &res[0];
    assert_eq!(action["title"], "rename `{iduser}` to `{userid}`", "{res}");
    assert_eq!(action["isPreferred"], true);
    assert_eq!(
        action["edit"]["changes"][uri2.as_str()]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // Asking only for refactorings: none.
    let res = c
        .call(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri2}, "range": range(l, 0, l, 0), "context": {"diagnostics": [], "only": ["refactor"]}}),
        )
        .await;
    assert_eq!(res, json!([]));
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn document_symbols_outline_endpoints_and_backends() {
    let (uri, text) = fixture("collision.json");
    for (caps, nested) in [(vscode_caps(), true), (bare_caps(), false)] {
        let mut c = Client::start();
        c.initialize(caps, None).await;
        c.open(&uri, "json", &text).await;
        let res = c
            .call(
                "textDocument/documentSymbol",
                json!({"textDocument": {"uri": uri}}),
            )
            .await;
        let names: Vec<&str> = res
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
            .unwrap_or_default();
        if nested {
            assert_eq!(names, ["GET /user/{userid}", "GET /user/{iduser}/orders"]);
            assert_eq!(
                res[1]["children"][0]["name"],
                "/orders/{iduser}?by={user_id}"
            );
            assert_eq!(
                res[0]["children"][0]["detail"],
                "http://users.internal:8080"
            );
            assert_eq!(
                start(&res[0]["selectionRange"]),
                find(&text, "\"/user/{userid}\"", 0).into_tuple()
            );
        } else {
            assert_eq!(
                names,
                [
                    "GET /user/{userid}",
                    "/users/{userid}",
                    "GET /user/{iduser}/orders",
                    "/orders/{iduser}?by={user_id}"
                ]
            );
            assert_eq!(res[1]["containerName"], "GET /user/{userid}");
        }
        assert!(c.shutdown().await);
    }
}

#[tokio::test]
async fn formatting_the_whole_document() {
    let uri = "file:///tmp/krakend.json";
    let text = "{\n// keep me\n\"version\":3,\"endpoints\":[]}";
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    c.open(uri, "jsonc", text).await;
    let params =
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}});
    let edits = c.call("textDocument/formatting", params.clone()).await;
    assert_eq!(
        edits[0]["newText"],
        "{\n    // keep me\n    \"version\": 3,\n    \"endpoints\": []\n}\n"
    );
    assert_eq!(edits[0]["range"], range(0, 0, 2, 27));
    // Broken text: no edits.
    c.replace(uri, 2, "{\"version\": 3,").await;
    let edits = c.call("textDocument/formatting", params).await;
    assert_eq!(edits, json!([]));
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn settings_choose_the_files_acted_on() {
    let not_config = "{\"name\": \"gateway\"}";
    // (initialization options, didChangeConfiguration settings, acted on)
    let cases = [
        (None, None, false),
        (
            Some(json!({"gwc": {"files": ["**/gateway.json"]}})),
            None,
            true,
        ),
        (
            Some(json!({"files": ["**/gateway.json"]})),
            Some(json!({})),
            true,
        ),
        (
            None,
            Some(json!({"gwc": {"files": ["**/gateway.json"]}})),
            true,
        ),
        (
            Some(json!({"gwc": {"files": ["**/gateway.json"]}})),
            Some(json!({"gwc": {"files": []}})),
            false,
        ),
    ];
    for (init, change, acted) in cases {
        let mut c = Client::start();
        c.initialize(nvim_caps(), init.clone()).await;
        if let Some(settings) = &change {
            c.notify(
                "workspace/didChangeConfiguration",
                json!({"settings": settings}),
            )
            .await;
        }
        c.open("file:///w/gateway.json", "json", not_config).await;
        let report = c
            .call(
                "textDocument/diagnostic",
                json!({"textDocument": {"uri": "file:///w/gateway.json"}}),
            )
            .await;
        // Acted on: the schema rule reports the missing keys.
        let n = report["items"].as_array().map_or(0, Vec::len);
        assert_eq!(n > 0, acted, "{init:?} {change:?}: {report}");
        assert!(c.shutdown().await);
    }
}

#[tokio::test]
async fn settings_from_workspace_configuration() {
    let mut c = Client::start();
    c.configuration = json!({"files": ["**/gateway.json"]});
    c.initialize(vscode_caps(), None).await;
    // The server asks after `initialized`; the answer applies.
    c.wait_for("workspace/configuration", |_| true).await;
    c.open("file:///w/gateway.json", "json", "{\"name\": \"gateway\"}")
        .await;
    let diags = c.diagnostics("file:///w/gateway.json", 1).await;
    assert!(!diags.is_empty());
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn yaml_and_toml_documents() {
    let yaml = "version: 3\nendpoints:\n  - endpoint: /a/{id}\n    backend:\n      - host: [\"http://a\"]\n        url_pattern: /b/{nope}\n";
    let toml = "version = 3\n[[endpoints]]\nendpoint = \"/a/{id}\"\n[[endpoints.backend]]\nhost = [\"http://a\"]\nurl_pattern = \"/b/{nope}\"\n";
    for (uri, lang, text) in [
        ("file:///w/gw.yaml", "yaml", yaml),
        ("file:///w/gw.toml", "toml", toml),
    ] {
        let mut c = Client::start();
        c.initialize(vscode_caps(), None).await;
        c.open(uri, lang, text).await;
        let diags = c.diagnostics(uri, 1).await;
        assert!(codes(&diags).contains(&"GW201"), "{lang}: {diags:?}");
        let d = diags
            .iter()
            .find(|d| d["code"] == "GW201")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            start(&d["range"]),
            find(text, "{nope}", 0).into_tuple(),
            "{lang}"
        );
        let (l, col) = find(text, "url_pattern", 2);
        let h = c
            .call(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": pos(l, col)}),
            )
            .await;
        assert!(text_of(&h).contains("sent to the backend"), "{lang}: {h}");
        assert!(c.shutdown().await);
    }
}

#[tokio::test]
async fn explain_command() {
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    let doc = c
        .call(
            "workspace/executeCommand",
            json!({"command": "gwc.explain", "arguments": ["gw201"]}),
        )
        .await;
    assert!(
        doc.as_str()
            .is_some_and(|d| d.starts_with("GW201 (undefined_url_variable")),
        "{doc}"
    );
    let resp = c
        .request(
            "workspace/executeCommand",
            json!({"command": "gwc.explain", "arguments": ["GW999"]}),
        )
        .await;
    assert!(resp["error"].is_object());
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn malformed_input_never_crashes_the_server() {
    let mut c = Client::start();
    c.initialize(vscode_caps(), None).await;
    // Wrong parameter shapes: errors, not crashes.
    for (method, params) in [
        ("textDocument/hover", json!({"textDocument": {}})),
        ("textDocument/completion", json!([1, 2])),
        (
            "textDocument/rename",
            json!({"textDocument": {"uri": "not a uri"}, "position": pos(0, 0), "newName": "x"}),
        ),
    ] {
        let resp = c.request(method, params).await;
        assert!(resp["error"].is_object(), "{method}: {resp}");
    }
    // Unknown documents and positions far outside the text: null answers.
    let far = json!({"textDocument": {"uri": "file:///nowhere.json"}, "position": pos(9999, 9999)});
    assert_eq!(c.call("textDocument/hover", far).await, Value::Null);
    c.open(
        "file:///w/krakend.json",
        "json",
        "{\"version\": 3, \"endpoints\": [{\"endpoint\": \"/é😀\"}]}",
    )
    .await;
    for (line, ch) in [(0, 9999), (9999, 0), (0, 47)] {
        let p =
            json!({"textDocument": {"uri": "file:///w/krakend.json"}, "position": pos(line, ch)});
        c.request("textDocument/hover", p.clone()).await;
        c.request("textDocument/completion", p).await;
    }
    // Edits out of range and a garbage frame.
    c.change("file:///w/krakend.json", 2, range(50, 3, 2, 1), "}}}")
        .await;
    c.send_raw(b"Content-Length: 5\r\n\r\n{oops").await;
    c.notify("textDocument/didChange", json!({"textDocument": {}}))
        .await;
    // Still alive.
    let h = c
        .call(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": "file:///w/krakend.json"}}),
        )
        .await;
    assert!(h.is_null() || h.is_array());
    assert!(c.shutdown().await);
}

#[tokio::test]
async fn exit_without_shutdown_is_not_clean() {
    let mut c = Client::start();
    c.initialize(bare_caps(), None).await;
    assert!(!c.exit().await);
}

#[tokio::test]
async fn hover_while_the_document_does_not_parse() {
    let json_text = "{\"version\": 3, \"endpoints\": [{\"endpoint\": \"/a\", \"output_encoding\": \"xml\", \"backend\": [{\"url_pattern\": ";
    let yaml_text =
        "version: 3\nendpoints:\n  - endpoint: /a\n    output_encoding: xml\n    backend: [\n";
    for (uri, lang, text) in [
        ("file:///w/gw.json", "json", json_text),
        ("file:///w/gw.yaml", "yaml", yaml_text),
    ] {
        let mut c = Client::start();
        c.initialize(vscode_caps(), None).await;
        c.open(uri, lang, text).await;
        let diags = c.diagnostics(uri, 1).await;
        assert_eq!(codes(&diags), ["GW001"], "{lang}: {diags:?}");
        for (needle, want) in [
            ("output_encoding", "How the response is rendered"),
            ("xml", "`xml` — a value of **`output_encoding`**"),
        ] {
            let (l, col) = find(text, needle, 1);
            let h = c
                .call(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": uri}, "position": pos(l, col)}),
                )
                .await;
            assert!(text_of(&h).contains(want), "{lang} {needle}: {h}");
        }
        assert!(c.shutdown().await);
    }
}
