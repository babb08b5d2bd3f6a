//! `gwc run --watch`: the config is edited three times while closed-loop
//! clients send requests (one edit is a lint error): every request gets
//! its answer, the served behaviour follows each good edit, the broken
//! edit's findings are printed and the old gateway keeps serving, and
//! SIGTERM to gwc stops the gateway and gwc.
//!
//! Shares `<target>/e2e/target` with the other end-to-end tests, so only
//! the generated crate compiles.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::*;

/// The first build may compile the runtime into the shared target dir.
const FIRST_BUILD: Duration = Duration::from_secs(900);
/// A rebuild compiles the generated crate only.
const REBUILD: Duration = Duration::from_secs(300);

fn config(host: &str, url: &str) -> String {
    format!(
        r#"{{
  "version": 3,
  "endpoints": [
    {{
      "endpoint": "/x",
      "backend": [{{ "host": ["{host}"], "url_pattern": "{url}" }}]
    }}
  ]
}}
"#
    )
}

/// Saves `text` as an editor does: a new file renamed over the config.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("json.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// gwc and every gateway process it started; killed when dropped (also
/// when an assertion fails).
struct Watch {
    gwc: Child,
    cache: PathBuf,
    out: Arc<Mutex<Vec<String>>>,
}

impl Watch {
    fn gateway_pids(&self) -> Vec<u32> {
        let mut pids = Vec::new();
        if let Ok(dirs) = std::fs::read_dir(self.cache.join("gwc/build")) {
            for d in dirs.flatten() {
                if let Ok(text) = std::fs::read_to_string(d.path().join("gateway.pid"))
                    && let Ok(pid) = text.trim().parse()
                {
                    pids.push(pid);
                }
            }
        }
        pids
    }

    /// Waits until a line of gwc's or the gateway's output contains
    /// `text`; the line.
    fn wait_for(&self, text: &str, bound: Duration) -> String {
        let t = Instant::now();
        loop {
            if let Some(l) = self.out.lock().unwrap().iter().find(|l| l.contains(text)) {
                return l.clone();
            }
            assert!(
                t.elapsed() < bound,
                "no `{text}` within {bound:?}:\n{}",
                self.out.lock().unwrap().join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        for pid in self.gateway_pids() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = self.gwc.kill();
        let _ = self.gwc.wait();
    }
}

/// Each client's answers, in the order they came.
type Answers = Vec<(usize, Result<String, String>)>;

/// One `GET /x` on a new connection, no retry: the body of a 200.
fn one_request(addr: &str) -> Result<String, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("write: {e}"))?;
    let mut buf = String::new();
    s.read_to_string(&mut buf)
        .map_err(|e| format!("read: {e}"))?;
    match buf.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.1 200 ") => Ok(body.to_owned()),
        _ => Err(format!("answer: {buf:?}")),
    }
}

