//! data manipulation on a `no-op` backend, which KrakenD ignores
//!
//! ## What it does
//! Reports `target`, `allow`, `deny`, `mapping`, `group`, `is_collection:
//! true` and `extra_config.proxy.flatmap_filter` on a backend whose
//! response is not decoded: its `encoding` is `no-op`, or its endpoint's
//! output is `no-op` (which forces every backend to `no-op`).
//!
//! ## Why is this bad?
//! A `no-op` response is streamed as is (status, headers and body); KrakenD
//! never runs the formatter on it. The settings do nothing, and readers of
//! the config believe the response is filtered.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/user",
//!   "output_encoding": "no-op",
//!   "backend": [{ "url_pattern": "/user", "allow": ["id", "name"] }]
//! }
//! ```
//!
//! ## How to fix it
//! Remove the settings, or decode the response (`json`) if it must be
//! filtered. A `no-op` backend under a `json` endpoint is legitimate (for
//! example to pass a whole body on as `resp0`); only its filters are dead.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::encoding::is_noop_backend_encoding;
use crate::model::{Backend, Config, Endpoint};
use crate::syntax::Span;

/// The rule's code.
pub const CODE: &str = "GW304";

/// Reports each `no-op` backend with data manipulation once.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        for b in &ep.backends {
            let Some((cause_span, cause)) = noop_cause(cx.config, ep, b) else { continue };
            let mut fields = manipulations(b);
            fields.sort_by_key(|(span, _)| span.start);
            let Some(((first_span, first), rest)) = fields.split_first() else { continue };
            let names = join(fields.iter().map(|(_, n)| format!("`{n}`")).collect());
            let message = if rest.is_empty() {
                format!("`{first}` is ignored on a `no-op` backend")
            } else {
                format!("{names} are ignored on a `no-op` backend")
            };
            let mut d = cx
                .diag(CODE, *first_span, message)
                .with_label("KrakenD passes this response through without reading it");
            for (span, name) in rest {
                d = d.with_secondary(*span, format!("`{name}` is ignored too"));
            }
            let these = if rest.is_empty() { "this setting" } else { "these settings" };
            d = d.with_secondary(cause_span, cause).with_help(format!(
                "remove {these}, or use an encoding that decodes the response (`json`) if it must be transformed"
            ));
            out.push(d);
        }
    }
}

/// Why this backend is `no-op`, and where that is written.
fn noop_cause(config: &Config<'_>, ep: &Endpoint<'_>, b: &Backend<'_>) -> Option<(Span, String)> {
    if config.is_noop_endpoint(ep) {
        let out = config.output_encoding_of(ep)?;
        let whose =
            if ep.output_encoding.as_ref().is_some_and(|o| o.span == out.span) { "the endpoint" } else { "the root" };
        return Some((out.span, format!("{whose} renders `no-op`, which makes every backend `no-op`")));
    }
    let enc = b.encoding.as_ref().filter(|_| is_noop_backend_encoding(b.encoding.as_ref()))?;
    Some((enc.span, "this backend is `no-op`".to_string()))
}

/// The data-manipulation settings a backend has, as (key span, name).
fn manipulations(b: &Backend<'_>) -> Vec<(Span, &'static str)> {
    let mut out = Vec::new();
    if let Some(t) = b.target.as_ref().filter(|t| !t.value.is_empty()) {
        out.push((t.key_span, "target"));
    }
    if let Some(a) = b.allow.as_ref().filter(|a| !a.value.is_empty()) {
        out.push((a.key_span, "allow"));
    }
    if let Some(a) = b.deny.as_ref().filter(|a| !a.value.is_empty()) {
        out.push((a.key_span, "deny"));
    }
    if let Some(m) = b.mapping.as_ref().filter(|m| !m.value.is_empty()) {
        out.push((m.key_span, "mapping"));
    }
    if let Some(g) = b.group.as_ref().filter(|g| !g.value.is_empty()) {
        out.push((g.key_span, "group"));
    }
    if let Some(c) = b.is_collection.as_ref().filter(|c| c.value) {
        out.push((c.key_span, "is_collection"));
    }
    if let Some(f) = b.active_flatmap() {
        out.push((f.key_span, "flatmap_filter"));
    }
    out
}

/// `a`, `a and b`, `a, b and c`.
fn join(mut items: Vec<String>) -> String {
    match items.pop() {
        Some(last) if !items.is_empty() => format!("{} and {last}", items.join(", ")),
        Some(last) => last,
        None => String::new(),
    }
}
