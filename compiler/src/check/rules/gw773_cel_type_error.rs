//! a `validation/cel` expression with a type error
//!
//! ## What it does
//! Follows the types of KrakenD's declared variables through the
//! expression and reports what cel-go's checker refuses and can be seen
//! without running it: `==` between different types (`req_headers['X']`
//! is a **list** of strings), ordering a string against a number, `&&` on
//! a non-bool, a field selected on a string, a function on the wrong type,
//! a message literal (KrakenD declares no message types), and an
//! expression whose value is not a `bool`.
//!
//! ## Why is this bad?
//! A type-check failure makes KrakenD CE **silently skip** the expression;
//! a non-`bool` result makes every request fail it.
//!
//! ## Example
//! ```json
//! { "validation/cel": [ { "check_expr": "req_headers['X-Tenant'] == 'acme'" } ] }
//! ```
//!
//! ## How to fix it
//! Compare values of one type: `'acme' in req_headers['X-Tenant']`, or
//! `req_headers['X-Tenant'][0] == 'acme'`; convert with `int()`,
//! `string()`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::validation::cel::Finding;

/// The rule's code.
pub const CODE: &str = "GW773";

/// Reports type errors.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, cel) in cx.config.cels() {
        for c in &cel.checks {
            let Some(a) = &c.analysis else { continue };
            for f in &a.findings {
                let (msg, range) = match f {
                    Finding::Type(m, r) | Finding::Unsupported(m, r) => (m, r),
                    _ => continue,
                };
                out.push(
                    cx.diag(CODE, c.span_of(range), "CEL type error")
                        .with_label(msg.clone())
                        .with_help("compare values of one type (headers and query values are lists: `'v' in req_headers['X']`), convert with `int()` or `string()`, and make the result a `bool`"),
                );
            }
        }
    }
}
