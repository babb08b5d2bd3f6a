//! a `validation/cel` expression calls a function KrakenD's CEL does not have
//!
//! ## What it does
//! Reports calls of functions outside cel-go's standard library, the only
//! one KrakenD's environment has (`size`, `contains`, `startsWith`,
//! `endsWith`, `matches`, the conversions, the timestamp accessors and the
//! macros `has`, `all`, `exists`, `exists_one`, `map`, `filter`).
//!
//! ## Why is this bad?
//! cel-go's type checker refuses the expression and KrakenD CE **silently
//! skips it**: the check never runs. Extension libraries (`lowerAscii`,
//! `split`, `base64.encode`, `math.*`) are not enabled by KrakenD.
//!
//! ## Example
//! ```json
//! { "validation/cel": [ { "check_expr": "req_path.lowerAscii().startsWith('/v1')" } ] }
//! ```
//!
//! ## How to fix it
//! Use the standard functions (`req_path.matches('(?i)^/v1')`).

use crate::check::Context;
use crate::check::suggest::did_you_mean;
use crate::diag::Diagnostic;
use crate::model::validation::cel::{FUNCTIONS, Finding};

/// The rule's code.
pub const CODE: &str = "GW772";

/// Reports unknown functions.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, cel) in cx.config.cels() {
        for c in &cel.checks {
            let Some(a) = &c.analysis else { continue };
            for f in &a.findings {
                let Finding::UnknownFunction(name, range) = f else { continue };
                let help = match did_you_mean(name, FUNCTIONS.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "use cel-go's standard functions (`size`, `contains`, `startsWith`, `endsWith`, `matches`, conversions, timestamp accessors)".to_string(),
                };
                out.push(
                    cx.diag(CODE, c.span_of(range), format!("CEL function `{name}` is not in KrakenD's environment"))
                        .with_label("unknown function: KrakenD CE skips this expression silently")
                        .with_help(help),
                );
            }
        }
    }
}
