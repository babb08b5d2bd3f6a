//! `validation/json-schema` (krakend-components §11): the request body
//! checked against the endpoint's schema before any backend is called,
//! as `krakend-jsonschema` v2.2.1 does in KrakenD CE's proxy stack (stage
//! u. of §1.1: after the endpoint CEL checks, before shadow backends,
//! `proxy.static` and the merge).
//!
//! Per request, as CE:
//! - no body or an empty one: 400 `could not validate an empty body`,
//!   whatever the method;
//! - a body that is not JSON: 400 (CE's text is Go's `encoding/json`
//!   error, gwc's is serde_json's);
//! - a body the schema rejects: 400, one `- <field>: <description>` line
//!   per error, the field in gojsonschema's form (`(root)`, `user.name`,
//!   `items.0`) and the description in gojsonschema's English wording for
//!   the common keywords (type, required, additionalProperties, enum,
//!   const, lengths, bounds, items counts, pattern, format, multipleOf);
//!   other keywords keep the `jsonschema` crate's message.
//!
//! The text is the response body only with `router.return_error_msg`
//! (the handler's error rendering), with `X-KrakenD-Completed: false`.
//!
//! Deliberate differences (README, "Where the gateway differs"): the body
//! is read up to [`MAX_BODY_BYTES`] (CE reads it all): a larger one is a
//! 400 without being parsed; the order of several errors and the wording
//! of the rarer ones follow the `jsonschema` crate.
//!
//! The schema is compiled once when the gateway starts (the compiler
//! compiled it too, so it cannot fail here but for a bug), with draft 7
//! unless `$schema` names another draft and `format` asserted, as
//! gojsonschema does; remote `$ref`s are never fetched (GW762).

use bytes::Bytes;

use crate::error::{Error, ErrorKind};

/// The schema of an endpoint, as the compiler wrote it.
#[derive(Debug)]
pub struct JsonSchema {
    /// The schema as compact JSON text.
    pub schema: &'static str,
}

/// The largest body validated: a client cannot make the gateway parse
/// more than this per request (CE has no bound).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// CE's answer to a missing or empty body (`krakend-jsonschema`'s
/// `ErrEmptyBody`).
pub const ERR_EMPTY_BODY: &str = "could not validate an empty body";

/// A compiled schema, ready.
pub struct Validator {
    #[cfg(feature = "json-schema")]
    compiled: jsonschema::Validator,
    /// The schema as written: a `type` list is named in its written order.
    #[cfg(feature = "json-schema")]
    schema: serde_json::Value,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Validator")
    }
}

impl Validator {
    /// Compiles the schema (at start-up).
    #[cfg(feature = "json-schema")]
    pub fn new(spec: &JsonSchema) -> Result<Validator, String> {
        let schema: serde_json::Value =
            serde_json::from_str(spec.schema).map_err(|e| format!("JSON Schema: {e}"))?;
        let compiled = jsonschema::options()
            .with_draft(draft(&schema))
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| format!("JSON Schema: {e}"))?;
        Ok(Validator { compiled, schema })
    }

    /// Without the `json-schema` feature, a gateway cannot validate: it
    /// refuses to start rather than let every body through.
    #[cfg(not(feature = "json-schema"))]
    pub fn new(_spec: &JsonSchema) -> Result<Validator, String> {
        Err("validation/json-schema needs gw-runtime's `json-schema` feature".to_string())
    }

    /// The stage: `Ok` when the body matches; otherwise the 400 to answer
    /// (its text CE's message).
    #[cfg(feature = "json-schema")]
    pub fn check(&self, body: &Bytes) -> Result<(), Error> {
        if body.is_empty() {
            return Err(bad(ERR_EMPTY_BODY.to_string()));
        }
        let instance: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
        let mut lines = Vec::new();
        for e in self.compiled.iter_errors(&instance) {
            let field = field(&e);
            for d in descriptions(&e, &self.schema) {
                lines.push(format!("- {field}: {d}"));
            }
        }
        if lines.is_empty() {
            Ok(())
        } else {
            Err(bad(lines.join("\n")))
        }
    }

    /// Not reached: [`Validator::new`] fails without the feature.
    #[cfg(not(feature = "json-schema"))]
    pub fn check(&self, _body: &Bytes) -> Result<(), Error> {
        Err(Error::new(
            ErrorKind::Internal,
            "validation/json-schema is not compiled in",
        ))
    }
}

fn bad(text: String) -> Error {
    Error::new(ErrorKind::BadRequest, text)
}

