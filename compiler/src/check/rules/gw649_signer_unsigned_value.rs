//! an `auth/signer` key that is not an object, sent unsigned
//!
//! ## What it does
//! Reports a `keys_to_sign` entry that `proxy.static` data sets to a
//! value that is not an object (a string, a number, a list), and a signer
//! whose `keys_to_sign` is missing or empty.
//!
//! ## Why is this bad?
//! KrakenD CE signs only the listed keys whose value is an OBJECT (the
//! token's claims); any other value is left as it is, silently: a string
//! `access_token` goes to the client unsigned. With no key listed the
//! signer signs nothing, and still replaces the endpoint's handler.
//!
//! ## Example
//! ```json
//! { "endpoint": "/token", "extra_config": { "proxy": { "static": { "strategy": "always", "data": { "access_token": "abc" } } }, "auth/signer": { "alg": "HS256", "kid": "k1", "keys_to_sign": ["access_token"], "jwk_local_path": "jwk.json", "disable_jwk_security": true } } }
//! ```
//!
//! ## How to fix it
//! Make the value an object of claims (`{"sub": "…", "exp": …}`), and list
//! the keys to sign in `keys_to_sign`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::syntax::NodeKind;

/// The rule's code.
pub const CODE: &str = "GW649";

/// Reports each listed key the static data makes a non-object, and each
/// signer without keys to sign.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(s) = &ep.extra.signer else { continue };
        if s.keys().is_empty() {
            let span = s.keys_to_sign.as_ref().map_or(s.key_span, |k| k.span);
            out.push(
                cx.diag(CODE, span, "`auth/signer` has no `keys_to_sign`")
                    .with_label("nothing is signed, and the signer still replaces the endpoint's handler")
                    .with_help("list the response keys whose objects to sign: `\"keys_to_sign\": [\"access_token\"]`"),
            );
            continue;
        }
        let Some(data) = ep.extra.proxy.as_ref().and_then(|p| p.static_data.as_ref()).and_then(|s| s.data) else {
            continue;
        };
        let Some(members) = data.as_object() else { continue };
        for key in s.keys() {
            let Some(m) = members.iter().rev().find(|m| m.key == key.value) else { continue };
            if matches!(m.value.kind, NodeKind::Object(_)) {
                continue;
            }
            out.push(
                cx.diag(CODE, m.value.span, format!("`{}` is not an object: KrakenD CE sends it unsigned", key.value))
                    .with_label("only an object is signed; this value goes to the client as it is")
                    .with_secondary(key.span, "listed in `keys_to_sign` here")
                    .with_help("make the value an object of claims, or remove the key from `keys_to_sign`"),
            );
        }
    }
}
