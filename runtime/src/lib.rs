//! gw-runtime: the library a gateway compiled by `gwc build` links.
//!
//! The generated crate provides a `static` [`spec::Gateway`] and calls one
//! non-generic, non-async entry point, [`run`]; everything async and generic
//! lives here, compiled once (research/rust-stack.md §6). Tests and
//! embedders can use the async [`serve`] instead.
//!
//! One module per concern:
//! - [`spec`]: the static description (the contract with codegen);
//! - [`worker`]: one single-threaded runtime per core, per-worker state;
//! - [`server`]: listeners, connections (spread over the workers), graceful
//!   drain, the admin listener;
//! - [`router`]: path matching, 404/405, redirects, health, the path
//!   parameter check;
//! - [`client_ip`]: the client's address (gin's `ClientIP()`);
//! - [`echo`]: KrakenD's `/__debug/` and `/__echo/` answers;
//! - [`handler`]: one request end to end (timeout, headers, metrics, log);
//! - [`proxy`]: the endpoint pipeline (parallel, sequential, concurrent, shadow, static);
//! - [`request`]: the request a backend receives (URL escaping, allowlists);
//! - [`upstream`]: the per-backend pool and its failover loop;
//! - [`redirect`]: following a backend's 30x answers as Go's client does;
//! - [`lb`]: load balancing, health checks, passive ejection, retry
//!   budget, circuit breaker, per-host HTTP clients (one policy a module);
//! - [`encoding`]: backend decoders and output renderers;
//! - [`manipulate`]: `target`, `allow`, `deny`, `mapping`, `group`, flatmap;
//! - [`merge`]: combining backend results;
//! - [`security`]: the security components (one module a namespace);
//! - [`traffic`]: the traffic components (one module a namespace);
//! - [`validation`]: the validation components (one module a namespace);
//! - [`modifier`]: the transformation components (`modifier/martian`);
//! - [`validation`]: the validation components (`validation/cel`);
//! - [`telemetry`]: the telemetry components (`telemetry/logging`,
//!   `telemetry/metrics`, `telemetry/opentelemetry`);
//! - [`error`]: the one error type and its status mapping;
//! - [`metrics`]: gwc's own counters (admin `/metrics`);
//! - [`exposition`]: the Prometheus text both `/metrics` bodies are written in;
//! - `upgrade` (Linux): the zero-downtime binary upgrade on SIGHUP.

pub mod body;
pub mod client_ip;
pub mod echo;
pub mod encoding;
pub mod error;
pub mod exposition;
pub mod handler;
pub mod http1;
pub mod lb;
pub mod limits;
pub mod manipulate;
pub mod merge;
pub mod metrics;
pub mod modifier;
pub mod proxy;
pub mod redirect;
pub mod request;
pub mod router;
pub mod security;
pub mod server;
pub mod spec;
pub mod state;
pub mod telemetry;
pub mod traffic;
#[cfg(target_os = "linux")]
pub mod upgrade;
pub mod upstream;
pub mod validation;
pub mod value;
pub mod worker;

use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::Arc;

pub use error::{Error, ErrorKind, ErrorSource};

/// The allocator of every gateway binary (feature `mimalloc`, on by
/// default): the proxy allocates on every request, and mimalloc's
/// thread-local free lists cost less than glibc's malloc there.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
pub use server::serve;

/// Parsed command line of a gateway binary.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    /// `--listen HOST:PORT`.
    pub listen: String,
    /// `--admin HOST:PORT`.
    pub admin: Option<String>,
    /// `--syslog-socket PATH`: the local syslog socket `telemetry/logging`
    /// writes to (default: Go's `/dev/log`, `/var/run/syslog`,
    /// `/var/run/log`).
    pub syslog_socket: Option<String>,
    /// `--metrics HOST:PORT`: where the first Prometheus exporter of
    /// `telemetry/opentelemetry` listens instead of the config's address.
    pub metrics: Option<String>,
    /// `--gelf HOST:PORT`: where `telemetry/gelf` sends instead of the
    /// config's `address`.
    pub gelf: Option<String>,
    /// `--stats HOST:PORT`: where `telemetry/metrics`' `/__stats` listens
    /// instead of the config's `listen_address`.
    pub stats: Option<String>,
    /// `--otlp NAME=HOST:PORT` (repeatable): where the OTLP exporter NAME
    /// of `telemetry/opentelemetry` sends instead of its `host` and `port`.
    pub otlp: Vec<(String, String)>,
    /// `--pid-file PATH`: where the serving process writes its id (and
    /// the new process after a binary upgrade).
    pub pid_file: Option<String>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Serve.
    Serve(Args),
    /// `--help`.
    Help,
    /// `--version`.
    Version,
}

