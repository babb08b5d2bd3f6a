//! a value outside the range or format a setting accepts
//!
//! ## What it does
//! Reports values of the right type that break the setting's other limits:
//! a `router.health_path` without its leading `/`, a CORS
//! `options_success_status` outside 100–999, a `sequential_propagated_params`
//! entry that is not a `respN` or `respN_field` reference, and any other
//! range, length or format constraint of gwc's schema. (`port` and
//! `concurrent_calls` have their own rules: GW413, GW409.)
//!
//! ## Why is this bad?
//! KrakenD loads these values and then fails or ignores them: gin panics at
//! start on a health path without `/`, Go panics on every preflight request
//! answered with a status outside 100–999, a propagated parameter without
//! the `respN` form is never filled.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "router": { "health_path": "health" } } }
//! ```
//!
//! ## How to fix it
//! Write a value inside the limits (`"health_path": "/health"`).

use serde_json::Value;

use crate::check::Context;
use crate::check::schema::{self, ViolationKind};
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW805";

/// Reports each range or format violation.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for v in schema::violations(cx) {
        let ViolationKind::OutOfRange { keyword, limit } = &v.kind else { continue };
        let name = schema::value_name(&v.pointer);
        let (message, label) = match keyword.as_str() {
            "maximum" => (format!("{name} is out of range"), format!("must be at most {limit}")),
            "minimum" => (format!("{name} is out of range"), format!("must be at least {limit}")),
            "exclusiveMaximum" => (format!("{name} is out of range"), format!("must be less than {limit}")),
            "exclusiveMinimum" => (format!("{name} is out of range"), format!("must be more than {limit}")),
            "pattern" => (format!("{name} has the wrong format"), format!("does not match `{}`", limit.as_str().unwrap_or_default())),
            "minLength" => (format!("{name} is too short"), format!("must have at least {limit} characters")),
            "maxLength" => (format!("{name} is too long"), format!("must have at most {limit} characters")),
            "minItems" => (format!("{name} has too few items"), format!("must have at least {limit} items")),
            "maxItems" => (format!("{name} has too many items"), format!("must have at most {limit} items")),
            "uniqueItems" => (format!("{name} has duplicate items"), "each item must be different".to_string()),
            other => (format!("{name} breaks the schema's `{other}` constraint"), format!("`{other}`: {}", compact(limit))),
        };
        let d = cx.diag(CODE, v.span, message).with_label(label);
        let sub = schema::subschema(&v.schema_location);
        let bound = |k: &str| sub.and_then(|s| s.get(k)).filter(|b| b.is_number());
        let help = match (bound("minimum"), bound("maximum")) {
            (Some(min), Some(max)) if keyword.ends_with("imum") => format!("use a value from {min} to {max}"),
            _ => match schema::description(&v.schema_location) {
                Some(text) => format!("expected {}", schema::first_sentence(text)),
                None => "change the value to fit the limit".to_string(),
            },
        };
        out.push(d.with_help(help));
    }
}

/// A schema value in one short line.
fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 60 { format!("{}…", text.chars().take(60).collect::<String>()) } else { text }
}
