//! `telemetry/gelf` (krakend-components §2.2; `krakend-gelf` v2.1.0 over
//! Graylog's `go-gelf` v2): CE's GELF writer, the access log and (with
//! `telemetry/logging`) the application records sent to a Graylog input.
//!
//! Each line becomes one GELF 1.1 message as go-gelf's `Write` builds it:
//! the text trimmed, its first line in `short_message` (and the whole text
//! in `full_message` when it has more lines), `timestamp` in seconds with
//! the fraction, `level` 6 (informational: go-gelf gives every line that
//! level, whatever the record's), `host`, `facility` (the program's name,
//! UDP only, as go-gelf), and the extra fields `_file` and `_line` (gwc
//! names its own runtime source there).
//! - UDP (the default): gzip at its fastest level, then cut into GELF
//!   chunks (magic `1e 0f`, an 8-byte id, sequence, count) when bigger than
//!   go-gelf's 1420 bytes; a message needing more than 128 chunks is
//!   dropped (the spec's limit; go-gelf refuses it too).
//! - TCP (`enable_tcp`): the JSON uncompressed, ended by a NUL byte.
//!
//! Never on a request's path: a line is copied into a bounded queue
//! ([`CAP_RECORDS`] lines, [`CAP_BYTES`] bytes) that one writer thread
//! (`gw-gelf`) empties every 20 ms or as soon as 64 KiB wait; a full queue
//! drops the line and counts it (`gwc_log_lines_dropped_total`). A TCP
//! write that fails reconnects at most [`MAX_RECONNECT`] times, each
//! connect bounded by [`CONNECT_TIMEOUT`], and a failed connect waits
//! [`RETRY_AFTER`] before the next one: lines that meanwhile cannot be sent
//! are dropped and counted, never queued without bound (go-gelf instead
//! sleeps a second per attempt inside the request's write).

use std::io::Write as _;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::logstash::go_json_string;

pub use crate::spec::Gelf;

/// Lines waiting at most.
pub const CAP_RECORDS: usize = 4096;
/// Bytes of text waiting at most.
pub const CAP_BYTES: usize = 1 << 20;
/// The writer is woken early when this much text waits.
const WAKE_AT: usize = 64 * 1024;
/// The writer's period otherwise.
const PERIOD: Duration = Duration::from_millis(20);
/// go-gelf's `ChunkSize`: a bigger compressed message is chunked.
pub const CHUNK_SIZE: usize = 1420;
/// A chunk's header: magic (2), id (8), sequence (1), count (1).
const CHUNK_HEADER: usize = 12;
/// The GELF spec's (and go-gelf's) limit on chunks of one message.
const MAX_CHUNKS: usize = 128;
/// go-gelf's `DefaultMaxReconnect`.
pub const MAX_RECONNECT: usize = 3;
/// One TCP connect at most (go-gelf: the system's).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// After a failed connect, the next one waits this long (go-gelf's
/// `ReconnectDelay`, 1 s).
pub const RETRY_AFTER: Duration = Duration::from_secs(1);
/// A TCP write blocked longer fails (and reconnects).
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// One queued line.
#[derive(Debug)]
struct Record {
    at: SystemTime,
    text: String,
    line: u32,
}

/// The lines waiting for the writer.
#[derive(Debug, Default)]
struct Pending {
    records: Vec<Record>,
    bytes: usize,
    woken: bool,
}

/// Where the messages go.
#[derive(Debug)]
enum Transport {
    Udp(UdpSocket),
    Tcp {
        addr: SocketAddr,
        conn: Option<TcpStream>,
        /// No connect before this instant (the last one failed).
        retry_at: Option<Instant>,
    },
}

/// The writer's side: the transport and what every message carries.
#[derive(Debug)]
struct Sink {
    transport: Transport,
    host: String,
    /// go-gelf's UDP writer names the program; its TCP writer leaves it
    /// empty (omitted).
    facility: Option<String>,
    /// Reused between drains.
    batch: Vec<Record>,
}

/// A queue and its writer's sink (one per process, in [`GELF`]; tests
/// build their own).
#[derive(Debug)]
struct Queue {
    pending: Mutex<Pending>,
    sink: Mutex<Sink>,
    writer: OnceLock<std::thread::Thread>,
}

static GELF: OnceLock<Queue> = OnceLock::new();

/// Whether the GELF writer is installed.
pub fn installed() -> bool {
    GELF.get().is_some()
}

