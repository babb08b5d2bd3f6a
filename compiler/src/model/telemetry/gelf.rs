//! `telemetry/gelf` (service level; its legacy name
//! `github_com/devopsfaith/krakend-gelf` too; krakend-components §2.2):
//! the fields krakend-gelf v2.1.0 reads, as written. CE reads the namespace
//! only when it is an object; `address` must be a string and `enable_tcp` a
//! bool (another type panics CE at start: GW796).

use crate::model::{Fields, Spanned};
use crate::syntax::{Member, Node, Span};

/// The namespace's short name.
pub const NAMESPACE: &str = "telemetry/gelf";
/// Its legacy name, which CE still reads.
pub const LEGACY_NAMESPACE: &str = "github_com/devopsfaith/krakend-gelf";

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct Gelf<'a> {
    /// The namespace's key span.
    pub key_span: Span,
    /// The namespace's object.
    pub node: &'a Node,
    /// `address` when a string.
    pub address: Option<Spanned<String>>,
    /// `enable_tcp` when a bool.
    pub enable_tcp: Option<Spanned<bool>>,
}

impl<'a> Gelf<'a> {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &'a Node) -> Self {
        let f = Fields(node);
        Gelf {
            key_span,
            node,
            address: f.string("address"),
            enable_tcp: f.bool("enable_tcp"),
        }
    }

    /// The member `key` as written, whatever its type.
    pub fn member(&self, key: &str) -> Option<&'a Member> {
        self.node.member(key)
    }
}
