//! The differential check of the own HTTP/1.1 client against hyper's
//! `client::conn::http1` (research §4.7(c), (d)), shared by
//! `tests/http1_diff.rs` and the fuzz target `h1_diff_hyper`
//! (`fuzz/fuzz_targets/h1_diff_hyper.rs`, which includes this file with
//! `#[path]`).
//!
//! One case: a method (GET or HEAD) and the bytes a scripted upstream
//! answers to the first request. The upstream runs on `tokio::io::duplex`
//! in a current-thread runtime with paused time: it reads the request
//! head, writes the reply, then waits (1 s of paused time, which passes at
//! once when every task waits) for a second request on the same
//! connection; if one comes it answers `200` with `ok`, otherwise it closes
//! its side (the EOF a close-delimited body needs). Each client reads the
//! response to its end, then, if it considers the connection reusable,
//! sends a second `GET` on it.
//!
//! The outcome is normalised to an [`Outcome`]: rejected (head or body), or
//! accepted with status, version, the header multiset (lower-cased names;
//! without the framing and hop-by-hop fields the own client strips:
//! Content-Length, Transfer-Encoding, Connection and every field it names,
//! Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade), the body bytes and
//! the reuse verdict ([`Reuse`]). Trailers are not compared: the own
//! client parses and drops them by design (http1/mod.rs).
//!
//! [`classes`] names the features of a reply under which the two clients
//! may differ (research §4.7(c): where the own client is stricter, plus the
//! HTTP/1.0 keep-alive policy of §4.7(a)); [`allowed`] says whether a
//! difference is explained by one of them.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use bytes::Bytes;
use gw_runtime::http1::conn::{Conn, ConnLimits, Probe, ReqBody, UpstreamRequest, probe_by_read};
use http_body_util::{BodyExt, Empty};
use hyper::http::{HeaderMap, Method, Request};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

/// The answer to the second request.
pub const SECOND: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// How long (paused time) the upstream waits for a second request.
const IDLE: Duration = Duration::from_secs(1);

/// The bound on one client's whole run (paused time): a hang is a reject.
const LIMIT: Duration = Duration::from_secs(30);

/// The own client's head limits, which hyper is configured to match (S40).
const MAX_HEAD: usize = 64 * 1024;
const MAX_FIELDS: usize = 100;

/// Whether the second request went out on the same connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// The client did not reuse the connection.
    No,
    /// It did, and got the upstream's second answer (`200`, `ok`).
    Yes,
    /// It did, and the second exchange failed (the client refused what
    /// came, e.g. stray bytes of the first reply that arrived after its
    /// end): why (not compared).
    Failed(String),
    /// It did, and accepted something else than the second answer (a
    /// desync): what it got.
    Wrong(String),
}

impl Reuse {
    /// Equal for the comparison (failure texts differ by design).
    fn same(&self, other: &Reuse) -> bool {
        match (self, other) {
            (Reuse::Failed(_), Reuse::Failed(_)) => true,
            _ => self == other,
        }
    }
}

/// One client's normalised result.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The response was rejected (head or body); the text says why (not
    /// compared).
    Rejected(String),
    /// The response was read to its end.
    Accepted {
        /// The status code.
        status: u16,
        /// `HTTP/1.0` or `HTTP/1.1`.
        version: String,
        /// End-to-end fields, sorted (name lower-cased, value bytes).
        headers: Vec<(String, Vec<u8>)>,
        /// The body.
        body: Vec<u8>,
        /// The second request.
        reuse: Reuse,
    },
}

impl Outcome {
    /// Whether it was accepted.
    pub fn accepted(&self) -> bool {
        matches!(self, Outcome::Accepted { .. })
    }

    /// The reuse verdict of an accepted response.
    pub fn reuse(&self) -> Option<&Reuse> {
        match self {
            Outcome::Accepted { reuse, .. } => Some(reuse),
            Outcome::Rejected(_) => None,
        }
    }

