//! `gwc/server` (root level, gwc only): the gateway's client-facing limits
//! as written, with their spans (defaults are the runtime's, see
//! `gw_runtime::limits`). The header-read and idle timeouts are KrakenD's
//! root `read_header_timeout` and `idle_timeout`, not fields here.

use crate::model::{Config, DurationValue, Fields, Spanned};
use crate::syntax::{Node, Span};

/// The namespace's name.
pub const NAMESPACE: &str = "gwc/server";

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct GwcServer<'a> {
    /// The namespace's key span.
    pub key_span: Span,
    /// The namespace's object.
    pub node: &'a Node,
    /// `max_connections` when an integer.
    pub max_connections: Option<Spanned<i64>>,
    /// `max_request_body` when an integer.
    pub max_request_body: Option<Spanned<i64>>,
    /// `send_timeout` when a string or a number.
    pub send_timeout: Option<Spanned<DurationValue>>,
    /// `max_buffered_responses` when an integer.
    pub max_buffered_responses: Option<Spanned<i64>>,
}

impl<'a> GwcServer<'a> {
    /// The root's namespace, when it is an object.
    pub fn of(config: &Config<'a>) -> Option<GwcServer<'a>> {
        let (key_span, node) = config.extra.exact(NAMESPACE)?;
        node.as_object()?;
        let f = Fields(node);
        Some(GwcServer {
            key_span,
            node,
            max_connections: f.int("max_connections"),
            max_request_body: f.int("max_request_body"),
            send_timeout: f.duration("send_timeout"),
            max_buffered_responses: f.int("max_buffered_responses"),
        })
    }
}
