//! a `validation/cel` expression reads a variable KrakenD does not declare
//!
//! ## What it does
//! Reports identifiers that are none of KrakenD's variables (`req_method`,
//! `req_path`, `req_params`, `req_headers`, `req_querystring`,
//! `resp_completed`, `resp_metadata_status`, `resp_metadata_headers`,
//! `resp_data`, `JWT`, `now`) nor a comprehension's own variable.
//!
//! ## Why is this bad?
//! cel-go's type checker refuses the expression and KrakenD CE **silently
//! skips it** (a debug log line): the check a user wrote never runs, and
//! every request passes it.
//!
//! ## Example
//! ```json
//! { "validation/cel": [ { "check_expr": "'abc' in req_header['X-Key']" } ] }
//! ```
//!
//! ## How to fix it
//! Use the declared name (`req_headers`).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::validation::cel::{Finding, VARIABLES};

/// The rule's code.
pub const CODE: &str = "GW771";

/// Reports undeclared identifiers.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, cel) in cx.config.cels() {
        for c in &cel.checks {
            let Some(a) = &c.analysis else { continue };
            for f in &a.findings {
                let Finding::UndeclaredIdentifier(name, range) = f else { continue };
                let help = match did_you_mean(name, VARIABLES.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("use one of KrakenD's variables: {}", VARIABLES.join(", ")),
                };
                out.push(
                    cx.diag(CODE, c.span_of(range), format!("undeclared CEL variable `{name}`"))
                        .with_label("not declared: KrakenD CE skips this expression silently")
                        .with_help(help),
                );
            }
        }
    }
}