/// The default listen address: `listen_ip` (or all interfaces) and `port`.
fn default_listen(gw: &spec::Gateway) -> String {
    match gw.listen_ip {
        Some(ip) if ip.contains(':') => format!("[{ip}]:{}", gw.port),
        Some(ip) => format!("{ip}:{}", gw.port),
        None => format!("0.0.0.0:{}", gw.port),
    }
}

/// Parses the arguments (without the program name).
pub fn parse_args(gw: &spec::Gateway, args: &[String]) -> Result<Command, String> {
    let mut listen = None;
    let mut admin = None;
    let mut syslog_socket = None;
    let mut metrics = None;
    let mut gelf = None;
    let mut stats = None;
    let mut otlp = Vec::new();
    let mut pid_file = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (a.as_str(), None),
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" | "--admin" | "--metrics" | "--stats" | "--syslog-socket" | "--gelf"
            | "--otlp" | "--pid-file" => {
                let what = match flag {
                    "--syslog-socket" | "--pid-file" => "PATH",
                    "--otlp" => "NAME=HOST:PORT",
                    _ => "HOST:PORT",
                };
                let v = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .cloned()
                        .ok_or_else(|| format!("`{flag}` needs a value: {what}"))?,
                };
                match flag {
                    "--listen" => listen = Some(v),
                    "--admin" => admin = Some(v),
                    "--metrics" => metrics = Some(v),
                    "--gelf" => gelf = Some(v),
                    "--stats" => stats = Some(v),
                    "--pid-file" => pid_file = Some(v),
                    "--otlp" => match v.split_once('=') {
                        Some((name, addr)) if !name.is_empty() && !addr.is_empty() => {
                            otlp.push((name.to_owned(), addr.to_owned()));
                        }
                        _ => return Err(format!("`--otlp` needs NAME=HOST:PORT, not `{v}`")),
                    },
                    _ => syslog_socket = Some(v),
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Command::Serve(Args {
        listen: listen.unwrap_or_else(|| default_listen(gw)),
        admin,
        syslog_socket,
        metrics,
        gelf,
        stats,
        otlp,
        pid_file,
    }))
}

fn usage(gw: &spec::Gateway) -> String {
    format!(
        "{name}: an API gateway compiled by gwc\n\n\
         Usage: {name} [--listen HOST:PORT] [--admin HOST:PORT] [--metrics HOST:PORT]\n                [--stats HOST:PORT] [--otlp NAME=HOST:PORT] [--syslog-socket PATH]\n                [--gelf HOST:PORT] [--pid-file PATH]\n\n\
         Options:\n  \
         --listen HOST:PORT  where to serve (default {default}; port 0 picks a free port)\n  \
         --admin HOST:PORT   serve /metrics and /upstreams there (off by default)\n  \
         --metrics HOST:PORT the Prometheus exporter's address (telemetry/opentelemetry)\n  \
         --stats HOST:PORT   the /__stats address (telemetry/metrics' listen_address)\n  \
         --otlp NAME=HOST:PORT  where the OTLP exporter NAME sends (telemetry/opentelemetry;\n                        repeatable)\n  \
         --syslog-socket PATH  the local syslog socket (telemetry/logging's `syslog`;\n                        default /dev/log, /var/run/syslog, /var/run/log)\n  \
         --gelf HOST:PORT    where telemetry/gelf sends instead of its `address`\n  \
         --pid-file PATH     write the serving process's id there (rewritten by the\n                        new process of a binary upgrade: SIGHUP or SIGUSR2)\n  \
         -h, --help          print this help\n  \
         -V, --version       print the version\n",
        name = if gw.name.is_empty() {
            "gateway"
        } else {
            gw.name
        },
        default = default_listen(gw),
    )
}

