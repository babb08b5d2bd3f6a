//! `security/cors` (service level; krakend-components §3).
//!
//! CE reads it at the service level only (`krakend-cors`'s `ConfigGetter`
//! on the root `extra_config`); the model reads it wherever it is written,
//! so the rules can report an endpoint-level one (GW600, Enterprise-only settings). Values of the
//! wrong JSON type are left out, as CE's type assertions leave them out,
//! except `max_age`, which CE asserts to a string and panics on otherwise:
//! it is kept with its type ([`MaxAge`]).

use crate::model::{Fields, Spanned, spanned};
use crate::syntax::{Node, NodeKind, Span};

/// The namespace as written.
#[derive(Clone, Debug, Default)]
pub struct Cors {
    /// The namespace's key span.
    pub key_span: Span,
    /// `allow_origins` (non-string items left out, as CE's `getList` does).
    pub allow_origins: Option<Spanned<Vec<Spanned<String>>>>,
    /// `allow_methods`.
    pub allow_methods: Option<Spanned<Vec<Spanned<String>>>>,
    /// `allow_headers`.
    pub allow_headers: Option<Spanned<Vec<Spanned<String>>>>,
    /// `expose_headers`.
    pub expose_headers: Option<Spanned<Vec<Spanned<String>>>>,
    /// `allow_credentials`.
    pub allow_credentials: Option<Spanned<bool>>,
    /// `allow_private_network`.
    pub allow_private_network: bool,
    /// `options_passthrough`.
    pub options_passthrough: bool,
    /// `options_success_status` (CE reads any JSON number and truncates it).
    pub options_success_status: Option<Spanned<f64>>,
    /// `max_age`, whatever its type.
    pub max_age: Option<Spanned<MaxAge>>,
    /// `debug`.
    pub debug: bool,
}

/// `max_age` as written.
#[derive(Clone, Debug, PartialEq)]
pub enum MaxAge {
    /// A string: a Go duration, or text `time.ParseDuration` rejects.
    Text(String),
    /// A number (raw text): CE panics at start-up.
    Number(String),
    /// Any other JSON type (its name): CE panics at start-up too.
    Other(&'static str),
}

impl Cors {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &Node) -> Self {
        let f = Fields(node);
        Cors {
            key_span,
            allow_origins: f.string_list("allow_origins"),
            allow_methods: f.string_list("allow_methods"),
            allow_headers: f.string_list("allow_headers"),
            expose_headers: f.string_list("expose_headers"),
            allow_credentials: f.bool("allow_credentials"),
            allow_private_network: f.flag("allow_private_network"),
            options_passthrough: f.flag("options_passthrough"),
            options_success_status: f.number("options_success_status"),
            max_age: f.node("max_age").map(|m| {
                let value = match &m.value.kind {
                    NodeKind::String(s) => MaxAge::Text(s.clone()),
                    NodeKind::Number(n) => MaxAge::Number(n.raw.clone()),
                    _ => MaxAge::Other(m.value.type_name()),
                };
                spanned(m.key_span, &m.value, value)
            }),
            debug: f.flag("debug"),
        }
    }

    /// The strings of a list field (empty when absent).
    pub fn items(list: &Option<Spanned<Vec<Spanned<String>>>>) -> &[Spanned<String>] {
        list.as_ref().map_or(&[], |l| l.value.as_slice())
    }

    /// Whether every origin is allowed: `allow_origins` absent, empty (of
    /// strings) or holding `*` (CE's default and rs/cors's rule).
    pub fn allows_any_origin(&self) -> bool {
        let origins = Self::items(&self.allow_origins);
        origins.is_empty() || origins.iter().any(|o| o.value == "*")
    }
}