/// The message for a body over [`MAX_BODY_BYTES`].
pub fn too_large() -> Error {
    bad(format!(
        "the body is larger than {MAX_BODY_BYTES} bytes: not validated"
    ))
}

/// The draft, as the compiler chooses it (`gwc`'s
/// `model::validation::json_schema::draft`): the one `$schema` names when
/// gojsonschema knows it (draft 4 or 6), else draft 7, the nearest to its
/// hybrid mode. A `$schema` naming 2019-09 or 2020-12 is no exception:
/// gojsonschema does not know those drafts and ignores their keywords.
#[cfg(feature = "json-schema")]
fn draft(schema: &serde_json::Value) -> jsonschema::Draft {
    use jsonschema::Draft;
    let named = schema
        .get("$schema")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    if named.contains("draft-04") {
        Draft::Draft4
    } else if named.contains("draft-06") {
        Draft::Draft6
    } else {
        Draft::Draft7
    }
}

/// gojsonschema's field: `(root)`, else the instance path's segments
/// joined with dots.
#[cfg(feature = "json-schema")]
fn field(e: &jsonschema::ValidationError<'_>) -> String {
    let path: Vec<String> = e.instance_path().iter().map(|s| s.to_string()).collect();
    if path.is_empty() {
        "(root)".to_string()
    } else {
        path.join(".")
    }
}

/// gojsonschema's descriptions for one of the crate's errors (its
/// `locales.go` English texts; the crate's message for the keywords not
/// listed): one each, but one per property for `additionalProperties` and
/// one per repeated item for `uniqueItems`, as gojsonschema reports them.
#[cfg(feature = "json-schema")]
fn descriptions(e: &jsonschema::ValidationError<'_>, schema: &serde_json::Value) -> Vec<String> {
    use jsonschema::error::{TypeKind, ValidationErrorKind as K};
    use serde_json::Value;
    let field = field(e);
    let instance = e.instance();
    let one = match e.kind() {
        K::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                // gojsonschema: `[string,null]`, in the schema's order.
                TypeKind::Multiple(set) => {
                    let written = schema
                        .pointer(e.schema_path().as_str())
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        });
                    let names: Vec<String> =
                        written.unwrap_or_else(|| set.iter().map(|t| t.to_string()).collect());
                    format!("[{}]", names.join(","))
                }
            };
            format!(
                "Invalid type. Expected: {expected}, given: {}",
                go_type(instance)
            )
        }
        // The array form of `dependencies` fails as a missing property.
        K::Required { property } if e.schema_path().as_str().ends_with("/dependencies") => {
            format!(
                "Has a dependency on {}",
                property.as_str().unwrap_or_default()
            )
        }
        K::Required { property } => {
            format!("{} is required", property.as_str().unwrap_or_default())
        }
        K::AdditionalProperties { unexpected } => {
            return unexpected
                .iter()
                .map(|p| format!("Additional property {p} is not allowed"))
                .collect();
        }
        K::UniqueItems => {
            return repeated_items(instance)
                .into_iter()
                .map(|(i, j)| format!("array items[{i},{j}] must be unique"))
                .collect();
        }
        K::Enum { options } => format!(
            "{field} must be one of the following: {}",
            match options.as_ref() {
                Value::Array(a) => a
                    .iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                v => v.to_string(),
            }
        ),
        K::Constant { expected_value } => format!("{field} does not match: {expected_value}"),
        K::MinLength { limit } => {
            format!("String length must be greater than or equal to {limit}")
        }
        K::MaxLength { limit } => format!("String length must be less than or equal to {limit}"),
        K::Minimum { limit } => format!("Must be greater than or equal to {limit}"),
        K::Maximum { limit } => format!("Must be less than or equal to {limit}"),
        K::ExclusiveMinimum { limit } => format!("Must be greater than {limit}"),
        K::ExclusiveMaximum { limit } => format!("Must be less than {limit}"),
        K::MultipleOf { multiple_of } => format!("Must be a multiple of {multiple_of}"),
        K::MinItems { limit } => format!("Array must have at least {limit} items"),
        K::MaxItems { limit } => format!("Array must have at most {limit} items"),
        K::AdditionalItems { .. } => "No additional items allowed on array".to_string(),
        K::Contains => "At least one of the items must match".to_string(),
        K::MinProperties { limit } => format!("Must have at least {limit} properties"),
        K::MaxProperties { limit } => format!("Must have at most {limit} properties"),
        K::PropertyNames { error } => format!(
            "Property name of \"{}\" does not match",
            error.instance().as_str().unwrap_or_default()
        ),
        K::Pattern { pattern } => format!("Does not match pattern '{pattern}'"),
        K::Format { format } => format!("Does not match format '{format}'"),
        K::AnyOf { .. } => "Must validate at least one schema (anyOf)".to_string(),
        K::OneOfNotValid { .. } | K::OneOfMultipleValid { .. } => {
            "Must validate one and only one schema (oneOf)".to_string()
        }
        K::Not { .. } => "Must not validate the schema (not)".to_string(),
        K::FalseSchema => "False always fails validation".to_string(),
        _ => e.to_string(),
    };
    vec![one]
}