fn bind(addr: &str) -> Result<std::net::TcpListener, String> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve `{addr}`: {e}"))?
        .collect();
    let mut last = format!("`{addr}` resolves to no address");
    for a in addrs {
        match std::net::TcpListener::bind(a) {
            Ok(l) => {
                l.set_nonblocking(true)
                    .map_err(|e| format!("cannot listen on `{addr}`: {e}"))?;
                return Ok(l);
            }
            Err(e) => last = format!("cannot listen on `{addr}`: {e}"),
        }
    }
    Err(last)
}

/// The entry point of a generated gateway binary: parses the arguments,
/// binds, prints `listening on HOST:PORT` (and `admin listening on
/// HOST:PORT`), serves with one worker thread per core ([`worker`]) until
/// SIGTERM or SIGINT, drains in-flight requests and returns. Exit codes: 0
/// after a clean stop, 1 when the gateway cannot start (bind failure,
/// inconsistent description), 2 for bad arguments.
pub fn run(gateway: &'static spec::Gateway) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(gateway, &args) {
        Ok(Command::Serve(a)) => a,
        Ok(Command::Help) => {
            print!("{}", usage(gateway));
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!(
                "{} (gw-runtime {})",
                if gateway.name.is_empty() {
                    "gateway"
                } else {
                    gateway.name
                },
                env!("CARGO_PKG_VERSION")
            );
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{}", usage(gateway));
            return ExitCode::from(2);
        }
    };
    limits::no_huge_pages();
    if args.gelf.is_some() && gateway.gelf.is_none() {
        eprintln!("error: `--gelf`: the gateway has no telemetry/gelf");
        return ExitCode::from(1);
    }
    // CE opens the GELF writer before the logger, and logs its failure
    // with the logger once there is one (krakend-ce executor.go).
    let gelf = install_gelf(gateway, &args);
    telemetry::logging::install(&gateway.logging, args.syslog_socket.as_deref());
    if let Err(e) = gelf {
        telemetry::logging::log(
            telemetry::logging::Level::Error,
            &format!("[SERVICE: Logging][GELF] Unable to create the writer: {e}"),
        );
    }
    let started = start(gateway, &args, worker::configured());
    // The lines of the last requests reach stdout before the exit.
    telemetry::logging::flush();
    match started {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Opens `telemetry/gelf`'s writer (`--gelf` overrides its address).
fn install_gelf(gateway: &spec::Gateway, args: &Args) -> Result<(), String> {
    let Some(g) = gateway.gelf else {
        return Ok(());
    };
    #[cfg(feature = "gelf")]
    return telemetry::gelf::install(g, args.gelf.as_deref());
    #[cfg(not(feature = "gelf"))]
    {
        let _ = (g, args);
        Err("this gateway was built without the `gelf` feature".into())
    }
}

/// Binds (or, started by a binary upgrade, takes over the old process's
/// listeners), installs the signal handlers, prints the `listening on`
/// lines, writes the pid file, and serves with [`serve_workers`] until
/// SIGTERM or SIGINT, or until the new process of an upgrade serves.
fn start(gateway: &'static spec::Gateway, args: &Args, workers: usize) -> Result<ExitCode, String> {
    let mut inherited = upgrade::Inherited::from_env()?;
    let listener = listen(&mut inherited, "public", &args.listen)?;
    let admin = match &args.admin {
        Some(a) => Some(listen(&mut inherited, "admin", a).map_err(|e| format!("admin: {e}"))?),
        None => None,
    };
    let exporters = bind_exporters(gateway, args, &mut inherited)?;
    let stats = bind_stats(gateway, args, &mut inherited)?;
    inherited.close_unused();
    let pid_file = args.pid_file.as_ref().map(std::path::PathBuf::from);
    let upgrader = {
        let mut sockets = vec![("public".to_owned(), &listener)];
        if let Some(l) = &admin {
            sockets.push(("admin".to_owned(), l));
        }
        if let Some(l) = &stats {
            sockets.push(("stats".to_owned(), l));
        }
        for (i, l) in exporters.iter().enumerate() {
            sockets.push((format!("metrics.{i}"), l));
        }
        upgrade::Upgrader::new(&sockets, pid_file.clone())?
    };
    let stats_addr = stats.as_ref().and_then(|l| l.local_addr().ok());
    let exporter_addrs: Vec<SocketAddr> = exporters
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .collect();
    let addrs = (
        listener.local_addr().ok(),
        admin.as_ref().and_then(|l| l.local_addr().ok()),
    );
    let (tx, rx) = tokio::sync::watch::channel(false);
    let stop_rx = rx.clone();
    let otlp = args.otlp.clone();
    let written_pid_file = pid_file.clone();
    let served = serve_workers(gateway, listener, admin, workers, rx, move |gw| {
        spawn_exporters(gw, exporters, &stop_rx)?;
        spawn_stats(gw, stats, &stop_rx)?;
        spawn_otlp(gw, &otlp, &stop_rx)?;
        spawn_signal_watch(tx, upgrader)
            .map_err(|e| format!("cannot install signal handlers: {e}"))?;
        let mut out = std::io::stdout().lock();
        if let Some(a) = addrs.0 {
            let _ = writeln!(out, "listening on {a}");
        }
        if let Some(a) = addrs.1 {
            let _ = writeln!(out, "admin listening on {a}");
        }
        for a in &exporter_addrs {
            let _ = writeln!(out, "metrics listening on {a}");
        }
        if let Some(a) = stats_addr {
            let _ = writeln!(out, "stats listening on {a}");
        }
        let _ = out.flush();
        if let Some(p) = &written_pid_file {
            upgrade::write_pid_file(p)?;
        }
        // The old process of an upgrade stops accepting from here on.
        inherited.ready();
        Ok(())
    });
    if let Some(p) = &pid_file {
        upgrade::remove_pid_file(p);
    }
    served
}

/// The listener of `role`: the old process's when this one replaces it
/// and the address still matches, else a new one bound at `addr`.
fn listen(
    inherited: &mut upgrade::Inherited,
    role: &str,
    addr: &str,
) -> Result<std::net::TcpListener, String> {
    match inherited.take(role, addr) {
        Some(l) => Ok(l),
        None => bind(addr),
    }
}

/// Serves `gateway` on `listener` (a non-blocking socket; and the admin
/// endpoints on `admin`) from `workers` threads that each run a
/// current-thread runtime of their own (see [`worker`]), until `stop`
/// turns true (or its sender is dropped); then every worker drains its
/// in-flight requests, and it returns. The calling thread is worker 0; it also runs the admin
/// listener and the health probes.
///
/// `ready` runs on worker 0's runtime once the state is built and before
/// any connection is accepted (a gateway binary installs its signal
/// handlers and prints `listening on` there); it is given the state, to
/// keep if it wants to read it later. An error from it, or any failure to
/// start, is returned before anything runs: every runtime and listener
/// handle is made before any thread starts.
pub fn serve_workers(
    gateway: &'static spec::Gateway,
    listener: std::net::TcpListener,
    admin: Option<std::net::TcpListener>,
    workers: usize,
    stop: tokio::sync::watch::Receiver<bool>,
    ready: impl FnOnce(&Arc<state::Gw>) -> Result<(), String>,
) -> Result<ExitCode, String> {
    let workers = workers.max(1);
    worker::set_count(workers);
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))
    };
    let main_rt = runtime()?;
    let gw = {
        let _in = main_rt.enter();
        Arc::new(state::Gw::build(gateway).map_err(|e| format!("the gateway cannot start: {e}"))?)
    };
    // The other workers' runtimes and listener handles, made before any
    // thread starts so that a failure leaves nothing running.
    let mut others = Vec::with_capacity(workers - 1);
    for _ in 1..workers {
        let l = listener
            .try_clone()
            .map_err(|e| format!("cannot share the listener between workers: {e}"))?;
        others.push((runtime()?, l));
    }
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|v| *v).await;
    };
    let (listener, admin) = {
        let _in = main_rt.enter();
        let local = listener.local_addr().ok();
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| match local {
            Some(a) => format!("cannot listen on `{a}`: {e}"),
            None => format!("cannot listen: {e}"),
        })?;
        let admin = match admin {
            Some(l) => {
                Some(tokio::net::TcpListener::from_std(l).map_err(|e| format!("admin: {e}"))?)
            }
            None => None,
        };
        gw.start_background();
        ready(&gw)?;
        (listener, admin)
    };
    let mut handoffs = server::Handoff::workers(workers).into_iter();
    let main_handoff = handoffs.next().filter(|_| workers > 1);
    let mut threads = Vec::with_capacity(others.len());
    for (i, ((rt, l), handoff)) in others.into_iter().zip(handoffs).enumerate() {
        let (gw, rx) = (Arc::clone(&gw), stop.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("gw-worker-{}", i + 1))
            .spawn(move || {
                worker::enter(i + 1);
                rt.block_on(async move {
                    match tokio::net::TcpListener::from_std(l) {
                        Ok(l) => server::serve_worker(gw, l, Some(handoff), stopped(rx)).await,
                        Err(e) => telemetry::logging::log(
                            telemetry::logging::Level::Error,
                            &format!("worker {}: {e}", i + 1),
                        ),
                    }
                });
            });
        match spawned {
            Ok(t) => threads.push(t),
            // Serve with the workers that did start.
            Err(e) => telemetry::logging::log(
                telemetry::logging::Level::Error,
                &format!("cannot start worker {}: {e}", i + 1),
            ),
        }
    }
    main_rt.block_on(async move {
        let admin_task = admin.map(|l| {
            tokio::spawn(server::serve_admin(
                Arc::clone(&gw),
                l,
                stopped(stop.clone()),
            ))
        });
        #[cfg(feature = "otlp")]
        let kept = Arc::clone(&gw);
        server::serve_worker(gw, listener, main_handoff, stopped(stop)).await;
        // The OTLP exporters' last sends (bounded).
        #[cfg(feature = "otlp")]
        telemetry::opentelemetry::otlp::finish(&kept).await;
        if let Some(t) = admin_task {
            let _ = t.await;
        }
    });
    let mut code = ExitCode::SUCCESS;
    for t in threads {
        if t.join().is_err() {
            code = ExitCode::from(1);
        }
    }
    Ok(code)
}

