//! `telemetry/logging` (service level; its legacy name
//! `github_com/devopsfaith/krakend-gologging` too; krakend-components §2):
//! the fields krakend-gologging v2.1.1 reads, as written. A field of
//! another JSON type reads as absent here; the rules say what CE does with
//! it (`stdout`/`syslog` panic, `level` falls back to the basic logger).

use crate::model::{Fields, Spanned};
use crate::syntax::{Member, Node, Span};

/// The namespace's short name.
pub const NAMESPACE: &str = "telemetry/logging";
/// Its legacy name, which CE still reads.
pub const LEGACY_NAMESPACE: &str = "github_com/devopsfaith/krakend-gologging";

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct Logging<'a> {
    /// The namespace's key span.
    pub key_span: Span,
    /// The namespace's object.
    pub node: &'a Node,
    /// `level` when a string.
    pub level: Option<Spanned<String>>,
    /// `stdout` when a bool.
    pub stdout: Option<Spanned<bool>>,
    /// `syslog` when a bool.
    pub syslog: Option<Spanned<bool>>,
    /// `syslog_facility` when a string.
    pub syslog_facility: Option<Spanned<String>>,
    /// `prefix` when a string.
    pub prefix: Option<Spanned<String>>,
    /// `format` when a string.
    pub format: Option<Spanned<String>>,
    /// `custom_format` when a string.
    pub custom_format: Option<Spanned<String>>,
}

impl<'a> Logging<'a> {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &'a Node) -> Self {
        let f = Fields(node);
        Logging {
            key_span,
            node,
            level: f.string("level"),
            stdout: f.bool("stdout"),
            syslog: f.bool("syslog"),
            syslog_facility: f.string("syslog_facility"),
            prefix: f.string("prefix"),
            format: f.string("format"),
            custom_format: f.string("custom_format"),
        }
    }

    /// The member `key` as written, whatever its type.
    pub fn member(&self, key: &str) -> Option<&'a Member> {
        self.node.member(key)
    }
}
