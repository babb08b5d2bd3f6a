//! two backends share cached answers for one URL but do not ask alike
//!
//! ## What it does
//! Reports a backend with `qos/http-cache` `shared: true` when an earlier
//! backend in the same process-wide store calls the same URL (same first
//! host and `url_pattern`) but differs in what it sends or how it reads
//! the answer: other `input_headers`, a token check on one endpoint only,
//! a different `encoding` or `modifier/martian`.
//!
//! ## Why is this bad?
//! A shared store is keyed by the URL alone. The second backend gets the
//! answer the first one stored: one built for other headers or another
//! user, or stored in another form (a `no-op` backend keeps a gzip body
//! as it came, a decoding one keeps it unzipped), which the second then
//! fails to decode.
//!
//! ## Example
//! ```json
//! [{ "endpoint": "/a", "input_headers": ["X-Tenant"], "backend": [{ "url_pattern": "/items", "extra_config": { "qos/http-cache": { "shared": true } } }] },
//!  { "endpoint": "/b", "backend": [{ "url_pattern": "/items", "extra_config": { "qos/http-cache": { "shared": true } } }] }]
//! ```
//!
//! ## How to fix it
//! Drop `shared` from one of them (each gets its own store), or make the
//! two backends ask alike.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::{Backend, Endpoint};

/// The rule's code.
pub const CODE: &str = "GW753";

/// The URL a backend calls, as far as the config says (first host, pattern).
fn url(cx: &Context<'_>, b: &Backend<'_>) -> Option<String> {
    let host = b
        .host
        .as_ref()
        .and_then(|h| h.value.first())
        .map(|h| h.value.trim_end_matches('/').to_owned())
        .or_else(|| {
            cx.config
                .host
                .as_ref()
                .and_then(|h| h.value.first())
                .map(|h| h.value.trim_end_matches('/').to_owned())
        })?;
    Some(format!("{host}{}", b.url_pattern.as_ref()?.value))
}

/// What differs between two backends that share entries, if anything.
fn difference(a: (&Endpoint<'_>, &Backend<'_>), b: (&Endpoint<'_>, &Backend<'_>)) -> Option<&'static str> {
    let headers = |ep: &Endpoint<'_>, be: &Backend<'_>| {
        let mut v: Vec<String> = be
            .input_headers
            .as_ref()
            .or(ep.input_headers.as_ref())
            .map(|l| l.value.iter().map(|h| h.value.to_ascii_lowercase()).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    if headers(a.0, a.1) != headers(b.0, b.1) {
        return Some("other `input_headers`");
    }
    if a.0.extra.validator.is_some() != b.0.extra.validator.is_some() {
        return Some("a token check on one endpoint only");
    }
    let encoding = |be: &Backend<'_>| be.encoding.as_ref().map(|e| e.value.clone());
    if encoding(a.1) != encoding(b.1) {
        return Some("another `encoding`");
    }
    let martian = |be: &Backend<'_>| {
        be.extra
            .get(crate::model::modifier::martian::NAMESPACE)
            .map(|(_, n)| n.to_json())
    };
    if martian(a.1) != martian(b.1) {
        return Some("other `modifier/martian` modifiers");
    }
    None
}

/// Reports each shared backend that meets an unlike one on the same URL.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let shared: Vec<_> = cx
        .config
        .http_caches()
        .filter(|(_, _, ns)| ns.shared())
        .collect();
    for (i, (ep, b, ns)) in shared.iter().enumerate() {
        let Some(u) = url(cx, b) else { continue };
        let earlier = shared[..i].iter().rev().find_map(|(oep, ob, ons)| {
            if ons.bounded() != ns.bounded() || url(cx, ob).as_deref() != Some(u.as_str()) {
                return None;
            }
            Some((ob, difference((oep, ob), (ep, b))?))
        });
        let Some((other, what)) = earlier else { continue };
        out.push(
            cx.diag(
                CODE,
                ns.key_span,
                format!("shared cache entries for `{u}` between backends that ask differently"),
            )
            .with_label(format!("this backend gets the answers stored for the other ({what})"))
            .with_secondary(other.name_span(), "the same URL, in the same shared store")
            .with_help("drop `shared` from one of them, or make the two backends ask alike"),
        );
    }
}
