//! The typed config: root, endpoints, backends and the `extra_config`
//! namespaces gwc understands, every field keeping its span.
//!
//! The model is *lenient*: a field of the wrong type is left out (the schema
//! check reports it), so every rule can still run on the rest of the file.
//! Defaults are **not** applied here (that is `plan`'s job); `None` means
//! "not written". Opaque namespaces stay as references into the tree.

pub mod client_ip;
pub mod duration;
pub mod encoding;
pub mod extra;
pub mod host;
pub mod lb;
pub mod legacy;
pub mod modifier;
pub mod pattern;
pub mod security;
pub mod server;
pub mod telemetry;
pub mod traffic;
pub mod validation;
pub mod weak;

use crate::syntax::{Node, NodeKind, ScalarStyle, Span};

pub use extra::{BackendHttp, CircuitBreaker, ExtraConfig, FlatmapOp, Proxy, Router, StaticData};
pub use security::Cors;

/// A value with the span of its value and of its key.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where the value is.
    pub span: Span,
    /// Where its key is (the value span for array elements).
    pub key_span: Span,
    /// How a string is written (for sub-spans).
    pub style: ScalarStyle,
}

impl<T> Spanned<T> {
    /// The span from the key to the end of the value.
    pub fn full_span(&self) -> Span {
        self.key_span.cover(self.span)
    }
}

impl Spanned<String> {
    /// The span of `range` inside the string value (see [`Node::sub_span`]).
    pub fn sub_span(&self, range: std::ops::Range<usize>) -> Span {
        match self.style {
            ScalarStyle::Opaque => self.span,
            _ if range.start > range.end || range.end > self.value.len() => self.span,
            ScalarStyle::Quoted => Span::new(
                self.span.start + 1 + range.start,
                self.span.start + 1 + range.end,
            ),
            ScalarStyle::Plain => {
                Span::new(self.span.start + range.start, self.span.start + range.end)
            }
        }
    }

    /// The span of the text without quotes (what an edit replaces).
    pub fn inner_span(&self) -> Span {
        self.sub_span(0..self.value.len())
    }

    /// The value as `&str`.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// A duration as written: KrakenD reads Go duration strings; a bare number
/// is accepted by koanf as nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum DurationValue {
    /// A string (`"2s"`, `"1m30s"`, or something invalid).
    Text(String),
    /// A number, raw text.
    Number(String),
}

/// The whole config file.
#[derive(Clone, Debug)]
pub struct Config<'a> {
    /// The root node.
    pub raw: &'a Node,
    /// `version`: `None` when missing; `Some(None)` when not an integer.
    pub version: Option<Spanned<Option<i64>>>,
    /// Root `host` list (the default for backends).
    pub host: Option<Spanned<Vec<Spanned<String>>>>,
    /// `port`.
    pub port: Option<Spanned<i64>>,
    /// Root `timeout`.
    pub timeout: Option<Spanned<DurationValue>>,
    /// Root `cache_ttl`.
    pub cache_ttl: Option<Spanned<DurationValue>>,
    /// Root `output_encoding`.
    pub output_encoding: Option<Spanned<String>>,
    /// `disable_rest`.
    pub disable_rest: bool,
    /// `debug_endpoint`.
    pub debug_endpoint: bool,
    /// `echo_endpoint`.
    pub echo_endpoint: bool,
    /// Span of the `endpoints` key, when present.
    pub endpoints_key: Option<Span>,
    /// `endpoints`.
    pub endpoints: Vec<Endpoint<'a>>,
    /// Root `extra_config`.
    pub extra: ExtraConfig<'a>,
}

