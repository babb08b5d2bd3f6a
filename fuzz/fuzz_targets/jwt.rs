//! Fuzz what a client or a JWKS server controls in `auth/validator`: the
//! compact JWS parser (base64url, the strict JSON without duplicate keys,
//! the header checks), the claim checks and formatting, the JWKS parser
//! and the signature checks. No input may panic.
#![no_main]

use gw_runtime::security::{jwks, jwt};
use gw_runtime::spec::{JwtAlg, KeyIdStrategy};
use libfuzzer_sys::fuzz_target;

const STRATEGIES: [KeyIdStrategy; 4] = [
    KeyIdStrategy::Kid,
    KeyIdStrategy::X5t,
    KeyIdStrategy::X5tS256,
    KeyIdStrategy::KidX5t,
];

fuzz_target!(|data: &[u8]| {
    // As a token.
    if let Ok(jws) = jwt::parse(data) {
        for s in STRATEGIES {
            let _ = jws.key_id(s);
        }
        if let Some(claims) = jwt::strict_object(&jws.payload) {
            if let Ok(r) = jwt::registered(&claims) {
                let _ = jwt::check_registered(&r, Some("iss"), &["aud"], 1_000_000_000, jwt::GoTime::now());
            }
            let mut out = String::new();
            for v in claims.values() {
                jwt::claim_text(v, &mut out);
                let _ = jwt::claim_values(Some(v));
            }
            let keys: Vec<&str> = claims.keys().map(String::as_str).collect();
            let _ = jwt::has_any_role(&claims, &keys, &["admin"]);
            let _ = jwt::has_scopes(&claims, &keys, &["read"], true);
        }
        let oct = jwks::Key::Oct(b"secret".to_vec());
        let ed = jwks::Key::Ed25519(vec![7; 32]);
        for alg in JwtAlg::ALL {
            let _ = oct.verify(alg, &jws.signing_input, &jws.signature);
            let _ = ed.verify(alg, &jws.signing_input, &jws.signature);
        }
    }
    // As a key set.
    for s in STRATEGIES {
        if let Ok((set, _skipped)) = jwks::parse_jwks(data, s, true) {
            if let Some(key) = set.get("") {
                for alg in JwtAlg::ALL {
                    let _ = key.verify(alg, data, data);
                }
            }
        }
    }
});
