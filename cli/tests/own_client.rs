//! End to end for the own HTTP/1.1 upstream client (issue 16) and its
//! escape hatch: a built gateway calls a raw upstream (std threads on
//! 127.0.0.1:0, bytes written as given, every connection numbered) through
//! the own client (the default for `http://` hosts) and through hyper's
//! (`gwc/http-client` `"implementation": "hyper"`).
//!
//! - an answer with `Content-Length` and `Transfer-Encoding` is a 502 on
//!   both clients, its connection is closed by the gateway, and the next
//!   request goes out on another connection;
//! - `Transfer-Encoding: chunked` twice (research §4.7(c), S13: a case the
//!   own client refuses and hyper reads) is a 502 through the own client
//!   and a 200 through the escape hatch: that is what the hatch is for;
//! - the admin views say which client serves each host and count the own
//!   client's dials and rejects by reason.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::*;

/// What the raw upstream saw: (connection number, path) per request, and
/// the connections the gateway closed.
#[derive(Default)]
struct Log {
    requests: Vec<(usize, String)>,
    closed: Vec<usize>,
}

/// The raw answer for a path.
fn answer(path: &str) -> &'static [u8] {
    match path {
        "/cl-te" => {
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n"
        }
        "/double-te" => {
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"b\":2}\r\n0\r\n\r\n"
        }
        _ => b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"ok\":1}",
    }
}

/// A keep-alive upstream that answers each request with [`answer`].
fn raw_upstream() -> (String, Arc<Mutex<Log>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log: Arc<Mutex<Log>> = Arc::default();
    let l = Arc::clone(&log);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            let log = Arc::clone(&l);
            std::thread::spawn(move || serve(n, stream, &log));
        }
    });
    (url, log)
}

fn serve(n: usize, stream: TcpStream, log: &Mutex<Log>) {
    let _ = stream.set_read_timeout(Some(WAIT));
    let mut out = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => {
                log.lock().unwrap().closed.push(n);
                return;
            }
            Err(_) => return,
            Ok(_) => {}
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        // The head (GET requests: no body).
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                break;
            }
        }
        let tail = path.rsplit('/').next().unwrap_or_default();
        log.lock().unwrap().requests.push((n, path.clone()));
        if out.write_all(answer(&format!("/{tail}"))).is_err() {
            return;
        }
    }
}

fn config(host: &str) -> String {
    let backend = |prefix: &str, extra: &str| {
        format!(
            r#"{{"endpoint": "/{prefix}/{{p}}", "backend": [{{"url_pattern": "/{prefix}/{{p}}", "host": ["{host}"]{extra}}}]}}"#
        )
    };
    format!(
        r#"{{"version": 3, "endpoints": [{}, {}]}}"#,
        backend("own", ""),
        backend(
            "hatch",
            r#", "extra_config": {"gwc/http-client": {"implementation": "hyper"}}"#
        ),
    )
}

/// Waits (bounded) until `check` holds on the upstream's log.
fn until(log: &Mutex<Log>, what: &str, check: impl Fn(&Log) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check(&log.lock().unwrap()) {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn own_client_framing_rejects_and_the_escape_hatch() {
    let (url, log) = raw_upstream();
    let bin = build_text("own_client", &config(&url), &[]);
    let gw = start_with(&bin, true);

    // Both clients serve a well-framed answer.
    for prefix in ["own", "hatch"] {
        let r = get(&gw.addr, &format!("/{prefix}/ok"));
        assert_eq!(r.status, 200, "{prefix}: {}", r.text());
        assert_eq!(r.json()["ok"], 1, "{prefix}");
    }

    // CL+TE: a 502 through the own client; the connection it came on is
    // closed by the gateway and never carries another request.
    let r = get(&gw.addr, "/own/cl-te");
    assert_eq!(r.status, 502, "{}", r.text());
    let conn = log
        .lock()
        .unwrap()
        .requests
        .iter()
        .rev()
        .find(|(_, p)| p == "/own/cl-te")
        .map(|(n, _)| *n)
        .unwrap();
    until(
        &log,
        "the gateway did not close the refused connection",
        |l| l.closed.contains(&conn),
    );
    for _ in 0..4 {
        let r = get(&gw.addr, "/own/ok");
        assert_eq!(r.status, 200, "{}", r.text());
    }
    {
        let l = log.lock().unwrap();
        let after: Vec<usize> = l
            .requests
            .iter()
            .skip_while(|(_, p)| p != "/own/cl-te")
            .skip(1)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(after.len(), 4);
        assert!(
            !after.contains(&conn),
            "reused the refused connection: {after:?}"
        );
    }
    // hyper's pool refuses it too (`lb/framing.rs`).
    let r = get(&gw.addr, "/hatch/cl-te");
    assert_eq!(r.status, 502, "{}", r.text());

    // `Transfer-Encoding: chunked` twice: the own client refuses it, the
    // escape hatch reads it.
    let r = get(&gw.addr, "/own/double-te");
    assert_eq!(r.status, 502, "{}", r.text());
    let r = get(&gw.addr, "/hatch/double-te");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["b"], 2);

    // The admin views: which client serves each host, the own client's
    // dials and rejects by reason.
    let admin = gw.admin.as_deref().expect("admin listener");
    let v = get(admin, "/upstreams").json();
    let hosts = v["upstreams"].as_array().expect("upstreams list");
    let find = |endpoint: &str| {
        hosts
            .iter()
            .find(|h| h["endpoint"] == endpoint)
            .unwrap_or_else(|| panic!("no {endpoint} in {v}"))
    };
    let own = find("/own/{p}");
    assert_eq!(own["client"], "gwc", "{own}");
    assert_eq!(
        own["connections"]["protocol_rejects"]["cl_and_te"], 1,
        "{own}"
    );
    assert_eq!(
        own["connections"]["protocol_rejects"]["bad_transfer_encoding"], 1,
        "{own}"
    );
    assert!(
        own["connections"]["dial"].as_u64().unwrap_or(0) >= 2,
        "{own}"
    );
    let hatch = find("/hatch/{p}");
    assert_eq!(hatch["client"], "hyper", "{hatch}");
    assert!(hatch.get("connections").is_none(), "{hatch}");
    let metrics = get(admin, "/metrics").text();
    let series =
        format!("gwc_upstream_protocol_rejects_total{{host=\"{url}\",reason=\"cl_and_te\"}} 1");
    assert!(metrics.contains(&series), "{series} not in\n{metrics}");
    assert!(
        metrics.contains(&format!(
            "gwc_upstream_connection_events_total{{host=\"{url}\",event=\"dial\"}}"
        )),
        "{metrics}"
    );
}
