//! The `gwc` binary: see `gwc --help`. The CLI is the library's
//! (`gwc::cli`); this crate links the language server in, so `gwc lsp`
//! needs no second executable.

fn main() -> std::process::ExitCode {
    gwc::cli::main_with(Some(gwc_lsp::main_with_args))
}
