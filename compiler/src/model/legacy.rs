//! Config v1/v2 leftovers: renamed keys and long `extra_config` namespaces.
//!
//! KrakenD v3 has no struct field for the v2 keys, so they are silently
//! ignored (research/krakend-semantics.md §a.7). The long namespaces are
//! still accepted at run time through CE's alias table
//! (`krakend/krakend-ce:cmd/krakend-ce/main.go`), but the schema rejects them.

use super::Config;
use super::weak::decode_weak_int;
use crate::syntax::Node;

/// How KrakenD reads `version`: as any integer field (see
/// [`decode_weak_int`]); a missing `version` is 0.
pub fn decoded_version(node: Option<&Node>) -> Option<i64> {
    node.map_or(Some(0), decode_weak_int)
}

impl Config<'_> {
    /// `Some(1)` or `Some(2)` when the file declares config version 1 or 2:
    /// KrakenD rejects it before anything else, so rules other than the
    /// version check stay quiet on it.
    pub fn legacy_version(&self) -> Option<i64> {
        decoded_version(self.raw.get("version")).filter(|v| matches!(v, 1 | 2))
    }
}

/// Where a key lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// An `endpoints[]` object.
    Endpoint,
    /// A `backend[]` object.
    Backend,
}

/// A v2 key and its v3 name at one level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenamedKey {
    /// The v2 spelling.
    pub old: &'static str,
    /// The v3 key, when one exists at the same level.
    pub new: Option<&'static str>,
    /// Where the v3 setting lives when it is not a plain rename.
    pub moved: Option<&'static str>,
}

/// v2 keys KrakenD v3 ignores, per level.
pub fn renamed_key(level: Level, key: &str) -> Option<RenamedKey> {
    let (new, moved) = match (level, key) {
        (_, "headers_to_pass") => (Some("input_headers"), None),
        (_, "querystring_params") => (Some("input_query_strings"), None),
        (Level::Backend, "whitelist") => (Some("allow"), None),
        (Level::Backend, "blacklist") => (Some("deny"), None),
        (Level::Endpoint, "whitelist") => (None, Some("`allow` on each backend")),
        (Level::Endpoint, "blacklist") => (None, Some("`deny` on each backend")),
        _ => return None,
    };
    let old = V2_KEYS.iter().find(|k| **k == key)?;
    Some(RenamedKey { old, new, moved })
}

/// Every v2 key name (any level).
pub const V2_KEYS: [&str; 4] = [
    "headers_to_pass",
    "querystring_params",
    "whitelist",
    "blacklist",
];

