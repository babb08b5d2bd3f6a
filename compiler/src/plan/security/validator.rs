//! `auth/validator`, planned (`spec::JwtValidator`), with CE's defaults
//! applied as `krakend-jose` applies them (krakend-components §4.1):
//! `roles_key` `roles`, `auth_header_name` `Authorization` (canonical),
//! `cookie_key` `access_token`, `cache_duration` 900 s when 0, leeway 1 s
//! when missing, unparsable or shorter, `failed_jwk_key_cooldown` off
//! below 1 s, `key_identify_strategy` `kid` for anything unknown; claim
//! names split into paths where CE walks them, headers canonical, and
//! `jwk_fingerprints` decoded. A local key set is read by the gateway when
//! it starts (as CE reads it), not compiled in: rotating the file needs a
//! restart, not a rebuild.

use base64::Engine as _;

use super::super::PlanError;
use crate::model::duration::parse_go_duration;
use crate::model::security::Validator as Model;

/// The algorithms CE accepts (`jose.go`'s `supportedAlgorithms`).
pub const ALGORITHMS: [&str; 13] = [
    "EdDSA", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
    "PS256", "PS384", "PS512",
];

/// `key_identify_strategy` (`spec::KeyIdStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyIdStrategy {
    /// `kid`.
    Kid,
    /// `x5t`.
    X5t,
    /// `x5t#S256`.
    X5tS256,
    /// `kid_x5t`.
    KidX5t,
}

/// Where the keys come from (`spec::JwkSource`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `jwk_local_path`.
    Local(String),
    /// `jwk_url` and its client options.
    Remote {
        /// `jwk_url`.
        url: String,
        /// `disable_jwk_security`.
        disable_jwk_security: bool,
        /// `jwk_fingerprints`, decoded.
        fingerprints: Vec<Vec<u8>>,
        /// `jwk_local_ca`.
        local_ca: Option<String>,
        /// `cipher_suites`.
        cipher_suites: Vec<u16>,
    },
}

/// A validator, CE's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    /// `alg` (one of [`ALGORITHMS`]).
    pub alg: String,
    /// The keys.
    pub keys: KeySource,
    /// `cache`.
    pub cache: bool,
    /// `cache_duration` (900 when 0), or the service's
    /// `shared_cache_duration` when longer.
    pub cache_duration_s: u32,
    /// `failed_jwk_key_cooldown` in ms (0: off).
    pub failed_key_cooldown_ms: u64,
    /// `key_identify_strategy`.
    pub key_identify_strategy: KeyIdStrategy,
    /// `issuer`, when not empty.
    pub issuer: Option<String>,
    /// `audience`.
    pub audience: Vec<String>,
    /// `leeway` in ns (at least 1 s).
    pub leeway_ns: u64,
    /// `roles_key` as a path.
    pub roles_key: Vec<String>,
    /// `roles`.
    pub roles: Vec<String>,
    /// `scopes_key` as a path (empty: no scope check).
    pub scopes_key: Vec<String>,
    /// `scopes` (empty: no scope check).
    pub scopes: Vec<String>,
    /// `scopes_matcher: all`.
    pub scopes_match_all: bool,
    /// `propagate_claims`: (claim path, canonical header), valid pairs only.
    pub propagate_claims: Vec<(Vec<String>, String)>,
    /// `propagate_claims_preserve_array`.
    pub propagate_claims_preserve_array: bool,
    /// `auth_header_name`, canonical.
    pub auth_header_name: String,
    /// `cookie_key`.
    pub cookie_key: String,
    /// `operation_debug`.
    pub operation_debug: bool,
}

/// Go's `base64.URLEncoding` (padded, not strict), as krakend-jose decodes
/// `jwk_fingerprints`.
pub const FINGERPRINT_B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// A fingerprint as CE decodes it (`None`: CE fails to start).
pub fn decode_fingerprint(text: &str) -> Option<Vec<u8>> {
    FINGERPRINT_B64.decode(text).ok()
}

/// A claim name as CE's `propagate_claims` reads it: a path when it holds a
/// `.` and does not start with `http` (`jose.go`).
fn claim_path(name: &str) -> Vec<String> {
    if name.contains('.') && name.get(..4).is_none_or(|p| p != "http") {
        name.split('.').map(str::to_string).collect()
    } else {
        vec![name.to_string()]
    }
}

/// A Go duration in ns, when it parses.
fn duration_ns(text: Option<&crate::model::Spanned<String>>) -> Option<i64> {
    parse_go_duration(&text?.value).ok()
}

