//! Documentation, keys and values of any place in a config, read from gwc's
//! JSON Schema (`gwc-schema`): what editors show on hover and offer as
//! completions.
//!
//! A place is the path of keys and indices from the root
//! ([`PathStep`]s: `endpoints.0.backend.1.encoding`). The schema is walked
//! along it: a key step follows `properties`, then `patternProperties`, then
//! `additionalProperties`; an index step follows `items`; a local `$ref` is
//! resolved before each step. A property's own `description` wins over the
//! one of the definition it refers to, so `timeout` is documented as the
//! timeout, not as "a Go duration".
//!
//! The schema uses no `allOf`/`anyOf`/`oneOf`, and its only
//! `patternProperties` pattern is a first-character class (`^[@$_#]`),
//! which [`pattern_matches`] reads without a regex engine.

use serde_json::Value;

use crate::check::schema::schema;
use crate::syntax::PathStep;

/// A key that may appear in an object, with its documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyDoc {
    /// The key.
    pub name: &'static str,
    /// The schema's description of it (empty when it has none).
    pub description: &'static str,
    /// The JSON type(s) of its value (`string`, `array`, `string | number`).
    pub type_name: Option<String>,
    /// Whether the schema marks it deprecated.
    pub deprecated: bool,
}

/// The values the schema names for a place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Values {
    /// The values (`enum`, `const`, booleans, or the `examples`).
    pub values: Vec<Value>,
    /// True when the list is exhaustive (`enum`, `const`, a boolean); false
    /// when the values are only the schema's examples (gwc's own rules, not
    /// the schema, check those places: methods, encodings).
    pub closed: bool,
}

/// Resolves a local `$ref` (`#/$defs/backend`), at most a few levels deep.
fn resolve(mut node: &'static Value) -> &'static Value {
    for _ in 0..8 {
        let Some(target) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| schema()?.pointer(pointer))
        else {
            break;
        };
        node = target;
    }
    node
}

/// Whether a `patternProperties` pattern of this schema matches `key`.
///
/// Handles the shapes the schema uses (`^[chars]`, and `^literal`); an
/// unknown shape matches nothing, so no key is wrongly documented.
pub fn pattern_matches(pattern: &str, key: &str) -> bool {
    let Some(rest) = pattern.strip_prefix('^') else {
        return false;
    };
    if let Some(class) = rest.strip_prefix('[').and_then(|c| c.strip_suffix(']')) {
        return key.chars().next().is_some_and(|c| class.contains(c));
    }
    let special = |c: char| "[]().*+?{}|\\$".contains(c);
    !rest.chars().any(special) && key.starts_with(rest)
}

/// One step down the schema from `node` (already resolved).
fn step(node: &'static Value, step: &PathStep) -> Option<&'static Value> {
    match step {
        PathStep::Key(key) => {
            if let Some(p) = node.get("properties").and_then(|p| p.get(key.as_str())) {
                return Some(p);
            }
            if let Some(pp) = node.get("patternProperties").and_then(Value::as_object)
                && let Some((_, p)) = pp.iter().find(|(pat, _)| pattern_matches(pat, key))
            {
                return Some(p);
            }
            node.get("additionalProperties").filter(|a| a.is_object())
        }
        PathStep::Index(_) => node.get("items").filter(|i| i.is_object()),
    }
}

/// The subschema of the place `path`, unresolved (its own `description`
/// and `$ref` intact); the root schema for the empty path.
pub fn schema_at(path: &[PathStep]) -> Option<&'static Value> {
    let mut node = schema()?;
    for s in path {
        node = step(resolve(node), s)?;
    }
    Some(node)
}

/// The documentation of the place `path`: its own `description`, else the
/// one of the definition it refers to.
pub fn docs_for(path: &[PathStep]) -> Option<&'static str> {
    let node = schema_at(path)?;
    node.get("description")
        .or_else(|| resolve(node).get("description"))
        .and_then(Value::as_str)
}

/// The JSON type(s) of the place, as the schema writes them.
pub fn type_at(path: &[PathStep]) -> Option<String> {
    type_name(schema_at(path)?)
}

fn type_name(node: &'static Value) -> Option<String> {
    let resolved = resolve(node);
    match resolved.get("type")? {
        Value::String(t) => Some(t.clone()),
        Value::Array(ts) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        _ => None,
    }
}