/// Binds `telemetry/opentelemetry`'s Prometheus exporters (the first at
/// `--metrics` when given); none without the namespace.
fn bind_exporters(
    gateway: &'static spec::Gateway,
    args: &Args,
    inherited: &mut upgrade::Inherited,
) -> Result<Vec<std::net::TcpListener>, String> {
    let Some(otel) = gateway.otel else {
        return match &args.metrics {
            Some(_) => Err(
                "`--metrics`: the gateway has no Prometheus exporter (telemetry/opentelemetry)"
                    .into(),
            ),
            None => Ok(Vec::new()),
        };
    };
    let mut out = Vec::with_capacity(otel.prometheus.len());
    for (i, e) in otel.prometheus.iter().enumerate() {
        let addr = match (&args.metrics, i) {
            (Some(a), 0) => a.as_str(),
            _ => e.listen,
        };
        out.push(
            listen(inherited, &format!("metrics.{i}"), addr)
                .map_err(|err| format!("prometheus exporter `{}`: {err}", e.name))?,
        );
    }
    if out.is_empty() && args.metrics.is_some() {
        return Err(
            "`--metrics`: the gateway has no Prometheus exporter (telemetry/opentelemetry)".into(),
        );
    }
    Ok(out)
}

/// Serves the bound exporters on the current (worker 0's) runtime until
/// `stop` turns true.
#[cfg_attr(not(feature = "otel"), allow(clippy::unnecessary_wraps))]
fn spawn_exporters(
    gw: &Arc<state::Gw>,
    exporters: Vec<std::net::TcpListener>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    #[cfg(feature = "otel")]
    for l in exporters {
        let l = tokio::net::TcpListener::from_std(l)
            .map_err(|e| format!("prometheus exporter: {e}"))?;
        let mut rx = stop.clone();
        tokio::spawn(server::serve_prometheus(Arc::clone(gw), l, async move {
            let _ = rx.wait_for(|v| *v).await;
        }));
    }
    #[cfg(not(feature = "otel"))]
    {
        let _ = (gw, stop);
        if !exporters.is_empty() {
            return Err("this gateway was built without the `otel` feature".into());
        }
    }
    Ok(())
}

