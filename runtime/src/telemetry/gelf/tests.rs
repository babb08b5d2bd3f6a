#![allow(clippy::unwrap_used)]

use super::*;
use std::io::Read as _;

/// 2026-12-07 01:38:11.123456789 UTC.
fn at() -> SystemTime {
    UNIX_EPOCH + Duration::new(1_796_607_491, 123_456_789)
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn message_is_go_gelfs() {
    let m = message("box", Some("gw"), "  [GIN] a line \n", at(), 7);
    assert_eq!(
        String::from_utf8(m.clone()).unwrap(),
        "{\"version\":\"1.1\",\"host\":\"box\",\"short_message\":\"[GIN] a line\",\
         \"timestamp\":1796607491.1234567,\"level\":6,\"facility\":\"gw\",\
         \"_file\":\"gw-runtime/src/telemetry/logging.rs\",\"_line\":7}"
    );
    // More lines: the first is short_message, the whole is full_message;
    // no facility (go-gelf's TCP writer).
    let v = json(&message("box", None, "first\nsecond <&>", at(), 1));
    assert_eq!(v["short_message"], "first");
    assert_eq!(v["full_message"], "first\nsecond <&>");
    assert!(v.get("facility").is_none());
    assert_eq!(v["level"], 6);
}

#[test]
fn udp_datagrams_are_gzip_and_chunked_past_1420_bytes() {
    let small = message("h", Some("gw"), "hello", at(), 1);
    let d = datagrams(&small).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(&d[0][..2], &[0x1f, 0x8b]);
    assert_eq!(gunzip(&d[0]), small);

    // Incompressible text: 20 000 bytes need 15 chunks of 1408 bytes.
    let noise: String = (0..20_000)
        .map(|_| fastrand::alphanumeric())
        .collect::<String>();
    let big = message("h", Some("gw"), &noise, at(), 1);
    let d = datagrams(&big).unwrap();
    assert!(d.len() > 1);
    let n = d.len();
    let mut z = Vec::new();
    for (i, c) in d.iter().enumerate() {
        assert!(c.len() <= CHUNK_SIZE);
        assert_eq!(&c[..2], &[0x1e, 0x0f]);
        assert_eq!(&c[2..10], &d[0][2..10], "one message id");
        assert_eq!(usize::from(c[10]), i);
        assert_eq!(usize::from(c[11]), n);
        z.extend_from_slice(&c[12..]);
    }
    assert_eq!(gunzip(&z), big);

    // Past 128 chunks the message is refused (dropped and counted).
    let huge: String = (0..300_000).map(|_| fastrand::alphanumeric()).collect();
    assert!(datagrams(&message("h", None, &huge, at(), 1)).is_none());
}

#[test]
fn udp_queue_sends_to_the_address() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let q = Queue::open(&rx.local_addr().unwrap().to_string(), false).unwrap();
    assert!(q.push("one".into(), 3));
    assert!(q.push("two".into(), 4));
    q.drain();
    let mut buf = [0u8; 2048];
    for want in ["one", "two"] {
        let n = rx.recv(&mut buf).unwrap();
        let v = json(&gunzip(&buf[..n]));
        assert_eq!(v["short_message"], want);
        assert_eq!(v["version"], "1.1");
    }
}

#[test]
fn tcp_queue_sends_nul_framed_json() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let q = Queue::open(&l.local_addr().unwrap().to_string(), true).unwrap();
    let (mut s, _) = l.accept().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(q.push("a".into(), 1));
    assert!(q.push("b\nc".into(), 2));
    q.drain();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.iter().filter(|b| **b == 0).count() < 2 {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    let msgs: Vec<&[u8]> = got.split(|b| *b == 0).filter(|m| !m.is_empty()).collect();
    assert_eq!(json(msgs[0])["short_message"], "a");
    assert_eq!(json(msgs[1])["full_message"], "b\nc");
    assert!(json(msgs[1]).get("facility").is_none());
}

#[test]
fn a_full_queue_drops_and_counts_and_never_blocks() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let q = Queue::open(&rx.local_addr().unwrap().to_string(), false).unwrap();
    // The writer is stuck (its sink held, as in a slow send): pushing does
    // not wait for it.
    let stuck = q.sink.lock().unwrap();
    let t0 = Instant::now();
    let refused = (0..CAP_RECORDS + 500)
        .filter(|i| !q.push(format!("line {i}"), 1))
        .count();
    assert_eq!(refused, 500);
    // The byte bound too: a line that does not fit in what is left.
    let q2 = Queue::open(&rx.local_addr().unwrap().to_string(), false).unwrap();
    assert!(q2.push("x".repeat(CAP_BYTES - 10), 1));
    assert!(!q2.push("y".repeat(11), 1));
    assert!(q2.push("y".repeat(10), 1));
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    drop(stuck);
    // Drained, the queue takes lines again.
    q.drain();
    assert!(q.push("again".into(), 1));
}

#[test]
fn tcp_reconnects_are_bounded() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let q = Queue::open(&addr.to_string(), true).unwrap();
    drop(l);
    // The connection is gone and nothing listens: a send may reach the
    // dead socket once, then connects fail and the next one waits
    // RETRY_AFTER; lines meanwhile are refused at once.
    {
        let mut sink = q.sink.lock().unwrap();
        if let Transport::Tcp { conn, .. } = &mut sink.transport {
            *conn = None;
        }
    }
    let t0 = Instant::now();
    for i in 0..50 {
        assert!(q.push(format!("l{i}"), 1));
    }
    q.drain();
    assert!(
        t0.elapsed() < CONNECT_TIMEOUT * 2,
        "one failed connect, not one a line: {:?}",
        t0.elapsed()
    );
    let sink = q.sink.lock().unwrap();
    match &sink.transport {
        Transport::Tcp { conn, retry_at, .. } => {
            assert!(conn.is_none());
            assert!(retry_at.is_some());
        }
        Transport::Udp(_) => panic!("tcp"),
    }
}
