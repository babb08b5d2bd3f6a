//! Validation against gwc's own JSON Schema (the `gwc-schema` package),
//! shared by the GW8xx rules.
//!
//! How it runs:
//! - the schema is parsed and compiled once per process (`OnceLock`);
//! - each file is validated once: the first GW8xx rule to ask calls
//!   [`violations`], which converts the tree with [`Node::to_json`] (the last
//!   duplicate key wins, as in KrakenD), validates it, and caches the result
//!   in the [`Context`];
//! - each validator error becomes a [`Violation`] whose spans come from
//!   [`Node::pointer`] on the error's instance path, resolved only for the
//!   errors (never an eager pointer map). Errors that name an object
//!   (`additionalProperties`, `required`) are turned into the key that is
//!   wrong or the key that names the object.
//!
//! What the schema leaves to other rules. Methods (GW110), encodings
//! (GW301, GW302), durations (GW406, GW407), `version` (GW401), `port`
//! (GW413), `concurrent_calls` (GW409), flatmap operation types (GW309),
//! static strategies (GW310), the endpoint path (GW1xx) and the backend list
//! (GW402) are checked by their own rules, with better messages than a
//! schema can give. The schema file therefore expresses those properties
//! loosely — their JSON type only (a duration is a string or a number, a
//! port a number or a numeric string, as KrakenD reads them), with the
//! accepted values in `description`/`examples` — and does not require
//! `version` or `backend`. No filter table has to be kept in step with the
//! schema: what the schema says, the GW8xx rules report. The one exception
//! is the config v2 keys (`headers_to_pass`, `whitelist`, …) of endpoints and
//! backends: unknown to the schema, but GW410 names their v3 replacement, so
//! they are dropped here.
//!
//! The gwc namespaces (`gwc/loadbalancer`, …) are described in full, but
//! the values their GW5xx rules own (algorithm, weights, probe method and
//! statuses, retry classes, HTTP version, thresholds, durations) are typed
//! loosely, as above. Unknown keys inside them, and unknown `gwc/…`
//! namespaces, are GW501's (an error: gwc is their only reader), not
//! GW801's; see [`is_gwc_key`].
//!
//! Files of config version 1 or 2 never get here: `check_parsed` runs only
//! the version rule on them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::Context;
use crate::model::legacy::{self, Level};
use crate::syntax::{Member, Node, Span};

/// One finding of the schema check, with everything the rules need to word
/// and place it.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// What is wrong.
    pub kind: ViolationKind,
    /// JSON Pointer of the offending value (of the object, for keys).
    pub pointer: String,
    /// Canonical schema location of the offending value's subschema
    /// (`/$defs/backend/properties/sd`), or of the object for keys.
    pub schema_location: String,
    /// The span of the offending value (the object, for keys).
    pub span: Span,
}

/// The kinds of schema finding, one per GW8xx rule.
#[derive(Clone, Debug, PartialEq)]
pub enum ViolationKind {
    /// A key the schema does not know at this place (GW801).
    UnknownKey {
        /// The key as written.
        key: String,
        /// Where the key is.
        key_span: Span,
        /// What the key probably should be.
        suggestion: Option<Suggestion>,
    },
    /// A value of the wrong JSON type (GW802).
    WrongType {
        /// The accepted types, as the schema names them (`integer`, `array`).
        expected: Vec<String>,
    },
    /// A value outside a closed set (GW803).
    NotInEnum {
        /// The accepted values.
        options: Vec<Value>,
    },
    /// Required keys that are missing (GW804).
    Missing {
        /// The missing keys, in schema order.
        keys: Vec<String>,
        /// Keys of the object that look like misspellings of missing keys:
        /// (the key as written, its span, the missing key it resembles).
        misspelt: Vec<(String, Span, String)>,
    },
    /// Any other constraint: range, format, sizes (GW805).
    OutOfRange {
        /// The JSON Schema keyword (`maximum`, `pattern`).
        keyword: String,
        /// The keyword's value in the schema (`65535`, the pattern).
        limit: Value,
    },
}

/// What an unknown key probably should be.
#[derive(Clone, Debug, PartialEq)]
pub enum Suggestion {
    /// A known key close to it at the same place: a typo.
    Typo(String),
    /// The key exists, but at these other places (noun phrases).
    Elsewhere(Vec<&'static str>),
    /// A key close to it exists at these other places.
    TypoElsewhere(String, Vec<&'static str>),
}

/// The schema findings of the file, computed once per file.
pub fn violations<'c>(cx: &'c Context<'_>) -> &'c [Violation] {
    cx.schema.get_or_init(|| compute(cx.root))
}

/// The parsed schema document.
pub fn schema() -> Option<&'static Value> {
    static SCHEMA: OnceLock<Option<Value>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| serde_json::from_str(gwc_schema::SCHEMA_JSON).ok())
        .as_ref()
}

