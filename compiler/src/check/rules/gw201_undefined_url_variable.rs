//! a `url_pattern` uses a `{variable}` its endpoint does not declare
//!
//! ## What it does
//! Reads every `{name}` of each backend `url_pattern` (query string
//! included) the way KrakenD does, and reports one that is not a variable of
//! the endpoint path. Sequential-proxy variables (`{resp0_field}`) and JWT
//! claims (`{JWT.sub}`) are not endpoint variables and are left to their own
//! rules, as are `{resp0}` without a field (GW205) and Enterprise-only
//! variables such as `{input_headers.X}` (GW206).
//!
//! ## Why is this bad?
//! KrakenD refuses to start: `undefined output param 'foo'! endpoint: GET
//! /user/:id, backend: 0`. In REST mode an endpoint variable counts only
//! when it follows a `/` and is made of letters, digits, `_` and `-`, so
//! `/file.{ext}` declares nothing and `{ext}` in the backend is undefined.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/user/{id}",
//!   "backend": [{ "url_pattern": "/users/{user_id}" }]
//! }
//! ```
//!
//! ## How to fix it
//! Use a variable the endpoint declares (`/users/{id}`), or declare the
//! variable in the endpoint path. Names are case-sensitive.

use std::collections::HashSet;

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::pattern::{self, OutputParam};
use crate::model::{Endpoint, Spanned};

/// The rule's code.
pub const CODE: &str = "GW201";

/// Reports each undefined variable once per backend.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let disable_rest = cx.config.disable_rest;
    for ep in &cx.config.endpoints {
        let Some(path) = &ep.path else { continue };
        let declared: Vec<&str> = dedup(pattern::declared_vars(&path.value, disable_rest).iter().map(|v| v.name));
        for b in &ep.backends {
            let Some(url) = &b.url_pattern else { continue };
            let mut seen = HashSet::new();
            for v in pattern::url_pattern_vars(&url.value) {
                if declared.contains(&v.name) || !seen.insert(v.name) {
                    continue;
                }
                if pattern::output_param(v.name) != OutputParam::Plain {
                    continue;
                }
                // A `{name}` written in the endpoint but not read as a variable
                // there (mid-segment in REST mode) is GW108's finding, at its
                // cause; reporting the consequence here too would say it twice.
                let rest_name = |n: &str| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !disable_rest
                    && rest_name(v.name)
                    && pattern::brace_groups(&path.value).iter().any(|g| g.name == v.name)
                {
                    continue;
                }
                out.push(undefined(cx, ep, path, url, b.index, &v, &declared));
            }
        }
    }
}

fn dedup<'s>(names: impl Iterator<Item = &'s str>) -> Vec<&'s str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

fn undefined(
    cx: &Context<'_>,
    ep: &Endpoint<'_>,
    path: &Spanned<String>,
    url: &Spanned<String>,
    backend: usize,
    v: &pattern::Var<'_>,
    declared: &[&str],
) -> Diagnostic {
    let name = v.name;
    let declared_list = declared.iter().map(|d| format!("`{{{d}}}`")).collect::<Vec<_>>().join(", ");
    let endpoint_label = if declared.is_empty() {
        format!("endpoint `{}` declares no variables", path.value)
    } else {
        format!("endpoint `{}` declares {declared_list}", path.value)
    };
    let mut d = cx
        .diag(
            CODE,
            url.sub_span(v.range.clone()),
            format!("`{{{name}}}` is not a variable of endpoint `{}`", path.value),
        )
        .with_label("undefined here")
        .with_secondary(path.span, endpoint_label);
    let suggestion = suggestion(name, declared);
    // A `{name}` KrakenD does not read as a variable of the endpoint
    // (mid-segment in REST mode, or a name with `.`): say why.
    let unread = pattern::brace_groups(&path.value).into_iter().find(|g| g.name == name);
    d = match (&suggestion, unread) {
        (Some(s), _) => d.with_help(format!("did you mean `{{{s}}}`?")),
        (None, Some(_)) if !cx.config.disable_rest => d.with_help(format!(
            "`{{{name}}}` is in the endpoint path, but KrakenD reads an endpoint variable only when its name has just letters, digits, `_` and `-`: rename it in both places (e.g. `{{{}}}`), or set `disable_rest: true` at the root",
            name.replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'), "_")
        )),
        (None, _) if declared.is_empty() => {
            d.with_help(format!("declare `{{{name}}}` in the endpoint path, or remove it from the `url_pattern`"))
        }
        (None, _) => d.with_help(format!(
            "use one of the endpoint's variables ({declared_list}), or declare `{{{name}}}` in the endpoint path"
        )),
    };
    d = d.with_note(format!(
        "KrakenD refuses to start: `undefined output param '{name}'! endpoint: {} {}, backend: {backend}. …`",
        ep.method_upper(),
        pattern::gin_path(&path.value, cx.config.disable_rest)
    ));
    if let Some(s) = suggestion {
        d = d.with_fix(format!("replace with `{{{s}}}`"), url.sub_span(v.name_range()), s);
    }
    d
}

/// The name the user most likely meant: a declared variable, or the
/// correctly spelt form of a sequential or JWT variable (`{jwt.sub}` →
/// `{JWT.sub}`, `{Resp0_id}` → `{resp0_id}`).
fn suggestion(name: &str, declared: &[&str]) -> Option<String> {
    if let Some(s) = did_you_mean(name, declared.iter().copied()) {
        return Some(s.to_string());
    }
    let lower = name.to_ascii_lowercase();
    if let Some(claim) = lower.strip_prefix("jwt.").map(|_| &name[4..])
        && pattern::output_param(&format!("JWT.{claim}")) == OutputParam::Jwt
    {
        return Some(format!("JWT.{claim}"));
    }
    if lower.starts_with("resp") {
        let fixed = format!("resp{}", &name[4..]);
        if matches!(pattern::output_param(&fixed), OutputParam::Response { .. }) {
            return Some(fixed);
        }
    }
    None
}
