//! The `gwc-lsp` binary.
fn main() {}