/// The compiled validator (draft 2020-12). `None` only if the embedded
/// schema were broken, which the schema tests rule out.
fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::draft202012::new(schema()?).ok())
        .as_ref()
}

/// Validates `root` and turns the errors into violations.
fn compute(root: &Node) -> Vec<Violation> {
    let Some(validator) = validator() else {
        return Vec::new();
    };
    let instance = root.to_json();
    let mut out = Vec::new();
    let mut missing: BTreeMap<String, (Span, String, Vec<String>)> = BTreeMap::new();
    for error in validator.iter_errors(&instance) {
        let pointer = error.instance_path().as_str().to_string();
        let schema_path = error.schema_path().as_str();
        let location = parent_location(schema_path).to_string();
        let Some((node, _)) = root.pointer(&pointer) else {
            continue;
        };
        let kind = match error.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    let Some(member) = node.member(key) else {
                        continue;
                    };
                    if is_v2_key(&pointer, &location, key) {
                        continue;
                    }
                    out.push(Violation {
                        kind: ViolationKind::UnknownKey {
                            key: key.clone(),
                            key_span: member.key_span,
                            suggestion: suggest(key, &location),
                        },
                        pointer: pointer.clone(),
                        schema_location: location.clone(),
                        span: node.span,
                    });
                }
                continue;
            }
            jsonschema::error::ValidationErrorKind::Required { property } => {
                if let Some(key) = property.as_str() {
                    let entry = missing.entry(pointer.clone()).or_insert((
                        node.span,
                        location.clone(),
                        Vec::new(),
                    ));
                    entry.2.push(key.to_string());
                }
                continue;
            }
            jsonschema::error::ValidationErrorKind::Type { kind } => ViolationKind::WrongType {
                expected: type_names(kind),
            },
            jsonschema::error::ValidationErrorKind::Enum { options } => ViolationKind::NotInEnum {
                options: options.as_array().cloned().unwrap_or_default(),
            },
            other => {
                let keyword = other.keyword().to_string();
                let limit = schema()
                    .and_then(|s| s.pointer(schema_path))
                    .cloned()
                    .unwrap_or(Value::Null);
                ViolationKind::OutOfRange { keyword, limit }
            }
        };
        // Errors at a value: the location is the value's own subschema.
        out.push(Violation {
            kind,
            pointer,
            schema_location: location,
            span: node.span,
        });
    }
    for (pointer, (span, location, keys)) in missing {
        // A misspelt required key is one mistake: report it once, as a
        // missing key whose help names the misspelling.
        let mut misspelt = Vec::new();
        out.retain(|v| match &v.kind {
            ViolationKind::UnknownKey {
                key,
                key_span,
                suggestion: Some(Suggestion::Typo(meant)),
            } if v.pointer == pointer && keys.contains(meant) => {
                misspelt.push((key.clone(), *key_span, meant.clone()));
                false
            }
            _ => true,
        });
        out.push(Violation {
            kind: ViolationKind::Missing { keys, misspelt },
            pointer,
            schema_location: location,
            span,
        });
    }
    out
}

/// Whether an unknown-key violation belongs to gwc's own configuration: a
/// key inside a `gwc/…` namespace object (any `/$defs/gwc_…` schema) or a
/// namespace whose name starts with `gwc/` (GW501 reports those).
pub fn is_gwc_key(v: &Violation) -> bool {
    let ViolationKind::UnknownKey { key, .. } = &v.kind else {
        return false;
    };
    v.schema_location.starts_with("/$defs/gwc_")
        || (is_namespace_map(&v.schema_location) && key.starts_with("gwc/"))
}

/// `/$defs/backend/properties/sd` from `/$defs/backend/properties/sd/enum`.
fn parent_location(schema_path: &str) -> &str {
    schema_path
        .rsplit_once('/')
        .map_or("", |(parent, _)| parent)
}

fn type_names(kind: &jsonschema::error::TypeKind) -> Vec<String> {
    match kind {
        jsonschema::error::TypeKind::Single(t) => vec![t.to_string()],
        jsonschema::error::TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
    }
}

/// Whether `key` is a config v2 key of an endpoint or of one of its
/// backends, which GW410 reports.
fn is_v2_key(pointer: &str, location: &str, key: &str) -> bool {
    let level = match location {
        "/$defs/endpoint" => Level::Endpoint,
        "/$defs/backend" => Level::Backend,
        _ => return false,
    };
    pointer.starts_with("/endpoints/") && legacy::renamed_key(level, key).is_some()
}

/// The places keys and namespaces live, for "it belongs there" hints:
/// (schema location, noun phrase).
const PLACES: &[(&str, &str)] = &[
    ("", "the root"),
    ("/$defs/endpoint", "an endpoint"),
    ("/$defs/backend", "a backend"),
    ("/$defs/service_extra_config", "the root `extra_config`"),
    (
        "/$defs/endpoint_extra_config",
        "an endpoint's `extra_config`",
    ),
    ("/$defs/backend_extra_config", "a backend's `extra_config`"),
];

