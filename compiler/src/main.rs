//! The `gwc` binary: see `gwc --help`.

fn main() -> std::process::ExitCode {
    gwc::cli::main()
}
