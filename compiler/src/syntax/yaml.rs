//! YAML → [`Node`], from saphyr-parser's event stream.
//!
//! KrakenD reads YAML with `yaml.v3` (through koanf), so scalars are typed
//! the way `yaml.v3` types them when it decodes into `interface{}`: the YAML
//! 1.2 core schema plus Go's integer syntax (`0x1F`, `0o17`, `1_000`).
//! Only the first document counts, as with `yaml.Unmarshal`; the later ones
//! are built on their own and kept aside ([`Parsed::extra_documents`]) so a
//! rule can say that KrakenD ignores them. Anchors and
//! aliases are resolved by copying the anchored node (the copies keep the
//! spans of the anchored text, which is where an edit would go); merge keys
//! (`<<: *base`) are expanded with `yaml.v3`'s precedence. saphyr reports
//! positions in characters, so every position is converted to a byte offset
//! here.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle as YamlStyle, ScanError, Tag};

use super::{
    ExtraDocument, MAX_DEPTH, Member, Node, NodeKind, Number, Parsed, ScalarStyle, Span,
    SyntaxError, json_number, style_message,
};

/// How many nodes alias expansion may add to a document. Real configs repeat
/// a handful of small blocks; the cap stops "billion laughs" documents
/// (aliases of aliases, each doubling the tree) from exhausting memory.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// Parses YAML text (the first document of the stream).
pub fn parse(text: &str) -> Parsed {
    let mut builder = Builder::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut parsed = Parsed::default();
    while let Some(event) = parser.next_event() {
        let step = match event {
            Ok((event, span)) => {
                builder.event(event, builder.span(span.start.index(), span.end.index()))
            }
            Err(err) => Err(builder.scan_error(err.marker().index(), err.info())),
        };
        match step {
            Ok(Flow::Continue) => {}
            Ok(Flow::Done) => break,
            Err(err) => {
                parsed.error = Some(err);
                return parsed;
            }
        }
    }
    // An empty stream (or only comments) is an empty document: `yaml.v3`
    // decodes it to an empty map, and the config checks say what is missing.
    let root = builder
        .root
        .take()
        .unwrap_or_else(|| Node::new(NodeKind::Object(Vec::new()), Span::new(0, text.len())));
    // yaml.v3 refuses a mapping with a duplicate key, so KrakenD does not
    // load the file: that is a syntax error here (as TOML's parser makes
    // it), while the tree is kept so every other check still runs.
    parsed.error = first_duplicate_key(text, &root);
    parsed.root = Some(root);
    parsed.extra_documents = extra_documents(&mut builder, &mut parser);
    parsed
}

/// The documents after the first, from the rest of the event stream.
///
/// `yaml.v3`'s `Unmarshal` (what koanf's YAML parser calls) decodes one
/// document and stops, so nothing here reaches KrakenD, not even a syntax
/// error: a document that does not parse is kept with no tree, and the
/// stream is not read past it.
fn extra_documents<'t>(
    builder: &mut Builder<'_>,
    events: &mut impl Iterator<Item = Result<(Event<'t>, saphyr_parser::Span), ScanError>>,
) -> Vec<ExtraDocument> {
    let mut out = Vec::new();
    // The document being read: where it starts.
    let mut current: Option<Span> = None;
    for event in events {
        let (event, span) = match event {
            Ok((event, span)) => (event, builder.span(span.start.index(), span.end.index())),
            Err(err) => {
                let at = builder.byte(err.marker().index());
                let start = current.unwrap_or_else(|| builder.line_at(at));
                out.push(ExtraDocument { start, root: None });
                break;
            }
        };
        match event {
            Event::DocumentStart(explicit) => {
                builder.start_document();
                builder.doc_start = explicit.then_some(span);
                current = Some(if explicit {
                    span
                } else {
                    builder.line_at(span.start)
                });
            }
            Event::StreamEnd => break,
            event => {
                let Some(start) = current else { continue };
                match builder.event(event, span) {
                    Ok(Flow::Continue) => {}
                    Ok(Flow::Done) => {
                        current = None;
                        let root = builder.root.take();
                        if root.as_ref().is_some_and(|r| r.kind != NodeKind::Null) {
                            out.push(ExtraDocument { start, root });
                        }
                    }
                    Err(_) => {
                        out.push(ExtraDocument { start, root: None });
                        break;
                    }
                }
            }
        }
    }
    out
}

