//! The `gwc-lsp` executable: gwc's language server over stdio. `gwc lsp`
//! runs the same server in-process; editors may also run this directly.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(gwc_lsp::main_with_args(std::env::args().skip(1)))
}
