//! a martian `status.Verifier`, `querystring.Verifier` or `url.Verifier`, which crash in KrakenD CE
//!
//! ## What it does
//! Reports every `status.Verifier`, `querystring.Verifier` and
//! `url.Verifier` that runs (in a scope its group or filter runs).
//!
//! ## Why is this bad?
//! Verifiers belong to google/martian's own proxy, where they record
//! mismatches for a later `/verify` call. KrakenD has no such call, and
//! these three first look up the proxy's per-request context
//! (`martian.NewContext(req)`), which outside that proxy is `nil`: the
//! next method call on it dereferences nil and **panics on every request**
//! (found by reading google/martian at the pinned commit `25dcb96`). A
//! lone backend's panic is recovered into a 500; a backend merged with
//! others runs in its own goroutine, where the panic stops the process. A
//! `querystring.Verifier` without `name` fails the parse instead, and CE
//! drops every modifier of the backend.
//!
//! ## Example
//! ```json
//! { "modifier/martian": { "status.Verifier": { "scope": ["response"], "statusCode": 200 } } }
//! ```
//!
//! ## How to fix it
//! Remove the verifier. To act on a condition, use the matching filter
//! (`url.Filter`, `querystring.Filter`) with a modifier.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::Kind;

/// The rule's code.
pub const CODE: &str = "GW730";

/// Reports each verifier CE cannot run.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, m) in cx.config.martians() {
        for md in m.modifiers() {
            let Some(kind @ (Kind::StatusVerifier | Kind::QueryVerifier | Kind::UrlVerifier)) = md.kind else {
                continue;
            };
            let unnamed = kind == Kind::QueryVerifier
                && md.str_field("name").is_none_or(str::is_empty);
            let d = if unnamed {
                cx.diag(CODE, md.name_span, "`querystring.Verifier` has no `name`")
                    .with_label("KrakenD CE's parser fails: `no key provided to param verifier`")
                    .with_secondary(m.key_span, "KrakenD CE runs this backend without any of these modifiers")
            } else if !md.active.is_empty() {
                cx.diag(CODE, md.name_span, format!("`{}` panics on every request in KrakenD CE", md.name))
                    .with_label("it reads google/martian's proxy context, which is nil inside KrakenD")
            } else {
                continue;
            };
            out.push(d.with_help("remove the verifier; to act on a condition use a filter with a modifier"));
        }
    }
}
