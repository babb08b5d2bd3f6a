//! `auth/signer`, planned (`spec::JwtSigner`), with CE's defaults applied
//! (krakend-components §13): `typ` `JWT` when empty; the key set as the
//! validator's ([`super::validator::KeySource`]), read by the gateway when
//! it starts, as CE reads it.

use super::super::PlanError;
use super::validator::{ALGORITHMS, KeySource, key_source};
use crate::model::security::signer::Signer as Model;

/// A signer, CE's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    /// `alg` (one of [`ALGORITHMS`]).
    pub alg: String,
    /// `kid`.
    pub kid: String,
    /// The keys.
    pub keys: KeySource,
    /// `keys_to_sign`.
    pub keys_to_sign: Vec<String>,
    /// `full`.
    pub full: bool,
    /// `typ` (`JWT` when empty).
    pub typ: String,
}

/// Plans an endpoint's signer. Fails only on what the linter reports as
/// an error first (an unknown `alg` GW646, no key set GW647).
pub(crate) fn plan(m: &Model, path: &str) -> Result<Signer, PlanError> {
    let invalid = |reason: &str| PlanError::InvalidSigner {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    let alg = m
        .alg
        .as_ref()
        .map(|a| a.value.clone())
        .filter(|a| ALGORITHMS.contains(&a.as_str()))
        .ok_or_else(|| invalid("`alg` is missing or unknown"))?;
    let keys = key_source(&m.key_set())
        .ok_or_else(|| invalid("neither `jwk_url` nor `jwk_local_path` is set"))?;
    Ok(Signer {
        alg,
        kid: m.kid.as_ref().map(|k| k.value.clone()).unwrap_or_default(),
        keys,
        keys_to_sign: m.keys().iter().map(|k| k.value.clone()).collect(),
        full: m.full,
        typ: match &m.typ {
            Some(t) if !t.value.is_empty() => t.value.clone(),
            _ => "JWT".to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(json: &str) -> Result<Signer, PlanError> {
        let parsed = crate::syntax::json::parse(json);
        let root = parsed.root.expect("json");
        plan(&Model::from_node(root.span, &root), "/x")
    }

    #[test]
    fn ce_defaults_and_values() {
        let s = planned(
            r#"{"alg": "HS256", "kid": "sim2", "keys_to_sign": ["access_token", 3],
                "jwk_url": "http://127.0.0.1:8081/jwk/symmetric", "disable_jwk_security": true}"#,
        )
        .expect("plan");
        assert_eq!(
            s,
            Signer {
                alg: "HS256".into(),
                kid: "sim2".into(),
                keys: KeySource::Remote {
                    url: "http://127.0.0.1:8081/jwk/symmetric".into(),
                    disable_jwk_security: true,
                    fingerprints: vec![],
                    local_ca: None,
                    cipher_suites: vec![],
                },
                keys_to_sign: vec!["access_token".into()],
                full: false,
                typ: "JWT".into(),
            }
        );
        let s = planned(r#"{"alg": "EdDSA", "kid": "k", "jwk_local_path": "k.json", "jwk_url": "https://x", "full": true, "typ": "at+jwt"}"#)
            .expect("plan");
        assert_eq!(s.keys, KeySource::Local("k.json".into()));
        assert!(s.full);
        assert_eq!(s.typ, "at+jwt");
        assert!(planned(r#"{"alg": "none", "kid": "k", "jwk_url": "https://x"}"#).is_err());
        assert!(planned(r#"{"alg": "HS256", "kid": "k"}"#).is_err());
    }
}