/// The first key written twice in one mapping, as yaml.v3 reports it.
fn first_duplicate_key(text: &str, node: &Node) -> Option<SyntaxError> {
    match &node.kind {
        NodeKind::Object(members) => {
            for (i, m) in members.iter().enumerate() {
                if let Some(first) = members[..i].iter().find(|f| f.key == m.key) {
                    let line = text[..first.key_span.start.min(text.len())]
                        .matches('\n')
                        .count()
                        + 1;
                    return Some(SyntaxError {
                        span: m.key_span,
                        message: format!("mapping key `{}` already defined at line {line}", m.key),
                    });
                }
            }
            members
                .iter()
                .find_map(|m| first_duplicate_key(text, &m.value))
        }
        NodeKind::Array(items) => items.iter().find_map(|n| first_duplicate_key(text, n)),
        _ => None,
    }
}

/// Whether to keep reading events.
enum Flow {
    Continue,
    Done,
}

/// A collection being built.
enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        anchor: usize,
        members: Vec<Member>,
        /// The key read, waiting for its value.
        key: Option<Key>,
        /// Merge-key (`<<`) values, with the member index they stand at.
        merges: Vec<(usize, Node)>,
    },
}

/// A mapping key: the text it decodes to, its span, and whether it is the
/// merge key `<<` (plain, untagged).
struct Key {
    text: String,
    span: Span,
    merge: bool,
}

/// A finished node and, for a scalar, its text as written (what it is as a
/// mapping key: `yaml.v3` decodes any scalar key into a `string` as its text).
struct Finished {
    node: Node,
    scalar: Option<(String, bool)>,
}

