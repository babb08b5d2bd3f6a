//! `auth/signer` (krakend-components §13): stage l of
//! [`crate::handler::handle`]. On an endpoint with a signer, the signer
//! REPLACES the endpoint handler (stages m–o, as `krakend-jose`'s
//! `gin/jose.go` does): it runs the proxy itself, then
//! 1. answers **400** with an empty body when the proxy failed (any
//!    backend error, a timeout, no data);
//! 2. replaces each `keys_to_sign` top-level key whose value is an
//!    **object** by a JWS of that object (other values stay as they are,
//!    unsigned, as in CE): compact, or the JSON serialisation with `full`.
//!    The protected header is `{"alg","kid","typ"}` and the payload the
//!    object, both as Go's `encoding/json` writes them (keys sorted, HTML
//!    characters escaped): CE's bytes exactly;
//! 3. writes the data as JSON (gin's `c.JSON`) whatever `output_encoding`,
//!    with the proxy's status (200 for decoded backends), the first value
//!    of each backend header (no-op backends only: decoded ones carry
//!    none), and none of `X-KrakenD`, `X-KrakenD-Completed` or
//!    `Cache-Control`.
//!
//! The key: the `kid` entry of the key set, which must be a PRIVATE key
//! (RSA with `d`, `p`, `q`, `dp`, `dq`, `qi`; EC P-256/P-384 with `d`; OKP
//! Ed25519 with `d`; `oct` `k`), read once: `jwk_local_path` when the
//! gateway starts, `jwk_url` when it starts too (the first request waits
//! for that one fetch). As in CE, when the key cannot be had at start (set
//! unreadable or unreachable, `kid` missing, an `http://` URL without
//! `disable_jwk_security`, a key that cannot sign with `alg`), the error
//! is logged once and the endpoint answers **401** with an empty body to
//! every request until the gateway restarts.

use super::jwt::{JwkSource, JwtAlg, go_json_string};
use crate::value::{Map, Value};

/// `auth/signer`, as the compiler resolved it.
#[derive(Debug)]
pub struct JwtSigner {
    /// `alg` (ES512 is refused by the compiler: ring cannot sign it).
    pub alg: JwtAlg,
    /// `kid`: the key set entry, and the header's `kid`.
    pub kid: &'static str,
    /// Where the key set comes from.
    pub keys: JwkSource,
    /// `keys_to_sign`.
    pub keys_to_sign: &'static [&'static str],
    /// `full`: the JWS JSON serialisation instead of the compact one.
    pub full: bool,
    /// `typ` (`JWT` by default).
    pub typ: &'static str,
}

/// The protected header as go-jose writes it (keys sorted).
pub fn header_json(alg: JwtAlg, kid: &str, typ: &str) -> String {
    let mut m = Map::new();
    m.insert("alg".into(), Value::String(alg.name().into()));
    if !kid.is_empty() {
        m.insert("kid".into(), Value::String(kid.into()));
    }
    if !typ.is_empty() {
        m.insert("typ".into(), Value::String(typ.into()));
    }
    go_json_text(&Value::Object(m))
}

/// A value as `c.JSON` (Go's `json.Marshal`) writes lura's decoded data:
/// object keys sorted, strings HTML-escaped, numbers as their text (a
/// `json.Number` is written as it is).
pub fn go_json_text(v: &Value) -> String {
    let mut out = String::new();
    go_json(v, &mut out);
    out
}

fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n.as_str()),
        Value::String(s) => go_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut members: Vec<(&String, &Value)> = m.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                go_json(v, out);
            }
            out.push('}');
        }
    }
}

#[cfg(feature = "jwt")]
pub use with_feature::*;

