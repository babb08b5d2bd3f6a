//! The `gwc-lsp` executable: gwc's language server over stdio. `gwc lsp`
//! runs it; editors may also run it directly.

use std::process::ExitCode;

const USAGE: &str = "\
gwc-lsp: the gwc language server, over stdio (also run as `gwc lsp`)

Usage: gwc-lsp [--stdio]

Options:
  --stdio     use stdin/stdout (the default and only transport)
  --version   print the version
  --help      print this help";

fn main() -> ExitCode {
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--stdio" => {}
            "--version" | "-V" => {
                println!("gwc-lsp {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("error: unexpected argument `{other}`\n\n{USAGE}");
                return ExitCode::from(2);
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
            return ExitCode::from(2);
        }
    };
    let clean = runtime.block_on(gwc_lsp::serve(tokio::io::stdin(), tokio::io::stdout()));
    // The stdin reader is a blocking thread that may still wait for input
    // the client will never send: do not wait for it.
    runtime.shutdown_background();
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
