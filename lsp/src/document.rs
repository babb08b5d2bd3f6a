//! Open documents: their text, edits, and the analysis of each version.
//!
//! An [`Analysis`] is everything the compiler says about one version of a
//! document: the parse result, the line index and the diagnostics
//! ([`gwc::check::check_parsed`], the same call `gwc lint` makes: one source
//! of truth). It is computed once per version, on demand, and shared by
//! every request about that version.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use gwc::diag::{Diagnostic, LineIndex};
use gwc::syntax::{self, Format, Parsed};
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::convert::{Encoding, Text};
use crate::settings::{self, Settings};

/// The format of a document: by `languageId` first, then by extension, as
/// KrakenD picks it.
pub fn format_of(language_id: &str, uri: &Uri) -> Format {
    match language_id {
        "yaml" => Format::Yaml,
        "toml" => Format::Toml,
        "json" | "jsonc" => Format::Json,
        _ => Format::from_path(uri.path().as_str()),
    }
}

/// The file path of a `file:` URI.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

/// One open document.
#[derive(Debug)]
pub struct Document {
    /// The client's version of the text.
    pub version: i32,
    /// The text.
    pub text: Arc<String>,
    /// The format it is read as.
    pub format: Format,
    /// Its path, when it is a file (for the `files` globs).
    pub path: Option<PathBuf>,
    /// The analysis of the current version, once computed.
    pub analysis: Option<Arc<Analysis>>,
    /// The latest analysis whose text parsed (its tree stands in for the
    /// structure while the current text does not parse).
    pub last_good: Option<Arc<Analysis>>,
    /// Whether an earlier version was a config (a document being edited
    /// stays one while its text does not parse).
    pub was_config: bool,
    /// Scheduler state: a diagnostics run is scheduled.
    pub pending: bool,
    /// Scheduler state: when the last run started.
    pub last_run: Option<Instant>,
    /// The version whose diagnostics were last published.
    pub published: Option<i32>,
}

impl Document {
    /// A newly opened document.
    pub fn new(uri: &Uri, language_id: &str, version: i32, text: String) -> Self {
        Document {
            version,
            text: Arc::new(text),
            format: format_of(language_id, uri),
            path: path_of(uri),
            analysis: None,
            last_good: None,
            was_config: false,
            pending: false,
            last_run: None,
            published: None,
        }
    }

    /// Applies the changes of one `didChange`, in order. A range change
    /// replaces that range (positions in `encoding`); a change without a
    /// range replaces the whole text.
    pub fn apply(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) {
        let mut text = std::mem::take(Arc::make_mut(&mut self.text));
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let index = LineIndex::new(&text);
                    let t = Text {
                        text: &text,
                        index: &index,
                        encoding,
                    };
                    let span = t.span(range);
                    text.replace_range(span.start..span.end, &change.text);
                }
            }
        }
        self.text = Arc::new(text);
        self.version = version;
        if let Some(a) = &self.analysis {
            self.was_config |= a.is_config;
        }
        self.analysis = None;
    }
}

/// What the compiler says about one version of a document.
#[derive(Debug)]
pub struct Analysis {
    /// The version analysed.
    pub version: i32,
    /// Its text.
    pub text: Arc<String>,
    /// The line index of the text.
    pub index: LineIndex,
    /// The format.
    pub format: Format,
    /// The parse result.
    pub parsed: Parsed,
    /// Whether the server acts on the document (see [`Analysis::new`]).
    pub is_config: bool,
    /// The diagnostics (empty when the document is not a config).
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Parses and checks `text`. The document is acted on when its path
    /// matches a `files` glob, when its root has `version` and `endpoints`,
    /// or — while it does not parse — when it did before or its text has
    /// both keys.
    pub fn new(
        version: i32,
        text: Arc<String>,
        format: Format,
        path: Option<&std::path::Path>,
        was_config: bool,
        settings: &Settings,
        roots: &[PathBuf],
    ) -> Self {
        let parsed = syntax::parse(&text, format);
        let by_path = path.is_some_and(|p| settings.matches(p, roots));
        let is_config = by_path
            || match &parsed.root {
                Some(root) => settings::is_config_root(root),
                None => was_config || settings::looks_like_config(&text, format),
            };
        let diagnostics = if is_config {
            gwc::check::check_parsed(0, &text, format, &parsed)
        } else {
            Vec::new()
        };
        Analysis {
            version,
            index: LineIndex::new(&text),
            text,
            format,
            parsed,
            is_config,
            diagnostics,
        }
    }