struct Builder<'t> {
    text: &'t str,
    /// Byte offset of each character index (plus one past the end); empty
    /// when the text is ASCII and character indices are byte offsets.
    char_bytes: Vec<usize>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    root: Option<Node>,
    /// The `---` that opened the current document, if it has one.
    doc_start: Option<Span>,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Self {
        let char_bytes = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .collect()
        };
        Builder {
            text,
            char_bytes,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            root: None,
            doc_start: None,
        }
    }

    /// The byte offset of a character index.
    fn byte(&self, char_index: usize) -> usize {
        if self.char_bytes.is_empty() {
            char_index.min(self.text.len())
        } else {
            self.char_bytes
                .get(char_index)
                .copied()
                .unwrap_or(self.text.len())
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        let (start, end) = (self.byte(start), self.byte(end));
        Span::new(start, end.max(start))
    }

    /// Forgets the previous document (anchors do not cross documents).
    fn start_document(&mut self) {
        self.stack.clear();
        self.anchors.clear();
        self.alias_nodes = 0;
        self.root = None;
    }

    /// The rest of the line from byte `at`, without its line break and
    /// trailing blanks (at least one character when there is one).
    fn line_at(&self, at: usize) -> Span {
        let at = at.min(self.text.len());
        let rest = &self.text[at..];
        let line = rest.find('\n').map_or(rest, |i| &rest[..i]);
        let trimmed = line.trim_end();
        let len = if trimmed.is_empty() {
            rest.chars()
                .next()
                .filter(|c| *c != '\n')
                .map_or(0, char::len_utf8)
        } else {
            trimmed.len()
        };
        Span::new(at, at + len)
    }

    fn source(&self, span: Span) -> &'t str {
        self.text.get(span.start..span.end).unwrap_or_default()
    }

    /// A syntax error at a character index: the character there, or an empty
    /// span at the end of the text.
    fn scan_error(&self, char_index: usize, info: &str) -> SyntaxError {
        let at = self.byte(char_index);
        let len = self
            .text
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        let mut span = Span::new(at, at + len);
        let message = if info.contains("unknown anchor") {
            // saphyr points at the alias: name it.
            let name_len = self.text.get(at..).map_or(0, |rest| {
                rest.char_indices()
                    .skip(1)
                    .find(|&(_, c)| c.is_whitespace() || ",[]{}".contains(c))
                    .map_or(rest.len(), |(i, _)| i)
            });
            span = Span::new(at, at + name_len);
            format!(
                "the alias `{}` refers to no anchor defined before it",
                self.source(span)
            )
        } else if info.contains("did not find expected key") {
            // saphyr: "while parsing a block mapping, did not find expected
            // key", nearly always a line indented unlike its siblings.
            "expected a key of the mapping above: check this line's indentation".to_string()
        } else {
            backtick_quotes(&style_message(info))
        };
        // At the end of the text (an unclosed `[`, `{` or quote), point just
        // after the last thing written rather than at an empty last line.
        if self
            .text
            .get(span.start..)
            .is_some_and(|rest| rest.trim().is_empty())
        {
            let end = self.text.trim_end().len();
            span = Span::new(end, end);
        }
        SyntaxError { span, message }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<Flow, SyntaxError> {
        match event {
            Event::DocumentStart(explicit) => {
                self.doc_start = explicit.then_some(span);
                Ok(Flow::Continue)
            }
            Event::StreamStart | Event::Nothing => Ok(Flow::Continue),
            // `yaml.Unmarshal` reads the first document and ignores the rest.
            Event::DocumentEnd | Event::StreamEnd => Ok(Flow::Done),
            Event::Alias(id) => {
                let Some((node, count)) = self.anchors.get(&id) else {
                    return Err(SyntaxError {
                        span,
                        message: format!(
                            "the alias `{}` refers to an anchor that is not complete here",
                            self.source(span)
                        ),
                    });
                };
                self.alias_nodes += count;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(SyntaxError {
                        span,
                        message: format!(
                            "aliases expand the document beyond {MAX_ALIAS_NODES} nodes"
                        ),
                    });
                }
                let mut node = node.clone();
                // The copy stands where the alias is; its inside keeps the
                // anchored text's spans.
                node.span = span;
                node.style = ScalarStyle::Opaque;
                self.finish(Finished { node, scalar: None }, span)
            }
            Event::Scalar(value, style, anchor, tag) => {
                // An empty document (`---` and comments) has no text of its
                // own: saphyr spans its null over the next token, which may
                // be another document's `---`. It stands at its own marker.
                let span = match self.doc_start {
                    Some(marker)
                        if self.stack.is_empty()
                            && value.is_empty()
                            && style == YamlStyle::Plain =>
                    {
                        marker
                    }
                    _ => span,
                };
                let finished = self.scalar(value, style, tag.as_deref(), span);
                self.remember(anchor, &finished.node);
                self.finish(finished, span)
            }
            Event::SequenceStart(anchor, _) => {
                self.open(span)?;
                self.stack.push(Frame::Seq {
                    start: span,
                    anchor,
                    items: Vec::new(),
                });
                Ok(Flow::Continue)
            }
            Event::MappingStart(anchor, _) => {
                self.open(span)?;
                self.stack.push(Frame::Map {
                    start: span,
                    anchor,
                    members: Vec::new(),
                    key: None,
                    merges: Vec::new(),
                });
                Ok(Flow::Continue)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(Flow::Continue);
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        start,
                        anchor,
                        items,
                    } => {
                        let span = container_span(start, span, items.iter().map(|n| n.span));
                        (Node::new(NodeKind::Array(items), span), anchor)
                    }
                    Frame::Map {
                        start,
                        anchor,
                        members,
                        merges,
                        ..
                    } => {
                        let ends = members
                            .iter()
                            .map(|m| m.key_span.cover(m.value.span))
                            .collect::<Vec<_>>();
                        let span = container_span(start, span, ends.into_iter());
                        (
                            Node::new(NodeKind::Object(merge(members, merges)), span),
                            anchor,
                        )
                    }
                };
                self.remember(anchor, &node);
                self.finish(Finished { node, scalar: None }, span)
            }
        }
    }

    /// Checks the depth before a collection opens.
    fn open(&self, span: Span) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                span,
                message: format!("the document nests deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors
                .insert(anchor, (node.clone(), count_nodes(node)));
        }
    }

    /// Places a finished node: the document root, a sequence item, a mapping
    /// key or a mapping value.
    fn finish(&mut self, finished: Finished, at: Span) -> Result<Flow, SyntaxError> {
        let text = self.text;
        match self.stack.last_mut() {
            None => {
                self.root = Some(finished.node);
                Ok(Flow::Continue)
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(finished.node);
                Ok(Flow::Continue)
            }
            Some(Frame::Map {
                members,
                key,
                merges,
                ..
            }) => {
                match key.take() {
                    None => {
                        let span = finished.node.span;
                        let (text, merge) = match finished.scalar {
                            Some((text, merge)) => (text, merge),
                            // A collection as a key (`? [a, b]`): Go would need
                            // an `interface{}` key; keep its text as the name.
                            None => (
                                text.get(span.start..span.end)
                                    .unwrap_or_default()
                                    .to_string(),
                                false,
                            ),
                        };
                        *key = Some(Key { text, span, merge });
                    }
                    Some(k) if k.merge => {
                        if !is_merge_source(&finished.node) {
                            return Err(SyntaxError {
                                span: finished.node.span.cover(at),
                                message: "a merge key `<<` takes a mapping or a list of mappings"
                                    .into(),
                            });
                        }
                        merges.push((members.len(), finished.node));
                    }
                    Some(k) => members.push(Member {
                        key: k.text,
                        key_span: k.span,
                        value: finished.node,
                    }),
                }
                Ok(Flow::Continue)
            }
        }
    }

    fn scalar(
        &self,
        value: Cow<'_, str>,
        style: YamlStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Finished {
        let source = self.source(span);
        let core = tag
            .filter(|t| t.is_yaml_core_schema())
            .map(|t| t.suffix.as_str());
        let plain = style == YamlStyle::Plain;
        let kind = match core {
            Some("str") => NodeKind::String(value.to_string()),
            Some("null") => NodeKind::Null,
            Some("bool") => match resolve_plain(&value) {
                NodeKind::Bool(b) => NodeKind::Bool(b),
                _ => NodeKind::String(value.to_string()),
            },
            Some("int" | "float") => match resolve_plain(&value) {
                NodeKind::Number(n) => NodeKind::Number(n),
                _ => NodeKind::String(value.to_string()),
            },
            _ if plain => resolve_plain(&value),
            _ => NodeKind::String(value.to_string()),
        };
        let mut node = Node::new(kind, span);
        if let NodeKind::String(s) = &node.kind {
            node.style = match style {
                YamlStyle::Plain if source == s => ScalarStyle::Plain,
                YamlStyle::SingleQuoted | YamlStyle::DoubleQuoted
                    if source.len() >= 2 && source.get(1..source.len() - 1) == Some(s.as_str()) =>
                {
                    ScalarStyle::Quoted
                }
                _ => ScalarStyle::Opaque,
            };
        }
        if matches!(style, YamlStyle::Literal | YamlStyle::Folded) {
            // The block's span runs to the next line; keep the label on the text.
            let trimmed = source.trim_end().len();
            if trimmed > 0 {
                node.span = Span::new(span.start, span.start + trimmed);
            }
        }
        let merge = plain && tag.is_none() && value == "<<";
        Finished {
            node,
            scalar: Some((value.into_owned(), merge)),
        }
    }
}