    /// Equal for the comparison (the reject texts differ by design).
    pub fn same(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Rejected(_), Outcome::Rejected(_)) => true,
            (
                Outcome::Accepted {
                    status: s1,
                    version: v1,
                    headers: h1,
                    body: b1,
                    reuse: r1,
                },
                Outcome::Accepted {
                    status: s2,
                    version: v2,
                    headers: h2,
                    body: b2,
                    reuse: r2,
                },
            ) => s1 == s2 && v1 == v2 && h1 == h2 && b1 == b2 && r1.same(r2),
            _ => false,
        }
    }

    /// The same, except for the reuse verdict.
    pub fn same_but_reuse(&self, other: &Outcome) -> bool {
        match (self, other) {
            (
                Outcome::Accepted {
                    status: s1,
                    version: v1,
                    headers: h1,
                    body: b1,
                    ..
                },
                Outcome::Accepted {
                    status: s2,
                    version: v2,
                    headers: h2,
                    body: b2,
                    ..
                },
            ) => s1 == s2 && v1 == v2 && h1 == h2 && b1 == b2,
            _ => false,
        }
    }
}

/// The header multiset without the fields the own client strips.
fn normalise(headers: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    const HOP: [&str; 8] = [
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    ];
    let named: Vec<String> = headers
        .get_all("connection")
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .map(|t| String::from_utf8_lossy(t).trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    let mut out: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.as_str().to_ascii_lowercase(), v.as_bytes().to_vec()))
        .filter(|(n, _)| !HOP.contains(&n.as_str()) && !named.contains(n))
        .collect();
    out.sort();
    out
}