#[cfg(feature = "jwt")]
mod with_feature {
    use base64::Engine as _;
    use ring::rand::SystemRandom;
    use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, RsaKeyPair};
    use serde_json::{Map, Value};

    use super::{JwtSigner, go_json_text, header_json};
    use crate::handler::error_line;
    use crate::security::jwks::{FETCH_TIMEOUT, MAX_JWKS_BYTES, member_bytes, required};
    use crate::security::jwt::{JwkSource, JwtAlg};

    /// base64url without padding (JWS).
    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// A private key, ready to sign with one algorithm.
    pub enum SigningKey {
        /// RS*/PS*.
        Rsa(RsaKeyPair),
        /// ES256/ES384 (fixed-length `r || s`, as JWS wants).
        Ec(EcdsaKeyPair),
        /// EdDSA.
        Ed25519(Ed25519KeyPair),
        /// HS*.
        Hmac(ring::hmac::Key),
    }

    impl std::fmt::Debug for SigningKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(match self {
                SigningKey::Rsa(_) => "SigningKey::Rsa",
                SigningKey::Ec(_) => "SigningKey::Ec",
                SigningKey::Ed25519(_) => "SigningKey::Ed25519",
                SigningKey::Hmac(_) => "SigningKey::Hmac",
            })
        }
    }

    /// Reads a private JWK for `alg`; a key of another type, or a public
    /// one, is an error (CE's go-jose refuses to sign with it too).
    pub fn parse_private_key(o: &Map<String, Value>, alg: JwtAlg) -> Result<SigningKey, String> {
        use JwtAlg::*;
        let kty = o.get("kty").and_then(Value::as_str).unwrap_or_default();
        let rng = SystemRandom::new();
        match (kty, alg) {
            ("RSA", RS256 | RS384 | RS512 | PS256 | PS384 | PS512) => {
                let components = ring::rsa::KeyPairComponents {
                    public_key: ring::rsa::PublicKeyComponents {
                        n: required(o, "n")?,
                        e: required(o, "e")?,
                    },
                    d: required(o, "d")?,
                    p: required(o, "p")?,
                    q: required(o, "q")?,
                    dP: required(o, "dp")?,
                    dQ: required(o, "dq")?,
                    qInv: required(o, "qi")?,
                };
                RsaKeyPair::from_components(&components)
                    .map(SigningKey::Rsa)
                    .map_err(|e| format!("the RSA key is rejected: {e}"))
            }
            ("EC", ES256 | ES384) => {
                let (crv, size, algorithm) = match alg {
                    ES256 => ("P-256", 32, &signature::ECDSA_P256_SHA256_FIXED_SIGNING),
                    _ => ("P-384", 48, &signature::ECDSA_P384_SHA384_FIXED_SIGNING),
                };
                if o.get("crv").and_then(Value::as_str) != Some(crv) {
                    return Err(format!("{} needs a {crv} key", alg.name()));
                }
                let (x, y, d) = (required(o, "x")?, required(o, "y")?, required(o, "d")?);
                if x.len() != size || y.len() != size || d.len() != size {
                    return Err("wrong length for x, y or d".into());
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                EcdsaKeyPair::from_private_key_and_public_key(algorithm, &d, &point, &rng)
                    .map(SigningKey::Ec)
                    .map_err(|e| format!("the EC key is rejected: {e}"))
            }
            ("OKP", EdDSA) if o.get("crv").and_then(Value::as_str) == Some("Ed25519") => {
                let (x, d) = (required(o, "x")?, required(o, "d")?);
                Ed25519KeyPair::from_seed_and_public_key(&d, &x)
                    .map(SigningKey::Ed25519)
                    .map_err(|e| format!("the Ed25519 key is rejected: {e}"))
            }
            ("oct", HS256 | HS384 | HS512) => {
                let k = member_bytes(o, "k")?.ok_or("no `k`")?;
                let algorithm = match alg {
                    HS256 => ring::hmac::HMAC_SHA256,
                    HS384 => ring::hmac::HMAC_SHA384,
                    _ => ring::hmac::HMAC_SHA512,
                };
                Ok(SigningKey::Hmac(ring::hmac::Key::new(algorithm, &k)))
            }
            _ => Err(format!("a `{kty}` key cannot sign {} here", alg.name())),
        }
    }

    impl SigningKey {
        /// The signature of `msg` under `alg` (the key was parsed for it).
        pub fn sign(&self, alg: JwtAlg, msg: &[u8]) -> Result<Vec<u8>, String> {
            use JwtAlg::*;
            let rng = SystemRandom::new();
            match self {
                SigningKey::Rsa(k) => {
                    let padding: &dyn signature::RsaEncoding = match alg {
                        RS256 => &signature::RSA_PKCS1_SHA256,
                        RS384 => &signature::RSA_PKCS1_SHA384,
                        RS512 => &signature::RSA_PKCS1_SHA512,
                        PS256 => &signature::RSA_PSS_SHA256,
                        PS384 => &signature::RSA_PSS_SHA384,
                        _ => &signature::RSA_PSS_SHA512,
                    };
                    let mut sig = vec![0; k.public().modulus_len()];
                    k.sign(padding, &rng, msg, &mut sig)
                        .map_err(|_| "RSA signing failed".to_string())?;
                    Ok(sig)
                }
                SigningKey::Ec(k) => k
                    .sign(&rng, msg)
                    .map(|s| s.as_ref().to_vec())
                    .map_err(|_| "ECDSA signing failed".to_string()),
                SigningKey::Ed25519(k) => Ok(k.sign(msg).as_ref().to_vec()),
                SigningKey::Hmac(k) => Ok(ring::hmac::sign(k, msg).as_ref().to_vec()),
            }
        }
    }

    /// Finds `kid` in a JWKS document (the first entry with that id, as
    /// go-jose's `Key(kid)[0]`) and reads it for `alg`.
    pub fn key_from_jwks(bytes: &[u8], kid: &str, alg: JwtAlg) -> Result<SigningKey, String> {
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("the key set is not JSON: {e}"))?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let entry = keys
            .iter()
            .filter_map(Value::as_object)
            .find(|k| k.get("kid").and_then(Value::as_str) == Some(kid))
            .ok_or_else(|| format!("no key with kid `{kid}` in the key set"))?;
        parse_private_key(entry, alg)
    }

    /// A JWS of `payload` (compact, or the JSON serialisation with
    /// `full`), as go-jose writes it.
    pub fn token(
        spec: &JwtSigner,
        key: &SigningKey,
        payload: &crate::value::Map,
    ) -> Result<String, String> {
        use crate::value::Value;
        let protected = B64.encode(header_json(spec.alg, spec.kid, spec.typ));
        let body = B64.encode(go_json_text(&Value::Object(payload.clone())));
        let input = format!("{protected}.{body}");
        let sig = B64.encode(key.sign(spec.alg, input.as_bytes())?);
        if !spec.full {
            return Ok(format!("{input}.{sig}"));
        }
        // go-jose's `FullSerialize` with one signature: its fields in
        // struct order, `header` omitted when empty.
        let mut m = crate::value::Map::new();
        m.insert("payload".into(), Value::String(body));
        m.insert("protected".into(), Value::String(protected));
        m.insert("signature".into(), Value::String(sig));
        Ok(go_json_text(&Value::Object(m)))
    }

    /// Signs the listed keys of `data` whose values are objects.
    pub fn sign_data(
        spec: &JwtSigner,
        key: &SigningKey,
        data: &mut crate::value::Map,
    ) -> Result<(), String> {
        use crate::value::Value;
        for name in spec.keys_to_sign {
            if let Some(Value::Object(o)) = data.get(*name) {
                let t = token(spec, key, o)?;
                data.insert((*name).to_string(), Value::String(t));
            }
        }
        Ok(())
    }

    /// Where the key comes from, until it is loaded.
    enum Source {
        Local(&'static str),
        Remote(Box<crate::security::jwks::Remote>),
        /// The start-up check failed already (the reason is logged once).
        Broken(String),
    }

    /// An endpoint's signer: the spec and its key, loaded once.
    pub struct Signer {
        /// The spec.
        pub spec: &'static JwtSigner,
        path: &'static str,
        source: Source,
        key: tokio::sync::OnceCell<Option<SigningKey>>,
    }

    impl std::fmt::Debug for Signer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Signer")
                .field("spec", &self.spec)
                .field("key", &self.key.get().map(Option::is_some))
                .finish_non_exhaustive()
        }
    }

    impl Signer {
        /// The signer of endpoint `path`. Never fails: a key that cannot
        /// be had makes the endpoint answer 401 (CE's behaviour).
        pub fn new(
            spec: &'static JwtSigner,
            path: &'static str,
            user_agent: &'static str,
        ) -> Signer {
            let source = match &spec.keys {
                JwkSource::Local(p) => Source::Local(p),
                // CE's check (`jws.go`): a key set fetched over plain
                // HTTP only with `disable_jwk_security`.
                JwkSource::Remote(r)
                    if !r.url.starts_with("https://") && !r.disable_jwk_security =>
                {
                    Source::Broken(format!(
                        "the JWK client is not secure: `jwk_url` `{}` is not https and `disable_jwk_security` is not set",
                        r.url
                    ))
                }
                JwkSource::Remote(r) => match crate::security::jwks::remote(r, user_agent) {
                    Ok(remote) => Source::Remote(Box::new(remote)),
                    Err(e) => Source::Broken(e),
                },
            };
            Signer {
                spec,
                path,
                source,
                key: tokio::sync::OnceCell::new(),
            }
        }

        async fn load(&self) -> Result<SigningKey, String> {
            let bytes = match &self.source {
                Source::Broken(e) => return Err(e.clone()),
                Source::Local(p) => std::fs::read(p)
                    .map_err(|e| format!("cannot read `jwk_local_path` `{p}`: {e}"))?,
                Source::Remote(r) => {
                    tokio::time::timeout(FETCH_TIMEOUT, crate::security::jwks::download(r))
                        .await
                        .map_err(|_| "the key set fetch timed out".to_string())??
                }
            };
            if bytes.len() > MAX_JWKS_BYTES {
                return Err("the key set is too large".into());
            }
            key_from_jwks(&bytes, self.spec.kid, self.spec.alg)
        }

        /// The key, loaded on the first call (the start-up task makes it;
        /// a request that comes first waits for that one load). `None`:
        /// the endpoint answers 401 until restart.
        pub async fn key(&self) -> Option<&SigningKey> {
            self.key
                .get_or_init(|| async {
                    match self.load().await {
                        Ok(k) => Some(k),
                        Err(e) => {
                            error_line(&format!(
                                "[ENDPOINT: {}][JWTSigner] Unable to create the signer: {}",
                                self.path,
                                e.replace('"', "'")
                            ));
                            None
                        }
                    }
                })
                .await
                .as_ref()
        }
    }
}

