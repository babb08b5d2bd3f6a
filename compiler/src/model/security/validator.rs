//! `auth/validator` (endpoint level, and `shared_cache_duration` at the
//! service level; krakend-components §4.1).
//!
//! Read leniently, as every namespace: a value of the wrong type is left
//! out (`None`, or skipped in a list) and GW802 reports it, since CE then
//! cannot decode the namespace at all.

use crate::model::{Fields, Spanned, spanned};
use crate::syntax::{Node, NodeKind, Span};

/// The fields CE's `SignatureConfig` decodes (plus the service level's
/// `shared_cache_duration`).
pub const FIELDS: [&str; 28] = [
    "alg",
    "auth_header_name",
    "jwk_url",
    "cache",
    "cache_duration",
    "issuer",
    "audience",
    "roles",
    "propagate_claims",
    "propagate_claims_preserve_array",
    "roles_key",
    "roles_key_is_nested",
    "cookie_key",
    "cipher_suites",
    "disable_jwk_security",
    "jwk_fingerprints",
    "jwk_local_ca",
    "jwk_local_path",
    "secret_url",
    "cypher_key",
    "scopes",
    "scopes_key",
    "scopes_matcher",
    "key_identify_strategy",
    "operation_debug",
    "leeway",
    "failed_jwk_key_cooldown",
    "shared_cache_duration",
];

/// One `propagate_claims` entry.
#[derive(Clone, Debug)]
pub struct ClaimMapping {
    /// The entry.
    pub span: Span,
    /// How many items it has, when it is an array.
    pub len: Option<usize>,
    /// The claim and the header, when it is an array of exactly two strings.
    pub pair: Option<(Spanned<String>, Spanned<String>)>,
}

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct Validator {
    /// The namespace's key span.
    pub key_span: Span,
    /// `alg`, when a string.
    pub alg: Option<Spanned<String>>,
    /// Whether `alg` is written with a value other than `null` (a string or
    /// not).
    pub alg_written: bool,
    /// `jwk_url`.
    pub jwk_url: Option<Spanned<String>>,
    /// `jwk_local_path`.
    pub jwk_local_path: Option<Spanned<String>>,
    /// `jwk_local_ca`.
    pub jwk_local_ca: Option<Spanned<String>>,
    /// `secret_url`.
    pub secret_url: Option<Spanned<String>>,
    /// `cypher_key`.
    pub cypher_key: Option<Spanned<String>>,
    /// `cache`.
    pub cache: Option<Spanned<bool>>,
    /// `cache_duration`.
    pub cache_duration: Option<Spanned<i64>>,
    /// `shared_cache_duration` (service level).
    pub shared_cache_duration: Option<Spanned<i64>>,
    /// `failed_jwk_key_cooldown`.
    pub failed_jwk_key_cooldown: Option<Spanned<String>>,
    /// `key_identify_strategy`.
    pub key_identify_strategy: Option<Spanned<String>>,
    /// `jwk_fingerprints`.
    pub jwk_fingerprints: Vec<Spanned<String>>,
    /// `cipher_suites`.
    pub cipher_suites: Vec<Spanned<i64>>,
    /// `disable_jwk_security`.
    pub disable_jwk_security: Option<Spanned<bool>>,
    /// `issuer`.
    pub issuer: Option<Spanned<String>>,
    /// `audience`.
    pub audience: Vec<Spanned<String>>,
    /// `leeway`.
    pub leeway: Option<Spanned<String>>,
    /// `roles_key`.
    pub roles_key: Option<Spanned<String>>,
    /// `roles_key_is_nested`.
    pub roles_key_is_nested: Option<Spanned<bool>>,
    /// `roles`.
    pub roles: Option<Spanned<Vec<Spanned<String>>>>,
    /// `scopes`.
    pub scopes: Option<Spanned<Vec<Spanned<String>>>>,
    /// `scopes_key`.
    pub scopes_key: Option<Spanned<String>>,
    /// `scopes_matcher`.
    pub scopes_matcher: Option<Spanned<String>>,
    /// `propagate_claims` (its key span and entries).
    pub propagate_claims: Option<Spanned<Vec<ClaimMapping>>>,
    /// `propagate_claims_preserve_array`.
    pub propagate_claims_preserve_array: bool,
    /// `auth_header_name`.
    pub auth_header_name: Option<Spanned<String>>,
    /// `cookie_key`.
    pub cookie_key: Option<Spanned<String>>,
    /// `operation_debug`.
    pub operation_debug: bool,
    /// Keys written with `-` for `_` (`jwk-url`): (key, its span, the
    /// field meant).
    pub hyphenated: Vec<(String, Span, &'static str)>,
}

impl Validator {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &Node) -> Self {
        let f = Fields(node);
        let list = |k: &str| f.string_list(k).map(|l| l.value).unwrap_or_default();
        let propagate_claims = f.node("propagate_claims").and_then(|m| {
            let items = m.value.as_array()?;
            let entries = items
                .iter()
                .map(|entry| {
                    let arr = entry.as_array();
                    let pair = match arr {
                        Some([claim, header]) => match (&claim.kind, &header.kind) {
                            (NodeKind::String(c), NodeKind::String(h)) => Some((
                                spanned(claim.span, claim, c.clone()),
                                spanned(header.span, header, h.clone()),
                            )),
                            _ => None,
                        },
                        _ => None,
                    };
                    ClaimMapping {
                        span: entry.span,
                        len: arr.map(<[Node]>::len),
                        pair,
                    }
                })
                .collect();
            Some(spanned(m.key_span, &m.value, entries))
        });
        let hyphenated = node
            .as_object()
            .unwrap_or_default()
            .iter()
            .filter(|m| m.key.contains('-'))
            .filter_map(|m| {
                let meant = m.key.replace('-', "_");
                let field = FIELDS.iter().find(|f| **f == meant)?;
                Some((m.key.clone(), m.key_span, *field))
            })
            .collect();
        Validator {
            key_span,
            alg: f.string("alg"),
            alg_written: f
                .node("alg")
                .is_some_and(|m| !matches!(m.value.kind, NodeKind::Null)),
            jwk_url: f.string("jwk_url"),
            jwk_local_path: f.string("jwk_local_path"),
            jwk_local_ca: f.string("jwk_local_ca"),
            secret_url: f.string("secret_url"),
            cypher_key: f.string("cypher_key"),
            cache: f.bool("cache"),
            cache_duration: f.int("cache_duration"),
            shared_cache_duration: f.int("shared_cache_duration"),
            failed_jwk_key_cooldown: f.string("failed_jwk_key_cooldown"),
            key_identify_strategy: f.string("key_identify_strategy"),
            jwk_fingerprints: list("jwk_fingerprints"),
            cipher_suites: f
                .node("cipher_suites")
                .and_then(|m| m.value.as_array())
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|n| Some(spanned(n.span, n, n.as_number()?.as_i64()?)))
                        .collect()
                })
                .unwrap_or_default(),
            disable_jwk_security: f.bool("disable_jwk_security"),
            issuer: f.string("issuer"),
            audience: list("audience"),
            leeway: f.string("leeway"),
            roles_key: f.string("roles_key"),
            roles_key_is_nested: f.bool("roles_key_is_nested"),
            roles: f.string_list("roles"),
            scopes: f.string_list("scopes"),
            scopes_key: f.string("scopes_key"),
            scopes_matcher: f.string("scopes_matcher"),
            propagate_claims,
            propagate_claims_preserve_array: f.flag("propagate_claims_preserve_array"),
            auth_header_name: f.string("auth_header_name"),
            cookie_key: f.string("cookie_key"),
            operation_debug: f.flag("operation_debug"),
            hyphenated,
        }
    }

    /// `disable_jwk_security: true`.
    pub fn insecure(&self) -> bool {
        self.disable_jwk_security.as_ref().is_some_and(|d| d.value)
    }

    /// `cache: true`.
    pub fn cached(&self) -> bool {
        self.cache.as_ref().is_some_and(|c| c.value)
    }

    /// A non-empty `jwk_url`.
    pub fn url(&self) -> Option<&Spanned<String>> {
        self.jwk_url.as_ref().filter(|u| !u.value.is_empty())
    }

    /// A non-empty `jwk_local_path`.
    pub fn local_path(&self) -> Option<&Spanned<String>> {
        self.jwk_local_path.as_ref().filter(|p| !p.value.is_empty())
    }

    /// Whether CE's https check passes (`jws.go`: `jwk_url` starts with
    /// `https://`, or `disable_jwk_security`); when it fails, CE's endpoint
    /// answers 401 to every request.
    pub fn passes_https_check(&self) -> bool {
        self.insecure()
            || self
                .jwk_url
                .as_ref()
                .is_some_and(|u| u.value.starts_with("https://"))
    }

    /// `roles_key` as CE uses it (`roles` when empty).
    pub fn roles_key_text(&self) -> &str {
        match &self.roles_key {
            Some(k) if !k.value.is_empty() => &k.value,
            _ => "roles",
        }
    }

    /// Whether CE walks `roles_key` as a nested path (`gin/jose.go`: the
    /// flag, a `.`, and no `http` prefix). CE slices the key's first four
    /// bytes for the prefix test (GW637 reports shorter keys).
    pub fn roles_key_nested(&self) -> bool {
        let key = self.roles_key_text();
        self.roles_key_is_nested.as_ref().is_some_and(|n| n.value)
            && key.contains('.')
            && key.get(..4).is_none_or(|p| p != "http")
    }

    /// The non-empty `roles`.
    pub fn required_roles(&self) -> &[Spanned<String>] {
        self.roles.as_ref().map_or(&[], |r| r.value.as_slice())
    }

    /// The non-empty `scopes`.
    pub fn required_scopes(&self) -> &[Spanned<String>] {
        self.scopes.as_ref().map_or(&[], |s| s.value.as_slice())
    }
}

