//! The demo gateway of `gw_demo.rs` as a second binary, answering with
//! `X-KrakenD-Version: Version demo-b` (its `CARGO_BIN_NAME` differs): the
//! upgrade tests swap it with `gw-demo` over one path.

#[path = "gw_demo.rs"]
mod demo;

fn main() -> std::process::ExitCode {
    demo::main()
}