/// CE's namespace aliases: (long legacy key, short v3 key).
pub const NAMESPACE_ALIASES: [(&str, &str); 38] = [
    (
        "github_com/devopsfaith/krakend/transport/http/server/handler",
        "plugin/http-server",
    ),
    (
        "github.com/devopsfaith/krakend/transport/http/client/executor",
        "plugin/http-client",
    ),
    (
        "github.com/devopsfaith/krakend/proxy/plugin",
        "plugin/req-resp-modifier",
    ),
    ("github.com/devopsfaith/krakend/proxy", "proxy"),
    ("github_com/luraproject/lura/router/gin", "router"),
    (
        "github.com/devopsfaith/krakend-ratelimit/juju/router",
        "qos/ratelimit/router",
    ),
    (
        "github.com/devopsfaith/krakend-ratelimit/juju/proxy",
        "qos/ratelimit/proxy",
    ),
    ("github.com/devopsfaith/krakend-httpcache", "qos/http-cache"),
    (
        "github.com/devopsfaith/krakend-circuitbreaker/gobreaker",
        "qos/circuit-breaker",
    ),
    (
        "github.com/devopsfaith/krakend-oauth2-clientcredentials",
        "auth/client-credentials",
    ),
    (
        "github.com/devopsfaith/krakend-jose/validator",
        "auth/validator",
    ),
    ("github.com/devopsfaith/krakend-jose/signer", "auth/signer"),
    ("github_com/devopsfaith/bloomfilter", "auth/revoker"),
    (
        "github_com/devopsfaith/krakend-botdetector",
        "security/bot-detector",
    ),
    ("github_com/devopsfaith/krakend-httpsecure", "security/http"),
    ("github_com/devopsfaith/krakend-cors", "security/cors"),
    ("github.com/devopsfaith/krakend-cel", "validation/cel"),
    (
        "github.com/devopsfaith/krakend-jsonschema",
        "validation/json-schema",
    ),
    ("github.com/devopsfaith/krakend-amqp/agent", "async/amqp"),
    (
        "github.com/devopsfaith/krakend-amqp/consume",
        "backend/amqp/consumer",
    ),
    (
        "github.com/devopsfaith/krakend-amqp/produce",
        "backend/amqp/producer",
    ),
    ("github.com/devopsfaith/krakend-lambda", "backend/lambda"),
    (
        "github.com/devopsfaith/krakend-pubsub/publisher",
        "backend/pubsub/publisher",
    ),
    (
        "github.com/devopsfaith/krakend-pubsub/subscriber",
        "backend/pubsub/subscriber",
    ),
    (
        "github.com/devopsfaith/krakend/transport/http/client/graphql",
        "backend/graphql",
    ),
    ("github.com/devopsfaith/krakend/http", "backend/http"),
    ("github_com/devopsfaith/krakend-gelf", "telemetry/gelf"),
    (
        "github_com/devopsfaith/krakend-gologging",
        "telemetry/logging",
    ),
    (
        "github_com/devopsfaith/krakend-logstash",
        "telemetry/logstash",
    ),
    (
        "github_com/devopsfaith/krakend-metrics",
        "telemetry/metrics",
    ),
    ("github_com/letgoapp/krakend-influx", "telemetry/influx"),
    ("github_com/devopsfaith/krakend-influx", "telemetry/influx"),
    ("github_com/Jozefiel/krakend-influx2", "telemetry/influx2"),
    (
        "github_com/devopsfaith/krakend-opencensus",
        "telemetry/opencensus",
    ),
    (
        "github.com/devopsfaith/krakend-lua/router",
        "modifier/lua-endpoint",
    ),
    (
        "github.com/devopsfaith/krakend-lua/proxy",
        "modifier/lua-proxy",
    ),
    (
        "github.com/devopsfaith/krakend-lua/proxy/backend",
        "modifier/lua-backend",
    ),
    ("github.com/devopsfaith/krakend-martian", "modifier/martian"),
];

/// Long names of [`NAMESPACE_ALIASES`] that KrakenD CE does not read (its
/// alias table, `krakend-ce` `cmd/krakend-ce/main.go`, lacks them): the
/// v1 rate-limit names (GW708) and two influx plugins' names.
const NOT_READ_BY_CE: [&str; 4] = [
    "github.com/devopsfaith/krakend-ratelimit/juju/router",
    "github.com/devopsfaith/krakend-ratelimit/juju/proxy",
    "github_com/devopsfaith/krakend-influx",
    "github_com/Jozefiel/krakend-influx2",
];

/// The long legacy names KrakenD CE reads as the namespace `short`: CE's
/// `Normalize` renames `short` to its long key at start, and the modules
/// read the long key, so a config may write either (the short one wins
/// when both are there).
pub fn ce_aliases(short: &str) -> impl Iterator<Item = &'static str> + '_ {
    NAMESPACE_ALIASES
        .iter()
        .filter(move |(long, s)| *s == short && !NOT_READ_BY_CE.contains(long))
        .map(|(long, _)| *long)
}

/// Whether KrakenD CE reads `long` as a short namespace.
pub fn is_ce_alias(long: &str) -> bool {
    !NOT_READ_BY_CE.contains(&long) && short_namespace(long).is_some()
}