/// The keys the object at `path` may have, in schema order (deprecated keys
/// last). Empty when the place is not an object the schema describes.
pub fn keys_at(path: &[PathStep]) -> Vec<KeyDoc> {
    let Some(node) = schema_at(path).map(resolve) else {
        return Vec::new();
    };
    let Some(props) = node.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut keys: Vec<KeyDoc> = props
        .iter()
        .map(|(name, p)| KeyDoc {
            name: name.as_str(),
            description: p
                .get("description")
                .or_else(|| resolve(p).get("description"))
                .and_then(Value::as_str)
                .unwrap_or_default(),
            type_name: type_name(p),
            deprecated: p.get("deprecated").and_then(Value::as_bool) == Some(true),
        })
        .collect();
    keys.sort_by_key(|k| k.deprecated);
    keys
}

/// The values the schema names for the place `path`.
pub fn values_at(path: &[PathStep]) -> Values {
    let Some(node) = schema_at(path) else {
        return Values::default();
    };
    let resolved = resolve(node);
    for n in [node, resolved] {
        if let Some(e) = n.get("enum").and_then(Value::as_array) {
            return Values {
                values: e.clone(),
                closed: true,
            };
        }
        if let Some(c) = n.get("const") {
            return Values {
                values: vec![c.clone()],
                closed: true,
            };
        }
    }
    if type_name(node).as_deref() == Some("boolean") {
        return Values {
            values: vec![Value::Bool(true), Value::Bool(false)],
            closed: true,
        };
    }
    // Examples are offered only when they are scalars: an example array or
    // object is documentation, not a value to insert.
    let examples = node
        .get("examples")
        .or_else(|| resolved.get("examples"))
        .and_then(Value::as_array)
        .map(|ex| {
            ex.iter()
                .filter(|v| v.is_string() || v.is_number())
                .cloned()
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Values {
        values: examples,
        closed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> Vec<PathStep> {
        s.split('.')
            .filter(|p| !p.is_empty())
            .map(|p| match p.parse::<usize>() {
                Ok(i) => PathStep::Index(i),
                Err(_) => PathStep::key(p.replace('~', ".")),
            })
            .collect()
    }

    #[test]
    fn docs_along_paths() {
        // (path, the start of its documentation)
        let cases = [
            ("version", Some("The configuration syntax version")),
            ("endpoints", Some("The public routes")),
            ("endpoints.3", Some("One public route")),
            ("endpoints.0.endpoint", Some("The public path")),
            // The property's own description wins over the `$ref`'s.
            (
                "endpoints.0.timeout",
                Some("Maximum time for the whole request"),
            ),
            (
                "endpoints.0.backend.1.encoding",
                Some("How the backend response is decoded"),
            ),
            ("endpoints.0.backend.0.sd", Some("How `host` is resolved")),
            (
                "endpoints.0.backend.0.extra_config.gwc/loadbalancer",
                Some("gwc extension"),
            ),
            (
                "endpoints.0.backend.0.extra_config.backend/http",
                Some("How errors of this backend"),
            ),
            ("extra_config.security/cors", Some("")),
            ("@comment", Some("Comments and annotations")),
            ("endpoints.0.@note", Some("Comments and annotations")),
            ("endpoints.0.nonsense", None),
            ("nonsense.deeper", None),
            ("version.0", None),
        ];
        for (p, want) in cases {
            let got = docs_for(&path(p));
            match want {
                Some(prefix) => assert!(got.is_some_and(|d| d.starts_with(prefix)), "{p}: {got:?}"),
                None => assert_eq!(got, None, "{p}"),
            }
        }
    }

    #[test]
    fn keys_of_objects() {
        let names = |p: &str| -> Vec<&str> { keys_at(&path(p)).iter().map(|k| k.name).collect() };
        let root = names("");
        assert!(
            root.contains(&"endpoints") && root.contains(&"version"),
            "{root:?}"
        );
        let ep = names("endpoints.0");
        assert!(
            ep.contains(&"backend") && ep.contains(&"output_encoding"),
            "{ep:?}"
        );
        assert!(!ep.contains(&"url_pattern"), "{ep:?}");
        let be = names("endpoints.0.backend.0");
        assert!(
            be.contains(&"url_pattern") && be.contains(&"encoding"),
            "{be:?}"
        );
        let ns = names("endpoints.0.backend.0.extra_config");
        for gwc in [
            "gwc/loadbalancer",
            "gwc/healthcheck",
            "gwc/failover",
            "gwc/http-client",
        ] {
            assert!(ns.contains(&gwc), "{gwc} in {ns:?}");
        }
        assert!(names("version").is_empty());
        assert!(names("endpoints.0.backend.0.host").is_empty());
        let timeout = keys_at(&path("endpoints.0"))
            .into_iter()
            .find(|k| k.name == "timeout")
            .expect("timeout");
        assert_eq!(timeout.type_name.as_deref(), Some("string | number"));
        assert!(timeout.description.starts_with("Maximum time"));
    }

    #[test]
    fn http_cache_fields_are_documented() {
        for ns in ["qos/http-cache", "github~com/devopsfaith/krakend-httpcache"] {
            let at = format!("endpoints.0.backend.0.extra_config.{ns}");
            let names: Vec<&str> = keys_at(&path(&at)).iter().map(|k| k.name).collect();
            assert_eq!(names, ["shared", "max_size", "max_items"], "{ns}");
            assert!(
                docs_for(&path(&format!("{at}.max_size")))
                    .is_some_and(|d| d.starts_with("The store's size in bytes"))
            );
        }
    }

    #[test]
    fn martian_modifiers_are_documented() {
        let m = "endpoints.0.backend.0.extra_config.modifier/martian";
        let names = |p: &str| -> Vec<&str> { keys_at(&path(p)).iter().map(|k| k.name).collect() };
        let top = names(m);
        assert_eq!(top.len(), 26, "{top:?}");
        assert!(top.contains(&"static.Modifier"), "{top:?}");
        // Nested places: a group's entries, a filter's branches, a
        // priority entry's modifier.
        for nested in [
            "fifo~Group.modifiers.0",
            "url~Filter.modifier",
            "cookie~Filter.else.header~Filter.modifier",
            "priority~Group.modifiers.1.modifier",
        ] {
            assert!(
                names(&format!("{m}.{nested}")).contains(&"body.Modifier"),
                "{nested}"
            );
        }
        assert_eq!(
            names(&format!("{m}.header~Modifier")),
            ["scope", "name", "value"]
        );
        assert!(
            docs_for(&path(&format!("{m}.header~Modifier.name")))
                .is_some_and(|d| d.starts_with("The header's name"))
        );
        let scope = values_at(&path(&format!("{m}.url~Modifier.scope.0")));
        assert_eq!(
            scope.values,
            [serde_json::json!("request"), serde_json::json!("response")]
        );
    }

    #[test]
    fn cel_definitions_are_documented() {
        for at in [
            "endpoints.0.extra_config",
            "endpoints.0.backend.0.extra_config",
        ] {
            let names: Vec<&str> = keys_at(&path(&format!("{at}.validation/cel.0")))
                .iter()
                .map(|k| k.name)
                .collect();
            assert_eq!(names, ["check_expr", "mod_expr"], "{at}");
            assert!(
                docs_for(&path(&format!("{at}.validation/cel.0.check_expr")))
                    .is_some_and(|d| d.starts_with("The CEL expression"))
            );
        }
    }

    #[test]
    fn values_of_places() {
        let strings = |p: &str| -> (Vec<String>, bool) {
            let v = values_at(&path(p));
            (
                v.values
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect(),
                v.closed,
            )
        };
        let (methods, closed) = strings("endpoints.0.method");
        assert_eq!(methods, ["GET", "POST", "PUT", "PATCH", "DELETE"]);
        assert!(!closed);
        let (enc, _) = strings("endpoints.0.output_encoding");
        assert!(enc.contains(&"json".to_string()) && enc.contains(&"negotiate".to_string()));
        let (enc, _) = strings("endpoints.0.backend.0.encoding");
        assert!(enc.contains(&"safejson".to_string()) && enc.contains(&"no-op".to_string()));
        assert_eq!(
            strings("endpoints.0.backend.0.sd"),
            (
                vec!["static".into(), "dns".into(), "dns-shared".into()],
                true
            )
        );
        assert_eq!(
            strings("debug_endpoint"),
            (vec!["true".into(), "false".into()], true)
        );
        // Example arrays are not values to insert.
        assert_eq!(strings("host"), (vec![], false));
        assert_eq!(strings("nonsense"), (vec![], false));
    }

    #[test]
    fn patterns() {
        let cases = [
            ("^[@$_#]", "@comment", true),
            ("^[@$_#]", "_x", true),
            ("^[@$_#]", "x_", false),
            ("^[@$_#]", "", false),
            ("^x-", "x-a", true),
            ("^x-", "y-a", false),
            ("^a.*b$", "ab", false),
            ("[@]", "@", false),
        ];
        for (pattern, key, want) in cases {
            assert_eq!(pattern_matches(pattern, key), want, "{pattern} {key}");
        }
    }
}