#[test]
fn run_watch_follows_good_edits_and_keeps_serving_through_a_broken_one() {
    let up = upstream(|seen| Reply::json(&format!(r#"{{"path":"{}"}}"#, seen.path())));
    let host = up.url();
    let dir = e2e_dir();
    let config_path = dir.join("configs").join("run_watch.json");
    std::fs::create_dir_all(config_path.parent().unwrap()).unwrap();
    save(&config_path, &config(&host, "/v1"));
    let cache = dir.join("run-cache");
    let mut gwc = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .args(["run", "--watch", "--color", "never"])
        .arg(&config_path)
        .args(["--", "--listen", "127.0.0.1:0"])
        .env("GWC_TARGET_DIR", dir.join("target"))
        .env("XDG_CACHE_HOME", &cache)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out: Arc<Mutex<Vec<String>>> = Arc::default();
    for r in [
        Box::new(gwc.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(gwc.stderr.take().unwrap()) as Box<dyn Read + Send>,
    ] {
        let out = Arc::clone(&out);
        std::thread::spawn(move || {
            for l in BufReader::new(r).lines().map_while(Result::ok) {
                out.lock().unwrap().push(l);
            }
        });
    }
    let watch = Watch { gwc, cache, out };
    let addr = watch
        .wait_for("listening on ", FIRST_BUILD)
        .trim_start_matches("listening on ")
        .trim()
        .to_owned();
    assert_eq!(one_request(&addr).unwrap(), r#"{"path":"/v1"}"#);

    // Two closed-loop clients for the rest of the test.
    let stop = Arc::new(AtomicBool::new(false));
    let answers: Arc<Mutex<Answers>> = Arc::default();
    let clients: Vec<_> = (0..2)
        .map(|client| {
            let (stop, answers, addr) = (Arc::clone(&stop), Arc::clone(&answers), addr.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let r = one_request(&addr);
                    answers.lock().unwrap().push((client, r));
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        })
        .collect();
    let wait_answer = |want: &str, bound: Duration| {
        let t = Instant::now();
        loop {
            if answers
                .lock()
                .unwrap()
                .iter()
                .rev()
                .take(2)
                .any(|(_, a)| a.as_deref() == Ok(want))
            {
                return;
            }
            assert!(
                t.elapsed() < bound,
                "never answered {want}:\n{}",
                watch.out.lock().unwrap().join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };

    // 1. A good edit: the backend path changes.
    save(&config_path, &config(&host, "/v2"));
    wait_answer(r#"{"path":"/v2"}"#, REBUILD);
    watch.wait_for("serves the new config", REBUILD);

    // 2. A broken edit: the findings are printed, the gateway keeps
    // serving the last good config.
    save(&config_path, &config(&host, "/{nope}"));
    watch.wait_for("error[GW201]", REBUILD);
    watch.wait_for("keeps serving the last good config", REBUILD);
    let seen = answers.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(500));
    {
        let a = answers.lock().unwrap();
        assert!(a.len() > seen, "no request while the config is broken");
        assert!(
            a[seen..]
                .iter()
                .all(|(_, r)| r.as_deref() == Ok(r#"{"path":"/v2"}"#)),
            "{:?}",
            &a[seen..]
        );
    }

    // 3. Fixed again, with another path.
    save(&config_path, &config(&host, "/v3"));
    wait_answer(r#"{"path":"/v3"}"#, REBUILD);
    // Until each client has been answered by the new gateway (one may
    // still have had a request in the old one when the first saw /v3).
    let t = Instant::now();
    while !(0..2).all(|client| {
        answers
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(c, _)| *c == client)
            .is_some_and(|(_, a)| a.as_deref() == Ok(r#"{"path":"/v3"}"#))
    }) {
        assert!(t.elapsed() < REBUILD, "a client never got /v3");
        std::thread::sleep(Duration::from_millis(20));
    }

    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    let answers = answers.lock().unwrap();
    let failed: Vec<_> = answers.iter().filter(|(_, a)| a.is_err()).collect();
    assert!(failed.is_empty(), "{} failed: {failed:?}", failed.len());
    // Each client's answers only ever move forward: /v1, /v2, then /v3.
    let rank = |a: &Result<String, String>| match a.as_deref() {
        Ok(r#"{"path":"/v1"}"#) => 1,
        Ok(r#"{"path":"/v2"}"#) => 2,
        Ok(r#"{"path":"/v3"}"#) => 3,
        other => panic!("unexpected answer {other:?}"),
    };
    for client in 0..2 {
        let ranks: Vec<u8> = answers
            .iter()
            .filter(|(c, _)| *c == client)
            .map(|(_, a)| rank(a))
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
        assert!(ranks.contains(&2) && ranks.last() == Some(&3), "{ranks:?}");
    }
    drop(answers);

    // SIGTERM to gwc stops the gateway, then gwc.
    let mut watch = watch;
    let gateways = watch.gateway_pids();
    assert_eq!(gateways.len(), 1, "{gateways:?}");
    let pid = watch.gwc.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let t = Instant::now();
    let status = loop {
        if let Some(s) = watch.gwc.try_wait().unwrap() {
            break s;
        }
        assert!(t.elapsed() < WAIT, "gwc did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(
        TcpStream::connect(&addr).is_err(),
        "the gateway still serves"
    );
}
