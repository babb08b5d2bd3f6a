//! `telemetry/metrics` (service level; its legacy name
//! `github_com/devopsfaith/krakend-metrics` too, which is the key
//! krakend-metrics v2.2.0 itself reads; krakend-components §5): the fields
//! as written. A field of another JSON type reads as absent here; the rules
//! say what CE does with it (`collection_time` not a string panics).

use crate::model::{Fields, Spanned};
use crate::syntax::{Member, Node, Span};

/// The namespace's short name.
pub const NAMESPACE: &str = "telemetry/metrics";
/// Its legacy name, which CE still reads (the module's own `Namespace`).
pub const LEGACY_NAMESPACE: &str = "github_com/devopsfaith/krakend-metrics";

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct Metrics<'a> {
    /// The namespace's key span.
    pub key_span: Span,
    /// The namespace's object.
    pub node: &'a Node,
    /// `listen_address` when a string.
    pub listen_address: Option<Spanned<String>>,
    /// `collection_time` when a string.
    pub collection_time: Option<Spanned<String>>,
    /// `proxy_disabled` when a bool.
    pub proxy_disabled: Option<Spanned<bool>>,
    /// `router_disabled` when a bool.
    pub router_disabled: Option<Spanned<bool>>,
    /// `backend_disabled` when a bool.
    pub backend_disabled: Option<Spanned<bool>>,
    /// `endpoint_disabled` when a bool.
    pub endpoint_disabled: Option<Spanned<bool>>,
}

impl<'a> Metrics<'a> {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &'a Node) -> Self {
        let f = Fields(node);
        Metrics {
            key_span,
            node,
            listen_address: f.string("listen_address"),
            collection_time: f.string("collection_time"),
            proxy_disabled: f.bool("proxy_disabled"),
            router_disabled: f.bool("router_disabled"),
            backend_disabled: f.bool("backend_disabled"),
            endpoint_disabled: f.bool("endpoint_disabled"),
        }
    }

    /// The member `key` as written, whatever its type.
    pub fn member(&self, key: &str) -> Option<&'a Member> {
        self.node.member(key)
    }
}