/// The scripted upstream: the reply to the first request, then `SECOND` to
/// a second one if it comes within `IDLE`, else EOF.
async fn upstream(
    mut s: DuplexStream,
    reply: Vec<u8>,
    step: usize,
    written: tokio::sync::watch::Sender<bool>,
) {
    let mut buf = Vec::new();
    if !read_request(&mut s, &mut buf).await {
        return;
    }
    for piece in reply.chunks(step.max(1)) {
        if s.write_all(piece).await.is_err() {
            return;
        }
        // Let the client read what came so far (split reads).
        tokio::task::yield_now().await;
    }
    let _ = written.send(true);
    match tokio::time::timeout(IDLE, read_request(&mut s, &mut buf)).await {
        Ok(true) => {
            let _ = s.write_all(SECOND).await;
            // Then wait for the client to go (or give up).
            let mut sink = [0u8; 1024];
            let _ = tokio::time::timeout(IDLE, async {
                while let Ok(n) = s.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
        }
        _ => {
            let _ = s.shutdown().await;
            let mut sink = [0u8; 1024];
            let _ = tokio::time::timeout(IDLE, async {
                while let Ok(n) = s.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
        }
    }
}

/// Reads one request head (the requests here have no body); false at EOF.
async fn read_request(s: &mut DuplexStream, buf: &mut Vec<u8>) -> bool {
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.drain(..i + 4);
            return true;
        }
        let mut chunk = [0u8; 4096];
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

/// The client's end, the upstream task, and a flag the upstream raises
/// once the whole reply is written.
fn pair(
    reply: &[u8],
    step: usize,
) -> (
    DuplexStream,
    tokio::task::JoinHandle<()>,
    tokio::sync::watch::Receiver<bool>,
) {
    let (client, server) = tokio::io::duplex(1 << 20);
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(upstream(server, reply.to_vec(), step, tx));
    (client, task, rx)
}

/// Before the reuse step: waits until the upstream wrote the whole first
/// reply (a split reply may still be arriving when the response already
/// ended), then lets the other tasks run (hyper's connection task reads
/// what came). A real pool checks a connection out later than that; the
/// bytes that arrive after a second request went out are S36, an IO-timing
/// case `http1_client.rs` covers.
async fn settle(written: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = tokio::time::timeout(IDLE / 4, written.wait_for(|w| *w)).await;
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
}

/// The case through hyper's `client::conn::http1`.
pub fn run_hyper(head: bool, reply: &[u8], step: usize) -> Outcome {
    runtime().block_on(async {
        let (io, server, written) = pair(reply, step);
        let out = tokio::time::timeout(LIMIT, hyper_exchange(io, head, written))
            .await
            .unwrap_or_else(|_| Outcome::Rejected("hang".into()));
        server.abort();
        out
    })
}

fn hyper_request(method: Method) -> Request<Empty<Bytes>> {
    Request::builder()
        .method(method)
        .uri("/")
        .header("host", "diff.test")
        .body(Empty::new())
        .unwrap()
}

async fn hyper_exchange(
    io: DuplexStream,
    head: bool,
    mut written: tokio::sync::watch::Receiver<bool>,
) -> Outcome {
    let mut builder = hyper::client::conn::http1::Builder::new();
    builder
        .max_buf_size(MAX_HEAD)
        .max_header_size(MAX_HEAD)
        .max_headers(MAX_FIELDS);
    let (mut sender, conn) = match builder.handshake(TokioIo::new(io)).await {
        Ok(p) => p,
        Err(e) => return Outcome::Rejected(format!("handshake: {e}")),
    };
    let driver = tokio::spawn(conn);
    let method = if head { Method::HEAD } else { Method::GET };
    let resp = match sender.send_request(hyper_request(method)).await {
        Ok(r) => r,
        Err(e) => return Outcome::Rejected(format!("head: {e}")),
    };
    let status = resp.status().as_u16();
    let version = format!("{:?}", resp.version());
    let headers = normalise(resp.headers());
    let body = match resp.into_body().collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(e) => return Outcome::Rejected(format!("body: {e}")),
    };
    settle(&mut written).await;
    let reuse = match sender.ready().await {
        Err(_) => Reuse::No,
        Ok(()) => match sender.send_request(hyper_request(Method::GET)).await {
            Err(e) => Reuse::Failed(format!("second: {e}")),
            Ok(r) => {
                let st = r.status().as_u16();
                match r.into_body().collect().await.map(|b| b.to_bytes()) {
                    Ok(b) if st == 200 && b.as_ref() == b"ok" => Reuse::Yes,
                    Ok(b) => Reuse::Wrong(format!("second: {st} {b:?}")),
                    Err(e) => Reuse::Failed(format!("second body: {e}")),
                }
            }
        },
    };
    drop(sender);
    driver.abort();
    Outcome::Accepted {
        status,
        version,
        headers,
        body,
        reuse,
    }
}

/// The case through the own client's `Conn` (the reuse step as the pool
/// takes it: reusable, then a probe that finds it alive).
pub fn run_own(head: bool, reply: &[u8], step: usize) -> Outcome {
    runtime().block_on(async {
        let (io, server, written) = pair(reply, step);
        let out = tokio::time::timeout(LIMIT, own_exchange(io, head, written))
            .await
            .unwrap_or_else(|_| Outcome::Rejected("hang".into()));
        server.abort();
        out
    })
}

async fn own_read(
    conn: &mut Conn<DuplexStream>,
    method: &Method,
) -> Result<(u16, String, HeaderMap, Vec<u8>), String> {
    let headers = HeaderMap::new();
    let body = ReqBody::Empty;
    let req = UpstreamRequest {
        method,
        path_and_query: "/",
        headers: &headers,
        body: &body,
    };
    let head = conn.send(&req).await.map_err(|e| format!("head: {e}"))?;
    let mut data = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| conn.poll_body(cx)).await {
        data.extend_from_slice(&frame.map_err(|e| format!("body: {e}"))?);
    }
    Ok((
        head.status.as_u16(),
        format!("{:?}", head.version),
        head.headers,
        data,
    ))
}

async fn own_exchange(
    io: DuplexStream,
    head: bool,
    mut written: tokio::sync::watch::Receiver<bool>,
) -> Outcome {
    let limits = ConnLimits::default();
    let mut conn = Conn::new(io, Bytes::from_static(b"diff.test"), limits);
    let method = if head { Method::HEAD } else { Method::GET };
    let (status, version, headers, body) = match own_read(&mut conn, &method).await {
        Ok(r) => r,
        Err(e) => return Outcome::Rejected(e),
    };
    settle(&mut written).await;
    // The pool's checkout: reusable, then a probe of the idle socket
    // (`Conn::probe` itself wants the `Idle` state the pool's check-in sets).
    let reuse = if conn.is_reusable() && probe_by_read(conn.io_mut()) == Probe::Alive {
        match own_read(&mut conn, &Method::GET).await {
            Ok((200, _, _, b)) if b == b"ok" => Reuse::Yes,
            Ok((st, _, _, b)) => Reuse::Wrong(format!("second: {st} {b:?}")),
            Err(e) => Reuse::Failed(format!("second: {e}")),
        }
    } else {
        Reuse::No
    };
    Outcome::Accepted {
        status,
        version,
        headers: normalise(&headers),
        body,
        reuse,
    }
}

/// A feature of a reply under which the two clients may differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Content-Length next to Transfer-Encoding (S1, S2): the own client
    /// rejects, hyper frames by Transfer-Encoding.
    ClAndTe,
    /// A Transfer-Encoding other than one `chunked` on one line (S9–S13):
    /// the own client rejects every coding list but a lone `chunked`.
    TeNotLoneChunked,
    /// A 1xx or 204 with Content-Length or Transfer-Encoding (S19, S20):
    /// the own client rejects a bodiless status that claims a body.
    BodilessWithFraming,
    /// A 101 (S26): the own client never asks for an upgrade.
    Switching,
    /// A chunk extension (S30): the own client checks its bytes
    /// (no bare CR or LF, no CTL, no `"`) where hyper skips it.
    ChunkExtension,
    /// A bare LF in the chunked framing (http1/mod.rs: rejected everywhere
    /// in chunked framing, where hyper accepts it).
    BareLfInChunked,
    /// HTTP/1.0 with `Connection: keep-alive` (§4.7(a)): the own client
    /// never reuses a 1.0 connection, hyper does (and then gets the second
    /// answer, or fails on stray bytes).
    Http10KeepAlive,
}

/// A field of [`loose_head`]: lower-cased name, trimmed value.
type Field = (Vec<u8>, Vec<u8>);

/// The head's fields as (lower-cased name, trimmed value) and its status
/// line, split loosely (LF or CRLF lines); `None` without a head end.
fn loose_head(reply: &[u8]) -> Option<(Vec<u8>, Vec<Field>, usize)> {
    let end = reply
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| i + 2)
        .into_iter()
        .chain(reply.windows(3).position(|w| w == b"\n\r\n").map(|i| i + 3))
        .min()?;
    let mut lines = reply[..end]
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status = lines.next()?.to_vec();
    let fields = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let colon = l.iter().position(|&b| b == b':').unwrap_or(l.len());
            let name = l[..colon].trim_ascii().to_ascii_lowercase();
            let value = l.get(colon + 1..).unwrap_or(&[]).trim_ascii().to_vec();
            (name, value)
        })
        .collect();
    Some((status, fields, end))
}

