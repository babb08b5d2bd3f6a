//! The server's settings, and which documents it acts on.
//!
//! Settings arrive as `initializationOptions` and in
//! `workspace/didChangeConfiguration` (or answers to
//! `workspace/configuration`), either wrapped in a `gwc` section
//! (`{"gwc": {"files": […]}}`) or bare (`{"files": […]}`). Each source only
//! overrides the keys it names: an empty or partial object (eglot always
//! sends `{}`) keeps the defaults, and a value of the wrong type is ignored
//! rather than fatal.

use std::path::Path;
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use gwc::syntax::{Format, Node};
use serde_json::Value;

/// The default `files` globs: KrakenD's own file names.
pub const DEFAULT_FILES: [&str; 4] = [
    "**/krakend.json",
    "**/krakend.yaml",
    "**/krakend.yml",
    "**/krakend.toml",
];

/// The default debounce of diagnostics after a change.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);

/// The effective settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Globs of files that are configs whatever their content (matched
    /// against the absolute path and the path relative to each workspace
    /// folder).
    pub files: Vec<String>,
    /// How long after a change diagnostics wait for more changes (only
    /// when changes come faster than this: see the server's scheduler).
    pub debounce: Duration,
    globs: GlobSet,
}

impl Default for Settings {
    fn default() -> Self {
        let files: Vec<String> = DEFAULT_FILES.iter().map(|s| s.to_string()).collect();
        Settings {
            globs: build_globs(&files),
            files,
            debounce: DEFAULT_DEBOUNCE,
        }
    }
}

/// Settings are equal when their values are (the compiled globs follow
/// the `files`).
impl PartialEq for Settings {
    fn eq(&self, other: &Self) -> bool {
        self.files == other.files && self.debounce == other.debounce
    }
}

fn build_globs(files: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for f in files {
        // An invalid glob is skipped: one typo must not disable the rest.
        if let Ok(g) = Glob::new(f) {
            builder.add(g);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

impl Settings {
    /// Applies one settings object on top of these settings: only the keys
    /// it has, with the right type, change anything.
    pub fn merge(&mut self, value: &Value) {
        let section = match value.get("gwc") {
            Some(inner) if inner.is_object() => inner,
            _ => value,
        };
        let Some(obj) = section.as_object() else {
            return;
        };
        if let Some(files) = obj.get("files").and_then(Value::as_array) {
            self.files = files
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            self.globs = build_globs(&self.files);
        }
        if let Some(ms) = obj.get("debounceMs").and_then(Value::as_u64) {
            self.debounce = Duration::from_millis(ms.min(10_000));
        }
    }

    /// Whether `path` matches one of the `files` globs, directly or
    /// relative to one of the workspace `roots`.
    pub fn matches(&self, path: &Path, roots: &[std::path::PathBuf]) -> bool {
        if self.globs.is_match(path) {
            return true;
        }
        roots
            .iter()
            .filter_map(|r| path.strip_prefix(r).ok())
            .any(|rel| self.globs.is_match(rel))
    }
}

/// Whether a parsed document is a KrakenD config by its content: a root
/// object with both `version` and `endpoints`.
pub fn is_config_root(root: &Node) -> bool {
    root.get("version").is_some() && root.get("endpoints").is_some()
}

/// Whether a text that does not parse looks like a KrakenD config: both
/// keys written where a key goes, for its format.
pub fn looks_like_config(text: &str, format: Format) -> bool {
    let has_key = |key: &str| match format {
        Format::Json => text.contains(&format!("\"{key}\"")),
        Format::Yaml => text
            .lines()
            .any(|l| l.starts_with(key) && l[key.len()..].trim_start().starts_with(':')),
        Format::Toml => text.lines().any(|l| {
            let l = l.trim_start();
            (l.starts_with(key) && l[key.len()..].trim_start().starts_with('='))
                || l.starts_with(&format!("[[{key}]]"))
        }),
    };
    has_key("version") && has_key("endpoints")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn partial_settings_keep_defaults() {
        // (settings applied in order, files, debounce ms)
        let cases: Vec<(Vec<Value>, Vec<&str>, u64)> = vec![
            (vec![], DEFAULT_FILES.to_vec(), 100),
            (vec![json!({})], DEFAULT_FILES.to_vec(), 100),
            (vec![json!(null)], DEFAULT_FILES.to_vec(), 100),
            (vec![json!({"gwc": {}})], DEFAULT_FILES.to_vec(), 100),
            (
                vec![json!({"gwc": {"files": ["a/*.json"]}})],
                vec!["a/*.json"],
                100,
            ),
            (
                vec![json!({"files": ["b.json"], "debounceMs": 0})],
                vec!["b.json"],
                0,
            ),
            // A later `{}` changes nothing; wrong types are ignored.
            (
                vec![
                    json!({"gwc": {"files": ["c.json"]}}),
                    json!({}),
                    json!({"gwc": {"files": "x", "debounceMs": "1"}}),
                ],
                vec!["c.json"],
                100,
            ),
        ];
        for (applied, files, ms) in cases {
            let mut s = Settings::default();
            for v in &applied {
                s.merge(v);
            }
            assert_eq!(s.files, files, "{applied:?}");
            assert_eq!(s.debounce, Duration::from_millis(ms), "{applied:?}");
        }
    }

    #[test]
    fn globs_match_absolute_and_relative_paths() {
        let mut s = Settings::default();
        let roots = vec![std::path::PathBuf::from("/ws")];
        assert!(s.matches(Path::new("/ws/conf/krakend.json"), &roots));
        assert!(s.matches(Path::new("/elsewhere/krakend.yaml"), &roots));
        assert!(!s.matches(Path::new("/ws/package.json"), &roots));
        s.merge(&json!({"gwc": {"files": ["gateway/*.json", "[bad"]}}));
        assert!(s.matches(Path::new("/ws/gateway/prod.json"), &roots));
        assert!(!s.matches(Path::new("/other/gateway/prod.json"), &roots));
        assert!(!s.matches(Path::new("/ws/krakend.json"), &roots));
    }

    #[test]
    fn content_checks() {
        let cases = [
            ("{\"version\": 3, \"endpoints\": [", Format::Json, true),
            ("{\"version\": 3}", Format::Json, false),
            ("{\"name\": \"version endpoints\"}", Format::Json, false),
            (
                "version: 3\nendpoints:\n  - endpoint: /a\n  bad: [",
                Format::Yaml,
                true,
            ),
            ("  version: 3\nendpoints: []", Format::Yaml, false),
            (
                "version = 3\n[[endpoints]]\nendpoint = ",
                Format::Toml,
                true,
            ),
            ("version = 3\nendpoints = [", Format::Toml, true),
        ];
        for (text, format, want) in cases {
            assert_eq!(looks_like_config(text, format), want, "{text:?}");
        }
    }
}
