//! `auth/signer` (endpoint level; krakend-components §13).
//!
//! Read leniently, as every namespace: a value of the wrong type is left
//! out (`None`, or skipped in a list) and GW802 reports it.

use crate::model::{Fields, Spanned, spanned};
use crate::syntax::{Node, NodeKind, Span};

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct Signer {
    /// The namespace's key span.
    pub key_span: Span,
    /// `alg`, when a string.
    pub alg: Option<Spanned<String>>,
    /// Whether `alg` is written with a value other than `null`.
    pub alg_written: bool,
    /// `kid`.
    pub kid: Option<Spanned<String>>,
    /// `keys_to_sign` (its key span and the string entries).
    pub keys_to_sign: Option<Spanned<Vec<Spanned<String>>>>,
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
    /// `jwk_fingerprints`.
    pub jwk_fingerprints: Vec<Spanned<String>>,
    /// `cipher_suites`.
    pub cipher_suites: Vec<Spanned<i64>>,
    /// `disable_jwk_security`.
    pub disable_jwk_security: Option<Spanned<bool>>,
    /// `full`.
    pub full: bool,
    /// `typ`.
    pub typ: Option<Spanned<String>>,
}

impl Signer {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &Node) -> Self {
        let f = Fields(node);
        Signer {
            key_span,
            alg: f.string("alg"),
            alg_written: f
                .node("alg")
                .is_some_and(|m| !matches!(m.value.kind, NodeKind::Null)),
            kid: f.string("kid"),
            keys_to_sign: f.string_list("keys_to_sign"),
            jwk_url: f.string("jwk_url"),
            jwk_local_path: f.string("jwk_local_path"),
            jwk_local_ca: f.string("jwk_local_ca"),
            secret_url: f.string("secret_url"),
            cypher_key: f.string("cypher_key"),
            jwk_fingerprints: f
                .string_list("jwk_fingerprints")
                .map(|l| l.value)
                .unwrap_or_default(),
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
            full: f.flag("full"),
            typ: f.string("typ"),
        }
    }

    /// `disable_jwk_security: true`.
    pub fn insecure(&self) -> bool {
        self.disable_jwk_security.as_ref().is_some_and(|d| d.value)
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
    /// `https://`, or `disable_jwk_security`, also for a local key set);
    /// when it fails, CE's endpoint answers 401 to every request.
    pub fn passes_https_check(&self) -> bool {
        self.insecure()
            || self
                .jwk_url
                .as_ref()
                .is_some_and(|u| u.value.starts_with("https://"))
    }

    /// The `keys_to_sign` entries.
    pub fn keys(&self) -> &[Spanned<String>] {
        self.keys_to_sign
            .as_ref()
            .map_or(&[], |k| k.value.as_slice())
    }
}

impl Signer {
    /// The key-set settings it shares with `auth/validator`.
    pub fn key_set(&self) -> super::validator::KeySet<'_> {
        super::validator::KeySet {
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