/// One `endpoints[]` entry.
#[derive(Clone, Debug)]
pub struct Endpoint<'a> {
    /// The endpoint object.
    pub raw: &'a Node,
    /// Index in `endpoints`.
    pub index: usize,
    /// `endpoint` (the public path).
    pub path: Option<Spanned<String>>,
    /// `method` as written.
    pub method: Option<Spanned<String>>,
    /// `backend`: the span of the key and the array, when present.
    pub backend_key: Option<Span>,
    /// Span of the `backend` value.
    pub backend_span: Option<Span>,
    /// `backend[]`.
    pub backends: Vec<Backend<'a>>,
    /// `timeout`.
    pub timeout: Option<Spanned<DurationValue>>,
    /// `cache_ttl`.
    pub cache_ttl: Option<Spanned<DurationValue>>,
    /// `concurrent_calls`.
    pub concurrent_calls: Option<Spanned<i64>>,
    /// `output_encoding`.
    pub output_encoding: Option<Spanned<String>>,
    /// `input_headers`.
    pub input_headers: Option<Spanned<Vec<Spanned<String>>>>,
    /// `input_query_strings`.
    pub input_query_strings: Option<Spanned<Vec<Spanned<String>>>>,
    /// `extra_config`.
    pub extra: ExtraConfig<'a>,
}

impl<'a> Endpoint<'a> {
    /// The method as KrakenD registers it: upper-cased, `GET` when absent
    /// or empty (lura defaults an empty method).
    pub fn method_upper(&self) -> String {
        match &self.method {
            Some(m) if !m.value.is_empty() => m.value.to_ascii_uppercase(),
            _ => "GET".to_string(),
        }
    }

    /// The span that best names this endpoint (its path, else the object).
    pub fn name_span(&self) -> Span {
        self.path.as_ref().map_or(self.raw.span, |p| p.span)
    }

    /// Whether the sequential proxy runs this endpoint's backends in order
    /// (`extra_config.proxy.sequential`, see [`extra::Proxy::runs_sequentially`]).
    pub fn is_sequential(&self) -> bool {
        self.extra
            .proxy
            .as_ref()
            .is_some_and(extra::Proxy::runs_sequentially)
    }

    /// The backends KrakenD calls and merges: all but the shadow ones
    /// (lura `shadowFactory` takes those out of the regular set).
    pub fn regular_backends(&self) -> impl Iterator<Item = &Backend<'a>> {
        self.backends.iter().filter(|b| !b.is_shadow())
    }

    /// The index KrakenD's merge proxy gives `backend`: its position among
    /// the regular backends (shadow ones are taken out before the merge,
    /// so `{resp0_x}` names the first *regular* backend). `None` for a
    /// shadow backend.
    pub fn merge_index(&self, backend: &Backend<'_>) -> Option<usize> {
        if backend.is_shadow() {
            return None;
        }
        Some(
            self.backends
                .iter()
                .filter(|b| !b.is_shadow() && b.index < backend.index)
                .count(),
        )
    }
}

/// One `backend[]` entry.
#[derive(Clone, Debug)]
pub struct Backend<'a> {
    /// The backend object.
    pub raw: &'a Node,
    /// Index in the endpoint's `backend`.
    pub index: usize,
    /// `host`.
    pub host: Option<Spanned<Vec<Spanned<String>>>>,
    /// `url_pattern`.
    pub url_pattern: Option<Spanned<String>>,
    /// `method`.
    pub method: Option<Spanned<String>>,
    /// `encoding`.
    pub encoding: Option<Spanned<String>>,
    /// `sd`.
    pub sd: Option<Spanned<String>>,
    /// `disable_host_sanitize`.
    pub disable_host_sanitize: bool,
    /// `is_collection`.
    pub is_collection: Option<Spanned<bool>>,
    /// `group`.
    pub group: Option<Spanned<String>>,
    /// `target`.
    pub target: Option<Spanned<String>>,
    /// `allow`.
    pub allow: Option<Spanned<Vec<Spanned<String>>>>,
    /// `deny`.
    pub deny: Option<Spanned<Vec<Spanned<String>>>>,
    /// `mapping`: (original name, new name) pairs.
    #[allow(clippy::type_complexity)]
    pub mapping: Option<Spanned<Vec<(Spanned<String>, Spanned<String>)>>>,
    /// `input_headers`.
    pub input_headers: Option<Spanned<Vec<Spanned<String>>>>,
    /// `input_query_strings`.
    pub input_query_strings: Option<Spanned<Vec<Spanned<String>>>>,
    /// `extra_config`.
    pub extra: ExtraConfig<'a>,
}

