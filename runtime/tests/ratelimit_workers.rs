//! `qos/ratelimit/router` served by several workers (`serve_workers`, the
//! model a built binary runs): the buckets are shared, so the counts are
//! exact whatever worker serves each request.
//!
//! Its own test binary: `serve_workers` sets the process-wide worker count.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use gw_runtime::spec::*;
use gw_runtime::state::Gw;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WORKERS: usize = 3;
const HOUR_NS: u64 = 3_600_000_000_000;

/// One request on a kept-alive connection; returns the status.
async fn keep_alive_get(s: &mut tokio::net::TcpStream, path: &str, user: &str) -> u16 {
    let req = format!("GET {path} HTTP/1.1\r\nHost: gw\r\nX-User: {user}\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    timed(async {
        loop {
            let n = s.read(&mut chunk).await.unwrap();
            assert!(n > 0, "connection closed");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf);
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    return text[9..12].parse::<u16>().unwrap();
                }
            }
        }
    })
    .await
}

#[tokio::test]
async fn workers_share_the_buckets_exactly() {
    let (h, log) = upstream(|_| Reply::json(r#"{"ok":true}"#)).await;
    // No refill during the test: one token an hour.
    static LIMIT: RateLimit = RateLimit {
        endpoint: Some(TokenBucket {
            fill_interval_ns: HOUR_NS,
            capacity: 10,
        }),
        client: Some(ClientLimit {
            bucket: TokenBucket {
                fill_interval_ns: HOUR_NS,
                capacity: 4,
            },
            key: ClientKey::Header("x-user"),
            idle_ttl_ns: 600_000_000_000,
            idle_jitter_ns: 0,
            cleanup_period_ns: 60_000_000_000,
            shards: 64,
            max_clients: 100_000,
        }),
    };
    let limited = Endpoint {
        rate_limit: Some(&LIMIT),
        ..endpoint(
            Method::Get,
            "/limited",
            &[Segment::Static("limited")],
            &[],
            vec![backend(h, &[UrlPiece::Literal("/x")])],
        )
    };
    let spec = leak(gateway(vec![limited]));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let (gw_tx, gw_rx) = std::sync::mpsc::channel::<Arc<Gw>>();
    let thread = std::thread::spawn(move || {
        gw_runtime::serve_workers(spec, listener, None, WORKERS, stop_rx, move |gw| {
            gw_tx.send(Arc::clone(gw)).map_err(|e| e.to_string())
        })
    });
    let gw = tokio::task::spawn_blocking(move || gw_rx.recv_timeout(Duration::from_secs(10)))
        .await
        .unwrap()
        .expect("ready was not called");

    // Connections opened one at a time go to the least busy worker: one
    // each.
    let mut conns = Vec::new();
    for _ in 0..WORKERS {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert_eq!(keep_alive_get(&mut s, "/limited", "warm-up").await, 200);
        conns.push(s);
    }
    let per_worker: Vec<usize> = (0..WORKERS)
        .map(|w| {
            gw.connections
                .at(w)
                .load(std::sync::atomic::Ordering::Relaxed)
        })
        .collect();
    assert_eq!(per_worker, vec![1; WORKERS], "connections per worker");

    // `warm-up` spent 3 of its 4 tokens (one per worker) and 3 of the
    // endpoint's 10. Round robin over the workers from now on.
    let mut statuses = Vec::new();
    let users = [
        "warm-up", "warm-up", "a", "a", "a", "a", "a", "b", "b", "b", "c", "c",
    ];
    for (i, user) in users.iter().enumerate() {
        let s = &mut conns[i % WORKERS];
        statuses.push((*user, keep_alive_get(s, "/limited", user).await));
    }
    let want = [
        ("warm-up", 200),
        // Its fifth request: the client bucket is empty (no endpoint
        // token spent).
        ("warm-up", 429),
        ("a", 200),
        ("a", 200),
        ("a", 200),
        ("a", 200),
        ("a", 429),
        // 3 + 1 + 4 = 8 endpoint tokens spent: two left.
        ("b", 200),
        ("b", 200),
        // The endpoint bucket is empty: 503 (after `b` spent a client token).
        ("b", 503),
        ("c", 503),
        ("c", 503),
    ];
    assert_eq!(statuses, want);
    // Exactly the 10 requests that passed reached the backend.
    assert_eq!(log.lock().unwrap().len(), 10);
    // `b` spent its three tokens (the 503 included), one left.
    let s = &mut conns[0];
    assert_eq!(keep_alive_get(s, "/limited", "b").await, 503);
    assert_eq!(keep_alive_get(s, "/limited", "b").await, 429);

    drop(conns);
    stop.send(true).unwrap();
    let joined = tokio::task::spawn_blocking(move || thread.join());
    let code = tokio::time::timeout(Duration::from_secs(10), joined)
        .await
        .expect("serve_workers did not return")
        .unwrap()
        .expect("serve_workers panicked");
    assert!(code.is_ok());
}
