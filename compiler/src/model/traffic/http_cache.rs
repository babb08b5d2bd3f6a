//! `qos/http-cache` (backend level; krakend-components §10), as
//! `krakend-httpcache` v2.2.0 reads it.
//!
//! CE marshals the namespace's value back to JSON and decodes it with Go's
//! `encoding/json` into `{Shared bool; MaxSize, MaxItems uint64}`: field
//! names match case-insensitively (the last of several wins), unknown
//! fields are ignored, `null` leaves a field at zero. **Any** decoding
//! error (a string where a number goes, a negative or fractional number, a
//! namespace that is not an object) does not turn the cache off: CE falls
//! back to its default, an unbounded private cache. The model keeps each
//! value CE can decode and each it cannot (GW751 reports those).

use crate::model::Spanned;
use crate::syntax::{Node, NodeKind, Span};

/// The namespace key.
pub const NAMESPACE: &str = "qos/http-cache";

/// A field value CE cannot decode.
#[derive(Clone, Debug)]
pub struct DecodeError {
    /// The field's key span (the namespace's key when the value itself is
    /// no object).
    pub key_span: Span,
    /// The value's span.
    pub span: Span,
    /// The field (`shared`, `max_size`, `max_items`; `""` for the whole
    /// value).
    pub field: &'static str,
    /// What Go wants there.
    pub expected: &'static str,
}

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct HttpCacheNs<'a> {
    /// The namespace's key span.
    pub key_span: Span,
    /// Its value.
    pub node: &'a Node,
    /// `shared`.
    pub shared: Option<Spanned<bool>>,
    /// `max_size` (bytes).
    pub max_size: Option<Spanned<u64>>,
    /// `max_items`.
    pub max_items: Option<Spanned<u64>>,
    /// The values CE cannot decode, in source order.
    pub errors: Vec<DecodeError>,
}

/// A JSON number as Go decodes it into a `uint64` after koanf read it as a
/// `float64`: integral, not negative, below 2⁶⁴.
fn go_uint64(raw: &str) -> Option<u64> {
    if let Ok(u) = raw.parse::<u64>() {
        return Some(u);
    }
    let f = raw.parse::<f64>().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f >= 0.0 && !f.is_sign_negative() && f < 1.8e19)
        .then_some(f as u64)
}

impl<'a> HttpCacheNs<'a> {
    /// Reads the namespace (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &'a Node) -> Self {
        let mut ns = HttpCacheNs {
            key_span,
            node,
            shared: None,
            max_size: None,
            max_items: None,
            errors: Vec::new(),
        };
        let members = match &node.kind {
            NodeKind::Object(m) => m,
            NodeKind::Null => return ns,
            _ => {
                ns.errors.push(DecodeError {
                    key_span,
                    span: node.span,
                    field: "",
                    expected: "an object",
                });
                return ns;
            }
        };
        for m in members {
            fn spanned<T>(m: &crate::syntax::Member, value: T) -> Spanned<T> {
                crate::model::spanned(m.key_span, &m.value, value)
            }
            let error = |field, expected| DecodeError {
                key_span: m.key_span,
                span: m.value.span,
                field,
                expected,
            };
            let null = matches!(m.value.kind, NodeKind::Null);
            match m.key.to_ascii_lowercase().as_str() {
                "shared" => match (&m.value.kind, null) {
                    (NodeKind::Bool(b), _) => ns.shared = Some(spanned(m, *b)),
                    (_, true) => ns.shared = None,
                    _ => ns.errors.push(error("shared", "a boolean")),
                },
                field @ ("max_size" | "max_items") => {
                    let (slot, name) = if field == "max_size" {
                        (&mut ns.max_size, "max_size")
                    } else {
                        (&mut ns.max_items, "max_items")
                    };
                    match (&m.value.kind, null) {
                        (NodeKind::Number(n), _) => match go_uint64(&n.raw) {
                            Some(u) => *slot = Some(spanned(m, u)),
                            None => ns.errors.push(error(name, "a whole number ≥ 0")),
                        },
                        (_, true) => *slot = None,
                        _ => ns.errors.push(error(name, "a whole number ≥ 0")),
                    }
                }
                _ => {}
            }
        }
        ns
    }

    /// Whether CE falls back to its default cache (a value it cannot
    /// decode): private and unbounded, whatever the fields say.
    pub fn falls_back(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Whether CE bounds the store: both bounds set and not zero, and
    /// nothing CE fails to decode.
    pub fn bounded(&self) -> bool {
        !self.falls_back()
            && self.max_size.as_ref().is_some_and(|s| s.value > 0)
            && self.max_items.as_ref().is_some_and(|s| s.value > 0)
    }

    /// Whether the store is process-wide (`shared: true`, decoded).
    pub fn shared(&self) -> bool {
        !self.falls_back() && self.shared.as_ref().is_some_and(|s| s.value)
    }
}

impl<'a> crate::model::Config<'a> {
    /// The backends with a `qos/http-cache`, with their endpoint.
    pub fn http_caches(
        &self,
    ) -> impl Iterator<
        Item = (
            &crate::model::Endpoint<'a>,
            &crate::model::Backend<'a>,
            &HttpCacheNs<'a>,
        ),
    > {
        self.endpoints.iter().flat_map(|e| {
            e.backends
                .iter()
                .filter_map(move |b| Some((e, b, b.extra.http_cache.as_ref()?)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::go_uint64;

    #[test]
    fn numbers_decode_as_go_uint64() {
        let cases: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            ("1048576", Some(1_048_576)),
            ("1e3", Some(1000)),
            ("10.0", Some(10)),
            ("1.5", None),
            ("-1", None),
            ("-0", None),
            ("1e30", None),
        ];
        for (raw, want) in cases {
            assert_eq!(go_uint64(raw), *want, "{raw}");
        }
    }
}
