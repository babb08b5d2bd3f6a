//! `qos/http-cache`, planned: the store `krakend-httpcache` selects
//! (`selectCache`), with gwc's bounds where CE has none.

use crate::model::traffic::HttpCacheNs;

/// `max_size` when the config leaves CE's store unbounded
/// (`gw_runtime::traffic::http_cache::DEFAULT_MAX_SIZE`).
pub const DEFAULT_MAX_SIZE: u64 = 32 * 1024 * 1024;
/// `max_items` when the config leaves CE's store unbounded.
pub const DEFAULT_MAX_ITEMS: u64 = 4096;

/// The cache of one backend (`spec::HttpCache`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpCache {
    /// One process-wide store.
    pub shared: bool,
    /// CE bounds it (both bounds set); otherwise CE's is unbounded.
    pub bounded: bool,
    /// Bytes.
    pub max_size: u64,
    /// Entries.
    pub max_items: u64,
}

/// Plans the namespace. A value CE cannot decode gives CE's default (a
/// private, unbounded store: gwc's defaults); a bound left out or zero
/// takes gwc's default.
pub fn plan(ns: &HttpCacheNs<'_>) -> HttpCache {
    if ns.falls_back() {
        return HttpCache {
            shared: false,
            bounded: false,
            max_size: DEFAULT_MAX_SIZE,
            max_items: DEFAULT_MAX_ITEMS,
        };
    }
    let or = |v: &Option<crate::model::Spanned<u64>>, default: u64| {
        v.as_ref()
            .map(|v| v.value)
            .filter(|v| *v > 0)
            .unwrap_or(default)
    };
    HttpCache {
        shared: ns.shared(),
        bounded: ns.bounded(),
        max_size: or(&ns.max_size, DEFAULT_MAX_SIZE),
        max_items: or(&ns.max_items, DEFAULT_MAX_ITEMS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{Span, json};

    #[test]
    fn stores_as_krakend_httpcache_selects_them() {
        let d = (DEFAULT_MAX_SIZE, DEFAULT_MAX_ITEMS);
        // (namespace value, shared, bounded, max_size, max_items)
        let cases: &[(&str, bool, bool, u64, u64)] = &[
            ("{}", false, false, d.0, d.1),
            ("null", false, false, d.0, d.1),
            (r#"{"shared": true}"#, true, false, d.0, d.1),
            (
                r#"{"max_size": 1000, "max_items": 10}"#,
                false,
                true,
                1000,
                10,
            ),
            (r#"{"max_size": 1000}"#, false, false, 1000, d.1),
            (r#"{"max_size": 0, "max_items": 10}"#, false, false, d.0, 10),
            (
                r#"{"shared": true, "max_size": 1000, "max_items": 10}"#,
                true,
                true,
                1000,
                10,
            ),
            (
                r#"{"Max_Size": 1000, "MAX_ITEMS": 10}"#,
                false,
                true,
                1000,
                10,
            ),
            // CE's decoder fails: the default, private and unbounded.
            (
                r#"{"shared": "true", "max_size": 1000, "max_items": 10}"#,
                false,
                false,
                d.0,
                d.1,
            ),
            (
                r#"{"shared": true, "max_size": -1, "max_items": 10}"#,
                false,
                false,
                d.0,
                d.1,
            ),
            (
                r#"{"max_size": 1.5, "max_items": 10}"#,
                false,
                false,
                d.0,
                d.1,
            ),
            ("true", false, false, d.0, d.1),
        ];
        for (text, shared, bounded, max_size, max_items) in cases {
            let tree = json::parse(text).root.expect("json");
            let ns = HttpCacheNs::from_node(Span::default(), &tree);
            let want = HttpCache {
                shared: *shared,
                bounded: *bounded,
                max_size: *max_size,
                max_items: *max_items,
            };
            assert_eq!(plan(&ns), want, "{text}");
        }
    }

    #[test]
    fn the_runtime_feature_only_with_a_cache() {
        let features = |extra: &str| {
            let text = format!(
                r#"{{"version": 3, "host": ["http://h"], "endpoints": [{{"endpoint": "/a",
                    "backend": [{{"url_pattern": "/a", "extra_config": {{{extra}}}}}]}}]}}"#
            );
            let parsed = crate::syntax::parse(&text, crate::syntax::Format::Json);
            let root = parsed.root.expect("parses");
            let config = crate::model::Config::from_tree(&root);
            crate::plan::plan(&config, &crate::plan::PlanOptions::default())
                .expect("plans")
                .runtime_features()
        };
        assert_eq!(features(r#""qos/http-cache": {}"#), ["http-cache"]);
        assert_eq!(
            features(r#""github.com/devopsfaith/krakend-httpcache": {"shared": true}"#),
            ["http-cache"]
        );
        assert!(features("").is_empty());
    }
}
