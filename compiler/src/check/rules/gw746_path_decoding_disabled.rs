//! path decoding turned off: KrakenD CE puts decoded `?`, `#` and `%` from path variables into backend URLs
//!
//! ## What it does
//! Reports `"disable_path_decoding": true` in the root `router`.
//!
//! ## Why is this bad?
//! By default lura refuses (400, `error: encoded url params`) a path
//! variable that is still encoded once decoded (`%252F`) or holds `?` or
//! `#` (`%3F`, `%23`). The option turns that check off, and KrakenD CE
//! then inserts the decoded value into the backend URL as it is: a client
//! calling `/users/1%3Fadmin=true` makes KrakenD call the backend's
//! `/users/1?admin=true`, and `%23` cuts the backend path short
//! (krakend/krakend-ce#1037). gwc's gateways keep such a value encoded in
//! its own segment, so the backend receives `/users/1%3Fadmin=true`; a
//! KrakenD running the same file does not.
//!
//! ## Example
//! ```json
//! { "router": { "disable_path_decoding": true } }
//! ```
//!
//! ## How to fix it
//! Remove it unless your variables really hold encoded text, and then
//! check what each backend receives.

use crate::check::Context;
use crate::diag::Diagnostic;

/// The rule's code.
pub const CODE: &str = "GW746";

/// Reports the option when on.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // The namespace the model reads (the short name, else the legacy one).
    let Some((_, router)) = cx.config.extra.get("router") else { return };
    let Some(m) = router.member("disable_path_decoding").filter(|m| m.value.as_bool() == Some(true)) else { return };
    out.push(
        cx.diag(CODE, m.key_span, "`disable_path_decoding` lets encoded `?`, `#` and `%` through to backend URLs in KrakenD CE")
            .with_label("KrakenD CE inserts the decoded variable as it is: `/users/1%3Fadmin=true` calls the backend's `/users/1?admin=true`")
            .with_help("remove it unless your path variables must hold encoded text")
            .with_note("gwc's gateways keep such a value percent-encoded in its own segment"),
    );
}