impl Backend<'_> {
    /// The span that best names this backend (its url_pattern, else the object).
    pub fn name_span(&self) -> Span {
        self.url_pattern.as_ref().map_or(self.raw.span, |p| p.span)
    }

    /// Whether `extra_config.proxy.shadow` is `true`.
    pub fn is_shadow(&self) -> bool {
        self.extra
            .proxy
            .as_ref()
            .is_some_and(extra::Proxy::is_shadow)
    }

    /// The backend-level `flatmap_filter` when KrakenD uses it: a non-empty
    /// list with at least one operation whose `type` is a string (lura
    /// `newFlatmapFormatter`). It then replaces `allow`/`deny`/`mapping`.
    pub fn active_flatmap(&self) -> Option<&Spanned<Vec<FlatmapOp>>> {
        self.extra
            .proxy
            .as_ref()?
            .flatmap_filter
            .as_ref()
            .filter(|f| f.value.iter().any(|op| op.op.is_some()))
    }
}

impl<'a> Config<'a> {
    /// The `output_encoding` that decides `ep`'s output: the endpoint's own
    /// when written and non-empty, else the root's when non-empty (lura
    /// `initEndpointDefaults`). `None` means the `json` default.
    pub fn output_encoding_of<'s>(&'s self, ep: &'s Endpoint<'a>) -> Option<&'s Spanned<String>> {
        ep.output_encoding
            .as_ref()
            .filter(|o| !o.value.is_empty())
            .or_else(|| {
                self.output_encoding
                    .as_ref()
                    .filter(|o| !o.value.is_empty())
            })
    }

    /// Builds the model from a parsed tree. Never fails: a root that is not
    /// an object gives an empty model (the schema check reports it).
    pub fn from_tree(root: &'a Node) -> Config<'a> {
        let r = Fields(root);
        let endpoints_member = root.member("endpoints");
        Config {
            raw: root,
            version: root.member("version").map(|m| {
                let v = m.value.as_number().and_then(|n| n.as_i64());
                spanned(m.key_span, &m.value, v)
            }),
            host: r.string_list("host"),
            port: r.int("port"),
            timeout: r.duration("timeout"),
            cache_ttl: r.duration("cache_ttl"),
            output_encoding: r.string("output_encoding"),
            disable_rest: r.flag("disable_rest"),
            debug_endpoint: r.flag("debug_endpoint"),
            echo_endpoint: r.flag("echo_endpoint"),
            endpoints_key: endpoints_member.map(|m| m.key_span),
            endpoints: endpoints_member
                .and_then(|m| m.value.as_array())
                .map(|items| {
                    items
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| n.as_object().is_some())
                        .map(|(i, n)| Endpoint::from_node(n, i))
                        .collect()
                })
                .unwrap_or_default(),
            extra: ExtraConfig::from_node(root.get("extra_config")),
        }
    }
}

impl<'a> Endpoint<'a> {
    fn from_node(node: &'a Node, index: usize) -> Self {
        let f = Fields(node);
        let backend_member = node.member("backend");
        Endpoint {
            raw: node,
            index,
            path: f.string("endpoint"),
            method: f.string("method"),
            backend_key: backend_member.map(|m| m.key_span),
            backend_span: backend_member.map(|m| m.value.span),
            backends: backend_member
                .and_then(|m| m.value.as_array())
                .map(|items| {
                    items
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| n.as_object().is_some())
                        .map(|(i, n)| Backend::from_node(n, i))
                        .collect()
                })
                .unwrap_or_default(),
            timeout: f.duration("timeout"),
            cache_ttl: f.duration("cache_ttl"),
            concurrent_calls: f.int("concurrent_calls"),
            output_encoding: f.string("output_encoding"),
            input_headers: f.string_list("input_headers"),
            input_query_strings: f.string_list("input_query_strings"),
            extra: ExtraConfig::from_node(node.get("extra_config")),
        }
    }
}

