//! End-to-end harness without tokio: a programmable HTTP/1.1 upstream on
//! 127.0.0.1:0 (std threads), gateways built with the `gwc` binary and run
//! as child processes (killed on drop), and a blocking HTTP client. Every
//! wait is bounded.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Every network wait is bounded by this.
pub const WAIT: Duration = Duration::from_secs(20);

/// A request an upstream received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    /// Names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or_default()
    }
}

/// A canned reply.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn json(body: &str) -> Reply {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    pub fn status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Appends a header line, keeping any of the same name (`Set-Cookie`).
    pub fn add_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// An upstream server; stops accepting when dropped.
pub struct Upstream {
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Upstream {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    /// The requests seen so far whose path is `path`.
    pub fn seen_at(&self, path: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path() == path)
            .collect()
    }

    /// Waits until a request with this path arrives (shadow calls are
    /// fire-and-forget).
    pub fn wait_for(&self, path: &str) -> Seen {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Some(s) = self.seen_at(path).pop() {
                return s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no request to {path} within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Starts an upstream answering with `handler`.
pub fn upstream(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Upstream {
    upstream_on(TcpListener::bind("127.0.0.1:0").unwrap(), handler)
}

/// [`upstream`] on a listener the caller bound (a given port).
pub fn upstream_on(
    listener: TcpListener,
    handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> Upstream {
    let addr = listener.local_addr().unwrap();
    let log: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let handler: Handler = Arc::new(handler);
    {
        let (log, stop) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (log, handler) = (log.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &log, &handler));
            }
        });
    }
    Upstream { addr, log, stop }
}

/// Serves requests on one connection until it closes (keep-alive).
fn serve(stream: TcpStream, log: &Mutex<Vec<Seen>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut out = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let Some(seen) = read_request(&mut reader) else {
            return;
        };
        let close = seen
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        log.lock().unwrap().push(seen.clone());
        let reply = handler(&seen);
        if !reply.delay.is_zero() {
            std::thread::sleep(reply.delay);
        }
        let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        // A reply with `Transfer-Encoding: chunked` is sent as one chunk,
        // without a length.
        let chunked = reply.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
        });
        let body = if chunked {
            head.push_str("\r\n");
            let mut b = format!("{:x}\r\n", reply.body.len()).into_bytes();
            b.extend_from_slice(&reply.body);
            b.extend_from_slice(b"\r\n0\r\n\r\n");
            b
        } else {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
            reply.body.clone()
        };
        if out.write_all(head.as_bytes()).is_err() || out.write_all(&body).is_err() {
            return;
        }
        if close {
            return;
        }
    }
}

fn read_request(reader: &mut impl BufRead) -> Option<Seen> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let uri = parts.next()?.to_string();
    let headers = read_headers(reader)?;
    let find = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let body = if find("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        read_chunked(reader)?
    } else {
        let len: usize = find("content-length")
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).ok()?;
        body
    };
    Some(Seen {
        method,
        uri,
        headers,
        body,
    })
}

fn read_headers(reader: &mut impl BufRead) -> Option<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Some(headers);
        }
        let (k, v) = line.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
}

fn read_chunked(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
        if size == 0 {
            // Trailers, then the empty line.
            read_headers(reader)?;
            return Some(body);
        }
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).ok()?;
        chunk.truncate(size);
        body.extend(chunk);
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        404 => "Not Found",
        418 => "I'm a teapot",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A response the gateway sent.
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }
}

/// Sends one request (`Connection: close`) and reads the whole response.
/// The `Host` header is `addr` unless `headers` has one.
pub fn send(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    req.push_str("Connection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = read_headers(&mut reader).expect("response headers");
    let find = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let body = if find("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        read_chunked(&mut reader).expect("chunked body")
    } else if let Some(len) = find("content-length").and_then(|l| l.parse::<usize>().ok()) {
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        body
    } else {
        let mut body = Vec::new();
        reader.read_to_end(&mut body).unwrap();
        body
    };
    Resp {
        status,
        headers,
        body,
    }
}

/// `GET path`.
pub fn get(addr: &str, path: &str) -> Resp {
    send(addr, "GET", path, &[], b"")
}

/// Where the end-to-end tests keep their files: `<target>/e2e` (one shared
/// cargo target dir for every gateway they build).
pub fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
        .join("e2e")
}

