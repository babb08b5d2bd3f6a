//! a `connect_timeout` as long as the per-try timeout or the endpoint's `timeout`
//!
//! ## What it does
//! Reports a `connect_timeout` (in `gwc/http-client` or a host's `http`)
//! that is not shorter than `gwc/failover.per_try_timeout`, or, without
//! one, than the endpoint's `timeout` (its own, else the root's, else 2s).
//!
//! ## Why is this bad?
//! The connect phase is always cut at the time the attempt has left. A host
//! that does not accept connections is then reported as a timeout (504)
//! rather than a connection failure (502), and a connection failure is the
//! one failure gwc retries for every method, since nothing was sent.
//!
//! ## Example
//! ```json
//! { "gwc/http-client": { "connect_timeout": "5s" },
//!   "gwc/failover": { "per_try_timeout": "1s" } }
//! ```
//!
//! ## How to fix it
//! Use a connect timeout of a fraction of the per-try timeout (connecting
//! inside a data centre takes milliseconds): `"connect_timeout": "250ms"`.

use crate::check::Context;
use crate::check::gwc::{self, nanos, show};
use crate::diag::Diagnostic;
use crate::model::lb::{TimeoutSource, endpoint_timeout};

/// The rule's code.
pub const CODE: &str = "GW540";

/// Reports each connect timeout that reaches the attempt's time limit.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for b in gwc::backends(cx.config) {
        let per_try = b.gwc().failover.as_ref().and_then(|f| Some((f.per_try_timeout.as_ref()?, f.per_try_timeout_nanos()?))).filter(|(_, n)| *n > 0);
        let (timeout, source) = endpoint_timeout(cx.config, b.endpoint);
        for (client, host) in gwc::http_clients(b.backend) {
            let (Some(t), Some(n)) = (&client.connect_timeout, nanos(&client.connect_timeout)) else { continue };
            if n <= 0 {
                continue;
            }
            let whose = host.map_or_else(|| b.name(), |h| format!("host `{}`", h.url.value));
            let mut d = match per_try {
                Some((p, pn)) if n >= pn => cx
                    .diag(CODE, t.span, format!("`connect_timeout` {} of {whose} is not shorter than `per_try_timeout` {}", show(n), show(pn)))
                    .with_secondary(p.span, "each attempt ends here"),
                Some(_) => continue,
                None if n >= timeout => {
                    let d = cx.diag(CODE, t.span, format!("`connect_timeout` {} of {whose} is not shorter than the endpoint's {} `timeout`", show(n), show(timeout)));
                    match source {
                        TimeoutSource::Endpoint(span) => d.with_secondary(span, "the request ends here"),
                        TimeoutSource::Root(span) => d.with_secondary(span, "the request ends here (the root `timeout`)"),
                        TimeoutSource::Default => d.with_note("the endpoint has no `timeout`: KrakenD's default is 2s"),
                    }
                }
                None => continue,
            };
            let limit = per_try.map_or(timeout, |(_, pn)| pn);
            d = d
                .with_label("a host that accepts no connection is reported as a timeout")
                .with_help(format!("use a fraction of it, e.g. `\"connect_timeout\": \"{}\"`", show((limit / 4).max(1_000_000) / 1_000_000 * 1_000_000)))
                .with_note("connection failures are retried for every method; a timeout is not, for POST and PATCH");
            out.push(d);
        }
    }
}
