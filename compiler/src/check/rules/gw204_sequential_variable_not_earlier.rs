//! a `{respN_field}` variable that does not name an earlier backend
//!
//! ## What it does
//! Reports a `url_pattern` variable `{respN_field}` whose `N` is not the
//! index of a backend that runs *before* this one: the backend itself, a
//! later backend, or one that does not exist. Indices count the endpoint's
//! backends from 0, leaving out shadow backends (KrakenD takes them out
//! before merging).
//!
//! ## Why is this bad?
//! The sequential proxy fills `{respN_…}` for backend `i` only from the
//! responses of backends `0…i-1`. Any other `N` is never filled, and the
//! backend receives the literal text `{{.RespN_field}}` in its URL. KrakenD
//! does not warn.
//!
//! ## Example
//! ```json
//! {
//!   "endpoint": "/order/{id}",
//!   "extra_config": { "proxy": { "sequential": true } },
//!   "backend": [
//!     { "url_pattern": "/customers/{resp1_customer_id}" },
//!     { "url_pattern": "/orders/{id}" }
//!   ]
//! }
//! ```
//!
//! ## How to fix it
//! Order the backends so the one whose response is needed comes first, and
//! use its index (`{resp0_customer_id}` in the second backend above).

use std::collections::HashSet;

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::pattern::{self, OutputParam};

/// The rule's code.
pub const CODE: &str = "GW204";

/// Reports each bad reference once per backend.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let declared: Vec<&str> = ep
            .path
            .as_ref()
            .map(|p| pattern::declared_vars(&p.value, cx.config.disable_rest).into_iter().map(|v| v.name).collect())
            .unwrap_or_default();
        let regular: Vec<_> = ep.regular_backends().collect();
        let has_shadow = regular.len() != ep.backends.len();
        for b in &ep.backends {
            let (Some(url), Some(own)) = (&b.url_pattern, ep.merge_index(b)) else { continue };
            let mut seen = HashSet::new();
            for v in pattern::url_pattern_vars(&url.value) {
                let OutputParam::Response { backend: n, .. } = pattern::output_param(v.name) else { continue };
                if n < own || declared.contains(&v.name) || !seen.insert(v.name) {
                    continue;
                }
                let go_key = format!("R{}", &v.name[1..]);
                // The index as written: an absurd one overflows `usize`.
                let shown: String = if n == usize::MAX {
                    v.name["resp".len()..].chars().take_while(char::is_ascii_digit).collect()
                } else {
                    n.to_string()
                };
                let (message, label) = if n >= regular.len() {
                    (
                        format!(
                            "`{{{}}}` reads backend {shown}, but this endpoint has {} {}",
                            v.name,
                            regular.len(),
                            if regular.len() == 1 { "backend" } else { "backends" }
                        ),
                        format!("there is no backend {shown}"),
                    )
                } else if n == own {
                    (format!("`{{{}}}` reads the response of its own backend", v.name), format!("this is backend {n}"))
                } else {
                    (
                        format!("`{{{}}}` reads backend {n}, which runs after this one (backend {own})", v.name),
                        format!("backend {n} has not answered yet when this URL is built"),
                    )
                };
                let mut d = cx.diag(CODE, url.sub_span(v.range.clone()), message).with_label(label);
                if n > own
                    && let Some(later) = regular.get(n)
                {
                    d = d.with_secondary(later.name_span(), format!("backend {n} is declared here, after this one"));
                }
                d = d.with_help(if own == 0 {
                    "the first backend can only use the endpoint's own variables; move the backend whose response it needs before it".to_string()
                } else if own == 1 {
                    "only `{resp0_…}` is available here; reorder the backends so the one it needs comes first".to_string()
                } else {
                    format!("use `{{resp0_…}}` to `{{resp{}_…}}` (the backends before this one), or reorder the backends", own - 1)
                });
                d = d.with_note(format!("KrakenD never fills it: the backend receives `{{{{.{go_key}}}}}` literally"));
                if has_shadow {
                    d = d.with_note("indices leave out shadow backends, which KrakenD removes before merging");
                }
                out.push(d);
            }
        }
    }
}