/// The span of a collection: from its start event (the `[`/`{` or the first
/// key/dash, with any anchor) to its end event for flow collections (`]`,
/// `}`), or to its last element for block ones (whose end event sits at the
/// next token, past comments and blank lines).
fn container_span(start: Span, end: Span, children: impl Iterator<Item = Span>) -> Span {
    let mut span = start;
    if !end.is_empty() {
        span = span.cover(end);
    }
    children.fold(span, Span::cover)
}

/// Whether a `<<` value can be merged: a mapping or a list of mappings.
fn is_merge_source(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Object(_) => true,
        NodeKind::Array(items) => items.iter().all(|n| matches!(n.kind, NodeKind::Object(_))),
        _ => false,
    }
}

/// Expands merge keys as `yaml.v3` does: keys written in the mapping win over
/// merged ones, and among merged mappings the earlier one wins. Merged
/// members take the place of their `<<`, and only keys not otherwise present
/// are added, so no duplicate is made up.
fn merge(members: Vec<Member>, merges: Vec<(usize, Node)>) -> Vec<Member> {
    if merges.is_empty() {
        return members;
    }
    let mut taken: HashSet<String> = members.iter().map(|m| m.key.clone()).collect();
    let mut added: Vec<(usize, Vec<Member>)> = Vec::new();
    for (at, source) in merges {
        let sources = match source.kind {
            NodeKind::Array(items) => items,
            _ => vec![source],
        };
        let mut here = Vec::new();
        for src in sources {
            let NodeKind::Object(src_members) = src.kind else {
                continue;
            };
            // Within one merged mapping the last duplicate is the value.
            for m in src_members.into_iter().rev() {
                if taken.insert(m.key.clone()) {
                    here.push(m);
                }
            }
        }
        here.sort_by_key(|m| m.key_span.start);
        added.push((at, here));
    }
    let mut out = Vec::with_capacity(members.len());
    let mut added = added.into_iter().peekable();
    for (i, m) in members.into_iter().enumerate() {
        while let Some((_, extra)) = added.next_if(|(at, _)| *at == i) {
            out.extend(extra);
        }
        out.push(m);
    }
    for (_, extra) in added {
        out.extend(extra);
    }
    out
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.kind {
        NodeKind::Array(items) => items.iter().map(count_nodes).sum(),
        NodeKind::Object(members) => members.iter().map(|m| count_nodes(&m.value)).sum(),
        _ => 0,
    }
}