/// Opens the GELF writer of `spec` (`address` overridden by the binary's
/// `--gelf HOST:PORT`) and starts its thread. An error is CE's "Unable to
/// create the writer": the gateway runs without GELF, as CE does.
pub fn install(spec: &Gelf, address: Option<&str>) -> Result<(), String> {
    let addr_text = address.unwrap_or(spec.address);
    let queue = Queue::open(addr_text, spec.tcp)?;
    let q = GELF.get_or_init(|| queue);
    q.writer.get_or_init(|| {
        match std::thread::Builder::new()
            .name("gw-gelf".into())
            .spawn(move || {
                loop {
                    std::thread::park_timeout(PERIOD);
                    q.drain();
                }
            }) {
            Ok(h) => h.thread().clone(),
            Err(_) => std::thread::current(),
        }
    });
    Ok(())
}

/// Queues one line (`line`: the runtime source line that logged it, for
/// `_line`), or drops and counts it when the queue is full.
pub fn push(text: String, line: u32) {
    let Some(q) = GELF.get() else { return };
    if !q.push(text, line) {
        super::logging::count_dropped(1);
    }
}

/// Sends what waits (at exit).
pub fn flush() {
    if let Some(q) = GELF.get() {
        q.drain();
    }
}

fn resolve(addr: &str) -> Result<SocketAddr, String> {
    addr.to_socket_addrs()
        .map_err(|e| format!("cannot resolve `{addr}`: {e}"))?
        .next()
        .ok_or_else(|| format!("`{addr}` resolves to no address"))
}

impl Queue {
    /// The queue of a writer to `addr` (TCP: connected now, as go-gelf's
    /// `NewTCPWriter` dials at start).
    fn open(addr: &str, tcp: bool) -> Result<Queue, String> {
        let sa = resolve(addr)?;
        let (transport, facility) = if tcp {
            let conn = TcpStream::connect_timeout(&sa, CONNECT_TIMEOUT)
                .map_err(|e| format!("dial tcp {addr}: {e}"))?;
            let _ = conn.set_write_timeout(Some(WRITE_TIMEOUT));
            let _ = conn.set_nodelay(true);
            (
                Transport::Tcp {
                    addr: sa,
                    conn: Some(conn),
                    retry_at: None,
                },
                None,
            )
        } else {
            let local: SocketAddr = if sa.is_ipv4() {
                ([0, 0, 0, 0], 0).into()
            } else {
                (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
            };
            let sock = UdpSocket::bind(local).map_err(|e| format!("dial udp {addr}: {e}"))?;
            sock.connect(sa)
                .map_err(|e| format!("dial udp {addr}: {e}"))?;
            (Transport::Udp(sock), Some(program()))
        };
        Ok(Queue {
            pending: Mutex::new(Pending::default()),
            sink: Mutex::new(Sink {
                transport,
                host: super::logstash::hostname().to_owned(),
                facility,
                batch: Vec::new(),
            }),
            writer: OnceLock::new(),
        })
    }

    /// Queues a line; `false` when the queue is full (the caller counts).
    /// Holds the lock only to move the line in.
    fn push(&self, text: String, line: u32) -> bool {
        let at = SystemTime::now();
        let wake = match self.pending.lock() {
            Ok(mut p) if p.records.len() < CAP_RECORDS && p.bytes + text.len() <= CAP_BYTES => {
                p.bytes += text.len();
                p.records.push(Record { at, text, line });
                let wake = !p.woken && p.bytes >= WAKE_AT;
                p.woken |= wake;
                wake
            }
            _ => return false,
        };
        if wake && let Some(t) = self.writer.get() {
            t.unpark();
        }
        true
    }

    /// Sends every waiting line; counts those it could not send.
    fn drain(&self) {
        let Ok(mut sink) = self.sink.lock() else {
            return;
        };
        let sink = &mut *sink;
        match self.pending.lock() {
            Ok(mut p) => {
                p.woken = false;
                p.bytes = 0;
                std::mem::swap(&mut p.records, &mut sink.batch);
            }
            Err(_) => return,
        }
        let mut failed = 0;
        let mut batch = std::mem::take(&mut sink.batch);
        for r in batch.drain(..) {
            let json = message(&sink.host, sink.facility.as_deref(), &r.text, r.at, r.line);
            if !sink.transport.send(json) {
                failed += 1;
            }
        }
        sink.batch = batch;
        if failed > 0 {
            super::logging::count_dropped(failed);
        }
    }
}

impl Transport {
    /// Sends one message's JSON; `false` when it could not.
    fn send(&mut self, mut json: Vec<u8>) -> bool {
        match self {
            Transport::Udp(sock) => match datagrams(&json) {
                Some(ds) => ds.iter().all(|d| sock.send(d).is_ok()),
                None => false,
            },
            Transport::Tcp {
                addr,
                conn,
                retry_at,
            } => {
                json.push(0);
                for _ in 0..=MAX_RECONNECT {
                    if conn.is_none() {
                        if retry_at.is_some_and(|t| Instant::now() < t) {
                            return false;
                        }
                        match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
                            Ok(c) => {
                                let _ = c.set_write_timeout(Some(WRITE_TIMEOUT));
                                let _ = c.set_nodelay(true);
                                *conn = Some(c);
                                *retry_at = None;
                            }
                            Err(_) => {
                                *retry_at = Some(Instant::now() + RETRY_AFTER);
                                return false;
                            }
                        }
                    }
                    if let Some(c) = conn.as_mut() {
                        if c.write_all(&json).is_ok() {
                            return true;
                        }
                        *conn = None;
                    }
                }
                false
            }
        }
    }
}

