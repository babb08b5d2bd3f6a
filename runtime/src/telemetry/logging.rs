//! `telemetry/logging` (krakend-components §2): the application log lines in
//! CE's formats (go-logging's default pattern, the logstash pattern, a
//! custom pattern, lura's basic logger when the namespace is absent),
//! syslog, and gin's access log line.
//!
//! Nothing here blocks a request: a line is formatted on the request's
//! thread and copied into a bounded buffer that one writer thread empties
//! every 20 ms (or as soon as 64 KiB wait) in one write; when the buffer
//! is full (1 MiB, or 4096 syslog records) the line is dropped and counted
//! ([`dropped`], the admin `/metrics` series `gwc_log_lines_dropped_total`).
//!
//! The logger is always compiled (no feature flag): without the namespace
//! CE still logs (lura's basic DEBUG logger on stdout) and gin still writes
//! the access log, so every gateway needs this module.
//!
//! Times are UTC (CE uses the host's local zone; gwc binaries carry no
//! time-zone database: a difference listed in the README).

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// go-logging's levels, most severe first (a record is written when its
/// level is at most the configured one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `CRITICAL`
    Critical,
    /// `ERROR`
    Error,
    /// `WARNING`
    Warning,
    /// `NOTICE` (accepted by go-logging, not in the schema)
    Notice,
    /// `INFO`
    Info,
    /// `DEBUG`
    Debug,
}

impl Level {
    /// go-logging's name of the level.
    pub const fn name(self) -> &'static str {
        match self {
            Level::Critical => "CRITICAL",
            Level::Error => "ERROR",
            Level::Warning => "WARNING",
            Level::Notice => "NOTICE",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
        }
    }

    /// go-logging's `%{color}`: no colour for INFO (its table has no entry).
    const fn color(self) -> &'static str {
        match self {
            Level::Critical => "\x1b[35m",
            Level::Error => "\x1b[31m",
            Level::Warning => "\x1b[33m",
            Level::Notice => "\x1b[32m",
            Level::Info => "",
            Level::Debug => "\x1b[36m",
        }
    }

    /// go-logging's `%{color:bold}`.
    const fn bold(self) -> &'static str {
        match self {
            Level::Critical => "\x1b[35;1m",
            Level::Error => "\x1b[31;1m",
            Level::Warning => "\x1b[33;1m",
            Level::Notice => "\x1b[32;1m",
            Level::Info => "",
            Level::Debug => "\x1b[36;1m",
        }
    }
}

