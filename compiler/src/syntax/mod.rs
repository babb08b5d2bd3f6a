//! Text → span-exact [`tree::Node`], for every format KrakenD reads.
//!
//! The format follows the file extension, as KrakenD's koanf parser does:
//! `.yml`/`.yaml` → YAML, `.toml` → TOML, anything else → JSON (JSONC
//! tolerated so editors keep working; comments and trailing commas are
//! recorded here and reported by rules, because KrakenD rejects them).

pub mod json;
pub mod toml;
pub mod tree;
pub mod yaml;

pub use tree::{Member, Node, NodeKind, Number, ScalarStyle, Span};

/// The formats a config can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON (the primary format), with JSONC extensions tolerated.
    Json,
    /// YAML.
    Yaml,
    /// TOML.
    Toml,
}

impl Format {
    /// The format KrakenD would pick for a file name.
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".yml") || lower.ends_with(".yaml") {
            Format::Yaml
        } else if lower.ends_with(".toml") {
            Format::Toml
        } else {
            Format::Json
        }
    }
}

/// What the parser found besides the tree.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// The document, absent when the text does not parse.
    pub root: Option<Node>,
    /// The fatal syntax error, if any (at most one: the parsers stop there).
    pub error: Option<SyntaxError>,
    /// Where a Go template action (`{{ … }}`) was found in a file that does not
    /// parse: the file is a KrakenD flexible-config template.
    pub template: Option<Span>,
    /// Comment spans (JSON only).
    pub comments: Vec<Span>,
    /// Trailing comma spans (JSON only).
    pub trailing_commas: Vec<Span>,
}

/// A syntax error: where and what.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// Where the parser gave up.
    pub span: Span,
    /// What it expected, lower-case, no trailing period.
    pub message: String,
}

/// How deep documents may nest. KrakenD configs are a handful of levels
/// deep; the bound keeps hostile input from exhausting the stack.
pub const MAX_DEPTH: usize = 256;

/// Parses `text` as `format`.
pub fn parse(text: &str, format: Format) -> Parsed {
    let mut parsed = match format {
        Format::Json => json::parse(text),
        Format::Yaml => yaml::parse(text),
        Format::Toml => toml::parse(text),
    };
    if parsed.error.is_some() {
        parsed.template = find_template_action(text);
    }
    parsed
}

/// The first `{{ … }}` in the text: a Go `text/template` action.
fn find_template_action(text: &str) -> Option<Span> {
    let start = text.find("{{")?;
    let end = text[start..].find("}}").map(|i| start + i + 2)?;
    // An action never spans lines in practice; keep the label tight.
    let end = text[start..end].find('\n').map_or(end, |i| start + i);
    Some(Span::new(start, end))
}

/// Lower-cases the first letter of a parser message and drops a trailing
/// period (our message style).
pub(crate) fn style_message(msg: &str) -> String {
    let msg = msg.trim().trim_end_matches('.');
    let mut chars = msg.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