/// The classes of a reply (every final or informational head in it is
/// looked at, loosely: the point is to explain a difference, not to parse).
pub fn classes(reply: &[u8]) -> Vec<Class> {
    let mut out = Vec::new();
    let mut rest = reply;
    let mut chunked = false;
    while let Some((status, fields, end)) = loose_head(rest) {
        let code = status.get(9..12).unwrap_or(&[]);
        let has = |n: &[u8]| fields.iter().any(|(f, _)| f == n);
        let te: Vec<&Vec<u8>> = fields
            .iter()
            .filter(|(f, _)| f == b"transfer-encoding")
            .map(|(_, v)| v)
            .collect();
        if has(b"content-length") && !te.is_empty() {
            out.push(Class::ClAndTe);
        }
        if te.len() > 1 || te.iter().any(|v| !v.eq_ignore_ascii_case(b"chunked")) {
            out.push(Class::TeNotLoneChunked);
        }
        if (code.starts_with(b"1") || code == b"204") && (has(b"content-length") || !te.is_empty())
        {
            out.push(Class::BodilessWithFraming);
        }
        if code == b"101" {
            out.push(Class::Switching);
        }
        if status.starts_with(b"HTTP/1.0")
            && fields.iter().any(|(f, v)| {
                f == b"connection"
                    && v.split(|&b| b == b',')
                        .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"keep-alive"))
            })
        {
            out.push(Class::Http10KeepAlive);
        }
        if !te.is_empty() {
            chunked = true;
        }
        rest = &rest[end..];
        if !code.starts_with(b"1") || code == b"101" {
            break;
        }
    }
    if chunked {
        // The body part: a chunk-size line with `;`, or an LF without CR.
        if rest.split(|&b| b == b'\n').any(|l| {
            l.iter()
                .take_while(|&&b| b != b'\r')
                .position(|&b| b == b';')
                .is_some_and(|i| l[..i].iter().all(u8::is_ascii_hexdigit))
        }) {
            out.push(Class::ChunkExtension);
        }
        if rest
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\n' && (i == 0 || rest[i - 1] != b'\r'))
        {
            out.push(Class::BareLfInChunked);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether the difference between `own` and `hyper` is explained by one of
/// `classes`: the strictness classes allow "own rejects, hyper accepts";
/// the HTTP/1.0 keep-alive one allows "same response, only hyper reuses".
pub fn allowed(classes: &[Class], own: &Outcome, hyper: &Outcome) -> bool {
    let stricter = !own.accepted() && hyper.accepted();
    classes.iter().any(|c| match c {
        Class::Http10KeepAlive => {
            own.same_but_reuse(hyper)
                && own.reuse() == Some(&Reuse::No)
                && matches!(hyper.reuse(), Some(Reuse::Yes | Reuse::Failed(_)))
        }
        _ => stricter,
    })
}

/// The only shapes a listed difference may take: the own client rejects
/// what hyper accepts, or reads the same response and does not reuse the
/// connection where hyper does.
pub fn stricter(own: &Outcome, hyper: &Outcome) -> bool {
    (!own.accepted() && hyper.accepted())
        || (own.same_but_reuse(hyper) && own.reuse() == Some(&Reuse::No))
}

/// Both clients on one case; the upstream writes the reply `step` bytes at
/// a time (`usize::MAX`: at once).
pub fn compare(head: bool, reply: &[u8], step: usize) -> (Outcome, Outcome) {
    (run_own(head, reply, step), run_hyper(head, reply, step))
}

/// The fuzz check: byte 0 picks the method (bit 0: HEAD) and how many
/// bytes the upstream writes at a time (the other 7 bits: 0 is all at
/// once, else 1 + 5·(k − 1)); the rest is the reply. When both clients accept, the outcomes must be equal unless a
/// class explains the difference; the own client may not accept what
/// hyper rejects (a reply the own client frames while hyper cannot is a
/// desync risk) unless a class explains it. The own client rejecting what
/// hyper accepts is its stated policy and not checked here (the stable
/// test lists its cases).
pub fn check(input: &[u8]) {
    let Some((&first, reply)) = input.split_first() else {
        return;
    };
    let head = first & 1 == 1;
    let k = usize::from(first >> 1);
    let step = if k == 0 { usize::MAX } else { 1 + 5 * (k - 1) };
    let (own, hyper) = compare(head, reply, step);
    if own.accepted() && !own.same(&hyper) && !allowed(&classes(reply), &own, &hyper) {
        panic!(
            "the clients differ on {:?} (head: {head}):\n own:   {own:?}\n hyper: {hyper:?}\n classes: {:?}",
            String::from_utf8_lossy(reply),
            classes(reply)
        );
    }
}
