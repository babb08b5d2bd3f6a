//! Finding the runtime sources the generated crate depends on.
//!
//! In order:
//! 1. `GWC_RUNTIME_DIR`: a `gw-runtime` package directory (to try another
//!    checkout of the runtime);
//! 2. the repository gwc was built from (`<repo>/runtime`), when it still
//!    exists and `GWC_RUNTIME_EMBEDDED` is not `1`;
//! 3. the copy embedded in gwc at build time (see `build.rs`), unpacked
//!    once into `<cache>/runtime/<hash of the sources>/`, which makes an
//!    installed gwc independent of the repository.
//!
//! Each answer comes with the `Cargo.lock` of the workspace the runtime
//! belongs to, from which the generated crate's lock is cut.

use std::path::{Path, PathBuf};

use super::project::{self, ProjectError};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_runtime.rs"));
}

/// Where the runtime came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `GWC_RUNTIME_DIR`.
    Override,
    /// The repository gwc was built from.
    Repository,
    /// gwc's embedded copy.
    Embedded,
}

/// A runtime ready to be a path dependency.
#[derive(Clone, Debug)]
pub struct Runtime {
    /// The `gw-runtime` package directory.
    pub dir: PathBuf,
    /// The text of its workspace's `Cargo.lock`, when there is one.
    pub workspace_lock: Option<String>,
    /// Where it came from.
    pub origin: Origin,
}

/// Why the runtime cannot be provided.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// `GWC_RUNTIME_DIR` names no runtime package.
    #[error("`GWC_RUNTIME_DIR` is `{0}`, which holds no `Cargo.toml`")]
    BadOverride(PathBuf),
    /// gwc was built without the runtime sources and the repository is gone.
    #[error(
        "this gwc was built without the runtime sources and the repository is gone; \
         set `GWC_RUNTIME_DIR` to a checkout's `runtime/` directory"
    )]
    NotEmbedded,
    /// The embedded workspace manifest does not parse (a gwc bug).
    #[error("internal error: the embedded workspace manifest does not parse: {0}")]
    Manifest(String),
    /// Unpacking failed.
    #[error(transparent)]
    Write(#[from] ProjectError),
}

/// The repository's runtime directory, as gwc was built.
fn repository_runtime() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime")
}

/// Finds (or unpacks) the runtime, in the order of the module doc.
pub fn locate() -> Result<Runtime, RuntimeError> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(dir) = env("GWC_RUNTIME_DIR") {
        let dir = PathBuf::from(dir);
        if !dir.join("Cargo.toml").is_file() {
            return Err(RuntimeError::BadOverride(dir));
        }
        let dir = dir.canonicalize().unwrap_or(dir);
        let workspace_lock = std::fs::read_to_string(dir.join("../Cargo.lock")).ok();
        return Ok(Runtime {
            dir,
            workspace_lock,
            origin: Origin::Override,
        });
    }
    let repo = repository_runtime();
    if env("GWC_RUNTIME_EMBEDDED").is_none_or(|v| v != "1") && repo.join("Cargo.toml").is_file() {
        let dir = repo.canonicalize().unwrap_or(repo);
        let workspace_lock = std::fs::read_to_string(dir.join("../Cargo.lock")).ok();
        return Ok(Runtime {
            dir,
            workspace_lock,
            origin: Origin::Repository,
        });
    }
    unpack(&project::cache_dir()?.join("runtime"))
}

/// Whether this gwc carries the runtime sources.
pub fn is_embedded() -> bool {
    embedded::FILES
        .iter()
        .any(|(p, _)| *p == "runtime/Cargo.toml")
}

