//! `security/cors` in a real browser (issue 12's acceptance): headless
//! Chromium loads a page from one local origin whose script calls a
//! gateway built from `testdata/build/cors.json` on another origin, with a
//! custom header and `credentials: 'include'` (so the browser sends a
//! preflight first and checks `Access-Control-Allow-Credentials`). The
//! page writes what `fetch` gave it into the DOM, and the test reads the
//! DOM Chromium dumps: the allowed origin's call succeeds, the disallowed
//! origin's is blocked by the browser (and never reaches the backend).
//!
//! The page is served on 127.0.0.1 (allowed by the config's
//! `http://127.0.0.1:*`) and on `localhost` (not allowed), by one small
//! server on 127.0.0.1:0. Without Chromium (`chromium`, the Debian package)
//! the test says so and passes, except under CI (`CI` set), where it fails.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// How long one Chromium run may take, start to exit.
const BROWSER_WAIT: Duration = Duration::from_secs(60);

/// `chromium` (or `chromium-browser`) on the `PATH`.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// The page: calls the gateway and writes the outcome into `#out`.
fn page(gateway: &str) -> String {
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>cors</title></head>
<body><pre id="out">pending</pre>
<script>
const out = document.getElementById("out");
fetch("http://{gateway}/users/7", {{
  method: "POST",
  credentials: "include",
  headers: {{ "X-Client": "browser-test", "Content-Type": "application/json" }},
  body: "{{}}"
}})
  .then(r => r.text().then(t => {{ out.textContent = "allowed " + r.status + " " + t; }}))
  .catch(e => {{ out.textContent = "blocked " + e.name; }});
</script></body></html>"#
    )
}

/// Serves `html` to every request on 127.0.0.1:0 (`Connection: close`),
/// from a thread that ends with the test process.
fn page_server(html: String) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(WAIT));
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            // The request head, up to its empty line.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                html.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(html.as_bytes());
        }
    });
    port
}

/// Loads `url` in a fresh headless Chromium and returns the text of
/// `#out` once the page has settled, within [`BROWSER_WAIT`].
fn outcome(browser: &PathBuf, url: &str) -> String {
    // A fresh profile each run: no cached preflight, no cookie.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let profile = std::env::temp_dir().join(format!("gwc-chromium-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&profile).unwrap();
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--dump-dom",
        "--virtual-time-budget=5000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    // Its own process group, so a hung browser and its helpers can be
    // killed together, by the group's id (the browser's PID).
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().unwrap();
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let deadline = Instant::now() + BROWSER_WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if status.is_none() {
        let _ = Command::new("kill")
            .args(["-KILL", &format!("-{pid}")])
            .status();
        let _ = child.kill();
        let _ = child.wait();
    }
    let dom = reader.join().unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        status.is_some(),
        "chromium did not finish within {BROWSER_WAIT:?} on {url}"
    );
    let start = dom
        .find("id=\"out\">")
        .unwrap_or_else(|| panic!("no #out in the DOM of {url}:\n{dom}"));
    let rest = &dom[start + "id=\"out\">".len()..];
    rest[..rest.find("</pre>").unwrap_or(rest.len())].to_string()
}

#[test]
fn a_real_browser_obeys_the_gateways_cors_answers() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is required under CI: install the Debian package `chromium` (.ci/run does)"
        );
        println!(
            "skipped: Chromium not found on the PATH (install the Debian package `chromium` to run this test)"
        );
        return;
    };
    let up = upstream(|seen| {
        Reply::json(&serde_json::json!({"method": seen.method, "uri": seen.uri}).to_string())
    });
    let gw = start(&build("cors", &up.url(), &[]));
    let port = page_server(page(&gw.addr));

    // Allowed: `http://127.0.0.1:*` matches the page's origin.
    let allowed = outcome(&browser, &format!("http://127.0.0.1:{port}/"));
    assert_eq!(
        allowed, r#"allowed 200 {"method":"POST","uri":"/echo/users/7"}"#,
        "the allowed origin's call"
    );
    let seen = up.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].header("x-client"), Some("browser-test"));

    // Disallowed: `http://localhost:PORT` is another origin, not listed.
    // The browser's preflight gets no allow headers, so it never sends the
    // call and `fetch` rejects with a TypeError.
    let blocked = outcome(&browser, &format!("http://localhost:{port}/"));
    assert_eq!(blocked, "blocked TypeError", "the disallowed origin's call");
    assert_eq!(up.seen().len(), 1, "the blocked call reached the backend");
}
