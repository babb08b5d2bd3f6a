//! A tiny gateway, the shape `gwc build` generates: a static description and
//! one call to `gw_runtime::run`. The upstream host comes from the
//! `GW_DEMO_UPSTREAM` environment variable (default `http://127.0.0.1:8000`)
//! so tests can point it at an ephemeral port; a generated crate has it
//! compiled in.
//!
//! `cargo run -p gw-runtime --bin gw-demo -- --listen 127.0.0.1:0`

use gw_runtime::spec::*;

const PIECES_SLOW: &[UrlPiece] = &[UrlPiece::Literal("/slow")];
const PIECES_FAST: &[UrlPiece] = &[UrlPiece::Literal("/fast")];

fn backend(hosts: &'static [&'static str], url: &'static [UrlPiece]) -> Backend {
    Backend {
        hosts,
        url,
        ..Backend::DEFAULT
    }
}

fn endpoint(
    path: &'static str,
    segments: &'static [Segment],
    backends: &'static [Backend],
) -> Endpoint {
    Endpoint {
        method: Method::Get,
        path,
        segments,
        timeout_ms: 5000,
        backends,
        ..Endpoint::DEFAULT
    }
}

/// The demo's `X-KrakenD-Version`: the upgrade tests swap `gw-demo` and
/// `gw-demo-b` (the same source built twice) and tell them apart by it.
const VERSION: &str = if env!("CARGO_BIN_NAME").len() == "gw-demo-b".len() {
    "Version demo-b"
} else {
    "Version demo"
};

/// Serves the demo gateway (see the file's doc).
pub fn main() -> std::process::ExitCode {
    let host = std::env::var("GW_DEMO_UPSTREAM").unwrap_or_else(|_| "http://127.0.0.1:8000".into());
    // A generated crate writes these as `static` items; the demo leaks them
    // once because its upstream is only known at run time.
    let hosts: &'static [&'static str] =
        Box::leak(vec![&*Box::leak(host.into_boxed_str())].into_boxed_slice());
    let slow: &'static [Backend] = Box::leak(Box::new([backend(hosts, PIECES_SLOW)]));
    let fast: &'static [Backend] = Box::leak(Box::new([backend(hosts, PIECES_FAST)]));
    let endpoints: &'static [Endpoint] = Box::leak(Box::new([
        endpoint("/slow", &[Segment::Static("slow")], slow),
        endpoint("/fast", &[Segment::Static("fast")], fast),
    ]));
    let gateway: &'static Gateway = Box::leak(Box::new(Gateway {
        name: "demo",
        endpoints,
        version_header: Some(VERSION),
        user_agent: "KrakenD Version demo",
        ..Gateway::DEFAULT
    }));
    gw_runtime::run(gateway)
}