/// The application log line's shape.
#[derive(Clone, Copy, Debug)]
pub enum Format {
    /// lura's basic logger (no `telemetry/logging`, or CE's fallback):
    /// `2006/01/02 15:04:05 KRAKEND INFO: message`.
    Basic,
    /// go-logging's `DefaultPattern` after the prefix:
    /// `<prefix> 2006/01/02 - 15:04:05.000 <color>▶ INFO<reset> message`.
    Default,
    /// krakend-gologging's `LogstashPattern` (string substitution, the
    /// message not escaped, as CE).
    Logstash,
    /// `custom_format`, compiled by the plan into go-logging's verbs.
    Custom(&'static [Verb]),
}

/// One piece of a go-logging pattern (`custom_format`).
#[derive(Clone, Copy, Debug)]
pub enum Verb {
    /// Literal text.
    Text(&'static str),
    /// `%{time:<layout>}`, the Go layout compiled into pieces.
    Time(&'static [TimePart]),
    /// `%{level}`
    Level,
    /// `%{level:.Ns}`: the level's name cut to N characters (Go's `%.Ns`;
    /// `DefaultPattern`'s old `.6s` wrote `WARNIN`).
    LevelCut(u8),
    /// `%{message}`
    Message,
    /// `%{module}` (`KRAKEND`)
    Module,
    /// `%{id}`: the record's sequence number.
    Id,
    /// `%{pid}`
    Pid,
    /// `%{program}`: the binary's file name.
    Program,
    /// `%{color}`
    Color,
    /// `%{color:bold}`
    ColorBold,
    /// `%{color:reset}`
    ColorReset,
}

/// One piece of a Go time layout.
#[derive(Clone, Copy, Debug)]
pub enum TimePart {
    /// Literal text.
    Text(&'static str),
    /// `2006`
    Year,
    /// `01`
    Month,
    /// `Jan`
    MonthName,
    /// `02`
    Day,
    /// `_2`
    DaySpace,
    /// `15`
    Hour,
    /// `04`
    Minute,
    /// `05`
    Second,
    /// `.000` … (the number of digits, 1 to 9)
    Fraction(u8),
}

/// `syslog: true`: one priority for every record (CE computes it from the
/// configured `level`, krakend-components §2.2).
#[derive(Clone, Copy, Debug)]
pub struct Syslog {
    /// facility × 8 + severity.
    pub priority: u8,
}

/// `telemetry/logging`, every default applied by the plan.
#[derive(Clone, Copy, Debug)]
pub struct Logging {
    /// The most verbose level written.
    pub level: Level,
    /// `stdout`
    pub stdout: bool,
    /// `syslog` with its priority.
    pub syslog: Option<Syslog>,
    /// `prefix` (before each stdout line; the syslog tag); `""` when the
    /// format forces it off.
    pub prefix: &'static str,
    /// `format` (with `custom_format`).
    pub format: Format,
    /// `telemetry/logstash`: each message becomes its JSON record, with
    /// this `module` (the `prefix`, or `KRAKEND`).
    pub logstash: Option<&'static str>,
}

impl Logging {
    /// CE without `telemetry/logging` (or when it cannot start it): lura's
    /// basic logger, DEBUG, on stdout.
    pub const BASIC: Logging = Logging {
        level: Level::Debug,
        stdout: true,
        syslog: None,
        prefix: "",
        format: Format::Basic,
        logstash: None,
    };
}

/// Lines the queue could not take (full), ever.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// How many log lines were dropped because the writer was behind.
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Counts `n` lines another writer of the logger (`telemetry/gelf`) could
/// not queue or send.
#[cfg_attr(not(feature = "gelf"), allow(dead_code))]
pub(crate) fn count_dropped(n: u64) {
    DROPPED.fetch_add(n, Ordering::Relaxed);
}

/// Whether `telemetry/gelf` takes the access log and the application
/// records (CE's GELF writer, krakend-components §2.2).
#[cfg(feature = "gelf")]
fn gelf_on() -> bool {
    super::gelf::installed()
}

#[cfg(not(feature = "gelf"))]
const fn gelf_on() -> bool {
    false
}

/// Bytes of stdout lines waiting for the writer at most (a burst beyond it
/// is dropped and counted).
const STDOUT_CAP: usize = 1 << 20;
/// Syslog records waiting at most.
const SYSLOG_CAP: usize = 4096;
/// The writer is woken early when this much waits.
const WAKE_AT: usize = 64 * 1024;
/// The writer's period otherwise (how long a line may wait).
const PERIOD: Duration = Duration::from_millis(20);

/// What waits for the writer. Producers hold the lock only to copy a line
/// in: no system call, no wake-up but one per `WAKE_AT` bytes.
#[derive(Default)]
struct Pending {
    stdout: Vec<u8>,
    syslog: Vec<String>,
    /// The writer was unparked and has not drained yet.
    woken: bool,
}

/// What the writer (or [`flush`]) owns while it writes; locked before
/// [`Pending`], never the other way round.
struct Sink {
    /// The buffer swapped with `Pending::stdout` (its capacity kept).
    spare: Vec<u8>,
    syslog: Option<std::os::unix::net::UnixDatagram>,
}

/// The installed logger.
struct Logger {
    spec: Logging,
    pending: Mutex<Pending>,
    sink: Mutex<Sink>,
    writer: OnceLock<std::thread::Thread>,
    /// The syslog tag (`prefix`, or the program name as Go's `log/syslog`).
    tag: String,
    program: String,
    pid: u32,
    seq: AtomicU64,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();

/// The default syslog sockets Go's `log/syslog` tries.
const SYSLOG_SOCKETS: [&str; 3] = ["/dev/log", "/var/run/syslog", "/var/run/log"];

fn connect_syslog(path: Option<&str>) -> Result<std::os::unix::net::UnixDatagram, String> {
    let paths: Vec<&str> = match path {
        Some(p) => vec![p],
        None => SYSLOG_SOCKETS.to_vec(),
    };
    let mut last = "no syslog socket".to_owned();
    for p in paths {
        match std::os::unix::net::UnixDatagram::unbound().and_then(|s| {
            s.connect(p)?;
            Ok(s)
        }) {
            Ok(s) => return Ok(s),
            Err(e) => last = format!("{p}: {e}"),
        }
    }
    Err(format!("Unix syslog delivery error ({last})"))
}

/// Installs the logger of `spec` (once a process; a later call keeps the
/// first). `syslog_socket` overrides the local syslog socket (the binary's
/// `--syslog-socket PATH`). When syslog cannot be opened, CE's fallback:
/// the basic DEBUG logger on stdout, after one line saying why.
pub fn install(spec: &Logging, syslog_socket: Option<&str>) {
    let mut failed = None;
    LOGGER.get_or_init(|| {
        let (l, f) = build(spec, syslog_socket);
        failed = f;
        l
    });
    start_writer();
    if let Some(e) = failed {
        log(
            Level::Error,
            &format!("[SERVICE: Logging] Unable to create the logger: {e}"),
        );
    }
}

/// The logger of `spec`; the error when syslog could not be opened (then
/// the logger is [`Logging::BASIC`]).
fn build(spec: &Logging, syslog_socket: Option<&str>) -> (Logger, Option<String>) {
    let mut spec = *spec;
    let mut socket = None;
    let mut failed = None;
    if spec.syslog.is_some() {
        match connect_syslog(syslog_socket) {
            Ok(s) => socket = Some(s),
            Err(e) => {
                failed = Some(e);
                spec = Logging::BASIC;
            }
        }
    }
    let arg0 = std::env::args().next().unwrap_or_default();
    let program = std::path::Path::new(&arg0)
        .file_name()
        .map_or_else(|| arg0.clone(), |f| f.to_string_lossy().into_owned());
    // Go's log/syslog: the tag is the prefix, or os.Args[0].
    let tag = if spec.prefix.is_empty() {
        arg0
    } else {
        spec.prefix.to_owned()
    };
    let l = Logger {
        spec,
        pending: Mutex::new(Pending {
            stdout: Vec::with_capacity(WAKE_AT * 2),
            ..Pending::default()
        }),
        sink: Mutex::new(Sink {
            spare: Vec::with_capacity(WAKE_AT * 2),
            syslog: socket,
        }),
        writer: OnceLock::new(),
        tag,
        program,
        pid: std::process::id(),
        seq: AtomicU64::new(0),
    };
    (l, failed)
}

/// Starts the writer thread of the installed logger (once). When the
/// thread cannot start, lines pile up to the bound and are then dropped
/// and counted.
fn start_writer() {
    let Some(l) = LOGGER.get() else { return };
    l.writer.get_or_init(|| {
        match std::thread::Builder::new()
            .name("gw-log".into())
            .spawn(move || {
                loop {
                    std::thread::park_timeout(PERIOD);
                    l.drain();
                }
            }) {
            Ok(h) => h.thread().clone(),
            // A handle that nobody parks on: unparking it costs nothing.
            Err(_) => std::thread::current(),
        }
    });
}

/// The installed logger; the basic one when nothing was installed (tests
/// driving `serve` in-process).
fn logger() -> &'static Logger {
    if let Some(l) = LOGGER.get() {
        return l;
    }
    let l = LOGGER.get_or_init(|| build(&Logging::BASIC, None).0);
    start_writer();
    l
}

impl Logger {
    /// Writes what waits: stdout in one write, syslog one datagram a record.
    fn drain(&self) {
        let Ok(mut sink) = self.sink.lock() else {
            return;
        };
        let records = match self.pending.lock() {
            Ok(mut p) => {
                p.woken = false;
                std::mem::swap(&mut p.stdout, &mut sink.spare);
                std::mem::take(&mut p.syslog)
            }
            Err(_) => return,
        };
        if !sink.spare.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&sink.spare);
            let _ = out.flush();
            sink.spare.clear();
        }
        if let Some(sock) = &sink.syslog {
            for r in &records {
                let _ = sock.send(r.as_bytes());
            }
        }
    }

    /// Queues one stdout line, or drops and counts it when the queue is full.
    fn push_stdout(&self, line: &str) {
        let wake = match self.pending.lock() {
            Ok(mut p) if p.stdout.len() + line.len() <= STDOUT_CAP => {
                p.stdout.extend_from_slice(line.as_bytes());
                let wake = !p.woken && p.stdout.len() >= WAKE_AT;
                p.woken |= wake;
                wake
            }
            _ => {
                DROPPED.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        if wake && let Some(t) = self.writer.get() {
            t.unpark();
        }
    }

    /// Queues one syslog record, or drops and counts it.
    fn push_syslog(&self, record: String) {
        match self.pending.lock() {
            Ok(mut p) if p.syslog.len() < SYSLOG_CAP => p.syslog.push(record),
            _ => {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Writes every line queued so far (called once the gateway has stopped).
pub fn flush() {
    if let Some(l) = LOGGER.get() {
        l.drain();
    }
    #[cfg(feature = "gelf")]
    super::gelf::flush();
}

/// Whether a record of `level` would be written (callers skip building the
/// message otherwise).
pub fn enabled(level: Level) -> bool {
    level <= logger().spec.level
}

/// Logs one application record (CE's `logger.Error(msg)` and the like).
pub fn log(level: Level, msg: &str) {
    let l = logger();
    if level > l.spec.level {
        return;
    }
    let now = SystemTime::now();
    let wrapped;
    let msg = match l.spec.logstash {
        Some(module) => {
            wrapped = super::logstash::record(level, module, super::logstash::hostname(), msg, now);
            wrapped.as_str()
        }
        None => msg,
    };
    // CE's GELF writer is one more go-logging backend (pattern
    // `%{message}` after the Go log prefix); lura's basic logger has none.
    if gelf_on() && !matches!(l.spec.format, Format::Basic) {
        #[cfg(feature = "gelf")]
        super::gelf::push(format!("{}{msg}", l.spec.prefix), line!());
    }
    if l.spec.stdout {
        let line = l.format_line(level, msg, now);
        l.push_stdout(&line);
    }
    if let Some(s) = l.spec.syslog {
        l.push_syslog(syslog_record(s.priority, &l.tag, l.pid, level, msg, now));
    }
}

impl Logger {
    fn format_line(&self, level: Level, msg: &str, now: SystemTime) -> String {
        let mut line = String::with_capacity(64 + msg.len());
        match self.spec.format {
            Format::Basic => {
                let t = Civil::of(now);
                let _ = write!(
                    line,
                    "{:04}/{:02}/{:02} {:02}:{:02}:{:02} KRAKEND {}: {msg}",
                    t.year,
                    t.month,
                    t.day,
                    t.hour,
                    t.minute,
                    t.second,
                    level.name()
                );
            }
            Format::Default => {
                let t = Civil::of(now);
                let _ = write!(
                    line,
                    "{} {:04}/{:02}/{:02} - {:02}:{:02}:{:02}.{:03} {}▶ {}\x1b[0m {msg}",
                    self.spec.prefix,
                    t.year,
                    t.month,
                    t.day,
                    t.hour,
                    t.minute,
                    t.second,
                    t.nanos / 1_000_000,
                    level.color(),
                    level.name()
                );
            }
            Format::Logstash => {
                let t = Civil::of(now);
                let _ = write!(
                    line,
                    "{{\"@timestamp\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+00:00\", \"@version\": 1, \"level\": \"{}\", \"message\": \"{msg}\", \"module\": \"KRAKEND\"}}",
                    t.year,
                    t.month,
                    t.day,
                    t.hour,
                    t.minute,
                    t.second,
                    t.nanos / 1_000_000,
                    level.name()
                );
            }
            Format::Custom(verbs) => {
                line.push_str(self.spec.prefix);
                let id = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
                for v in verbs {
                    match *v {
                        Verb::Text(s) => line.push_str(s),
                        Verb::Time(parts) => go_time(&mut line, parts, now),
                        Verb::Level => line.push_str(level.name()),
                        Verb::LevelCut(n) => {
                            let name = level.name();
                            line.push_str(&name[..name.len().min(usize::from(n))]);
                        }
                        Verb::Message => line.push_str(msg),
                        Verb::Module => line.push_str("KRAKEND"),
                        Verb::Id => {
                            let _ = write!(line, "{id}");
                        }
                        Verb::Pid => {
                            let _ = write!(line, "{}", self.pid);
                        }
                        Verb::Program => line.push_str(&self.program),
                        Verb::Color => line.push_str(level.color()),
                        Verb::ColorBold => line.push_str(level.bold()),
                        Verb::ColorReset => line.push_str("\x1b[0m"),
                    }
                }
            }
        }
        // Go's log.Logger ends every line with one newline.
        if !line.ends_with('\n') {
            line.push('\n');
        }
        line
    }
}

/// Go's `log/syslog` local form: `<PRI>Jan _2 15:04:05 TAG[PID]: MSG\n`,
/// the record formatted `%{level} > %{message}` (krakend-gologging).
fn syslog_record(
    priority: u8,
    tag: &str,
    pid: u32,
    level: Level,
    msg: &str,
    now: SystemTime,
) -> String {
    let t = Civil::of(now);
    let mut s = String::with_capacity(48 + tag.len() + msg.len());
    let _ = write!(
        s,
        "<{priority}>{} {:>2} {:02}:{:02}:{:02} {tag}[{pid}]: {} > {msg}",
        MONTHS[(t.month - 1) as usize],
        t.day,
        t.hour,
        t.minute,
        t.second,
        level.name()
    );
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A UTC calendar time.
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u64,
    pub(crate) minute: u64,
    pub(crate) second: u64,
    pub(crate) nanos: u32,
}

impl Civil {
    pub(crate) fn of(t: SystemTime) -> Civil {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = d.as_secs();
        let (year, month, day) = crate::metrics::civil((secs / 86_400) as i64);
        let sod = secs % 86_400;
        Civil {
            year,
            month,
            day,
            hour: sod / 3600,
            minute: sod / 60 % 60,
            second: sod % 60,
            nanos: d.subsec_nanos(),
        }
    }
}

fn go_time(out: &mut String, parts: &[TimePart], now: SystemTime) {
    let t = Civil::of(now);
    for p in parts {
        let _ = match *p {
            TimePart::Text(s) => {
                out.push_str(s);
                Ok(())
            }
            TimePart::Year => write!(out, "{:04}", t.year),
            TimePart::Month => write!(out, "{:02}", t.month),
            TimePart::MonthName => {
                out.push_str(MONTHS[(t.month - 1) as usize]);
                Ok(())
            }
            TimePart::Day => write!(out, "{:02}", t.day),
            TimePart::DaySpace => write!(out, "{:>2}", t.day),
            TimePart::Hour => write!(out, "{:02}", t.hour),
            TimePart::Minute => write!(out, "{:02}", t.minute),
            TimePart::Second => write!(out, "{:02}", t.second),
            TimePart::Fraction(n) => {
                let n = n.clamp(1, 9);
                let v = t.nanos / 10u32.pow(9 - u32::from(n));
                write!(out, ".{v:0width$}", width = usize::from(n))
            }
        };
    }
}

/// One thread's access-log scratch: the line being built (its capacity
/// kept between requests) and gin's date prefix of the last second it
/// logged, so a line costs no allocation and one date format a second.
pub(crate) struct AccessScratch {
    line: String,
    latency: String,
    second: u64,
    prefix: String,
    /// A wall-clock reading and the monotonic instant it was taken at,
    /// renewed each second: a line's time is derived from the request's
    /// end instant, one clock read a request instead of two.
    anchor: Option<(Instant, SystemTime)>,
}

thread_local! {
    static ACCESS: std::cell::RefCell<AccessScratch> = const {
        std::cell::RefCell::new(AccessScratch {
            line: String::new(),
            latency: String::new(),
            second: u64::MAX,
            prefix: String::new(),
            anchor: None,
        })
    };
}

/// gin's default access log line (`[GIN] 2006/01/02 - 15:04:05 | 200 |
/// 4.529µs | 172.17.0.1 | GET "/path"`), to stdout through the queue,
/// whatever the `level` (gin ignores it).
/// The latency runs from `start` to now.
pub fn access(
    status: u16,
    start: Instant,
    client_ip: &str,
    method: &str,
    path: &str,
    query: Option<&str>,
) {
    let l = logger();
    let end = Instant::now();
    let latency = end.saturating_duration_since(start);
    ACCESS.with(|a| {
        let Ok(mut a) = a.try_borrow_mut() else {
            return;
        };
        let now = match a.anchor {
            Some((at, wall)) if end >= at && end - at < Duration::from_secs(1) => wall + (end - at),
            _ => {
                let wall = SystemTime::now();
                a.anchor = Some((end, wall));
                wall
            }
        };
        access_line(&mut a, now, status, latency, client_ip, method, path, query);
        // gin's writer is the GELF writer when `telemetry/gelf` is on.
        if gelf_on() {
            #[cfg(feature = "gelf")]
            super::gelf::push(a.line.clone(), line!());
            return;
        }
        a.line.push('\n');
        l.push_stdout(&a.line);
    });
}

/// Builds gin's access line (without the newline) into `a.line`.
#[allow(clippy::too_many_arguments)]
fn access_line(
    a: &mut AccessScratch,
    now: SystemTime,
    status: u16,
    latency: Duration,
    client_ip: &str,
    method: &str,
    path: &str,
    query: Option<&str>,
) {
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if a.second != second {
        let t = Civil::of(now);
        a.prefix.clear();
        let _ = write!(
            a.prefix,
            "[GIN] {:04}/{:02}/{:02} - {:02}:{:02}:{:02} | ",
            t.year, t.month, t.day, t.hour, t.minute, t.second,
        );
        a.second = second;
    }
    let line = &mut a.line;
    line.clear();
    line.push_str(&a.prefix);
    let _ = write!(line, "{status:3} | ");
    a.latency.clear();
    write_go_duration(&mut a.latency, gin_truncate(latency));
    pad_left(line, &a.latency, 13);
    line.push_str(" | ");
    pad_left(line, client_ip, 15);
    line.push_str(" | ");
    line.push_str(method);
    for _ in chars(method)..7 {
        line.push(' ');
    }
    line.push(' ');
    line.push('"');
    go_quote_into(line, path);
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        line.push('?');
        go_quote_into(line, q);
    }
    line.push('"');
}

/// `s` right-aligned in `width` characters (Go's `%13v`).
fn pad_left(out: &mut String, s: &str, width: usize) {
    for _ in chars(s)..width {
        out.push(' ');
    }
    out.push_str(s);
}

/// The characters in `s` (its bytes but UTF-8 continuation bytes).
fn chars(s: &str) -> usize {
    s.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// gin v1.12's latency truncation (krakend-components §2.2).
fn gin_truncate(d: Duration) -> Duration {
    let step = if d > Duration::from_secs(60) {
        Duration::from_secs(10)
    } else if d > Duration::from_secs(1) {
        Duration::from_millis(10)
    } else if d > Duration::from_millis(1) {
        Duration::from_micros(10)
    } else {
        return d;
    };
    let n = d.as_nanos() / step.as_nanos() * step.as_nanos();
    Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
}

/// Go's `time.Duration.String()`.
pub fn go_duration(d: Duration) -> String {
    let mut s = String::new();
    write_go_duration(&mut s, d);
    s
}

/// [`go_duration`] appended to `out`.
fn write_go_duration(out: &mut String, d: Duration) {
    // u64 nanoseconds cover 584 years (Go's Duration is an int64 too).
    let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    // `v / unit`, then the fraction's digits without trailing zeros.
    let frac = |out: &mut String, v: u64, unit: u64| {
        let _ = write!(out, "{}", v / unit);
        let mut rest = v % unit;
        if rest > 0 {
            out.push('.');
            let mut u = unit / 10;
            while rest > 0 && u > 0 {
                out.push(char::from(b'0' + (rest / u) as u8));
                rest %= u;
                u /= 10;
            }
        }
    };
    if ns == 0 {
        out.push_str("0s");
    } else if ns < 1_000 {
        let _ = write!(out, "{ns}ns");
    } else if ns < 1_000_000 {
        frac(out, ns, 1_000);
        out.push_str("µs");
    } else if ns < 1_000_000_000 {
        frac(out, ns, 1_000_000);
        out.push_str("ms");
    } else {
        let secs = ns / 1_000_000_000;
        let sub = ns % 1_000_000_000;
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        if h > 0 {
            let _ = write!(out, "{h}h{m}m");
        } else if m > 0 {
            let _ = write!(out, "{m}m");
        }
        frac(out, s * 1_000_000_000 + sub, 1_000_000_000);
        out.push('s');
    }
}

/// Go's `%#v` of a string (`strconv.Quote`) without its quotes: printable
/// text kept, `"` and `\` escaped, control characters as Go writes them;
/// printable ASCII is copied at once.
fn go_quote_into(out: &mut String, s: &str) {
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests;
