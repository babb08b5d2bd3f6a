//! Text → span-exact [`tree::Node`], for every format KrakenD reads.
//!
//! The format follows the file extension, as KrakenD's koanf parser does:
//! `.yml`/`.yaml` → YAML, `.toml` → TOML, anything else → JSON (JSONC
//! tolerated so editors keep working; comments and trailing commas are
//! recorded here and reported by rules, because KrakenD rejects them).

pub mod cursor;
pub mod json;
pub mod locate;
pub mod toml;
pub mod tree;
pub mod yaml;

pub use locate::{Location, On, PathStep, locate};
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
    /// Where a Go template action (`{{ … }}`) shows the file to be a KrakenD
    /// flexible-config template (see [`find_template`]); `root` is then
    /// `None`.
    pub template: Option<Span>,
    /// Comment spans (JSON only).
    pub comments: Vec<Span>,
    /// Trailing comma spans (JSON only).
    pub trailing_commas: Vec<Span>,
    /// The YAML documents after the first, which KrakenD never reads (YAML
    /// only). Documents without content (a lone trailing `---`) are left
    /// out: there is nothing in them to lose.
    pub extra_documents: Vec<ExtraDocument>,
}

/// A YAML document after the first one of the stream.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtraDocument {
    /// Where it starts: its `---` marker, or its first line when it has none
    /// (a bare document after a `...` end marker).
    pub start: Span,
    /// Its tree; `None` when its text does not parse (KrakenD's decoder
    /// stops before it, so that is no error of the file).
    pub root: Option<Node>,
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
///
/// A KrakenD flexible-config template (Go `text/template` actions such as
/// `{{ .port }}` or `{{ include "x" }}`) is recognised whether or not its
/// text happens to parse: see [`find_template`].
pub fn parse(text: &str, format: Format) -> Parsed {
    let mut parsed = match format {
        Format::Json => json::parse(text),
        Format::Yaml => yaml::parse(text),
        Format::Toml => toml::parse(text),
    };
    parsed.template = find_template(text, format, &parsed);
    if parsed.template.is_some() {
        // What the actions render to is unknown: checking the unrendered
        // text would only produce noise.
        parsed.root = None;
    }
    parsed
}

/// Where the file shows itself to be a flexible-config template: the label
/// span (the first line) of a Go template action.
///
/// - When the text does not parse, the template is the action the parser
///   stumbled on (the error lies inside `{{ … }}`): a real syntax error next
///   to an innocent `{{` elsewhere stays a syntax error.
/// - When it parses (every action sits inside a string, as in
///   `"host": ["{{ .backend }}"]`), an action anywhere outside `extra_config`
///   gives it away: KrakenD evaluates templates only inside some
///   `extra_config` namespaces (the body generators), never in hosts, paths
///   or any other core field. Comments (`//`, `#`, `@comment` keys) do not
///   count.
pub fn find_template(text: &str, format: Format, parsed: &Parsed) -> Option<Span> {
    let mut actions = template_actions(text);
    let found = if let Some(err) = &parsed.error {
        actions.find(|a| a.start <= err.span.start && err.span.start <= a.end)
    } else {
        let root = parsed.root.as_ref()?;
        actions.find(|a| {
            !in_comment(text, format, parsed, a.start) && outside_extra_config(root, a.start)
        })
    }?;
    // An action rarely spans lines; keep the label on its first one.
    let end = text
        .get(found.start..found.end)
        .and_then(|s| s.find('\n'))
        .map_or(found.end, |i| found.start + i);
    Some(Span::new(found.start, end))
}

/// The longest text an action is looked for in (a runaway `{{` without its
/// `}}` must not make the scan quadratic).
const MAX_ACTION_LEN: usize = 4096;

