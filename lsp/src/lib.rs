//! gwc's language server (`gwc lsp`, the `gwc-lsp` executable).
//!
//! A thin layer over the compiler: every diagnostic comes from
//! [`gwc::check::check_parsed`] (the same checks as `gwc lint`), hover and
//! completion read gwc's JSON Schema through [`gwc::docs`], and cursor
//! positions are mapped to the tree with [`gwc::syntax::locate()`] and
//! [`gwc::syntax::cursor`]. This crate adds the protocol: positions in the
//! negotiated encoding ([`convert`]), open documents and their analyses
//! ([`document`]), settings ([`settings`]) and the server ([`Server`]).

pub mod actions;
pub mod caps;
pub mod completion;
pub mod convert;
pub mod document;
pub mod hover;
pub mod navigation;
pub mod settings;
pub mod symbols;
pub mod transport;
pub mod vars;

mod server;

use std::sync::atomic::Ordering;

pub use server::Server;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::LspService;

/// Serves the protocol on `input`/`output` until the client sends `exit`
/// (or closes `input`). Returns whether a `shutdown` request came first:
/// the process should then exit with code 0, else 1. Malformed messages
/// are dropped ([`transport::guard`]).
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite,
{
    let (service, socket) = LspService::new(Server::new);
    let shutdown = service.inner().shutdown_flag();
    tower_lsp_server::Server::new(transport::guard(input), output, socket)
        .serve(service)
        .await;
    shutdown.load(Ordering::SeqCst)
}

/// `gwc-lsp --help`.
const USAGE: &str = "\
gwc-lsp: the gwc language server, over stdio (also run as `gwc lsp`)

Usage: gwc-lsp [--stdio]

Options:
  --stdio     use stdin/stdout (the default and only transport)
  --version   print the version
  --help      print this help";

/// The server's command line (`[--stdio] [--version] [--help]`) and its run
/// over stdio until the client exits; returns the process exit code. The
/// `gwc-lsp` executable and `gwc lsp` both call it.
pub fn main_with_args(args: impl IntoIterator<Item = String>) -> u8 {
    for arg in args {
        match arg.as_str() {
            "--stdio" => {}
            "--version" | "-V" => {
                println!("gwc-lsp {}", env!("CARGO_PKG_VERSION"));
                return 0;
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return 0;
            }
            other => {
                eprintln!("error: unexpected argument `{other}`\n\n{USAGE}");
                return 2;
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let clean = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // The stdin reader is a blocking thread that may still wait for input
    // the client will never send: do not wait for it.
    runtime.shutdown_background();
    if clean { 0 } else { 1 }
}