/// What an unknown `key` at `location` probably should be.
fn suggest(key: &str, location: &str) -> Option<Suggestion> {
    let here = property_names(location);
    let elsewhere: Vec<&'static str> = PLACES
        .iter()
        .filter(|(loc, _)| *loc != location && has_property(loc, key))
        .map(|(_, noun)| *noun)
        .collect();
    if !elsewhere.is_empty() {
        return Some(Suggestion::Elsewhere(elsewhere));
    }
    // Local names first, so a tie prefers the key that fits here.
    let mut candidates: Vec<&str> = here.clone();
    for (loc, _) in PLACES.iter().filter(|(loc, _)| *loc != location) {
        candidates.extend(property_names(loc));
    }
    let best = super::suggest::did_you_mean(key, candidates.iter().copied())?;
    if here.contains(&best) {
        return Some(Suggestion::Typo(best.to_string()));
    }
    let places = PLACES
        .iter()
        .filter(|(loc, _)| *loc != location && property_names(loc).contains(&best))
        .map(|(_, noun)| *noun)
        .collect();
    Some(Suggestion::TypoElsewhere(best.to_string(), places))
}

/// The subschema at `location` (a JSON Pointer into the schema).
pub fn subschema(location: &str) -> Option<&'static Value> {
    schema()?.pointer(location)
}

/// The current (not deprecated) property names of the object schema at
/// `location`: the candidates for "did you mean".
pub fn property_names(location: &str) -> Vec<&'static str> {
    let Some(props) = subschema(location)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|(_, p)| p.get("deprecated").and_then(Value::as_bool) != Some(true))
        .map(|(k, _)| k.as_str())
        .collect()
}

fn has_property(location: &str, key: &str) -> bool {
    subschema(location)
        .and_then(|s| s.get("properties"))
        .and_then(|p| p.get(key))
        .is_some()
}

/// The `description` of the subschema at `location`.
pub fn description(location: &str) -> Option<&'static str> {
    subschema(location)?.get("description")?.as_str()
}

/// The first sentence of a description, lower-cased at the start and
/// without its period, for use inside a help line.
pub fn first_sentence(text: &str) -> String {
    // A sentence ends at ". " before a capital letter or a backtick, except
    // after "e.g" and "i.e".
    let end = text
        .match_indices(". ")
        .find(|(i, _)| {
            let before = &text[..*i];
            !before.ends_with("e.g")
                && !before.ends_with("i.e")
                && text[i + 2..].starts_with(|c: char| c.is_ascii_uppercase() || c == '`')
        })
        .map_or(text.len(), |(i, _)| i + 1);
    let sentence = &text[..end];
    // A first word with capitals inside is a name (`KrakenD`, `API-key`,
    // `OpenTelemetry`, `Cross-Origin`): its case stays.
    let first_word = sentence.split_whitespace().next().unwrap_or_default();
    if first_word.chars().skip(1).any(char::is_uppercase) {
        return sentence.trim().trim_end_matches('.').to_string();
    }
    crate::syntax::style_message(sentence)
}

/// Whether the object at `location` holds `extra_config` namespaces.
pub fn is_namespace_map(location: &str) -> bool {
    location.ends_with("_extra_config")
}

/// Where an object sits, for messages: `in a backend`, `in \`router\``.
pub fn place(location: &str, pointer: &str) -> String {
    if let Some((_, noun)) = PLACES.iter().find(|(loc, _)| *loc == location) {
        return if location.is_empty() {
            "at the root".to_string()
        } else {
            format!("in {noun}")
        };
    }
    match location {
        "/$defs/async_agent" => return "in an async agent".to_string(),
        "/$defs/async_agent_extra_config" => {
            return "in an async agent's `extra_config`".to_string();
        }
        _ => {}
    }
    format!("in {}", value_name(pointer))
}

/// How to name the value at `pointer` in a message: `` `port` ``,
/// ``item 0 of `host` ``, `the configuration`.
pub fn value_name(pointer: &str) -> String {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
    match tokens.as_slice() {
        [] => "the configuration".to_string(),
        [.., parent, last] if last.parse::<usize>().is_ok() && parent.parse::<usize>().is_err() => {
            format!("item {last} of `{parent}`")
        }
        [.., last] => format!("`{last}`"),
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The endpoint a pointer is inside, with the span of its path, for
/// "in endpoint `/x`" labels.
pub fn enclosing_endpoint<'c>(cx: &'c Context<'_>, pointer: &str) -> Option<(&'c str, Span)> {
    let rest = pointer.strip_prefix("/endpoints/")?;
    let index: usize = rest.split('/').next()?.parse().ok()?;
    let path = cx
        .config
        .endpoints
        .iter()
        .find(|e| e.index == index)?
        .path
        .as_ref()?;
    Some((path.value.as_str(), path.span))
}

/// The member whose value is the node at `pointer` (none for array items
/// and the root).
pub fn member_at<'n>(root: &'n Node, pointer: &str) -> Option<&'n Member> {
    root.pointer(pointer)?.1
}