/// The short v3 namespace for a long legacy one.
pub fn short_namespace(long: &str) -> Option<&'static str> {
    NAMESPACE_ALIASES
        .iter()
        .find(|(l, _)| *l == long)
        .map(|(_, s)| *s)
}

/// Whether `key` looks like a long Go-module namespace
/// (`github.com/…`, `github_com/…`), aliased or not.
pub fn is_long_namespace(key: &str) -> bool {
    key.starts_with("github.com/") || key.starts_with("github_com/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames() {
        let cases = [
            (Level::Endpoint, "headers_to_pass", Some("input_headers")),
            (Level::Backend, "headers_to_pass", Some("input_headers")),
            (
                Level::Endpoint,
                "querystring_params",
                Some("input_query_strings"),
            ),
            (Level::Backend, "whitelist", Some("allow")),
            (Level::Backend, "blacklist", Some("deny")),
            (Level::Endpoint, "whitelist", None),
        ];
        for (level, key, want) in cases {
            assert_eq!(renamed_key(level, key).and_then(|r| r.new), want, "{key}");
        }
        assert_eq!(renamed_key(Level::Backend, "allow"), None);
        assert!(renamed_key(Level::Endpoint, "whitelist").is_some_and(|r| r.moved.is_some()));
    }

    #[test]
    fn versions() {
        use crate::syntax::{NodeKind, Number, Span};
        let node = |kind| Node::new(kind, Span::default());
        let num = |raw: &str| node(NodeKind::Number(Number { raw: raw.into() }));
        let text = |s: &str| node(NodeKind::String(s.into()));
        let cases = [
            (None, Some(0)),
            (Some(node(NodeKind::Null)), Some(0)),
            (Some(num("3")), Some(3)),
            (Some(num("3.0")), Some(3)),
            (Some(num("3.9")), Some(3)),
            (Some(num("2")), Some(2)),
            (Some(num("-1")), Some(-1)),
            (Some(text("3")), Some(3)),
            (Some(text("")), Some(0)),
            (Some(text("0x3")), Some(3)),
            (Some(text("03")), Some(3)),
            (Some(text("+3")), Some(3)),
            (Some(text("3.0")), None),
            (Some(text("three")), None),
            (Some(text("1_0")), None),
            (Some(text("0x1_0")), Some(16)),
            (Some(node(NodeKind::Bool(true))), Some(1)),
            (Some(node(NodeKind::Array(vec![]))), None),
        ];
        for (input, want) in cases {
            assert_eq!(decoded_version(input.as_ref()), want, "{input:?}");
        }
    }

    #[test]
    fn namespaces() {
        assert_eq!(
            short_namespace("github.com/devopsfaith/krakend/proxy"),
            Some("proxy")
        );
        assert_eq!(
            short_namespace("github_com/devopsfaith/krakend-metrics"),
            Some("telemetry/metrics")
        );
        assert_eq!(short_namespace("proxy"), None);
        assert_eq!(
            ce_aliases("router").collect::<Vec<_>>(),
            ["github_com/luraproject/lura/router/gin"]
        );
        assert_eq!(ce_aliases("qos/ratelimit/router").count(), 0);
        assert_eq!(
            ce_aliases("telemetry/influx").collect::<Vec<_>>(),
            ["github_com/letgoapp/krakend-influx"]
        );
        assert!(is_ce_alias("github.com/devopsfaith/krakend-jose/signer"));
        assert!(!is_ce_alias(
            "github.com/devopsfaith/krakend-ratelimit/juju/router"
        ));
        // CE's table has 34 entries.
        assert_eq!(
            NAMESPACE_ALIASES
                .iter()
                .filter(|(l, _)| is_ce_alias(l))
                .count(),
            34
        );
        assert!(is_long_namespace("github_com/devopsfaith/krakend-metrics"));
        assert!(!is_long_namespace("telemetry/metrics"));
    }
}