/// The placeholder host of `testdata/build` configs.
pub const PLACEHOLDER: &str = "http://upstream.test";

/// Serialises builds: cargo locks the shared target dir anyway, and one
/// build at a time keeps the output readable.
static BUILDS: Mutex<()> = Mutex::new(());

/// Builds `testdata/build/<name>.json` with its placeholder host replaced
/// by `host`, and returns the binary. `extra` are more `gwc build` args.
pub fn build(name: &str, host: &str, extra: &[&str]) -> PathBuf {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../testdata/build/{name}.json"));
    let text = std::fs::read_to_string(&source).unwrap();
    build_text(name, &text.replace(PLACEHOLDER, host), extra)
}

/// Builds a config given as text (written to `<e2e>/configs/<name>.json`).
pub fn build_text(name: &str, text: &str, extra: &[&str]) -> PathBuf {
    let _guard = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = e2e_dir();
    let config = dir.join("configs").join(format!("{name}.json"));
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    // Unchanged configs keep their mtime (and cargo its fingerprints).
    if std::fs::read_to_string(&config).ok().as_deref() != Some(text) {
        std::fs::write(&config, text).unwrap();
    }
    let bin = dir.join("bin").join(name);
    let out = Command::new(env!("CARGO_BIN_EXE_gwc"))
        .arg("build")
        .arg(&config)
        .arg("-o")
        .arg(&bin)
        .arg("--emit-crate")
        .arg(dir.join("crates").join(name))
        .args(extra)
        .env("GWC_TARGET_DIR", dir.join("target"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gwc build {name} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

/// A running gateway; killed when dropped (also on panic).
pub struct Gateway {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The admin listener's `127.0.0.1:PORT`, when started with one.
    pub admin: Option<String>,
}

impl Gateway {
    /// Sends SIGTERM to the gateway (by its PID) and waits, at most
    /// [`WAIT`], for it to exit; its exit status.
    #[allow(dead_code)]
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        let until = std::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < until,
                "the gateway did not exit within {WAIT:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `bin --listen 127.0.0.1:0` and waits for `listening on …`.
pub fn start(bin: &Path) -> Gateway {
    start_with(bin, false)
}

/// [`start`], with the admin listener on 127.0.0.1:0 when `admin`.
pub fn start_with(bin: &Path, admin: bool) -> Gateway {
    spawn_gateway(bin, admin, &[], None)
}

/// [`start`] with more arguments; every stdout line but the `listening on`
/// ones goes to the returned receiver (the gateway's log lines).
pub fn start_logged(bin: &Path, extra: &[&str]) -> (Gateway, std::sync::mpsc::Receiver<String>) {
    let (tx, rx) = std::sync::mpsc::channel();
    (spawn_gateway(bin, false, extra, Some(tx)), rx)
}

fn spawn_gateway(
    bin: &Path,
    admin: bool,
    extra: &[&str],
    lines_to: Option<std::sync::mpsc::Sender<String>>,
) -> Gateway {
    let log = e2e_dir().join("logs");
    std::fs::create_dir_all(&log).unwrap();
    let name = bin.file_name().unwrap().to_string_lossy().into_owned();
    let stderr = std::fs::File::create(log.join(format!("{name}.log"))).unwrap();
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0"])
        .args(if admin {
            &["--admin", "127.0.0.1:0"][..]
        } else {
            &[]
        })
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(Ok(line)) = lines.next() {
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = tx.send((false, addr.trim().to_string()));
            } else if let Some(addr) = line.strip_prefix("admin listening on ") {
                let _ = tx.send((true, addr.trim().to_string()));
            } else if let Some(to) = &lines_to {
                let _ = to.send(line);
            }
        }
    });
    let mut gw = Gateway {
        child,
        addr: String::new(),
        admin: None,
    };
    while gw.addr.is_empty() || (admin && gw.admin.is_none()) {
        let (is_admin, addr) = rx
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("{name} did not print `listening on …` within {WAIT:?}"));
        if is_admin {
            gw.admin = Some(addr);
        } else {
            gw.addr = addr;
        }
    }
    gw
}