/// The span of a key's text without its quotes, when the key is written
/// verbatim (what a rename edit replaces).
pub fn key_inner_span(text: &str, key: &str, key_span: Span) -> Option<Span> {
    let raw = text.get(key_span.start..key_span.end)?;
    if raw == key {
        return Some(key_span);
    }
    let quoted = raw.len() >= 2
        && (raw.starts_with('"') && raw.ends_with('"')
            || raw.starts_with('\'') && raw.ends_with('\''));
    (quoted && &raw[1..raw.len() - 1] == key)
        .then(|| Span::new(key_span.start + 1, key_span.end - 1))
}

/// `an integer`, `a string`, `null`: a type name with its article.
pub fn with_article(type_name: &str) -> String {
    match type_name {
        "null" => "null".to_string(),
        "integer" | "array" | "object" => format!("an {type_name}"),
        other => format!("a {other}"),
    }
}

/// `a`, `a or b`, `a, b or c`.
pub fn join_or(items: &[String]) -> String {
    join(items, "or")
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_and(items: &[String]) -> String {
    join(items, "and")
}

fn join(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_names() {
        let cases = [
            ("", "the configuration"),
            ("/port", "`port`"),
            ("/host/0", "item 0 of `host`"),
            (
                "/endpoints/0/backend/1/extra_config/qos~1circuit-breaker",
                "`qos/circuit-breaker`",
            ),
        ];
        for (pointer, want) in cases {
            assert_eq!(value_name(pointer), want, "{pointer}");
        }
    }

    #[test]
    fn suggestions() {
        let cases = [
            (
                "backends",
                "/$defs/endpoint",
                Some(Suggestion::Typo("backend".into())),
            ),
            (
                "timout",
                "/$defs/endpoint",
                Some(Suggestion::Typo("timeout".into())),
            ),
            (
                "hots",
                "/$defs/backend",
                Some(Suggestion::Typo("host".into())),
            ),
            (
                "timeout",
                "/$defs/backend",
                Some(Suggestion::Elsewhere(vec!["the root", "an endpoint"])),
            ),
            (
                "qos/ratelimit/routr",
                "/$defs/endpoint_extra_config",
                Some(Suggestion::Typo("qos/ratelimit/router".into())),
            ),
            (
                "qos/circuit-breaker",
                "/$defs/endpoint_extra_config",
                Some(Suggestion::Elsewhere(vec!["a backend's `extra_config`"])),
            ),
            ("zzzzzzzz", "/$defs/backend", None),
        ];
        for (key, location, want) in cases {
            assert_eq!(suggest(key, location), want, "{key} at {location}");
        }
    }

    #[test]
    fn key_spans() {
        let text = r#"{"hots": 1}"#;
        assert_eq!(
            key_inner_span(text, "hots", Span::new(1, 7)),
            Some(Span::new(2, 6))
        );
        assert_eq!(
            key_inner_span("hots: 1", "hots", Span::new(0, 4)),
            Some(Span::new(0, 4))
        );
        assert_eq!(
            key_inner_span(r#"{"ho\u0074s": 1}"#, "hots", Span::new(1, 13)),
            None
        );
    }

    #[test]
    fn first_sentences() {
        let cases = [
            (
                "The path sent to the backend, e.g. `/users/{id}`. Filled from the endpoint.",
                "the path sent to the backend, e.g. `/users/{id}`",
            ),
            (
                "The path, e.g. `/users/{id}`. `{name}` placeholders are filled.",
                "the path, e.g. `/users/{id}`",
            ),
            ("One sentence.", "one sentence"),
            (
                "KrakenD Enterprise only. API-key authentication.",
                "KrakenD Enterprise only",
            ),
            (
                "API-key authentication: the keys and roles. More.",
                "API-key authentication: the keys and roles",
            ),
            (
                "Cross-Origin Resource Sharing settings.",
                "Cross-Origin Resource Sharing settings",
            ),
            (
                "Defaults to 8080; 0 picks a free port. More.",
                "defaults to 8080; 0 picks a free port",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(first_sentence(text), want, "{text}");
        }
    }

    #[test]
    fn joins() {
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_or(&items(&["a"])), "a");
        assert_eq!(join_or(&items(&["a", "b"])), "a or b");
        assert_eq!(join_and(&items(&["a", "b", "c"])), "a, b and c");
    }
}
