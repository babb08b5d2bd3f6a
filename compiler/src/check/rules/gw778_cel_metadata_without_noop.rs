//! a `resp_metadata_*` read in a CEL expression where they are always empty
//!
//! ## What it does
//! Reports `resp_metadata_status` and `resp_metadata_headers` on a
//! backend whose `encoding` is not `no-op`, or on an endpoint whose
//! `output_encoding` is not `no-op`.
//!
//! ## Why is this bad?
//! lura keeps the backend's status and headers only for `no-op`: anywhere
//! else `resp_metadata_status` is `0` and `resp_metadata_headers` empty, so
//! a check such as `resp_metadata_status == 200` refuses every request.
//!
//! ## Example
//! ```json
//! { "backend": [ { "url_pattern": "/a", "extra_config": { "validation/cel": [ { "check_expr": "resp_metadata_status == 200" } ] } } ] }
//! ```
//!
//! ## How to fix it
//! Use `no-op` encodings, or check `resp_completed` and `resp_data`.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW778";

/// Reports metadata reads on decoded answers.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, b, cel) in cx.config.cels() {
        let noop = match b {
            Some(b) => b.encoding.as_ref().is_some_and(|e| e.value == "no-op"),
            None => cx.config.output_encoding_of(ep).is_some_and(|e| e.value == "no-op"),
        };
        if noop {
            continue;
        }
        let what = if b.is_some() { "backend's `encoding`" } else { "endpoint's `output_encoding`" };
        for c in &cel.checks {
            let Some(a) = &c.analysis else { continue };
            for (var, range) in &a.variables {
                if !var.starts_with("resp_metadata_") {
                    continue;
                }
                out.push(
                    cx.diag(CODE, c.span_of(range), format!("`{var}` is always empty here"))
                        .with_label(format!("the {what} is not `no-op`: lura keeps no status or headers"))
                        .with_help("use `no-op`, or check `resp_completed` and `resp_data` instead"),
                );
            }
        }
    }
}
