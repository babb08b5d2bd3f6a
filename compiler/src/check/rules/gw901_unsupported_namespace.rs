//! an `extra_config` namespace that `gwc build` cannot honour yet
//!
//! ## What it does
//! When building (`gwc build`, `gwc lint --build`), reports every
//! `extra_config` namespace that KrakenD reads at that level and gwc does
//! not implement: `telemetry/influx`, `modifier/lua-endpoint`,
//! `modifier/lua-backend`, … (gwc
//! implements `router`, `proxy`, `backend/http` and the components the
//! README lists, long legacy names included). `gwc lint` alone accepts
//! them: the config is fine for KrakenD.
//!
//! ## Why is this bad?
//! A compiled gateway that silently skipped a namespace would run without
//! a cache, request validation or metrics while the config says otherwise.
//! gwc refuses instead, until you say the gateway may run without it.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/logging": { "level": "INFO" } }, "endpoints": [] }
//! ```
//!
//! ## How to fix it
//! Remove the namespace, or accept running without it: list it at the root
//! in `"extra_config": { "gwc/build": { "allow_unsupported":
//! ["telemetry/logging"] } }`, or pass `gwc build --allow-unsupported
//! telemetry/logging`. A long legacy name is accepted by its short name
//! too.

use crate::check::{Context, edits, schema};
use crate::check::unsupported::{self, Kind};
use crate::diag::{Diagnostic, Fix};

/// The rule's code.
pub const CODE: &str = "GW901";

/// How the schema's descriptions of Enterprise-only namespaces start.
const ENTERPRISE_ONLY: &str = "KrakenD Enterprise only.";

/// Legacy namespaces with a successor gwc builds: (short name, note).
const REPLACED: [(&str, &str); 1] = [(
    "telemetry/opencensus",
    "gwc builds its successor's Prometheus exporter: move it to `telemetry/opentelemetry` (`exporters.prometheus[]`, each with a `name` and a `port`)",
)];

/// Reports each namespace gwc cannot honour that nobody accepted.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for f in unsupported::unaccepted(cx, Kind::Namespace) {
        let mut d = cx
            .diag(
                CODE,
                f.span,
                format!("`{}`{} is not supported by `gwc build`", f.name, f.level.suffix()),
            )
            .with_label(f.consequence)
            .with_help(unsupported::accept_help(&f));
        match (f.alias, f.about) {
            (Some(short), _) => {
                d = d.with_note(format!("`{}` is the legacy name of `{short}`", f.name));
            }
            (None, Some(about)) => {
                let about = about.replace(" gwc accepts it without checking its content.", "");
                // An Enterprise namespace is not read by KrakenD CE either
                // (GW600 says so where it matters): say which edition.
                d = d.with_note(match about.strip_prefix(ENTERPRISE_ONLY) {
                    Some(rest) => format!(
                        "what it does in KrakenD Enterprise (KrakenD CE ignores it): {}",
                        schema::first_sentence(rest.trim_start())
                    ),
                    None => format!("what it does in KrakenD: {}", schema::first_sentence(&about)),
                });
            }
            (None, None) => {}
        }
        let short = f.alias.unwrap_or(f.name.as_str());
        if let Some((_, note)) = REPLACED.iter().find(|(n, _)| *n == short) {
            d = d.with_note(*note);
        }
        // With a list already written, accepting is one mechanical edit.
        if let Some(edit) = unsupported::allow_list(cx)
            .and_then(|list| edits::append_to_array(cx.text, list, &edits::json_string(&f.name)))
        {
            d.fixes.push(Fix {
                title: format!("accept running without `{}`", f.name),
                edits: vec![edit],
            });
        }
        out.push(d);
    }
}
