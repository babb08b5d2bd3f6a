//! JSON values as static data (`proxy.static.data`, `router.error_body`).

use super::Value;
use crate::syntax::{Node, NodeKind};

/// The value of a node as KrakenD decodes it: numbers kept as written,
/// objects in source order with one entry per key (the last duplicate wins,
/// as in Go's `encoding/json`, at the place of the first).
pub fn value_of(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Number(n) => Value::Number(n.raw.clone()),
        NodeKind::String(s) => Value::String(s.clone()),
        NodeKind::Array(items) => Value::Array(items.iter().map(value_of).collect()),
        NodeKind::Object(members) => {
            let mut out: Vec<(String, Value)> = Vec::with_capacity(members.len());
            for m in members {
                let v = value_of(&m.value);
                match out.iter_mut().find(|(k, _)| *k == m.key) {
                    Some(slot) => slot.1 = v,
                    None => out.push((m.key.clone(), v)),
                }
            }
            Value::Object(out)
        }
    }
}