/// The program's file name (go-gelf's UDP `Facility`: `path.Base(os.Args[0])`).
fn program() -> String {
    let arg0 = std::env::args().next().unwrap_or_default();
    std::path::Path::new(&arg0)
        .file_name()
        .map_or(arg0.clone(), |f| f.to_string_lossy().into_owned())
}

/// One GELF message as go-gelf's `constructMessage` + `MarshalJSONBuf`
/// write it: the struct's fields in order, then the extra fields sorted.
fn message(host: &str, facility: Option<&str>, text: &str, at: SystemTime, line: u32) -> Vec<u8> {
    let text = text.trim();
    let (short, full) = match text.find('\n') {
        Some(i) if i > 0 => (&text[..i], text),
        _ => (text, ""),
    };
    let mut s = String::with_capacity(160 + host.len() + short.len() + full.len());
    s.push_str("{\"version\":\"1.1\",\"host\":");
    go_json_string(&mut s, host);
    s.push_str(",\"short_message\":");
    go_json_string(&mut s, short);
    if !full.is_empty() {
        s.push_str(",\"full_message\":");
        go_json_string(&mut s, full);
    }
    let d = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    // Go's float64(UnixNano)/1e9, printed shortest (Rust's `{}` of an f64
    // is the same shortest round-trip form, without an exponent here).
    let ts = d.as_nanos() as f64 / 1e9;
    s.push_str(&format!(",\"timestamp\":{ts},\"level\":6"));
    if let Some(f) = facility.filter(|f| !f.is_empty()) {
        s.push_str(",\"facility\":");
        go_json_string(&mut s, f);
    }
    s.push_str(",\"_file\":");
    go_json_string(&mut s, "gw-runtime/src/telemetry/logging.rs");
    s.push_str(&format!(",\"_line\":{line}}}"));
    s.into_bytes()
}

/// The UDP datagrams of one message: gzip (fastest level, go-gelf's
/// default), then GELF chunks when bigger than [`CHUNK_SIZE`]; `None` when
/// it would need more than 128 chunks.
fn datagrams(json: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut z = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 2 + 32),
        flate2::Compression::fast(),
    );
    z.write_all(json).ok()?;
    let z = z.finish().ok()?;
    if z.len() <= CHUNK_SIZE {
        return Some(vec![z]);
    }
    let data = CHUNK_SIZE - CHUNK_HEADER;
    let n = z.len().div_ceil(data);
    if n > MAX_CHUNKS {
        return None;
    }
    let id = fastrand::u64(..).to_be_bytes();
    Some(
        z.chunks(data)
            .enumerate()
            .map(|(i, c)| {
                let mut d = Vec::with_capacity(CHUNK_HEADER + c.len());
                d.extend_from_slice(&[0x1e, 0x0f]);
                d.extend_from_slice(&id);
                // Both fit: n ≤ 128.
                d.push(u8::try_from(i).unwrap_or(u8::MAX));
                d.push(u8::try_from(n).unwrap_or(u8::MAX));
                d.extend_from_slice(c);
                d
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests;