/// Starts `telemetry/opentelemetry`'s OTLP export task (`--otlp`
/// overrides applied); nothing without OTLP exporters.
#[cfg_attr(not(feature = "otlp"), allow(clippy::unnecessary_wraps))]
fn spawn_otlp(
    gw: &Arc<state::Gw>,
    overrides: &[(String, String)],
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    #[cfg(feature = "otlp")]
    return telemetry::opentelemetry::otlp::spawn(gw, overrides, stop.clone());
    #[cfg(not(feature = "otlp"))]
    {
        let _ = (gw, stop);
        match overrides.first() {
            Some(_) => Err("`--otlp`: this gateway was built without the `otlp` feature".into()),
            None => Ok(()),
        }
    }
}

/// Binds `telemetry/metrics`' `/__stats` listener (at `--stats` when
/// given); none without the namespace or with `endpoint_disabled`.
fn bind_stats(
    gateway: &'static spec::Gateway,
    args: &Args,
    inherited: &mut upgrade::Inherited,
) -> Result<Option<std::net::TcpListener>, String> {
    match (gateway.stats, &args.stats) {
        (Some(s), flag) if !s.endpoint_disabled => {
            let addr = flag.as_deref().unwrap_or(s.listen);
            listen(inherited, "stats", addr)
                .map(Some)
                .map_err(|e| format!("/__stats: {e}"))
        }
        (Some(_), Some(_)) => {
            Err("`--stats`: telemetry/metrics has `endpoint_disabled`: no /__stats".into())
        }
        (None, Some(_)) => Err("`--stats`: the gateway has no /__stats (telemetry/metrics)".into()),
        _ => Ok(None),
    }
}

