//! Requests a hostile or broken client sends over raw sockets, and the
//! bounded answer each gets (issue 15's hostile-traffic suite).
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use gw_runtime::spec::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Writes `raw` on a new connection and reads until the gateway closes it
/// (bounded); returns what it answered.
async fn exchange_until_close(addr: std::net::SocketAddr, raw: &str) -> String {
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(raw.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut buf))
        .await
        .expect("the gateway did not close the connection")
        .unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

/// An HTTP/1.1 request needs exactly one Host header (RFC 9112 §3.2): Go's
/// server answers a missing or repeated one with its 400 and closes the
/// connection before KrakenD sees the request; so does the gateway, and the
/// backend is never called. HTTP/1.0 needs none.
#[tokio::test]
async fn missing_or_repeated_host_is_a_400() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    let b = backend(h, leak_slice(vec![UrlPiece::Literal("/u")]));
    let gw = start(gateway(vec![endpoint(
        Method::Get,
        "/u",
        leak_slice(vec![Segment::Static("u")]),
        &[],
        vec![b],
    )]))
    .await;
    let cases = [
        ("GET /u HTTP/1.1\r\n\r\n", "missing required Host header"),
        (
            "GET /u HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "too many Host headers",
        ),
        (
            "GET http://a/u HTTP/1.1\r\n\r\n",
            "missing required Host header",
        ),
    ];
    for (raw, what) in cases {
        let answer = exchange_until_close(gw.addr, raw).await;
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{raw:?}: {answer}"
        );
        let lower = answer.to_ascii_lowercase();
        assert!(
            lower.contains("\r\nconnection: close\r\n"),
            "{raw:?}: {answer}"
        );
        assert!(
            lower.contains("\r\ncontent-type: text/plain; charset=utf-8\r\n"),
            "{raw:?}: {answer}"
        );
        assert!(
            answer.ends_with(&format!("\r\n\r\n400 Bad Request: {what}")),
            "{raw:?}: {answer}"
        );
    }
    assert!(log.lock().unwrap().is_empty(), "the backend was called");
    // One Host, or HTTP/1.0 without one: served.
    for raw in [
        "GET /u HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET /u HTTP/1.0\r\n\r\n",
    ] {
        let answer = exchange_until_close(gw.addr, raw).await;
        assert!(answer.contains(" 200 OK\r\n"), "{raw:?}: {answer}");
        assert!(answer.ends_with(r#"{"ok":true}"#), "{raw:?}: {answer}");
    }
}