/// The `(i, j)` pairs gojsonschema reports for `uniqueItems`: item `j`
/// equals an earlier item, `i` the latest such one. Items are compared as
/// gojsonschema compares them, re-encoded with every number a float
/// (`1` and `1.0` are equal) and object keys sorted.
#[cfg(feature = "json-schema")]
fn repeated_items(array: &serde_json::Value) -> Vec<(usize, usize)> {
    let mut seen = std::collections::HashMap::new();
    let mut pairs = Vec::new();
    for (j, item) in array.as_array().into_iter().flatten().enumerate() {
        let mut key = String::new();
        canonical(item, &mut key);
        if let Some(i) = seen.insert(key, j) {
            pairs.push((i, j));
        }
    }
    pairs
}

/// `v` as text in which equal JSON values (for gojsonschema) are equal.
#[cfg(feature = "json-schema")]
fn canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    use std::fmt::Write as _;
    match v {
        Value::Number(n) => {
            let _ = write!(out, "{}", n.as_f64().unwrap_or(f64::NAN));
        }
        Value::Array(a) => {
            out.push('[');
            for i in a {
                canonical(i, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (k, v) in entries {
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(v, out);
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// gojsonschema's name of a value's type: whole numbers are `integer`.
#[cfg(feature = "json-schema")]
fn go_type(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n)
            if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) =>
        {
            "integer"
        }
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(all(test, feature = "json-schema"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn validator(schema: &'static str) -> Validator {
        let spec = Box::leak(Box::new(JsonSchema { schema }));
        Validator::new(spec).unwrap()
    }

    fn answer(v: &Validator, body: &str) -> Option<(u16, String)> {
        v.check(&Bytes::copy_from_slice(body.as_bytes()))
            .err()
            .map(|e| (e.status().as_u16(), e.context.into_owned()))
    }

    #[test]
    fn ce_messages() {
        let number = validator(r#"{"type":"number"}"#);
        let user = validator(
            r#"{"type":"object","required":["name"],"additionalProperties":false,
                "properties":{"name":{"type":"string","minLength":2},
                              "age":{"type":"integer","minimum":0},
                              "role":{"enum":["admin","user"]},
                              "tags":{"type":"array","items":{"type":"string"}}}}"#,
        );
        let table: &[(&Validator, &str, Option<&str>)] = &[
            (&number, "42", None),
            (&number, "4.5", None),
            // CE's own example (krakend-components §11).
            (
                &number,
                r#"{"foo": 42}"#,
                Some("- (root): Invalid type. Expected: number, given: object"),
            ),
            (&number, "", Some("could not validate an empty body")),
            (
                &user,
                r#"{"name":"ann","age":3,"role":"user","tags":["a"]}"#,
                None,
            ),
            (&user, "{}", Some("- (root): name is required")),
            (
                &user,
                r#"{"name":"ann","x":1}"#,
                Some("- (root): Additional property x is not allowed"),
            ),
            (
                &user,
                r#"{"name":"a"}"#,
                Some("- name: String length must be greater than or equal to 2"),
            ),
            (
                &user,
                r#"{"name":"ann","age":-1}"#,
                Some("- age: Must be greater than or equal to 0"),
            ),
            (
                &user,
                r#"{"name":"ann","age":"3"}"#,
                Some("- age: Invalid type. Expected: integer, given: string"),
            ),
            (
                &user,
                r#"{"name":"ann","role":"root"}"#,
                Some(r#"- role: role must be one of the following: "admin", "user""#),
            ),
            (
                &user,
                r#"{"name":"ann","tags":["a",2]}"#,
                Some("- tags.1: Invalid type. Expected: string, given: integer"),
            ),
        ];
        for (v, body, want) in table {
            let got = answer(v, body);
            assert_eq!(
                got.as_ref().map(|(s, t)| (*s, t.as_str())),
                want.map(|w| (400, w)),
                "{body}"
            );
        }
        // One line per property, per repeated item.
        let more = validator(
            r#"{"type":"object","additionalProperties":false,
                "properties":{"ids":{"type":"array","uniqueItems":true},
                              "n":{"type":["integer","null"],"multipleOf":5},
                              "one":{"oneOf":[{"type":"string"},{"type":"integer"}]},
                              "not":{"not":{"type":"string"}},
                              "has":{"type":"array","contains":{"const":1}},
                              "pair":{"type":"array","items":[{"type":"string"}],"additionalItems":false},
                              "names":{"type":"object","propertyNames":{"maxLength":2}},
                              "a":{},"b":{}},
                "dependencies":{"a":["b"]}}"#,
        );
        let lines = |body: &str| {
            let mut l: Vec<String> = answer(&more, body)
                .map(|(_, t)| t.lines().map(str::to_string).collect())
                .unwrap_or_default();
            l.sort();
            l
        };
        let table: &[(&str, &[&str])] = &[
            (
                r#"{"x":1,"y":2}"#,
                &[
                    "- (root): Additional property x is not allowed",
                    "- (root): Additional property y is not allowed",
                ],
            ),
            (
                r#"{"ids":[1,2,1.0,{"a":1,"b":2},{"b":2,"a":1},1]}"#,
                &[
                    "- ids: array items[0,2] must be unique",
                    "- ids: array items[2,5] must be unique",
                    "- ids: array items[3,4] must be unique",
                ],
            ),
            (
                r#"{"n":"5"}"#,
                &["- n: Invalid type. Expected: [integer,null], given: string"],
            ),
            (r#"{"n":7}"#, &["- n: Must be a multiple of 5"]),
            (
                r#"{"one":true}"#,
                &["- one: Must validate one and only one schema (oneOf)"],
            ),
            (
                r#"{"not":"s"}"#,
                &["- not: Must not validate the schema (not)"],
            ),
            (
                r#"{"has":[2]}"#,
                &["- has: At least one of the items must match"],
            ),
            (
                r#"{"pair":["a","b"]}"#,
                &["- pair: No additional items allowed on array"],
            ),
            (
                r#"{"names":{"abc":1}}"#,
                &["- names: Property name of \"abc\" does not match"],
            ),
            (r#"{"a":1}"#, &["- (root): Has a dependency on b"]),
            (r#"{"a":1,"b":2,"ids":[1,2],"n":null,"one":3}"#, &[]),
        ];
        for (body, want) in table {
            assert_eq!(lines(body), *want, "{body}");
        }
        // Not JSON: a 400 with the parser's message.
        assert_eq!(answer(&number, "a=1").map(|(s, _)| s), Some(400));
        // Two errors: one line each.
        let two = answer(&user, r#"{"age":-1}"#)
            .map(|(_, t)| t)
            .unwrap_or_default();
        assert_eq!(two.lines().count(), 2, "{two}");
    }

    #[test]
    fn draft_7_unless_draft_4_or_6() {
        // 2020-12's `prefixItems` is no keyword in draft 7: ignored, as
        // gojsonschema ignores it, even under a `$schema` naming 2020-12
        // (a draft gojsonschema does not know).
        let v = validator(r#"{"prefixItems":[{"type":"string"}]}"#);
        assert_eq!(answer(&v, "[1]"), None);
        let v = validator(
            r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}]}"#,
        );
        assert_eq!(answer(&v, "[1]"), None);
        // A `$ref` is a JSON pointer: one into `$defs` resolves.
        let v = validator(r##"{"$defs":{"n":{"type":"number"}},"$ref":"#/$defs/n"}"##);
        assert_eq!(answer(&v, "1"), None);
        assert!(answer(&v, r#""a""#).is_some());
        // Draft 4's boolean `exclusiveMinimum`.
        let v = validator(
            r#"{"$schema":"http://json-schema.org/draft-04/schema#","minimum":1,"exclusiveMinimum":true}"#,
        );
        assert_eq!(
            answer(&v, "1"),
            Some((400, "- (root): Must be greater than 1".to_string()))
        );
        // Formats are asserted.
        let v = validator(r#"{"type":"string","format":"email"}"#);
        assert_eq!(
            answer(&v, r#""nope""#),
            Some((400, "- (root): Does not match format 'email'".to_string()))
        );
    }
}
