//! JWTs for the end-to-end tests: keys for RS256 (testdata/keys), ES256,
//! EdDSA and HS256 (made here), their JWKS documents, and signing with
//! ring.
#![allow(dead_code)]

use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair as _};
use serde_json::{Value, json};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// One signing key of each kind.
pub struct Keys {
    pub rsa: signature::RsaKeyPair,
    pub ec: signature::EcdsaKeyPair,
    pub ed: signature::Ed25519KeyPair,
    pub secret: Vec<u8>,
}

impl Keys {
    pub fn new() -> Keys {
        let rng = SystemRandom::new();
        let rsa = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/keys/rsa-2048.pk8"
        ))
        .expect("testdata/keys/rsa-2048.pk8");
        let ec = signature::EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .expect("ec key");
        let ed = signature::Ed25519KeyPair::generate_pkcs8(&rng).expect("ed key");
        Keys {
            rsa: signature::RsaKeyPair::from_pkcs8(&rsa).expect("rsa key"),
            ec: signature::EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                ec.as_ref(),
                &rng,
            )
            .expect("ec key"),
            ed: signature::Ed25519KeyPair::from_pkcs8(ed.as_ref()).expect("ed key"),
            secret: b"the e2e tests' HMAC secret, 32 b".to_vec(),
        }
    }

    /// The public JWK of the RSA key, with this `kid`.
    pub fn rsa_jwk(&self, kid: &str) -> Value {
        let (n, e) = rsa_n_e(self.rsa.public().as_ref());
        json!({"kty": "RSA", "kid": kid, "use": "sig", "n": b64(&n), "e": b64(&e)})
    }

    /// The public JWK of the P-256 key.
    pub fn ec_jwk(&self, kid: &str) -> Value {
        let p = self.ec.public_key().as_ref();
        json!({"kty": "EC", "kid": kid, "crv": "P-256", "x": b64(&p[1..33]), "y": b64(&p[33..])})
    }

    /// The public JWK of the Ed25519 key.
    pub fn ed_jwk(&self, kid: &str) -> Value {
        json!({"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64(self.ed.public_key().as_ref())})
    }

    /// The HMAC key as a JWK.
    pub fn hs_jwk(&self, kid: &str) -> Value {
        json!({"kty": "oct", "kid": kid, "k": b64(&self.secret)})
    }

    /// A compact JWS of `claims` under `alg` (RS256, ES256, EdDSA, HS256)
    /// with this `kid`.
    pub fn sign(&self, alg: &str, kid: &str, claims: &Value) -> String {
        self.sign_with_header(&json!({"alg": alg, "kid": kid, "typ": "JWT"}), claims)
    }

    /// A compact JWS with this header (its `alg` picks the key).
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(&serde_json::to_vec(header).unwrap()),
            b64(&serde_json::to_vec(claims).unwrap())
        );
        let rng = SystemRandom::new();
        let sig = match header["alg"].as_str().unwrap_or_default() {
            "RS256" => {
                let mut sig = vec![0; self.rsa.public().modulus_len()];
                self.rsa
                    .sign(
                        &signature::RSA_PKCS1_SHA256,
                        &rng,
                        input.as_bytes(),
                        &mut sig,
                    )
                    .unwrap();
                sig
            }
            "ES256" => self
                .ec
                .sign(&rng, input.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
            "EdDSA" => self.ed.sign(input.as_bytes()).as_ref().to_vec(),
            "HS256" => ring::hmac::sign(
                &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.secret),
                input.as_bytes(),
            )
            .as_ref()
            .to_vec(),
            _ => Vec::new(),
        };
        format!("{input}.{}", b64(&sig))
    }
}

/// n and e of a DER `RSAPublicKey` (a SEQUENCE of two INTEGERs).
fn rsa_n_e(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn item(d: &[u8]) -> (&[u8], &[u8]) {
        let (len, at) = match d[1] {
            l if l < 0x80 => (usize::from(l), 2),
            l => {
                let n = usize::from(l & 0x7f);
                (
                    d[2..2 + n].iter().fold(0, |a, b| a * 256 + usize::from(*b)),
                    2 + n,
                )
            }
        };
        (&d[at..at + len], &d[at + len..])
    }
    let (seq, _) = item(der);
    let (n, rest) = item(seq);
    let (e, _) = item(rest);
    (n.to_vec(), e.to_vec())
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