/// Where a validator's or a signer's keys come from: the local file wins
/// over the URL, as in CE; `None` without either.
pub(crate) fn key_source(k: &crate::model::security::validator::KeySet<'_>) -> Option<KeySource> {
    Some(match (k.local_path, k.url) {
        (Some(p), _) => KeySource::Local(p.value.clone()),
        (None, Some(u)) => KeySource::Remote {
            url: u.value.clone(),
            disable_jwk_security: k.insecure,
            fingerprints: k
                .fingerprints
                .iter()
                .filter_map(|f| decode_fingerprint(&f.value))
                .collect(),
            local_ca: k
                .local_ca
                .filter(|c| !c.value.is_empty())
                .map(|c| c.value.clone()),
            cipher_suites: k
                .cipher_suites
                .iter()
                .filter_map(|c| u16::try_from(c.value).ok())
                .collect(),
        },
        (None, None) => return None,
    })
}

/// Plans an endpoint's validator; `service` is the root's `auth/validator`
/// (its `shared_cache_duration`). Fails only on what the linter reports as
/// an error first (an unknown `alg`, no key source).
pub(crate) fn plan(m: &Model, service: Option<&Model>, path: &str) -> Result<Validator, PlanError> {
    let invalid = |reason: &str| PlanError::InvalidValidator {
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
    let seconds = |v: Option<&crate::model::Spanned<i64>>| match v.map(|c| c.value) {
        Some(n) if n > 0 => u32::try_from(n).unwrap_or(u32::MAX),
        _ => 900,
    };
    let mut cache_duration_s = seconds(m.cache_duration.as_ref());
    if m.cached()
        && let Some(s) = service
    {
        cache_duration_s = cache_duration_s.max(seconds(s.shared_cache_duration.as_ref()));
    }
    let failed_key_cooldown_ms = duration_ns(m.failed_jwk_key_cooldown.as_ref())
        .filter(|ns| *ns >= 1_000_000_000)
        .map_or(0, |ns| u64::try_from(ns / 1_000_000).unwrap_or(0));
    let key_identify_strategy = match m.key_identify_strategy.as_ref().map(|s| s.value.as_str()) {
        Some("x5t") => KeyIdStrategy::X5t,
        Some("x5t#S256") => KeyIdStrategy::X5tS256,
        Some("kid_x5t") => KeyIdStrategy::KidX5t,
        _ => KeyIdStrategy::Kid,
    };
    let leeway_ns = duration_ns(m.leeway.as_ref()).map_or(1_000_000_000, |ns| {
        u64::try_from(ns).unwrap_or(0).max(1_000_000_000)
    });
    let roles_key = if m.roles_key_nested() {
        m.roles_key_text().split('.').map(str::to_string).collect()
    } else {
        vec![m.roles_key_text().to_string()]
    };
    let texts = |l: &[crate::model::Spanned<String>]| -> Vec<String> {
        l.iter().map(|s| s.value.clone()).collect()
    };
    let scopes_key = m.scopes_key.as_ref().map_or("", |k| k.value.as_str());
    let (scopes_key, scopes) = if scopes_key.is_empty() || m.required_scopes().is_empty() {
        (Vec::new(), Vec::new())
    } else {
        (
            scopes_key.split('.').map(str::to_string).collect(),
            texts(m.required_scopes()),
        )
    };
    let propagate_claims = m
        .propagate_claims
        .as_ref()
        .map(|p| {
            p.value
                .iter()
                .filter_map(|e| e.pair.as_ref())
                .map(|(claim, header)| {
                    (
                        claim_path(&claim.value),
                        super::super::canonical_header_key(&header.value),
                    )
                })
                .filter(|(_, header)| !header.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let auth_header_name = match &m.auth_header_name {
        Some(h) if !h.value.is_empty() => super::super::canonical_header_key(&h.value),
        _ => "Authorization".to_string(),
    };
    let cookie_key = match &m.cookie_key {
        Some(c) if !c.value.is_empty() => c.value.clone(),
        _ => "access_token".to_string(),
    };
    Ok(Validator {
        alg,
        keys,
        cache: m.cached(),
        cache_duration_s,
        failed_key_cooldown_ms,
        key_identify_strategy,
        issuer: m
            .issuer
            .as_ref()
            .filter(|i| !i.value.is_empty())
            .map(|i| i.value.clone()),
        audience: texts(&m.audience),
        leeway_ns,
        roles_key,
        roles: texts(m.required_roles()),
        scopes_key,
        scopes,
        scopes_match_all: m.scopes_matcher.as_ref().is_some_and(|s| s.value == "all"),
        propagate_claims,
        propagate_claims_preserve_array: m.propagate_claims_preserve_array,
        auth_header_name,
        cookie_key,
        operation_debug: m.operation_debug,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(json: &str) -> Result<Validator, PlanError> {
        let parsed = crate::syntax::json::parse(json);
        let root = parsed.root.expect("json");
        plan(&Model::from_node(root.span, &root), None, "/x")
    }

    #[test]
    fn ce_defaults() {
        let v = planned(r#"{"alg": "RS256", "jwk_url": "https://idp/jwks"}"#).expect("plan");
        assert_eq!(
            v,
            Validator {
                alg: "RS256".into(),
                keys: KeySource::Remote {
                    url: "https://idp/jwks".into(),
                    disable_jwk_security: false,
                    fingerprints: vec![],
                    local_ca: None,
                    cipher_suites: vec![],
                },
                cache: false,
                cache_duration_s: 900,
                failed_key_cooldown_ms: 0,
                key_identify_strategy: KeyIdStrategy::Kid,
                issuer: None,
                audience: vec![],
                leeway_ns: 1_000_000_000,
                roles_key: vec!["roles".into()],
                roles: vec![],
                scopes_key: vec![],
                scopes: vec![],
                scopes_match_all: false,
                propagate_claims: vec![],
                propagate_claims_preserve_array: false,
                auth_header_name: "Authorization".into(),
                cookie_key: "access_token".into(),
                operation_debug: false,
            }
        );
    }

    #[test]
    fn values_as_ce_reads_them() {
        let v = planned(
            r#"{"alg": "HS256", "jwk_local_path": "k.json", "jwk_url": "https://x",
                "leeway": "500ms", "failed_jwk_key_cooldown": "900ms", "cache_duration": 60,
                "key_identify_strategy": "x5t#S256", "roles_key": "realm_access.roles",
                "roles_key_is_nested": true, "roles": ["a"], "scopes_key": "a.scp",
                "scopes": ["s"], "scopes_matcher": "all", "auth_header_name": "x-token",
                "propagate_claims": [["sub", "x-user"], ["http://x.io/a.b", "x-h"], ["a.b", "x-ab"], ["only"]],
                "cookie_key": "tok", "issuer": ""}"#,
        )
        .expect("plan");
        assert_eq!(v.keys, KeySource::Local("k.json".into()));
        assert_eq!(v.leeway_ns, 1_000_000_000);
        assert_eq!(v.failed_key_cooldown_ms, 0);
        assert_eq!(v.cache_duration_s, 60);
        assert_eq!(v.key_identify_strategy, KeyIdStrategy::X5tS256);
        assert_eq!(v.roles_key, vec!["realm_access", "roles"]);
        assert_eq!(v.scopes_key, vec!["a", "scp"]);
        assert!(v.scopes_match_all);
        assert_eq!(v.auth_header_name, "X-Token");
        assert_eq!(v.cookie_key, "tok");
        assert_eq!(v.issuer, None);
        assert_eq!(
            v.propagate_claims,
            vec![
                (vec!["sub".to_string()], "X-User".to_string()),
                (vec!["http://x.io/a.b".to_string()], "X-H".to_string()),
                (vec!["a".to_string(), "b".to_string()], "X-Ab".to_string()),
            ]
        );
        let v = planned(r#"{"alg": "HS256", "jwk_url": "https://x", "leeway": "3s", "failed_jwk_key_cooldown": "2m", "roles_key": "https://x.io/roles", "roles_key_is_nested": true, "scopes": ["s"]}"#).expect("plan");
        assert_eq!(v.leeway_ns, 3_000_000_000);
        assert_eq!(v.failed_key_cooldown_ms, 120_000);
        assert_eq!(v.roles_key, vec!["https://x.io/roles"]);
        // `scopes` without `scopes_key`: no scope check.
        assert!(v.scopes.is_empty() && v.scopes_key.is_empty());
        assert!(planned(r#"{"alg": "none", "jwk_url": "https://x"}"#).is_err());
        assert!(planned(r#"{"alg": "RS256"}"#).is_err());
    }

    #[test]
    fn fingerprints_are_padded_base64url() {
        let d = [0xfbu8; 32];
        let padded = FINGERPRINT_B64.encode(d);
        assert!(padded.ends_with('='));
        assert_eq!(decode_fingerprint(&padded), Some(d.to_vec()));
        assert_eq!(decode_fingerprint(padded.trim_end_matches('=')), None);
        assert_eq!(decode_fingerprint("not base64!"), None);
    }
}
