//! The own HTTP/1.1 client (`gw_runtime::http1`) against scripted upstreams
//! on 127.0.0.1: pool reuse, the checkout probe, retries and the keep-alive
//! verdict over real sockets (research §4.7(f), and the IO cases of
//! §4.7(e): S22, S24, S25, S35–S39), and streamed request bodies
//! (`Pool::request_streaming`: framing, early answers, body errors, the
//! retry rules). Every test is bounded in time; pools
//! are per worker thread and each test runs on its own runtime, so tests
//! do not share idle connections.
#![allow(missing_docs, clippy::unwrap_used)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use gw_runtime::http1::conn::{ReqBody, UpstreamRequest};
use gw_runtime::http1::error::{BodyError, H1Error, Kind};
use gw_runtime::http1::pool::{Event, Pool, PoolConfig, Response};
use hyper::body::Body;
use hyper::http::{HeaderMap, Method};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LIMIT: Duration = Duration::from_secs(20);

async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("the test took too long")
}

/// An upstream whose every accepted connection runs `script(n, stream)`
/// (`n` counts from 0); returns its port and the accept count.
async fn upstream<F, Fut>(script: F) -> (u16, Arc<AtomicUsize>)
where
    F: Fn(usize, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let n = count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(script(n, s));
        }
    });
    (port, accepted)
}

/// Reads one request (head, and a `Content-Length` body) out of `buf` plus
/// what the socket brings; `None` at EOF or on an error.
async fn read_request(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut b = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let cl = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + cl {
                return Some(buf.drain(..end + 4 + cl).collect());
            }
        }
        match s.read(&mut b).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&b[..n]),
        }
    }
}

/// Answers every request on the connection with `reply`.
async fn serve(mut s: TcpStream, reply: &'static [u8]) {
    let mut buf = Vec::new();
    while read_request(&mut s, &mut buf).await.is_some() {
        if s.write_all(reply).await.is_err() {
            return;
        }
    }
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

fn pool(port: u16, config: PoolConfig) -> Pool {
    Pool::new("127.0.0.1", port, Bytes::from_static(b"up.test"), config)
}

async fn request(p: &Pool, method: Method, body: ReqBody) -> Result<Response, H1Error> {
    let headers = HeaderMap::new();
    p.request(&UpstreamRequest {
        method: &method,
        path_and_query: "/r",
        headers: &headers,
        body: &body,
    })
    .await
}

/// GET, the body collected: status and body.
async fn get(p: &Pool) -> Result<(u16, Bytes), H1Error> {
    let r = request(p, Method::GET, ReqBody::Empty).await?;
    let status = r.head.status.as_u16();
    Ok((status, r.body.collect(1 << 20).await?))
}

#[tokio::test]
async fn an_idle_connection_the_upstream_closed_is_probed_dropped_and_redialled() {
    bounded(async {
        // Each connection answers one request, then closes.
        let (port, accepted) = upstream(|_, mut s| async move {
            let mut buf = Vec::new();
            if read_request(&mut s, &mut buf).await.is_some() {
                let _ = s.write_all(OK).await;
            }
        })
        .await;
        let p = pool(port, PoolConfig::default());
        assert_eq!(get(&p).await.unwrap(), (200, Bytes::from_static(b"ok")));
        assert_eq!(p.idle(), 1);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(get(&p).await.unwrap().0, 200);
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
        let st = p.stats();
        assert_eq!(st.get(Event::ProbeClosed), 1);
        assert_eq!(st.get(Event::Dial), 2);
        // Nothing was sent on the dead connection, so nothing was retried.
        assert_eq!(st.get(Event::StaleRetry), 0);
    })
    .await;
}

/// An upstream whose first connection answers one request, then resets
/// the connection right after reading the second; later connections answer
/// everything.
async fn resetting_upstream() -> (u16, Arc<AtomicUsize>) {
    upstream(|n, mut s| async move {
        if n > 0 {
            return serve(s, OK).await;
        }
        let mut buf = Vec::new();
        if read_request(&mut s, &mut buf).await.is_some() {
            let _ = s.write_all(OK).await;
        }
        if read_request(&mut s, &mut buf).await.is_some() {
            let _ = s.set_zero_linger();
            drop(s);
        }
    })
    .await
}

#[tokio::test]
async fn a_reset_after_a_get_is_retried_once_on_a_fresh_connection() {
    bounded(async {
        let (port, accepted) = resetting_upstream().await;
        let p = pool(port, PoolConfig::default());
        get(&p).await.unwrap();
        assert_eq!(get(&p).await.unwrap(), (200, Bytes::from_static(b"ok")));
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
        assert_eq!(p.stats().get(Event::StaleRetry), 1);
        assert_eq!(p.stats().get(Event::Reuse), 1);
    })
    .await;
}

#[tokio::test]
async fn a_reset_after_a_post_is_not_retried_unless_the_policy_says_so() {
    bounded(async {
        let (port, accepted) = resetting_upstream().await;
        let p = pool(port, PoolConfig::default());
        get(&p).await.unwrap();
        let body = ReqBody::Full(Bytes::from_static(b"{}"));
        let e = request(&p, Method::POST, body.clone()).await.unwrap_err();
        assert_eq!(e.kind, Kind::StaleReused);
        assert!(e.reused && e.wrote_any && !e.got_any);
        assert_eq!(p.stats().get(Event::RetrySkippedNonIdempotent), 1);
        assert_eq!(p.stats().get(Event::StaleRetry), 0);
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "no second connection");

        // `retry_non_idempotent`: the same failure is retried.
        let (port, accepted) = resetting_upstream().await;
        let p = pool(
            port,
            PoolConfig {
                retry_non_idempotent: true,
                ..PoolConfig::default()
            },
        );
        get(&p).await.unwrap();
        let r = request(&p, Method::POST, body).await.unwrap();
        assert_eq!(r.head.status, 200);
        assert_eq!(p.stats().get(Event::StaleRetry), 1);
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
    })
    .await;
}

