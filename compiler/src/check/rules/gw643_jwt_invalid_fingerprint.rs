//! a `jwk_fingerprints` entry KrakenD CE cannot use
//!
//! ## What it does
//! Reports an entry of an `auth/validator`'s `jwk_fingerprints` that is not
//! padded base64url (Go's `base64.URLEncoding`, so a SHA-256 digest is 44
//! characters ending in `=`), and, with an `https://` `jwk_url`, one that
//! does not decode to the 32 bytes of a SHA-256 digest.
//!
//! ## Why is this bad?
//! KrakenD CE decodes the pins when it builds the validator; one that does
//! not decode (a hex digest, an unpadded one, standard base64 with `+` or
//! `/`) is an error there, and `logger.Fatal` ends the gateway at start-up.
//! A pin of the wrong length decodes but never matches, so every download
//! of the key set fails its pinning check and the endpoint answers 401.
//!
//! ## Example
//! ```json
//! { "auth/validator": { "alg": "RS256", "jwk_url": "https://idp.example.com/jwks.json", "cache": true,
//!                       "jwk_fingerprints": ["Yh2mV6F3bL0M1u1vK6y0Rk9c2oK4u8aPpFq1eX9dJ7c"] } }
//! ```
//!
//! ## How to fix it
//! Write the SHA-256 of the certificate's SubjectPublicKeyInfo in padded
//! base64url: `openssl x509 -in cert.pem -pubkey -noout | openssl pkey
//! -pubin -outform der | openssl dgst -sha256 -binary | basenc --base64url`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::plan::security::validator::decode_fingerprint;

/// The rule's code.
pub const CODE: &str = "GW643";

/// Reports each unusable pin.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ep in &cx.config.endpoints {
        let Some(v) = &ep.extra.validator else { continue };
        let https = v.url().is_some_and(|u| u.value.starts_with("https://"));
        for f in &v.jwk_fingerprints {
            match decode_fingerprint(&f.value) {
                None => out.push(
                    cx.diag(CODE, f.span, format!("`jwk_fingerprints` entry `{}` is not padded base64url", f.value))
                        .with_label("KrakenD CE cannot decode it and exits at start")
                        .with_help("write the SHA-256 digest in base64url with its `=` padding (44 characters)"),
                ),
                Some(bytes) if https && bytes.len() != 32 => out.push(
                    cx.diag(CODE, f.span, format!("`jwk_fingerprints` entry decodes to {} bytes, not 32", bytes.len()))
                        .with_label("a SHA-256 pin is 32 bytes: this one never matches, and with no matching pin the key set is never downloaded")
                        .with_help("write the SHA-256 of the certificate's SubjectPublicKeyInfo"),
                ),
                Some(_) => {}
            }
        }
    }
}