/// The key-set settings `auth/validator` and `auth/signer` share, as the
/// plan and the build rules read them for either namespace.
pub struct KeySet<'m> {
    /// `alg`.
    pub alg: Option<&'m Spanned<String>>,
    /// `jwk_local_path`, when set.
    pub local_path: Option<&'m Spanned<String>>,
    /// `jwk_url`, when set.
    pub url: Option<&'m Spanned<String>>,
    /// `disable_jwk_security`.
    pub insecure: bool,
    /// `jwk_fingerprints`.
    pub fingerprints: &'m [Spanned<String>],
    /// `jwk_local_ca`.
    pub local_ca: Option<&'m Spanned<String>>,
    /// `cipher_suites`.
    pub cipher_suites: &'m [Spanned<i64>],
    /// `secret_url`.
    pub secret_url: Option<&'m Spanned<String>>,
    /// `cypher_key`.
    pub cypher_key: Option<&'m Spanned<String>>,
}

impl Validator {
    /// The key-set settings.
    pub fn key_set(&self) -> KeySet<'_> {
        KeySet {
            alg: self.alg.as_ref(),
            local_path: self.local_path(),
            url: self.url(),
            insecure: self.insecure(),
            fingerprints: &self.jwk_fingerprints,
            local_ca: self.jwk_local_ca.as_ref(),
            cipher_suites: &self.cipher_suites,
            secret_url: self.secret_url.as_ref(),
            cypher_key: self.cypher_key.as_ref(),
        }
    }
}