/// Serves the bound `/__stats` listener on the current (worker 0's)
/// runtime until `stop` turns true.
#[cfg_attr(not(feature = "stats"), allow(clippy::unnecessary_wraps))]
fn spawn_stats(
    gw: &Arc<state::Gw>,
    listener: Option<std::net::TcpListener>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    let Some(l) = listener else {
        return Ok(());
    };
    #[cfg(feature = "stats")]
    {
        let l = tokio::net::TcpListener::from_std(l).map_err(|e| format!("/__stats: {e}"))?;
        let Some(c) = gw.stats.as_ref().map(Arc::clone) else {
            return Ok(());
        };
        let mut rx = stop.clone();
        tokio::spawn(server::serve_stats(c, l, async move {
            let _ = rx.wait_for(|v| *v).await;
        }));
        Ok(())
    }
    #[cfg(not(feature = "stats"))]
    {
        let _ = (gw, stop, l);
        Err("this gateway was built without the `stats` feature".into())
    }
}

/// What a signal asks for.
enum SignalEvent {
    /// SIGTERM, SIGINT: drain and exit.
    Stop,
    /// SIGHUP, SIGUSR2: the binary upgrade.
    Upgrade(&'static str),
    /// SIGUSR1: logged and ignored.
    Ignore(&'static str),
}

/// Sets the flag on the first SIGTERM or SIGINT. SIGHUP and SIGUSR2 start
/// a binary upgrade ([`upgrade`]): once the new process serves, the flag is
/// set and this one drains. SIGUSR1, whose default action would end the
/// process with requests in flight, is caught and logged instead (a
/// process manager's log rotation signal must not cut requests).
fn spawn_signal_watch(
    tx: tokio::sync::watch::Sender<bool>,
    upgrader: upgrade::Upgrader,
) -> std::io::Result<()> {
    use std::task::Poll;
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let mut usr2 = signal(SignalKind::user_defined2())?;
    let tx = Arc::new(tx);
    tokio::spawn(async move {
        loop {
            let event = std::future::poll_fn(|cx| {
                if term.poll_recv(cx).is_ready() || int.poll_recv(cx).is_ready() {
                    return Poll::Ready(SignalEvent::Stop);
                }
                if let Poll::Ready(Some(())) = hup.poll_recv(cx) {
                    return Poll::Ready(SignalEvent::Upgrade("SIGHUP"));
                }
                if let Poll::Ready(Some(())) = usr2.poll_recv(cx) {
                    return Poll::Ready(SignalEvent::Upgrade("SIGUSR2"));
                }
                if let Poll::Ready(Some(())) = usr1.poll_recv(cx) {
                    return Poll::Ready(SignalEvent::Ignore("SIGUSR1"));
                }
                Poll::Pending
            })
            .await;
            match event {
                SignalEvent::Stop => break,
                SignalEvent::Upgrade(name) => {
                    let tx = Arc::clone(&tx);
                    upgrader.start(name, move || {
                        let _ = tx.send(true);
                    });
                }
                SignalEvent::Ignore(name) => crate::telemetry::logging::log(
                    crate::telemetry::logging::Level::Warning,
                    &format!(
                        "[SERVICE: gwc] {name} received and ignored: the gateway keeps serving"
                    ),
                ),
            }
        }
        upgrader.cancel().await;
        let _ = tx.send(true);
    });
    Ok(())
}

/// Platforms without the binary upgrade (it needs Linux's abstract Unix
/// sockets and `SO_PEERCRED`): the pid file works, SIGHUP and SIGUSR2 are
/// logged and ignored.
#[cfg(not(target_os = "linux"))]
mod upgrade {
    use std::path::{Path, PathBuf};

    #[derive(Default)]
    pub struct Inherited;

    impl Inherited {
        pub fn from_env() -> Result<Inherited, String> {
            Ok(Inherited)
        }
        pub fn take(&mut self, _: &str, _: &str) -> Option<std::net::TcpListener> {
            None
        }
        pub fn close_unused(&mut self) {}
        pub fn ready(&mut self) {}
    }

    pub fn write_pid_file(path: &Path) -> Result<(), String> {
        std::fs::write(path, format!("{}\n", std::process::id()))
            .map_err(|e| format!("cannot write the pid file `{}`: {e}", path.display()))
    }

    pub fn remove_pid_file(path: &Path) {
        let _ = std::fs::remove_file(path);
    }

    pub struct Upgrader;

    impl Upgrader {
        pub fn new(
            _: &[(String, &std::net::TcpListener)],
            _: Option<PathBuf>,
        ) -> Result<Upgrader, String> {
            Ok(Upgrader)
        }
        pub fn start(&self, signal: &str, _: impl FnOnce() + Send + 'static) {
            crate::telemetry::logging::log(
                crate::telemetry::logging::Level::Warning,
                &format!(
                    "[SERVICE: gwc] {signal} received and ignored: no binary upgrade on this platform"
                ),
            );
        }
        pub async fn cancel(&self) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_table() {
        let gw = &router_test_gateway::GW;
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let serve = |l: &str, a: Option<&str>| {
            Ok(Command::Serve(Args {
                listen: l.into(),
                admin: a.map(str::to_owned),
                syslog_socket: None,
                metrics: None,
                gelf: None,
                stats: None,
                otlp: Vec::new(),
                pid_file: None,
            }))
        };
        let table: Vec<(Vec<String>, Result<Command, String>)> = vec![
            (s(&[]), serve("0.0.0.0:8080", None)),
            (s(&["--listen", "127.0.0.1:0"]), serve("127.0.0.1:0", None)),
            (
                s(&["--listen=127.0.0.1:0", "--admin", "127.0.0.1:9"]),
                serve("127.0.0.1:0", Some("127.0.0.1:9")),
            ),
            (s(&["--help"]), Ok(Command::Help)),
            (s(&["-V"]), Ok(Command::Version)),
            (
                s(&["--listen"]),
                Err("`--listen` needs a value: HOST:PORT".into()),
            ),
            (s(&["--bogus"]), Err("unknown argument `--bogus`".into())),
            (
                s(&["--stats=127.0.0.1:0"]),
                Ok(Command::Serve(Args {
                    listen: "0.0.0.0:8080".into(),
                    admin: None,
                    syslog_socket: None,
                    metrics: None,
                    gelf: None,
                    stats: Some("127.0.0.1:0".into()),
                    otlp: Vec::new(),
                    pid_file: None,
                })),
            ),
            (
                s(&["--stats"]),
                Err("`--stats` needs a value: HOST:PORT".into()),
            ),
            (
                s(&["--otlp", "c=127.0.0.1:4317", "--otlp=d=[::1]:9"]),
                Ok(Command::Serve(Args {
                    listen: "0.0.0.0:8080".into(),
                    admin: None,
                    syslog_socket: None,
                    metrics: None,
                    gelf: None,
                    stats: None,
                    otlp: vec![
                        ("c".into(), "127.0.0.1:4317".into()),
                        ("d".into(), "[::1]:9".into()),
                    ],
                    pid_file: None,
                })),
            ),
            (
                s(&["--otlp", "127.0.0.1:4317"]),
                Err("`--otlp` needs NAME=HOST:PORT, not `127.0.0.1:4317`".into()),
            ),
        ];
        for (args, want) in table {
            assert_eq!(parse_args(gw, &args), want, "{args:?}");
        }
    }

    mod router_test_gateway {
        use crate::spec::*;
        pub static GW: Gateway = Gateway {
            name: "t",
            router: RouterOptions {
                disable_access_log: true,
                ..RouterOptions::DEFAULT
            },
            version_header: None,
            user_agent: "KrakenD Version test",
            ..Gateway::DEFAULT
        };
    }
}