/// Types a plain scalar as `yaml.v3` does when decoding into `interface{}`.
pub(crate) fn resolve_plain(value: &str) -> NodeKind {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => {
            return NodeKind::Number(Number {
                raw: value.to_string(),
            });
        }
        _ => {}
    }
    if !value.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) {
        return NodeKind::String(value.to_string());
    }
    // Go's `strconv.ParseInt(s, 0, 64)` after `yaml.v3` drops underscores.
    let plain = value.replace('_', "");
    if let Some(i) = go_int(&plain) {
        return NodeKind::Number(Number { raw: i.to_string() });
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        let raw = if json_number(&plain) {
            plain
        } else {
            format!("{f:?}")
        };
        return NodeKind::Number(Number { raw });
    }
    NodeKind::String(value.to_string())
}

/// An integer in Go's base-prefix syntax (`0x`, `0o`, `0b`, a leading `0`
/// for octal), as `strconv.ParseInt`/`ParseUint` with base 0 read it.
fn go_int(s: &str) -> Option<i128> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(b) = lower.strip_prefix("0x") {
        (16, b)
    } else if let Some(b) = lower.strip_prefix("0o") {
        (8, b)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    let value = if neg {
        -i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    // Negative values must fit an int64; positive ones may use uint64.
    (value >= i128::from(i64::MIN)).then_some(value)
}

/// `yaml.v3`'s float syntax: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Turns yaml-style `'x'` quoting of short tokens into backticks (our style).
fn backtick_quotes(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find('\'') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('\'') {
            Some(j) if (1..=3).contains(&j) && !after[..j].contains(' ') => {
                out.push('`');
                out.push_str(&after[..j]);
                out.push('`');
                rest = &after[j + 1..];
            }
            _ => {
                out.push('\'');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let p = parse(text);
        assert!(p.error.is_none(), "{text:?}: {:?}", p.error);
        p.root.expect("root")
    }

    fn src(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn scalars_are_typed_like_yaml_v3() {
        let cases: [(&str, NodeKind); 24] = [
            ("~", NodeKind::Null),
            ("null", NodeKind::Null),
            ("", NodeKind::Null),
            ("true", NodeKind::Bool(true)),
            ("FALSE", NodeKind::Bool(false)),
            ("yes", NodeKind::String("yes".into())),
            ("on", NodeKind::String("on".into())),
            ("3", NodeKind::Number(Number { raw: "3".into() })),
            ("-7", NodeKind::Number(Number { raw: "-7".into() })),
            ("+7", NodeKind::Number(Number { raw: "7".into() })),
            ("1_000", NodeKind::Number(Number { raw: "1000".into() })),
            ("0x1F", NodeKind::Number(Number { raw: "31".into() })),
            ("0o17", NodeKind::Number(Number { raw: "15".into() })),
            ("017", NodeKind::Number(Number { raw: "15".into() })),
            ("0b101", NodeKind::Number(Number { raw: "5".into() })),
            ("3.0", NodeKind::Number(Number { raw: "3.0".into() })),
            ("1e3", NodeKind::Number(Number { raw: "1e3".into() })),
            (".5", NodeKind::Number(Number { raw: "0.5".into() })),
            ("5.", NodeKind::Number(Number { raw: "5.0".into() })),
            ("08", NodeKind::Number(Number { raw: "8.0".into() })),
            ("2s", NodeKind::String("2s".into())),
            ("1.2.3", NodeKind::String("1.2.3".into())),
            ("2001-12-14", NodeKind::String("2001-12-14".into())),
            ("http://a:8080", NodeKind::String("http://a:8080".into())),
        ];
        for (value, want) in cases {
            assert_eq!(resolve_plain(value), want, "{value:?}");
        }
    }

    #[test]
    fn spans_of_keys_and_values_are_bytes() {
        // Non-ASCII before the values: saphyr counts characters, spans are bytes.
        let text = "é: \"ü {x}\"\nhost: ['http://a', b]\nn: 3\nplain: /a/{id}\n";
        let r = root(text);
        let members = r.as_object().expect("object");
        let keys: Vec<(&str, &str, &str)> = members
            .iter()
            .map(|m| {
                (
                    m.key.as_str(),
                    src(text, m.key_span),
                    src(text, m.value.span),
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                ("é", "é", "\"ü {x}\""),
                ("host", "host", "['http://a', b]"),
                ("n", "n", "3"),
                ("plain", "plain", "/a/{id}")
            ]
        );
        let quoted = r.get("é").expect("é");
        assert_eq!(quoted.style, ScalarStyle::Quoted);
        assert_eq!(src(text, quoted.sub_span(3..6)), "{x}");
        let plain = r.get("plain").expect("plain");
        assert_eq!(plain.style, ScalarStyle::Plain);
        assert_eq!(src(text, plain.sub_span(3..7)), "{id}");
        let hosts = r.get("host").and_then(Node::as_array).expect("hosts");
        assert_eq!(src(text, hosts[0].span), "'http://a'");
        assert_eq!(hosts[0].style, ScalarStyle::Quoted);
        assert_eq!(src(text, r.span), text.trim_end());
    }

    #[test]
    fn styles_only_when_the_source_is_the_value() {
        let text =
            "a: \"x\\ty\"\nb: 'it''s'\nc: |\n  line\nd: two\n  lines\ne: !!str 3\nf: \"3\"\n";
        let r = root(text);
        let style = |k: &str| r.get(k).map(|n| n.style);
        assert_eq!(style("a"), Some(ScalarStyle::Opaque), "escape");
        assert_eq!(style("b"), Some(ScalarStyle::Opaque), "doubled quote");
        assert_eq!(style("c"), Some(ScalarStyle::Opaque), "block scalar");
        assert_eq!(style("d"), Some(ScalarStyle::Opaque), "folded plain scalar");
        assert_eq!(style("e"), Some(ScalarStyle::Opaque), "tag");
        assert_eq!(r.get("e").and_then(Node::as_str), Some("3"), "!!str");
        assert_eq!(
            r.get("f").and_then(Node::as_str),
            Some("3"),
            "quoted is a string"
        );
        assert_eq!(r.get("c").and_then(Node::as_str), Some("line\n"));
        assert_eq!(src(text, r.get("c").expect("c").span), "line");
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = "base: &b\n  timeout: 1s\n  method: GET\nhosts: &h [a]\nx:\n  <<: *b\n  method: POST\n  host: *h\n";
        let r = root(text);
        let x = r.get("x").expect("x");
        let keys: Vec<&str> = x
            .as_object()
            .expect("x")
            .iter()
            .map(|m| m.key.as_str())
            .collect();
        assert_eq!(
            keys,
            ["timeout", "method", "host"],
            "explicit keys win, no duplicate is made up"
        );
        assert_eq!(x.get("method").and_then(Node::as_str), Some("POST"));
        let host = x.get("host").expect("host");
        assert_eq!(src(text, host.span), "*h", "the copy stands at the alias");
        let merged = x.member("timeout").expect("timeout");
        assert_eq!(
            src(text, merged.value.span),
            "1s",
            "merged members keep the anchored spans"
        );
        // A list of merges: the earlier mapping wins.
        let r = root("a: &a {k: 1}\nb: &b {k: 2, j: 3}\nc:\n  <<: [*a, *b]\n");
        let c = r.get("c").expect("c");
        assert_eq!(
            c.get("k").and_then(Node::as_number).map(|n| n.raw.as_str()),
            Some("1")
        );
        assert_eq!(
            c.get("j").and_then(Node::as_number).map(|n| n.raw.as_str()),
            Some("3")
        );
    }

    #[test]
    fn documents_keys_and_empty_input() {
        let r = root("a: 1\n---\nb: 2\n");
        assert!(
            r.get("a").is_some() && r.get("b").is_none(),
            "only the first document"
        );
        let r = root("1: x\ntrue: y\n~: z\n");
        let keys: Vec<&str> = r
            .as_object()
            .expect("object")
            .iter()
            .map(|m| m.key.as_str())
            .collect();
        assert_eq!(keys, ["1", "true", "~"], "scalar keys keep their text");
        assert_eq!(
            root("# nothing\n").as_object().map(<[Member]>::len),
            Some(0)
        );
        assert_eq!(root("").as_object().map(<[Member]>::len), Some(0));
        // An empty document is null, and stands at its own `---`.
        let text = "---\n# license\n---\na: 1\n";
        let r = root(text);
        assert_eq!((&r.kind, r.span), (&NodeKind::Null, Span::new(0, 3)));
        // yaml.v3 refuses a duplicate key: a syntax error, with the tree
        // (duplicates kept) still there for the other checks.
        let p = parse("a: 1\nb:\n  c: 1\n  c: 2\n");
        let err = p.error.expect("duplicate key error");
        assert_eq!(err.message, "mapping key `c` already defined at line 3");
        assert_eq!(err.span, Span::new(17, 18));
        let b = p.root.as_ref().and_then(|r| r.get("b")).expect("tree kept");
        assert_eq!(b.as_object().map(<[Member]>::len), Some(2));
    }

    #[test]
    fn later_documents_are_kept_aside() {
        // (text, each extra document: the text at its start, and its
        // top-level keys or `None` when it does not parse)
        type Doc<'a> = (&'a str, Option<Vec<&'a str>>);
        let cases: [(&str, Vec<Doc<'_>>); 10] = [
            ("---\nversion: 3\n", vec![]),
            ("a: 1\n---\n", vec![]),
            ("a: 1\n--- # nothing\n# here\n---\n~\n", vec![]),
            (
                "a: 1\n---\nb: 2\n---\nc: 3\n",
                vec![("---", Some(vec!["b"])), ("---", Some(vec!["c"]))],
            ),
            ("a: 1\n...\nb: 2\n", vec![("b: 2", Some(vec!["b"]))]),
            ("é: 1\n--- ü\n", vec![("---", Some(vec![]))]),
            ("a: 1\n---\nb: [1,\n", vec![("---", None)]),
            ("a: 1\n...\n]\n", vec![("]", None)]),
            ("x: &a {k: 1}\n---\ny: *a\n", vec![("---", None)]),
            // A duplicate key in a later document is not the file's error.
            (
                "a: 1\n---\nb: 1\nb: 2\n",
                vec![("---", Some(vec!["b", "b"]))],
            ),
        ];
        for (text, want) in cases {
            let p = parse(text);
            assert!(p.error.is_none(), "{text:?}: {:?}", p.error);
            let got: Vec<Doc<'_>> = p
                .extra_documents
                .iter()
                .map(|d| {
                    let keys = d.root.as_ref().map(|r| {
                        r.as_object()
                            .unwrap_or_default()
                            .iter()
                            .map(|m| m.key.as_str())
                            .collect()
                    });
                    (src(text, d.start), keys)
                })
                .collect();
            assert_eq!(got, want, "{text:?}");
            assert_eq!(
                p.root.as_ref().and_then(|r| r.get("b")),
                None,
                "{text:?}: only the first document is the tree"
            );
        }
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let cases = [
            (
                "a: 1\n b: 2\n",
                ": 2\n",
                ":",
                "mapping values are not allowed in this context",
            ),
            (
                "a: [1, 2\n",
                "\n",
                "",
                "while parsing a flow sequence, expected `,` or `]`",
            ),
            (
                "a:\n  b: 1\n c: 2\n",
                "c: 2\n",
                "c",
                "expected a key of the mapping above: check this line's indentation",
            ),
            (
                "é: \"x\n",
                "\"x\n",
                "\"",
                "while scanning a quoted scalar, found unexpected end of stream",
            ),
            (
                "ü: *nope\n",
                "*nope\n",
                "*nope",
                "the alias `*nope` refers to no anchor defined before it",
            ),
            (
                "a: &a [*a]\n",
                "*a]\n",
                "*a",
                "the alias `*a` refers to an anchor that is not complete here",
            ),
            (
                "a:\n\t- x\n",
                "- x\n",
                "-",
                "tabs disallowed within this context (block indentation)",
            ),
            (
                "a:\n  <<: 3\n",
                "3\n",
                "3",
                "a merge key `<<` takes a mapping or a list of mappings",
            ),
        ];
        for (text, rest, spanned, message) in cases {
            let p = parse(text);
            let err = p.error.unwrap_or_else(|| panic!("{text:?} must fail"));
            assert_eq!(&text[err.span.start..], rest, "{text:?}: {}", err.message);
            assert_eq!(src(text, err.span), spanned, "{text:?}");
            assert_eq!(err.message, message, "{text:?}");
        }
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = format!("{}1", "- ".repeat(MAX_DEPTH + 1));
        let err = parse(&deep).error.expect("too deep");
        assert!(err.message.contains("nests deeper"), "{}", err.message);
        let flow = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(parse(&flow).error.is_some(), "deep flow nesting");
        let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            laughs.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        let err = parse(&laughs).error.expect("billion laughs");
        assert!(err.message.contains("aliases expand"), "{}", err.message);
    }

    #[test]
    fn every_prefix_parses_without_panic_and_with_spans_in_the_text() {
        let text = "# café\nversion: 3\nname: \"é {x}\"\nhost: &h ['ü', b]\nlit: |\n  x\nbase: &b {k: 1}\nendpoints:\n  - endpoint: /a/{id}\n    <<: *b\n    host: *h\n    n: [1, ~, true, .5]\n---\nü: &c [1]\nd: *c\n...\né: x\n";
        crate::syntax::testing::assert_prefixes_parse(text, parse);
    }
}