/// Every `{{ … }}` in the text that reads as a Go template action: after
/// `{{` (or `{{-`) and blanks comes a field (`.port`), a variable (`$x`), a
/// parenthesis, a comment (`/*`) or a word (`include`, `template`, `env`,
/// `range`…). Mustache-like `{{"a": 1}}` or `{{ }}` do not count.
fn template_actions(text: &str) -> impl Iterator<Item = Span> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let start = from + text.get(from..)?.find("{{")?;
            from = start + 2;
            let window_end = (start + MAX_ACTION_LEN).min(text.len());
            let Some(window) = text
                .get(start + 2..window_end)
                .or_else(|| text.get(start + 2..))
            else {
                continue;
            };
            let Some(close) = window.find("}}") else {
                continue;
            };
            let inner = window[..close]
                .strip_prefix('-')
                .unwrap_or(&window[..close]);
            let looks_like_action = inner.trim_start().chars().next().is_some_and(|c| {
                c == '.' || c == '$' || c == '(' || c == '/' || c == '_' || c.is_ascii_alphabetic()
            });
            if looks_like_action {
                from = start + 2 + close + 2;
                return Some(Span::new(start, from));
            }
        }
    })
}

/// Whether the byte at `offset` belongs to the tree outside every
/// `extra_config` member: inside a key, a scalar, or the syntax of a
/// collection (a YAML `{{` is a flow mapping's braces).
fn outside_extra_config(root: &Node, offset: usize) -> bool {
    let inside = |span: Span| span.start <= offset && offset < span.end;
    let mut node = root;
    // Bounded by the tree depth, itself bounded by MAX_DEPTH.
    loop {
        match &node.kind {
            NodeKind::Object(members) => {
                let Some(m) = members
                    .iter()
                    .find(|m| inside(m.key_span) || inside(m.value.span))
                else {
                    return inside(node.span);
                };
                // `@comment` and the like: free text KrakenD ignores.
                if m.key == "extra_config" || m.key.starts_with('@') {
                    return false;
                }
                if inside(m.key_span) {
                    return true;
                }
                node = &m.value;
            }
            NodeKind::Array(items) => match items.iter().find(|n| inside(n.span)) {
                Some(item) => node = item,
                None => return inside(node.span),
            },
            _ => return inside(node.span),
        }
    }
}

/// Whether `offset` is inside a comment: a JSONC comment the parser
/// recorded, or for YAML and TOML a `#` earlier on the line that starts a
/// comment (at the line start or after a blank, outside quotes).
fn in_comment(text: &str, format: Format, parsed: &Parsed, offset: usize) -> bool {
    if format == Format::Json {
        return parsed
            .comments
            .iter()
            .any(|c| c.start <= offset && offset < c.end);
    }
    let line_start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let Some(line) = text.get(line_start..offset) else {
        return false;
    };
    let (mut single, mut double, mut prev_blank) = (false, false, true);
    for c in line.chars() {
        match c {
            '#' if !single && !double && prev_blank => return true,
            '"' if !single => double = !double,
            '\'' if !double => single = !single,
            _ => {}
        }
        prev_blank = c.is_whitespace();
    }
    false
}