/// Sends two GETs and reports how many connections the upstream saw.
async fn two_gets(reply: &'static [u8]) -> (Pool, usize) {
    let (port, accepted) = upstream(move |_, s| serve(s, reply)).await;
    let p = pool(port, PoolConfig::default());
    get(&p).await.unwrap();
    let idle = p.idle();
    get(&p).await.unwrap();
    assert_eq!(idle, p.idle(), "the same verdict twice");
    (p, accepted.load(Ordering::SeqCst))
}

#[tokio::test]
async fn connection_close_and_http_1_0_answers_are_not_pooled() {
    bounded(async {
        let (p, conns) = two_gets(OK).await;
        assert_eq!((p.idle(), conns), (1, 1));
        let (p, conns) =
            two_gets(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok").await;
        assert_eq!((p.idle(), conns), (0, 2));
        let (p, conns) = two_gets(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        assert_eq!((p.idle(), conns), (0, 2));
        // `keep-alive` on 1.0 does not change our policy (research §4.7a).
        let (p, conns) =
            two_gets(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok")
                .await;
        assert_eq!((p.idle(), conns), (0, 2));
    })
    .await;
}

#[tokio::test]
async fn a_body_dropped_mid_stream_closes_the_connection() {
    bounded(async {
        let (tx, rx) = tokio::sync::oneshot::channel::<usize>();
        let tx = std::sync::Mutex::new(Some(tx));
        let (port, _) = upstream(move |_, mut s| {
            let tx = tx.lock().unwrap().take();
            async move {
                let mut buf = Vec::new();
                read_request(&mut s, &mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n0123456789")
                    .await;
                // What comes next from the client: EOF when it closed.
                let mut b = [0u8; 64];
                let n = s.read(&mut b).await.unwrap_or(usize::MAX);
                if let Some(tx) = tx {
                    let _ = tx.send(n);
                }
            }
        })
        .await;
        let p = pool(port, PoolConfig::default());
        let r = request(&p, Method::GET, ReqBody::Empty).await.unwrap();
        let mut body = r.body;
        assert_eq!(body.size_hint().exact(), Some(100_000));
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            frame.into_data().unwrap(),
            Bytes::from_static(b"0123456789")
        );
        assert_eq!(body.size_hint().exact(), Some(99_990));
        drop(body);
        assert_eq!(rx.await.unwrap(), 0, "the upstream saw the close");
        assert_eq!(p.idle(), 0);
    })
    .await;
}

#[tokio::test]
async fn idle_timeout_max_requests_and_max_age_evict() {
    bounded(async {
        let (port, accepted) = upstream(|_, s| serve(s, OK)).await;
        let p = pool(
            port,
            PoolConfig {
                idle_timeout: Duration::from_millis(100),
                ..PoolConfig::default()
            },
        );
        get(&p).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        get(&p).await.unwrap();
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
        assert_eq!(p.stats().get(Event::Expired), 1);

        let (port, accepted) = upstream(|_, s| serve(s, OK)).await;
        let p = pool(
            port,
            PoolConfig {
                max_requests: 3,
                ..PoolConfig::default()
            },
        );
        for _ in 0..7 {
            get(&p).await.unwrap();
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 3, "3 + 3 + 1 requests");

        let (port, accepted) = upstream(|_, s| serve(s, OK)).await;
        let p = pool(
            port,
            PoolConfig {
                max_age: Duration::from_secs(1),
                ..PoolConfig::default()
            },
        );
        get(&p).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        get(&p).await.unwrap();
        // (A margin for a loaded machine: 1 s against 50 ms.)
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "still young");
        tokio::time::sleep(Duration::from_millis(1000)).await;
        get(&p).await.unwrap();
        assert_eq!(accepted.load(Ordering::SeqCst), 2, "past max_age");
    })
    .await;
}

#[tokio::test]
async fn the_sweeper_drops_expired_connections() {
    bounded(async {
        let (port, _) = upstream(|_, s| serve(s, OK)).await;
        let p = pool(
            port,
            PoolConfig {
                idle_timeout: Duration::from_millis(200),
                ..PoolConfig::default()
            },
        );
        get(&p).await.unwrap();
        assert_eq!(p.idle(), 1);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        // No checkout happened: the sweeper did it.
        assert_eq!(p.idle(), 0);
        assert_eq!(p.stats().get(Event::Expired), 1);
    })
    .await;
}

#[tokio::test]
async fn ten_thousand_sequential_requests_use_one_connection() {
    bounded(async {
        let (port, accepted) = upstream(|_, s| serve(s, OK)).await;
        let p = pool(
            port,
            PoolConfig {
                max_requests: 100_000,
                ..PoolConfig::default()
            },
        );
        for _ in 0..10_000 {
            assert_eq!(get(&p).await.unwrap().0, 200);
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        assert_eq!(p.stats().get(Event::Dial), 1);
        assert_eq!(p.stats().get(Event::Reuse), 9_999);
    })
    .await;
}

#[tokio::test]
async fn s35_extra_bytes_after_a_response_are_delivered_not_reused() {
    bounded(async {
        let (p, conns) =
            two_gets(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n").await;
        assert_eq!((p.idle(), conns), (0, 2));
        assert_eq!(get(&p).await.unwrap().1, Bytes::from_static(b"ok"));
    })
    .await;
}

#[tokio::test]
async fn s36_unsolicited_bytes_on_an_idle_connection_are_counted_and_dropped() {
    bounded(async {
        let (port, accepted) = upstream(|n, mut s| async move {
            if n > 0 {
                return serve(s, OK).await;
            }
            let mut buf = Vec::new();
            read_request(&mut s, &mut buf).await;
            let _ = s.write_all(OK).await;
            tokio::time::sleep(Duration::from_millis(30)).await;
            let _ = s.write_all(OK).await;
            // Keep it open: only the stray bytes mark it.
            tokio::time::sleep(Duration::from_secs(5)).await;
        })
        .await;
        let p = pool(port, PoolConfig::default());
        get(&p).await.unwrap();
        assert_eq!(p.idle(), 1);
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(get(&p).await.unwrap(), (200, Bytes::from_static(b"ok")));
        assert_eq!(p.stats().get(Event::UnexpectedData), 1);
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
    })
    .await;
}

/// One answer written as `parts` with a pause between them, then the
/// upstream closes.
async fn scripted_once(parts: &'static [&'static [u8]], pause: Duration) -> Pool {
    let (port, _) = upstream(move |_, mut s| async move {
        let mut buf = Vec::new();
        read_request(&mut s, &mut buf).await;
        for part in parts {
            if s.write_all(part).await.is_err() {
                return;
            }
            tokio::time::sleep(pause).await;
        }
    })
    .await;
    pool(port, PoolConfig::default())
}

#[tokio::test]
async fn s37_eof_inside_a_content_length_body_aborts() {
    bounded(async {
        let p = scripted_once(
            &[b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"],
            Duration::ZERO,
        )
        .await;
        let e = get(&p).await.unwrap_err();
        assert_eq!(e.kind, Kind::BodyAbort);
        assert_eq!(p.idle(), 0);
    })
    .await;
}

#[tokio::test]
async fn s38_a_close_delimited_body_streams_to_eof() {
    bounded(async {
        let p = scripted_once(
            &[b"HTTP/1.1 200 OK\r\n\r\nhel", b"lo ", b"world"],
            Duration::from_millis(5),
        )
        .await;
        let r = request(&p, Method::GET, ReqBody::Empty).await.unwrap();
        assert_eq!(r.body.size_hint().exact(), None);
        assert_eq!(
            r.body.collect(1024).await.unwrap(),
            Bytes::from_static(b"hello world")
        );
        assert_eq!(p.idle(), 0);
    })
    .await;
}

#[tokio::test]
async fn s39_an_answer_before_the_body_is_written_is_delivered_and_closed() {
    bounded(async {
        let (port, _) = upstream(|_, mut s| async move {
            // Read the head only, answer, and read nothing more.
            let mut got = Vec::new();
            let mut b = [0u8; 1024];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut b).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got.extend_from_slice(&b[..n]),
                }
            }
            let _ = s
                .write_all(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig")
                .await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        })
        .await;
        let p = pool(port, PoolConfig::default());
        // Larger than what loopback socket buffers absorb.
        let body = ReqBody::Full(Bytes::from(vec![b'x'; 64 << 20]));
        let r = request(&p, Method::POST, body).await.unwrap();
        assert_eq!(r.head.status, 413);
        assert_eq!(
            r.body.collect(1024).await.unwrap(),
            Bytes::from_static(b"big")
        );
        assert_eq!(p.idle(), 0, "the request was not written in full");
    })
    .await;
}

#[tokio::test]
async fn s22_a_304_with_body_bytes_is_empty_and_not_reused() {
    bounded(async {
        let (p, conns) =
            two_gets(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello").await;
        assert_eq!((p.idle(), conns), (0, 2));
        assert_eq!(get(&p).await.unwrap(), (304, Bytes::new()));
        let (p, conns) = two_gets(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n").await;
        assert_eq!((p.idle(), conns), (1, 1), "S21");
    })
    .await;
}

#[tokio::test]
async fn s24_s25_informational_heads_are_skipped() {
    bounded(async {
        let (p, conns) = two_gets(
            b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        )
        .await;
        assert_eq!((p.idle(), conns), (1, 1));
        let p = scripted_once(
            &[
                b"HTTP/1.1 100 Continue\r\n\r\n",
                b"HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nok",
            ],
            Duration::from_millis(5),
        )
        .await;
        let r = request(&p, Method::GET, ReqBody::Empty).await.unwrap();
        assert_eq!(r.head.status, 200);
        assert!(r.head.headers.get("link").is_none());
        assert_eq!(r.head.headers.get("x-a").unwrap(), "1");
        assert_eq!(r.body.collect(16).await.unwrap(), Bytes::from_static(b"ok"));
    })
    .await;
}

#[tokio::test]
async fn collect_over_its_limit_fails_and_closes() {
    bounded(async {
        let (p, _) = (
            pool(
                upstream(|_, s| serve(s, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"))
                    .await
                    .0,
                PoolConfig::default(),
            ),
            (),
        );
        let r = request(&p, Method::GET, ReqBody::Empty).await.unwrap();
        assert_eq!(r.body.collect(10).await.unwrap_err().kind, Kind::BodyTooLarge);
        assert_eq!(p.idle(), 0);
        let r = request(&p, Method::GET, ReqBody::Empty).await.unwrap();
        assert_eq!(r.body.collect(100).await.unwrap().len(), 100);
        assert_eq!(p.idle(), 1);

        let p = scripted_once(
            &[
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n",
                b"6\r\nghijkl\r\n0\r\n\r\n",
            ],
            Duration::from_millis(5),
        )
        .await;
        let r = request(&p, Method::GET, ReqBody::Empty).await.unwrap();
        assert_eq!(r.body.collect(10).await.unwrap_err().kind, Kind::BodyTooLarge);
        assert_eq!(p.idle(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_chunked_answer_split_across_many_reads() {
    bounded(async {
        const REPLY: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer-A: x\r\n\r\n";
        let (port, accepted) = upstream(|_, mut s| async move {
            let _ = s.set_nodelay(true);
            let mut buf = Vec::new();
            while read_request(&mut s, &mut buf).await.is_some() {
                for b in REPLY {
                    if s.write_all(&[*b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        })
        .await;
        let p = pool(port, PoolConfig::default());
        for _ in 0..2 {
            let r = request(&p, Method::GET, ReqBody::Empty).await.unwrap();
            assert_eq!(r.body.collect(1024).await.unwrap(), Bytes::from_static(b"hello world"));
            assert_eq!(p.idle(), 1);
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    })
    .await;
}

#[tokio::test]
async fn the_connection_is_back_before_the_last_frame() {
    bounded(async {
        let (port, _) =
            upstream(|_, s| serve(s, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")).await;
        let p = pool(port, PoolConfig::default());
        let r = request(&p, Method::GET, ReqBody::Empty).await.unwrap();
        let mut body = r.body;
        assert!(!body.is_end_stream());
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(frame.into_data().unwrap(), Bytes::from_static(b"hello"));
        // The last frame is out and the connection is already idle.
        assert_eq!(p.idle(), 1);
        assert!(body.is_end_stream());
        assert_eq!(p.stats().get(Event::Dial), 1);
    })
    .await;
}

#[tokio::test]
async fn protocol_rejects_are_counted_by_reason_and_close() {
    bounded(async {
        use gw_runtime::http1::error::Reason;
        let (port, accepted) = upstream(|_, s| {
            serve(
                s,
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            )
        })
        .await;
        let p = pool(port, PoolConfig::default());
        for _ in 0..2 {
            let e = get(&p).await.unwrap_err();
            assert_eq!(e.kind, Kind::Protocol(Reason::ClAndTe));
        }
        assert_eq!(p.stats().rejected(Reason::ClAndTe), 2);
        assert_eq!(accepted.load(Ordering::SeqCst), 2, "each reject closed its connection");
        // Inside a body: the chunk data is not followed by CRLF (S31).
        let p = scripted_once(
            &[b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX"],
            Duration::ZERO,
        )
        .await;
        let e = get(&p).await.unwrap_err();
        assert_eq!(e.kind, Kind::Protocol(Reason::BadChunkDataEnd));
        assert!(e.got_any);
        assert_eq!(p.stats().rejected(Reason::BadChunkDataEnd), 1);
        assert_eq!(p.idle(), 0);
    })
    .await;
}

/// The body and the request future can cross threads (hyper's server
/// wants `Send` bodies; a multi-thread runtime wants `Send` futures).
#[test]
fn the_body_and_the_request_future_are_send() {
    fn send<T: Send + 'static>(_: &T) {}
    fn body<T: Body + Send + Unpin + 'static>() {}
    body::<gw_runtime::http1::body::UpstreamBody>();
    let p = pool(1, PoolConfig::default());
    let headers = HeaderMap::new();
    let body = ReqBody::Empty;
    let req = UpstreamRequest {
        method: &Method::GET,
        path_and_query: "/",
        headers: &headers,
        body: &body,
    };
    fn send_ref<T: Send>(_: &T) {}
    send_ref(&p.request(&req));
    send(&p);
}

#[tokio::test]
async fn a_refused_connect_is_a_connect_error() {
    bounded(async {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let p = pool(
            port,
            PoolConfig {
                connect_timeout: Some(Duration::from_secs(2)),
                ..PoolConfig::default()
            },
        );
        let e = get(&p).await.unwrap_err();
        assert!(matches!(e.kind, Kind::Connect(_)), "{e:?}");
        assert_eq!(p.stats().get(Event::DialFailed), 1);
    })
    .await;
}

#[path = "support/h1_stream.rs"]
mod h1_stream;

/// Replays the committed seeds of the `h1_response_stream` fuzz target
/// (`fuzz/corpus/h1_response_stream/`) through the same check, and a few
/// inline cases, at every read size the input byte can pick.
#[test]
fn h1_response_stream_seeds_replay() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/h1_response_stream");
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with("seed-"))
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        inputs.len() >= 10,
        "the seeds are committed under {}",
        dir.display()
    );
    inputs.push(b"\x00HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef".to_vec());
    for input in &inputs {
        for k in 0..64u8 {
            for method in 0..4u8 {
                let mut v = input.clone();
                if let Some(b) = v.first_mut() {
                    *b = (k << 2) | method;
                }
                h1_stream::check(&v);
            }
        }
    }
}

// ---- streamed request bodies ----

/// One step of a scripted request body.
enum Step {
    Data(Bytes),
    /// Pending for this long (a client that sends slowly).
    Wait(Duration),
    /// A trailers frame (dropped by the client).
    Trailers,
    /// The body fails (the client aborted its upload).
    Fail,
}

/// A request body that plays `steps`, announcing `exact` as its size hint;
/// counts the data bytes it handed out and whether it was ever polled to a
/// result.
struct Scripted {
    steps: std::collections::VecDeque<Step>,
    exact: Option<u64>,
    sleep: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    yielded: Arc<AtomicUsize>,
    /// `is_end_stream` says so once the steps ran out (as hyper's
    /// `Incoming` does after its last byte), so the client need not poll
    /// for the end.
    announce_end: bool,
}

impl Scripted {
    fn new(exact: Option<u64>, steps: Vec<Step>) -> (Self, Arc<AtomicUsize>) {
        let yielded = Arc::new(AtomicUsize::new(0));
        let body = Scripted {
            steps: steps.into(),
            exact,
            sleep: None,
            yielded: Arc::clone(&yielded),
            announce_end: false,
        };
        (body, yielded)
    }

    fn announcing_end(mut self) -> Self {
        self.announce_end = true;
        self
    }
}

impl Body for Scripted {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        loop {
            match this.steps.front() {
                None => return Poll::Ready(None),
                Some(Step::Wait(d)) => {
                    let d = *d;
                    let s = this
                        .sleep
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(d)));
                    if s.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.sleep = None;
                    this.steps.pop_front();
                }
                Some(Step::Fail) => {
                    return Poll::Ready(Some(Err(std::io::Error::other("client gone"))));
                }
                Some(_) => match this.steps.pop_front() {
                    Some(Step::Data(b)) => {
                        this.yielded.fetch_add(b.len(), Ordering::SeqCst);
                        return Poll::Ready(Some(Ok(hyper::body::Frame::data(b))));
                    }
                    _ => {
                        let mut t = HeaderMap::new();
                        t.insert("x-trailer", hyper::http::HeaderValue::from_static("1"));
                        return Poll::Ready(Some(Ok(hyper::body::Frame::trailers(t))));
                    }
                },
            }
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.exact.map_or_else(
            hyper::body::SizeHint::default,
            hyper::body::SizeHint::with_exact,
        )
    }

    fn is_end_stream(&self) -> bool {
        self.announce_end && self.steps.is_empty()
    }
}

fn data(b: &'static [u8]) -> Step {
    Step::Data(Bytes::from_static(b))
}

async fn stream(
    p: &Pool,
    method: Method,
    headers: &HeaderMap,
    body: Scripted,
) -> Result<Response, H1Error> {
    p.request_streaming(
        &UpstreamRequest {
            method: &method,
            path_and_query: "/s",
            headers,
            body: &ReqBody::Empty,
        },
        body,
    )
    .await
}

/// Reads a request head off `s` (the rest stays in `buf`); `None` at EOF.
async fn read_head(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    let mut b = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = buf.drain(..end + 4).collect();
            return Some(String::from_utf8_lossy(&head).to_ascii_lowercase());
        }
        match s.read(&mut b).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&b[..n]),
        }
    }
}

/// Reads until `done(buf)` or EOF; true when `done`.
async fn read_until(s: &mut TcpStream, buf: &mut Vec<u8>, done: impl Fn(&[u8]) -> bool) -> bool {
    let mut b = vec![0u8; 64 * 1024];
    while !done(buf) {
        match s.read(&mut b).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&b[..n]),
        }
    }
    true
}

fn ends_chunked(b: &[u8]) -> bool {
    b == b"0\r\n\r\n" || b.ends_with(b"\r\n0\r\n\r\n")
}

/// What the upstream saw of one streamed request: its head, its body bytes
/// as they came over the wire, and whether the client closed the connection
/// (EOF) instead of finishing the body.
#[derive(Debug, Default)]
struct Seen {
    head: String,
    wire: Vec<u8>,
    eof: bool,
}

/// An upstream that reads one request per connection (a Content-Length or
/// chunked body, raw), answers `reply` when the body is complete, and
/// reports what it saw.
async fn recording_upstream(
    reply: &'static [u8],
) -> (
    u16,
    Arc<AtomicUsize>,
    tokio::sync::mpsc::UnboundedReceiver<Seen>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (port, accepted) = upstream(move |_, mut s| {
        let tx = tx.clone();
        async move {
            let mut seen = Seen::default();
            let mut buf = Vec::new();
            let Some(head) = read_head(&mut s, &mut buf).await else {
                seen.eof = true;
                let _ = tx.send(seen);
                return;
            };
            let cl = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse::<usize>().ok());
            let complete = match cl {
                Some(n) => read_until(&mut s, &mut buf, |b| b.len() >= n).await,
                None if head.contains("transfer-encoding: chunked") => {
                    read_until(&mut s, &mut buf, ends_chunked).await
                }
                None => true,
            };
            seen.head = head;
            if complete {
                let _ = s.write_all(reply).await;
                // Whatever comes after the answer: EOF when the client
                // closed, nothing when it pooled the connection.
                let mut rest = Vec::new();
                let closed = tokio::time::timeout(
                    Duration::from_millis(300),
                    read_until(&mut s, &mut rest, |_| false),
                )
                .await;
                seen.eof = closed.is_ok();
                buf.extend_from_slice(&rest);
            } else {
                seen.eof = true;
            }
            seen.wire = buf;
            let _ = tx.send(seen);
        }
    })
    .await;
    (port, accepted, rx)
}

/// A chunked body's wire bytes decoded (the client's own decoder).
fn dechunk(wire: &[u8]) -> Vec<u8> {
    use gw_runtime::http1::chunked::{Chunk, ChunkedDecoder, ChunkedLimits};
    let mut buf = bytes::BytesMut::from(wire);
    let mut dec = ChunkedDecoder::new(ChunkedLimits::default());
    let mut out = Vec::new();
    loop {
        match dec.decode(&mut buf) {
            Ok(Chunk::Data(d)) => out.extend_from_slice(&d),
            Ok(Chunk::Done) => break,
            other => panic!("bad chunked body: {other:?}"),
        }
    }
    assert!(buf.is_empty(), "bytes after the last chunk");
    out
}

fn framing_fields(head: &str) -> Vec<&str> {
    head.lines()
        .filter(|l| l.starts_with("content-length:") || l.starts_with("transfer-encoding:"))
        .collect()
}

#[tokio::test]
async fn a_streamed_body_with_an_exact_size_goes_out_with_its_content_length() {
    bounded(async {
        let (port, _, mut seen) = recording_upstream(OK).await;
        let p = pool(port, PoolConfig::default());
        let (body, _) = Scripted::new(
            Some(11),
            vec![data(b"hello "), data(b""), Step::Trailers, data(b"world")],
        );
        // Downstream framing fields in the forwarded headers are not copied.
        let mut headers = HeaderMap::new();
        headers.insert("content-length", "999".parse().unwrap());
        headers.insert("transfer-encoding", "chunked".parse().unwrap());
        headers.insert("x-a", "1".parse().unwrap());
        let r = stream(&p, Method::POST, &headers, body).await.unwrap();
        assert_eq!(r.head.status, 200);
        assert_eq!(r.body.collect(16).await.unwrap(), Bytes::from_static(b"ok"));
        let s = seen.recv().await.unwrap();
        assert_eq!(
            framing_fields(&s.head),
            ["content-length: 11"],
            "{}",
            s.head
        );
        assert!(s.head.contains("x-a: 1\r\n"), "{}", s.head);
        assert_eq!(s.wire, b"hello world");
        assert!(!s.eof, "the connection was pooled");
        assert_eq!(p.idle(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_streamed_body_of_unknown_size_goes_out_chunked() {
    bounded(async {
        let (port, _, mut seen) = recording_upstream(OK).await;
        let p = pool(port, PoolConfig::default());
        let (body, _) = Scripted::new(
            None,
            vec![
                data(b"hello"),
                data(b""),
                Step::Wait(Duration::from_millis(20)),
                Step::Trailers,
                data(b" chunked world!!!!"),
            ],
        );
        // The last frame and the last chunk go out in one write.
        let body = body.announcing_end();
        let mut headers = HeaderMap::new();
        headers.insert("content-length", "5".parse().unwrap());
        let r = stream(&p, Method::PUT, &headers, body).await.unwrap();
        assert_eq!(r.head.status, 200);
        r.body.collect(16).await.unwrap();
        let s = seen.recv().await.unwrap();
        assert_eq!(
            framing_fields(&s.head),
            ["transfer-encoding: chunked"],
            "{}",
            s.head
        );
        // Exactly these bytes: no empty chunk, no trailer.
        assert_eq!(
            String::from_utf8_lossy(&s.wire),
            "5\r\nhello\r\n12\r\n chunked world!!!!\r\n0\r\n\r\n"
        );
        assert_eq!(p.idle(), 1);

        // An unknown size that turns out empty: the last chunk alone.
        let (body, _) = Scripted::new(None, vec![data(b""), Step::Trailers]);
        let r = stream(&p, Method::POST, &HeaderMap::new(), body)
            .await
            .unwrap();
        r.body.collect(16).await.unwrap();
        let s = seen.recv().await.unwrap();
        assert_eq!(s.wire, b"0\r\n\r\n");
    })
    .await;
}

/// A 5 MiB body in 64 KiB frames, both framings: the upstream gets exactly
/// the bytes.
#[tokio::test]
async fn a_five_mib_body_streams_through() {
    bounded(async {
        const FRAME: usize = 64 * 1024;
        const FRAMES: usize = 80;
        let (port, _, mut seen) = recording_upstream(OK).await;
        let p = pool(port, PoolConfig::default());
        let frames: Vec<Bytes> = (0..FRAMES)
            .map(|i| Bytes::from(vec![b'a' + (i % 26) as u8; FRAME]))
            .collect();
        let want: Vec<u8> = frames.concat();
        for exact in [Some((FRAME * FRAMES) as u64), None] {
            let steps = frames.iter().cloned().map(Step::Data).collect();
            let (body, yielded) = Scripted::new(exact, steps);
            let r = stream(&p, Method::POST, &HeaderMap::new(), body)
                .await
                .unwrap();
            assert_eq!(r.head.status, 200);
            r.body.collect(16).await.unwrap();
            assert_eq!(yielded.load(Ordering::SeqCst), 5 << 20);
            let s = seen.recv().await.unwrap();
            let got = if exact.is_some() {
                s.wire
            } else {
                dechunk(&s.wire)
            };
            assert!(got == want, "{exact:?}: {} bytes", got.len());
        }
    })
    .await;
}

#[tokio::test]
async fn an_early_413_stops_an_unfinished_streamed_body() {
    bounded(async {
        let (port, _) = upstream(|_, mut s| async move {
            // Read the head only, answer, read nothing more.
            let mut buf = Vec::new();
            if read_head(&mut s, &mut buf).await.is_some() {
                let _ = s
                    .write_all(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig")
                    .await;
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        })
        .await;
        let p = pool(port, PoolConfig::default());
        // (a) The body waits on its client after one frame.
        let (body, _) = Scripted::new(
            None,
            vec![data(b"first"), Step::Wait(Duration::from_secs(60))],
        );
        let started = std::time::Instant::now();
        let r = stream(&p, Method::POST, &HeaderMap::new(), body)
            .await
            .unwrap();
        assert_eq!(r.head.status, 413);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(
            r.body.collect(16).await.unwrap(),
            Bytes::from_static(b"big")
        );
        assert_eq!(p.idle(), 0, "the request was not written in full");
        // (b) The body flows, but the upstream stopped reading: the socket
        // fills up (64 MiB is more than loopback buffers absorb).
        let frames = (0..1024)
            .map(|_| Step::Data(Bytes::from(vec![b'x'; 64 * 1024])))
            .collect();
        let (body, yielded) = Scripted::new(Some(64 << 20), frames);
        let r = stream(&p, Method::POST, &HeaderMap::new(), body)
            .await
            .unwrap();
        assert_eq!(r.head.status, 413);
        assert!(yielded.load(Ordering::SeqCst) < 64 << 20);
        assert_eq!(
            r.body.collect(16).await.unwrap(),
            Bytes::from_static(b"big")
        );
        assert_eq!(p.idle(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_body_error_mid_way_closes_the_connection_and_is_not_retried() {
    bounded(async {
        for exact in [Some(100), None] {
            let (port, accepted, mut seen) = recording_upstream(OK).await;
            let p = pool(port, PoolConfig::default());
            let (body, _) = Scripted::new(exact, vec![data(b"abc"), Step::Fail]);
            // PUT is idempotent: only the body error rule stops a retry.
            let e = stream(&p, Method::PUT, &HeaderMap::new(), body)
                .await
                .unwrap_err();
            assert_eq!(e.kind, Kind::RequestBody(BodyError::Failed), "{exact:?}");
            assert_eq!(e.label(), "request_body");
            assert!(e.body_spent && e.wrote_any);
            let s = seen.recv().await.unwrap();
            assert!(s.eof, "{exact:?}: the connection was closed");
            // The upstream never saw a complete body: no last chunk.
            let want: &[u8] = if exact.is_some() {
                b"abc"
            } else {
                b"3\r\nabc\r\n"
            };
            assert_eq!(s.wire, want, "{exact:?}");
            assert_eq!(accepted.load(Ordering::SeqCst), 1, "not retried");
            assert_eq!(p.stats().get(Event::UnsentRetry), 0);
            assert_eq!(p.stats().get(Event::StaleRetry), 0);
        }
    })
    .await;
}

#[tokio::test]
async fn a_body_shorter_or_longer_than_its_size_hint_fails_and_closes() {
    bounded(async {
        // (hint, frames, error, what the upstream got before the close:
        // when the end is learnt by a poll, and when it is announced)
        type Row = (u64, Vec<Step>, BodyError, &'static [u8], &'static [u8]);
        let rows = || -> Vec<Row> {
            vec![
                // Announced, the short body fails before its last frame.
                (10, vec![data(b"abc")], BodyError::TooShort, b"abc", b""),
                (3, vec![data(b"abcd")], BodyError::TooLong, b"", b""),
                (
                    3,
                    vec![data(b"abc"), data(b"d")],
                    BodyError::TooLong,
                    b"abc",
                    b"abc",
                ),
                (0, vec![data(b"x")], BodyError::TooLong, b"", b""),
            ]
        };
        // Each row twice: the end learnt by a poll, and announced by
        // `is_end_stream` after the last frame.
        for (announce, (hint, steps, want, polled, announced)) in [false, true]
            .into_iter()
            .flat_map(|a| rows().into_iter().map(move |r| (a, r)))
        {
            let (port, accepted, mut seen) = recording_upstream(OK).await;
            let p = pool(port, PoolConfig::default());
            let (body, _) = Scripted::new(Some(hint), steps);
            let body = if announce {
                body.announcing_end()
            } else {
                body
            };
            let e = stream(&p, Method::PUT, &HeaderMap::new(), body)
                .await
                .unwrap_err();
            assert_eq!(
                e.kind,
                Kind::RequestBody(want),
                "hint {hint} announce {announce}"
            );
            let s = seen.recv().await.unwrap();
            assert!(
                s.eof,
                "hint {hint} announce {announce}: the connection was closed"
            );
            if hint > 0 {
                assert_eq!(framing_fields(&s.head), [format!("content-length: {hint}")]);
            }
            let wire = if announce { announced } else { polled };
            assert_eq!(s.wire, wire, "hint {hint} announce {announce}");
            assert_eq!(accepted.load(Ordering::SeqCst), 1, "not retried");
        }
    })
    .await;
}

/// A pooled connection that the upstream resets once it has read the
/// second request's head; later connections record their request.
async fn stale_after_head() -> (
    u16,
    Arc<AtomicUsize>,
    tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (port, accepted) = upstream(move |n, mut s| {
        let tx = tx.clone();
        async move {
            let mut buf = Vec::new();
            if n == 0 {
                if read_request(&mut s, &mut buf).await.is_some() {
                    let _ = s.write_all(OK).await;
                }
                if read_head(&mut s, &mut buf).await.is_some() {
                    let _ = s.set_zero_linger();
                    drop(s);
                }
                return;
            }
            if read_head(&mut s, &mut buf).await.is_some()
                && read_until(&mut s, &mut buf, ends_chunked).await
            {
                let _ = tx.send(std::mem::take(&mut buf));
                let _ = s.write_all(OK).await;
            }
        }
    })
    .await;
    (port, accepted, rx)
}

#[tokio::test]
async fn an_unpolled_body_is_retried_after_a_stale_pooled_connection() {
    bounded(async {
        let (port, accepted, mut bodies) = stale_after_head().await;
        let p = pool(port, PoolConfig::default());
        get(&p).await.unwrap();
        assert_eq!(p.idle(), 1);
        // The body has nothing for a while: the reset comes first, before
        // any frame was asked for and given.
        let (body, _) = Scripted::new(
            None,
            vec![Step::Wait(Duration::from_millis(300)), data(b"late")],
        );
        let r = stream(&p, Method::PUT, &HeaderMap::new(), body)
            .await
            .unwrap();
        assert_eq!(r.head.status, 200);
        r.body.collect(16).await.unwrap();
        assert_eq!(bodies.recv().await.unwrap(), b"4\r\nlate\r\n0\r\n\r\n");
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
        assert_eq!(p.stats().get(Event::StaleRetry), 1);
    })
    .await;
}

#[tokio::test]
async fn a_polled_body_is_never_retried() {
    bounded(async {
        let (port, accepted, _bodies) = stale_after_head().await;
        let p = pool(port, PoolConfig::default());
        get(&p).await.unwrap();
        // The first frame is taken at once; the reset comes while the body
        // waits for more.
        let (body, yielded) = Scripted::new(
            None,
            vec![data(b"gone"), Step::Wait(Duration::from_secs(60))],
        );
        let e = stream(&p, Method::PUT, &HeaderMap::new(), body)
            .await
            .unwrap_err();
        assert_eq!(e.kind, Kind::StaleReused, "{e:?}");
        assert!(e.reused && !e.got_any && e.body_spent);
        // Not for the failover loop either: the body is gone.
        assert_eq!(e.retry_class(true, true), gw_runtime::http1::Retry::No);
        assert_eq!(yielded.load(Ordering::SeqCst), 4);
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "no second connection");
        assert_eq!(p.stats().get(Event::StaleRetry), 0);
    })
    .await;
}

#[tokio::test]
async fn a_streamed_body_with_a_buffered_one_is_refused_unsent() {
    bounded(async {
        let (port, accepted, _) = recording_upstream(OK).await;
        let p = pool(port, PoolConfig::default());
        let (body, yielded) = Scripted::new(None, vec![data(b"x")]);
        let headers = HeaderMap::new();
        let e = p
            .request_streaming(
                &UpstreamRequest {
                    method: &Method::POST,
                    path_and_query: "/",
                    headers: &headers,
                    body: &ReqBody::Full(Bytes::from_static(b"y")),
                },
                body,
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind, Kind::RequestBody(BodyError::Misuse));
        assert!(!e.wrote_any);
        assert_eq!(yielded.load(Ordering::SeqCst), 0);
        assert_eq!(accepted.load(Ordering::SeqCst), 0);
        assert_eq!(p.stats().get(Event::Dial), 0);
    })
    .await;
}

#[test]
fn the_streaming_request_future_is_send() {
    fn send_ref<T: Send>(_: &T) {}
    let p = pool(1, PoolConfig::default());
    let headers = HeaderMap::new();
    let req = UpstreamRequest {
        method: &Method::POST,
        path_and_query: "/",
        headers: &headers,
        body: &ReqBody::Empty,
    };
    let (body, _) = Scripted::new(None, vec![]);
    send_ref(&p.request_streaming(&req, body));
    send_ref(&p.request_streaming(&req, http_body_util::Full::new(Bytes::new())));
}