/// Unpacks the embedded runtime under `base/<hash>/`: `runtime/…` as in the
/// repository, and a workspace root manifest reduced to what the runtime
/// inherits (so the runtime's `*.workspace = true` keys resolve). Files
/// already there with the same content are left alone, so their mtimes,
/// and cargo's fingerprints of the runtime, survive.
pub fn unpack(base: &Path) -> Result<Runtime, RuntimeError> {
    if !is_embedded() {
        return Err(RuntimeError::NotEmbedded);
    }
    let mut hash_input = Vec::new();
    for (path, content) in embedded::FILES {
        hash_input.extend_from_slice(path.as_bytes());
        hash_input.push(0);
        hash_input.extend_from_slice(content);
        hash_input.push(0);
    }
    let root = base.join(format!("{:016x}", project::fnv1a64(&hash_input)));
    let mut workspace_lock = None;
    for (path, content) in embedded::FILES {
        let text = String::from_utf8_lossy(content);
        match *path {
            "Cargo.toml" => {
                let manifest = runtime_workspace_manifest(&text)?;
                project::write_if_changed(&root.join("Cargo.toml"), &manifest)?;
            }
            "Cargo.lock" => {
                project::write_if_changed(&root.join("Cargo.lock"), &text)?;
                workspace_lock = Some(text.into_owned());
            }
            rel => write_bytes_if_changed(&root.join(rel), content)?,
        }
    }
    Ok(Runtime {
        dir: root.join("runtime"),
        workspace_lock,
        origin: Origin::Embedded,
    })
}

fn write_bytes_if_changed(path: &Path, content: &[u8]) -> Result<(), ProjectError> {
    if std::fs::read(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    let err = |source| ProjectError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    std::fs::write(path, content).map_err(err)
}

/// The gwc workspace manifest reduced to a workspace of the runtime alone:
/// `members = ["runtime"]`, and no workspace dependency given by a path
/// (those are gwc's own crates, which are not unpacked).
pub fn runtime_workspace_manifest(workspace: &str) -> Result<String, RuntimeError> {
    use toml_edit::{Array, DocumentMut, Item, value};
    let mut doc: DocumentMut = workspace
        .parse()
        .map_err(|e: toml_edit::TomlError| RuntimeError::Manifest(e.to_string()))?;
    let Some(ws) = doc.get_mut("workspace").and_then(Item::as_table_like_mut) else {
        return Err(RuntimeError::Manifest("no [workspace] table".into()));
    };
    let mut members = Array::new();
    members.push("runtime");
    ws.insert("members", value(members));
    ws.remove("default-members");
    ws.remove("exclude");
    if let Some(deps) = ws.get_mut("dependencies").and_then(Item::as_table_like_mut) {
        let local: Vec<String> = deps
            .iter()
            .filter(|(_, v)| v.as_table_like().is_some_and(|t| t.contains_key("path")))
            .map(|(k, _)| k.to_string())
            .collect();
        for k in local {
            deps.remove(&k);
        }
    }
    Ok(format!(
        "# Unpacked by gwc: the runtime's workspace. Do not edit.\n{doc}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_manifest_keeps_only_the_runtime() {
        let manifest = r#"[workspace]
resolver = "3"
members = ["compiler", "runtime", "schema"]

[workspace.package]
version = "0.1.0"

[workspace.dependencies]
gwc-schema = { path = "schema", version = "0.1.0" }
tokio = { version = "1", features = ["rt"] }
"#;
        let got = runtime_workspace_manifest(manifest).unwrap_or_else(|e| panic!("{e}"));
        assert!(got.contains("members = [\"runtime\"]"), "{got}");
        assert!(!got.contains("gwc-schema"), "{got}");
        assert!(got.contains("tokio = { version = \"1\""), "{got}");
        assert!(got.contains("[workspace.package]"), "{got}");
    }

    #[test]
    fn the_runtime_is_embedded_and_unpacks_like_the_repository() {
        assert!(
            is_embedded(),
            "built in the repository: the runtime must be embedded"
        );
        let base = std::env::temp_dir().join(format!("gwc-unpack-test-{}", std::process::id()));
        let runtime = unpack(&base).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(runtime.origin, Origin::Embedded);
        assert!(runtime.workspace_lock.is_some());
        // Every source file of the repository's runtime is there, equal.
        let repo = repository_runtime();
        let lib = std::fs::read(repo.join("src/lib.rs")).unwrap_or_default();
        assert_eq!(
            std::fs::read(runtime.dir.join("src/lib.rs")).ok(),
            Some(lib)
        );
        let spec = std::fs::read(repo.join("src/spec.rs")).unwrap_or_default();
        assert_eq!(
            std::fs::read(runtime.dir.join("src/spec.rs")).ok(),
            Some(spec)
        );
        // Unpacking again rewrites nothing (mtimes survive).
        let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let before = mtime(&runtime.dir.join("src/lib.rs"));
        let again = unpack(&base).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.dir, runtime.dir);
        assert_eq!(mtime(&runtime.dir.join("src/lib.rs")), before);
        let _ = std::fs::remove_dir_all(&base);
    }
}