/// Whether `s` is a number as JSON writes it (what [`Number::raw`] holds, so
/// that every consumer of the tree can read it).
pub(crate) fn json_number(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, rest) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    if int.is_empty() || (int.len() > 1 && int.starts_with('0')) {
        return false;
    }
    let rest = match rest.strip_prefix('.') {
        Some(r) => {
            let digits = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            if digits == 0 {
                return false;
            }
            &r[digits..]
        }
        None => rest,
    };
    match rest.strip_prefix(['e', 'E']) {
        Some(exp) => {
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
        }
        None => rest.is_empty(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers() {
        let cases = [
            ("0", true),
            ("-3", true),
            ("3.0", true),
            ("1e3", true),
            ("1.5E-3", true),
            ("+1", false),
            ("01", false),
            (".5", false),
            ("5.", false),
            ("1e", false),
            ("0x1F", false),
            ("1_000", false),
            ("inf", false),
            ("", false),
        ];
        for (s, want) in cases {
            assert_eq!(json_number(s), want, "{s:?}");
        }
    }

    #[test]
    fn templates_are_found_where_they_break_or_where_no_template_belongs() {
        // (file name, text, the label's text or None)
        let cases = [
            ("a.json", "{ \"port\": {{ .port }} }", Some("{{ .port }}")),
            (
                "a.json",
                "{{ template \"x.tmpl\" . }},\n{{ template \"y\" }}",
                Some("{{ template \"x.tmpl\" . }}"),
            ),
            (
                "a.json",
                "{ \"name\": \"{{ env \"NAME\" }}\" }",
                Some("{{ env \"NAME\" }}"),
            ),
            (
                "a.json",
                "{ \"host\": [\"{{.b1}}\"], \"port\": 8080 }",
                Some("{{.b1}}"),
            ),
            (
                "a.json",
                "{ \"x\": \"{{- range $i, $e := .list }}\n{{ end }}\" }",
                Some("{{- range $i, $e := .list }}"),
            ),
            ("a.yaml", "port: {{ .port }}\n", Some("{{ .port }}")),
            ("a.toml", "port = {{ .port }}\n", Some("{{ .port }}")),
            // Body generators evaluate templates: legit inside extra_config.
            (
                "a.json",
                "{ \"extra_config\": { \"modifier/response-body-generator\": { \"template\": \"{{ .resp.x }}\" } } }",
                None,
            ),
            ("a.yaml", "extra_config:\n  t: \"{{ .x }}\"\n", None),
            // Not actions: mustache with quotes, empty braces, a comment.
            (
                "a.json",
                "{ \"a\": \"{{\\\"x\\\": 1}}\", \"b\": \"{{ }}\" }",
                None,
            ),
            ("a.yaml", "# use {{ .x }} to render\na: 1\n", None),
            (
                "a.json",
                "{ \"@comment\": \"render {{ .x }} first\", \"a\": 1 }",
                None,
            ),
            // A real syntax error beside an innocent action stays a syntax error.
            (
                "a.json",
                "{ \"extra_config\": { \"t\": \"{{ .x }}\" }, }}",
                None,
            ),
            ("a.json", "{ \"a\": 1 \"b\": \"{{ .x }}\" }", None),
        ];
        for (name, text, want) in cases {
            let parsed = parse(text, Format::from_path(name));
            let got = parsed.template.map(|s| &text[s.start..s.end]);
            assert_eq!(got, want, "{name}: {text:?} ({:?})", parsed.error);
            if want.is_some() {
                assert!(parsed.root.is_none(), "{text:?}: a template has no tree");
            }
        }
    }
}

/// Test support shared by the front ends.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Node, NodeKind, Parsed, Span};

    /// Parses every prefix of `text` (cut at char boundaries): no panic, and
    /// every span of the error and of the tree lies inside the prefix.
    pub(crate) fn assert_prefixes_parse(text: &str, parse: fn(&str) -> Parsed) {
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let prefix = &text[..end];
            let p = parse(prefix);
            let ok = |s: Span| {
                s.start <= s.end
                    && prefix.is_char_boundary(s.start)
                    && prefix.is_char_boundary(s.end)
            };
            if let Some(err) = &p.error {
                assert!(ok(err.span), "{prefix:?}: {:?}", err.span);
            }
            for doc in &p.extra_documents {
                assert!(ok(doc.start), "{prefix:?}: {:?}", doc.start);
            }
            let extra_roots = p.extra_documents.iter().filter_map(|d| d.root.as_ref());
            let mut stack: Vec<&Node> = p.root.iter().chain(extra_roots).collect();
            while let Some(node) = stack.pop() {
                assert!(ok(node.span), "{prefix:?}: {:?}", node.span);
                match &node.kind {
                    NodeKind::Array(items) => stack.extend(items),
                    NodeKind::Object(members) => {
                        for m in members {
                            assert!(ok(m.key_span), "{prefix:?}: {:?}", m.key_span);
                            stack.push(&m.value);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