impl<'a> Backend<'a> {
    fn from_node(node: &'a Node, index: usize) -> Self {
        let f = Fields(node);
        Backend {
            raw: node,
            index,
            host: f.string_list("host"),
            url_pattern: f.string("url_pattern"),
            method: f.string("method"),
            encoding: f.string("encoding"),
            sd: f.string("sd"),
            disable_host_sanitize: f.flag("disable_host_sanitize"),
            is_collection: f.bool("is_collection"),
            group: f.string("group"),
            target: f.string("target"),
            allow: f.string_list("allow"),
            deny: f.string_list("deny"),
            mapping: node.member("mapping").and_then(|m| {
                let pairs = m
                    .value
                    .as_object()?
                    .iter()
                    .filter_map(|p| {
                        let to = p.value.as_str()?;
                        let from = Spanned {
                            value: p.key.clone(),
                            span: p.key_span,
                            key_span: p.key_span,
                            style: key_style(p),
                        };
                        Some((from, spanned(p.key_span, &p.value, to.to_string())))
                    })
                    .collect();
                Some(spanned(m.key_span, &m.value, pairs))
            }),
            input_headers: f.string_list("input_headers"),
            input_query_strings: f.string_list("input_query_strings"),
            extra: ExtraConfig::from_node(node.get("extra_config")),
        }
    }
}

/// Keys are quoted in JSON (sub-spans work when the key has no escapes).
fn key_style(m: &crate::syntax::Member) -> ScalarStyle {
    if m.key_span.len() == m.key.len() + 2 {
        ScalarStyle::Quoted
    } else {
        ScalarStyle::Opaque
    }
}

pub(crate) fn spanned<T>(key_span: Span, node: &Node, value: T) -> Spanned<T> {
    Spanned {
        value,
        span: node.span,
        key_span,
        style: node.style,
    }
}

/// Typed, lenient field access on an object node.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a>(pub &'a Node);

impl<'a> Fields<'a> {
    pub(crate) fn string(self, key: &str) -> Option<Spanned<String>> {
        let m = self.0.member(key)?;
        Some(spanned(m.key_span, &m.value, m.value.as_str()?.to_string()))
    }

    pub(crate) fn bool(self, key: &str) -> Option<Spanned<bool>> {
        let m = self.0.member(key)?;
        Some(spanned(m.key_span, &m.value, m.value.as_bool()?))
    }

    pub(crate) fn flag(self, key: &str) -> bool {
        self.bool(key).is_some_and(|b| b.value)
    }

    pub(crate) fn int(self, key: &str) -> Option<Spanned<i64>> {
        let m = self.0.member(key)?;
        Some(spanned(
            m.key_span,
            &m.value,
            m.value.as_number()?.as_i64()?,
        ))
    }

    pub(crate) fn number(self, key: &str) -> Option<Spanned<f64>> {
        let m = self.0.member(key)?;
        Some(spanned(
            m.key_span,
            &m.value,
            m.value.as_number()?.as_f64()?,
        ))
    }

    pub(crate) fn duration(self, key: &str) -> Option<Spanned<DurationValue>> {
        let m = self.0.member(key)?;
        let v = match &m.value.kind {
            NodeKind::String(s) => DurationValue::Text(s.clone()),
            NodeKind::Number(n) => DurationValue::Number(n.raw.clone()),
            _ => return None,
        };
        Some(spanned(m.key_span, &m.value, v))
    }

    /// A list of strings; non-string elements are skipped.
    pub(crate) fn string_list(self, key: &str) -> Option<Spanned<Vec<Spanned<String>>>> {
        let m = self.0.member(key)?;
        let items = m
            .value
            .as_array()?
            .iter()
            .filter_map(|n| Some(spanned(n.span, n, n.as_str()?.to_string())))
            .collect();
        Some(spanned(m.key_span, &m.value, items))
    }

    pub(crate) fn node(self, key: &str) -> Option<&'a crate::syntax::Member> {
        self.0.member(key)
    }
}
