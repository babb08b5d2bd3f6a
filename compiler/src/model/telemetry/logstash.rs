//! `telemetry/logstash` (service level; its legacy name
//! `github_com/devopsfaith/krakend-logstash` too; krakend-components §2.2):
//! krakend-logstash v2.1.0 only asks whether the key is there, whatever its
//! value (`enabled` is not read, `false` and `null` turn it on as well).

use crate::syntax::{Node, Span};

/// The namespace's short name.
pub const NAMESPACE: &str = "telemetry/logstash";
/// Its legacy name, which CE still reads.
pub const LEGACY_NAMESPACE: &str = "github_com/devopsfaith/krakend-logstash";

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct Logstash<'a> {
    /// The namespace's key span.
    pub key_span: Span,
    /// Its value, whatever it is.
    pub node: &'a Node,
}