    /// The text with its index, for conversions in `encoding`.
    pub fn text(&self, encoding: Encoding) -> Text<'_> {
        Text {
            text: &self.text,
            index: &self.index,
            encoding,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn uri(s: &str) -> Uri {
        s.parse().expect("uri")
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let u = uri("file:///w/krakend.json");
        let mut doc = Document::new(&u, "json", 1, "{\"a\": \"é\"}\n".to_string());
        let change = |l1, c1, l2, c2, t: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: t.to_string(),
        };
        // UTF-16: `é` is one unit, at column 7.
        doc.apply(
            2,
            vec![change(0, 7, 0, 8, "x😀"), change(0, 1, 0, 2, "")],
            Encoding::Utf16,
        );
        assert_eq!(doc.text.as_str(), "{a\": \"x😀\"}\n");
        // UTF-8: columns are bytes; 😀 is 4.
        doc.apply(3, vec![change(0, 7, 0, 11, "y")], Encoding::Utf8);
        assert_eq!(doc.text.as_str(), "{a\": \"xy\"}\n");
        doc.apply(
            4,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "{}".into(),
            }],
            Encoding::Utf16,
        );
        assert_eq!((doc.text.as_str(), doc.version), ("{}", 4));
        // Ranges past the end are clamped, never a panic.
        doc.apply(5, vec![change(7, 3, 9, 9, "!")], Encoding::Utf32);
        assert_eq!(doc.text.as_str(), "{}!");
    }

    #[test]
    fn formats_and_paths() {
        let cases = [
            ("json", "file:///a/x.yaml", Format::Json),
            ("yaml", "file:///a/x.json", Format::Yaml),
            ("toml", "file:///a/x", Format::Toml),
            ("plaintext", "file:///a/krakend.yml", Format::Yaml),
            ("", "untitled:Untitled-1", Format::Json),
        ];
        for (lang, u, want) in cases {
            assert_eq!(format_of(lang, &uri(u)), want, "{lang} {u}");
        }
        assert_eq!(
            path_of(&uri("file:///a/b%20c/krakend.json")),
            Some(PathBuf::from("/a/b c/krakend.json"))
        );
        assert_eq!(path_of(&uri("untitled:Untitled-1")), None);
    }

    #[test]
    fn which_documents_are_configs() {
        let s = Settings::default();
        let roots = [PathBuf::from("/w")];
        let a = |text: &str, path: &str, was: bool| {
            Analysis::new(
                1,
                Arc::new(text.to_string()),
                Format::Json,
                Some(std::path::Path::new(path)),
                was,
                &s,
                &roots,
            )
            .is_config
        };
        let cases = [
            (
                "{\"version\": 3, \"endpoints\": []}",
                "/w/gw.json",
                false,
                true,
            ),
            ("{\"name\": \"x\"}", "/w/package.json", false, false),
            ("{\"name\": \"x\"}", "/w/krakend.json", false, true),
            (
                "{\"version\": 3, \"endpoints\": [",
                "/w/gw.json",
                false,
                true,
            ),
            ("{\"vers", "/w/gw.json", true, true),
            ("{\"vers", "/w/gw.json", false, false),
        ];
        for (text, path, was, want) in cases {
            assert_eq!(a(text, path, was), want, "{text} {path}");
        }
    }
}
