//! Embeds the runtime's sources in gwc, so `gwc build` works after
//! `cargo install --path cli`, when the repository may be gone.
//!
//! Writes `$OUT_DIR/embedded_runtime.rs`: every file under `runtime/`
//! (hidden files and `target/` aside), the workspace `Cargo.toml` (which
//! the runtime's manifest inherits from) and `Cargo.lock`, each as an
//! `include_bytes!`. Outside the repository (no `../runtime`), the list is
//! empty and gwc says so when it needs it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let workspace = manifest_dir.join("..");
    let runtime = workspace.join("runtime");
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if runtime.join("Cargo.toml").is_file() {
        println!("cargo:rerun-if-changed={}", runtime.display());
        collect(&runtime, "runtime", &mut files);
        for name in ["Cargo.toml", "Cargo.lock"] {
            let path = workspace.join(name);
            println!("cargo:rerun-if-changed={}", path.display());
            files.push((name.into(), path));
        }
    }
    files.sort();
    let mut out = String::from(
        "/// The embedded runtime: (path relative to the workspace root, content).\n\
         pub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (rel, path) in &files {
        let abs = path.canonicalize().unwrap_or_else(|_| path.clone());
        let _ = writeln!(
            out,
            "    ({rel:?}, include_bytes!({:?})),",
            abs.display().to_string()
        );
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out_dir.join("embedded_runtime.rs"), out) {
        println!("cargo:warning=cannot write the embedded runtime list: {e}");
    }
}

/// Every file under `dir`, recursively, sorted, as (`prefix/…`, path).
fn collect(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        let rel = format!("{prefix}/{name}");
        if path.is_dir() {
            collect(&path, &rel, out);
        } else if path.is_file() {
            out.push((rel, path));
        }
    }
}