#[cfg(not(feature = "jwt"))]
pub use without_feature::*;

#[cfg(not(feature = "jwt"))]
mod without_feature {
    use super::JwtSigner;

    /// Without the `jwt` feature a gateway cannot sign: the endpoint
    /// answers 401 (the compiler turns the feature on for any signer).
    #[derive(Debug)]
    pub struct Signer {
        /// The spec.
        pub spec: &'static JwtSigner,
    }

    /// Never made without the feature.
    #[derive(Debug)]
    pub enum SigningKey {}

    impl Signer {
        /// A signer that never has a key.
        pub fn new(spec: &'static JwtSigner, _path: &'static str, _ua: &'static str) -> Signer {
            Signer { spec }
        }

        /// Never a key.
        pub async fn key(&self) -> Option<&SigningKey> {
            None
        }
    }

    /// Never called (no key).
    pub fn sign_data(
        _spec: &JwtSigner,
        key: &SigningKey,
        _data: &mut crate::value::Map,
    ) -> Result<(), String> {
        match *key {}
    }
}

#[cfg(test)]
#[cfg(feature = "jwt")]
mod tests {
    use super::*;
    use crate::security::jwks::parse_jwks;
    use crate::security::jwt::KeyIdStrategy;

    const SYMMETRIC: &str = r#"{"keys": [
        {"kty": "oct", "alg": "A128KW", "k": "GawgguFyGrWKav7AX4VKUg", "kid": "sim1"},
        {"kty": "oct", "k": "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow", "kid": "sim2", "alg": "HS256"}
    ]}"#;

    fn spec(alg: JwtAlg, kid: &'static str, full: bool) -> JwtSigner {
        JwtSigner {
            alg,
            kid,
            keys: JwkSource::Local(""),
            keys_to_sign: &["access_token", "text"],
            full,
            typ: "JWT",
        }
    }

    /// lura's data holds `json.Number`s: the signed payload and the
    /// answer write them as the backend did, keys sorted as Go sorts a map.
    #[test]
    fn numbers_keep_their_text_in_go_json() {
        let Ok(v) = crate::value::from_slice(
            br#"{"b":1.10,"a":[1e2,-0,123456789012345678901234567890],"c":"<"}"#,
        ) else {
            panic!("json")
        };
        assert_eq!(
            go_json_text(&v),
            r#"{"a":[1e2,-0,123456789012345678901234567890],"b":1.10,"c":"\u003c"}"#
        );
    }

    /// CE's spec jwt_4: the exact token KrakenD CE writes.
    #[test]
    fn hs256_matches_ce_bytes() {
        let s = spec(JwtAlg::HS256, "sim2", false);
        let key = key_from_jwks(SYMMETRIC.as_bytes(), "sim2", JwtAlg::HS256).expect("key");
        let Ok(Value::Object(mut data)) = crate::value::from_slice(
            br#"{"access_token": {"aud": "http://api.example.com", "iss": "https://krakend.io",
                "sub": "1234567890qwertyuio", "jti": "mnb23vcsrt756yuiomnbvcx98ertyuiop",
                "roles": ["role_y"], "exp": 1735689600}, "text": "unsigned"}"#,
        ) else {
            panic!("json")
        };
        sign_data(&s, &key, &mut data).expect("sign");
        assert_eq!(
            go_json_text(&Value::Object(data)),
            r#"{"access_token":"eyJhbGciOiJIUzI1NiIsImtpZCI6InNpbTIiLCJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwOi8vYXBpLmV4YW1wbGUuY29tIiwiZXhwIjoxNzM1Njg5NjAwLCJpc3MiOiJodHRwczovL2tyYWtlbmQuaW8iLCJqdGkiOiJtbmIyM3Zjc3J0NzU2eXVpb21uYnZjeDk4ZXJ0eXVpb3AiLCJyb2xlcyI6WyJyb2xlX3kiXSwic3ViIjoiMTIzNDU2Nzg5MHF3ZXJ0eXVpbyJ9.zkfOW6Fsd0DzhYTXjc_SA3oOv2mG76JZTAvRaVibPNA","text":"unsigned"}"#
        );
    }

    #[test]
    fn full_serialisation_and_errors() {
        let s = spec(JwtAlg::HS256, "sim2", true);
        let key = key_from_jwks(SYMMETRIC.as_bytes(), "sim2", JwtAlg::HS256).expect("key");
        let mut payload = Map::new();
        payload.insert("a".into(), Value::from("<b>"));
        let t = token(&s, &key, &payload).expect("token");
        let doc: serde_json::Value = serde_json::from_str(&t).expect("json");
        let keys: Vec<&String> = doc.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["payload", "protected", "signature"]);
        // Go's HTML escaping inside the payload.
        let body = B64_TEST
            .decode(doc["payload"].as_str().expect("str"))
            .expect("b64");
        assert_eq!(body, br#"{"a":"\u003cb\u003e"}"#);
        assert!(key_from_jwks(SYMMETRIC.as_bytes(), "nope", JwtAlg::HS256).is_err());
        assert!(key_from_jwks(SYMMETRIC.as_bytes(), "sim2", JwtAlg::RS256).is_err());
    }

    use base64::Engine as _;
    const B64_TEST: base64::engine::GeneralPurpose =
        base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// Each supported algorithm: a token signed here verifies with the
    /// validator's verifier (its public half, through `parse_jwks`).
    #[test]
    fn round_trip_through_the_validator() {
        let keys = test_keys();
        for (alg, private, public) in &keys {
            let s = spec(*alg, "k1", false);
            let o: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(private).expect("jwk");
            let key = parse_private_key(&o, *alg).unwrap_or_else(|e| panic!("{alg:?}: {e}"));
            let mut payload = Map::new();
            payload.insert("sub".into(), Value::from("me"));
            let t = token(&s, &key, &payload).expect("token");
            let jwks = format!(r#"{{"keys": [{public}]}}"#);
            let (set, skipped) =
                parse_jwks(jwks.as_bytes(), KeyIdStrategy::Kid, false).expect("jwks");
            assert!(skipped.is_empty(), "{alg:?}: {skipped:?}");
            let verify_key = set.get("k1").expect("kid");
            let jws = crate::security::jwt::parse(t.as_bytes())
                .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
            assert_eq!(jws.alg, alg.name());
            assert!(
                verify_key.verify(*alg, &jws.signing_input, &jws.signature),
                "{alg:?}: signature"
            );
        }
    }

    /// (alg, private JWK, public JWK), generated for these tests.
    fn test_keys() -> Vec<(JwtAlg, String, String)> {
        include!("signer_test_keys.in")
    }
}
