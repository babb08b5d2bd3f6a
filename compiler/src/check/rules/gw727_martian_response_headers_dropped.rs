//! a martian modifier that changes response headers KrakenD never sends
//!
//! ## What it does
//! Reports each martian modifier that acts on the backend's response
//! headers only (`header.Modifier`, `header.Append`, `header.Blacklist`,
//! `header.Copy`, `cookie.Modifier`, `stash.Modifier` in the `response`
//! scope) on an endpoint whose `output_encoding` is not `no-op`.
//!
//! ## Why is this bad?
//! Only a `no-op` endpoint passes the backend's status and headers to the
//! client (lura `proxy/http_response.go`; lura#311, krakend-ce#837). With
//! any other encoding the response is decoded, merged and rendered anew,
//! and the headers these modifiers set are dropped: they have no visible
//! effect. (`status.Modifier` and `body.Modifier` do have one: the status
//! decides whether the backend succeeded, the body is what is decoded.)
//!
//! ## Example
//! ```json
//! { "endpoint": "/users", "backend": [{ "url_pattern": "/users", "extra_config": { "modifier/martian": { "header.Modifier": { "scope": ["response"], "name": "X-Served-By", "value": "gateway" } } } }] }
//! ```
//!
//! ## How to fix it
//! Make the endpoint `"output_encoding": "no-op"` when the client must see
//! the backend's headers, or scope the modifier to `request` if the header
//! was meant for the backend.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::modifier::martian::Kind;

/// The rule's code.
pub const CODE: &str = "GW727";

/// Reports each response-header modifier under a decoding endpoint.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (ep, _, m) in cx.config.martians() {
        if cx.config.is_noop_endpoint(ep) {
            continue;
        }
        let encoding = cx
            .config
            .output_encoding_of(ep)
            .map_or("json".to_string(), |o| o.value.clone());
        for md in m.modifiers() {
            let headers_only = matches!(
                md.kind,
                Some(
                    Kind::HeaderModifier
                        | Kind::HeaderAppend
                        | Kind::HeaderBlacklist
                        | Kind::HeaderCopy
                        | Kind::CookieModifier
                        | Kind::StashModifier
                )
            );
            if !headers_only || !md.active.response {
                continue;
            }
            let mut d = cx
                .diag(
                    CODE,
                    md.name_span,
                    format!("`{}` changes response headers that a `{encoding}` endpoint drops", md.name),
                )
                .with_label("no visible effect: only `no-op` endpoints pass backend headers to the client");
            if let Some(o) = cx.config.output_encoding_of(ep) {
                d = d.with_secondary(o.span, "the endpoint's encoding");
            }
            out.push(d.with_help(
                "set the endpoint's `output_encoding` to `no-op`, or scope the modifier to `request`",
            ));
        }
    }
}
