//! `security/cors`, planned (`spec::Cors`): CE's defaults applied exactly
//! as `krakend-cors` v2.2.1 (`mux/cors.go`) and rs/cors v1.11.1 (`New`)
//! apply them (krakend-components §3.1, "CE runtime default"), and every
//! string the stage compares or sends precomputed.

use crate::model::Spanned;
use crate::model::duration::parse_go_duration;
use crate::model::security::Cors as Model;
use crate::model::security::cors::MaxAge;
use crate::plan::canonical_header_key;

/// A CORS policy, CE's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cors {
    /// Every origin is allowed: `allow_origins` empty (CE's `["*"]`) or
    /// holding `*`.
    pub allow_all_origins: bool,
    /// The origins without a `*`, lower-cased (rs/cors compares the
    /// lower-cased request `Origin` with them).
    pub origins: Vec<String>,
    /// The origins with a `*`, lower-cased and split at the first `*` into
    /// (prefix, suffix); a later `*` is literal.
    pub wildcard_origins: Vec<(String, String)>,
    /// `allow_methods` as written (compared case-sensitively), `GET`,
    /// `POST`, `HEAD` when empty.
    pub methods: Vec<String>,
    /// Every request header is allowed: `allow_headers` empty (CE's
    /// `["*"]`) or holding `*`.
    pub allow_all_headers: bool,
    /// Otherwise the allowed headers, lower-cased, sorted (byte order) and
    /// without duplicates: rs/cors's `SortedSet`.
    pub headers: Vec<String>,
    /// The `Access-Control-Expose-Headers` value: the names canonicalised
    /// (`X-Total`) and joined with `, `; `None` when the list is empty.
    pub expose_headers: Option<String>,
    /// `allow_credentials`.
    pub allow_credentials: bool,
    /// `allow_private_network`.
    pub allow_private_network: bool,
    /// `options_passthrough`.
    pub options_passthrough: bool,
    /// The status of an answered preflight (204 by default).
    pub options_success_status: u16,
    /// The `Access-Control-Max-Age` value in whole seconds; `None` sends no
    /// header.
    pub max_age: Option<String>,
    /// `debug`: log each decision.
    pub debug: bool,
}

/// rs/cors's default `allow_methods`, in its order.
pub const DEFAULT_METHODS: [&str; 3] = ["GET", "POST", "HEAD"];

/// Plans a policy.
pub(crate) fn plan(m: &Model) -> Cors {
    let texts = |l: &Option<Spanned<Vec<Spanned<String>>>>| -> Vec<String> {
        Model::items(l).iter().map(|s| s.value.clone()).collect()
    };
    // krakend-cors `mux/cors.go`: empty origins and headers become `*`.
    let origins = texts(&m.allow_origins);
    let allow_all_origins = origins.is_empty() || origins.iter().any(|o| o == "*");
    let (mut exact, mut wildcard) = (Vec::new(), Vec::new());
    if !allow_all_origins {
        for o in &origins {
            // Go's `strings.ToLower`.
            let o = o.to_lowercase();
            match o.split_once('*') {
                Some((prefix, suffix)) => wildcard.push((prefix.to_string(), suffix.to_string())),
                None => exact.push(o),
            }
        }
    }
    let headers = texts(&m.allow_headers);
    // rs/cors tests the written values for `*`, before lower-casing.
    let allow_all_headers = headers.is_empty() || headers.iter().any(|h| h == "*");
    let mut sorted: Vec<String> = if allow_all_headers {
        Vec::new()
    } else {
        headers.iter().map(|h| h.to_lowercase()).collect()
    };
    sorted.sort();
    sorted.dedup();
    let mut methods = texts(&m.allow_methods);
    if methods.is_empty() {
        methods = DEFAULT_METHODS.map(String::from).to_vec();
    }
    let expose = texts(&m.expose_headers);
    Cors {
        allow_all_origins,
        origins: exact,
        wildcard_origins: wildcard,
        methods,
        allow_all_headers,
        headers: sorted,
        expose_headers: (!expose.is_empty()).then(|| {
            expose
                .iter()
                .map(|h| canonical_header_key(h))
                .collect::<Vec<_>>()
                .join(", ")
        }),
        allow_credentials: m.allow_credentials.as_ref().is_some_and(|b| b.value),
        allow_private_network: m.allow_private_network,
        options_passthrough: m.options_passthrough,
        options_success_status: m
            .options_success_status
            .as_ref()
            .map_or(204, |s| success_status(s.value)),
        max_age: m.max_age.as_ref().and_then(|a| max_age(&a.value)),
        debug: m.debug,
    }
}

/// `options_success_status` as CE uses it: the JSON number truncated to an
/// int, 0 meaning the default 204. Go writes a 1xx status as an
/// informational response and then its implicit 200, so a 1xx is a 200
/// here (without the informational response). Values Go would panic on
/// (outside 100–999) are lint errors (GW805); the plan keeps 204 for them.
fn success_status(v: f64) -> u16 {
    let v = v.trunc();
    if v == 0.0 || !(100.0..=999.0).contains(&v) {
        204
    } else if v < 200.0 {
        200
    } else {
        v as u16
    }
}

/// The `Access-Control-Max-Age` value CE sends: `time.ParseDuration`, then
/// `int(d.Seconds())` (truncated toward zero); positive: that number;
/// negative (at most -1 s): `0`; zero or unparsable: no header. A value
/// that is not a string makes CE panic at start-up (GW610, a lint error),
/// so it never reaches a build; the plan sends no header for it.
fn max_age(v: &MaxAge) -> Option<String> {
    let MaxAge::Text(text) = v else { return None };
    let seconds = parse_go_duration(text).ok()? / 1_000_000_000;
    match seconds {
        0 => None,
        s if s < 0 => Some("0".to_string()),
        s => Some(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, Format};

    fn planned(json: &str) -> Cors {
        let parsed = syntax::parse(json, Format::Json);
        let root = parsed.root.as_ref().expect("parses");
        let config = crate::model::Config::from_tree(root);
        plan(config.extra.cors.as_ref().expect("a cors namespace"))
    }

    #[test]
    fn ce_defaults() {
        let c = planned(r#"{"extra_config": {"security/cors": {}}}"#);
        assert_eq!(
            c,
            Cors {
                allow_all_origins: true,
                origins: vec![],
                wildcard_origins: vec![],
                methods: vec!["GET".into(), "POST".into(), "HEAD".into()],
                allow_all_headers: true,
                headers: vec![],
                expose_headers: None,
                allow_credentials: false,
                allow_private_network: false,
                options_passthrough: false,
                options_success_status: 204,
                max_age: None,
                debug: false,
            }
        );
        // The legacy name, and lists of non-strings only, are the same.
        let legacy = planned(
            r#"{"extra_config": {"github_com/devopsfaith/krakend-cors":
                {"allow_origins": [1], "allow_methods": [true], "allow_headers": [null]}}}"#,
        );
        assert_eq!(legacy, c);
    }

    #[test]
    fn everything_precomputed() {
        let c = planned(
            r#"{"extra_config": {"security/cors": {
                "allow_origins": ["https://A.com", "https://*.B.com", "http://*.x.*.y", 7],
                "allow_methods": ["GET", "put", "POST"],
                "allow_headers": ["X-Foo", "Authorization", "x-foo", "Content-Type"],
                "expose_headers": ["x-total", "content-length", "X-REQUEST-ID"],
                "allow_credentials": true, "allow_private_network": true,
                "options_passthrough": true, "options_success_status": 200.9,
                "max_age": "12h", "debug": true}}}"#,
        );
        assert!(!c.allow_all_origins);
        assert_eq!(c.origins, ["https://a.com"]);
        assert_eq!(
            c.wildcard_origins,
            [
                ("https://".to_string(), ".b.com".to_string()),
                ("http://".to_string(), ".x.*.y".to_string())
            ]
        );
        assert_eq!(c.methods, ["GET", "put", "POST"]);
        assert!(!c.allow_all_headers);
        assert_eq!(c.headers, ["authorization", "content-type", "x-foo"]);
        assert_eq!(
            c.expose_headers.as_deref(),
            Some("X-Total, Content-Length, X-Request-Id")
        );
        assert!(c.allow_credentials && c.allow_private_network && c.options_passthrough);
        assert!(c.debug);
        assert_eq!(c.options_success_status, 200);
        assert_eq!(c.max_age.as_deref(), Some("43200"));
    }

    #[test]
    fn star_anywhere_allows_all() {
        let c = planned(
            r#"{"extra_config": {"security/cors": {
                "allow_origins": ["https://a.com", "*"], "allow_headers": ["X-Foo", "*"]}}}"#,
        );
        assert!(c.allow_all_origins && c.origins.is_empty() && c.wildcard_origins.is_empty());
        assert!(c.allow_all_headers && c.headers.is_empty());
    }

    #[test]
    fn max_age_and_status_table() {
        let table: &[(&str, Option<&str>)] = &[
            (r#""12h""#, Some("43200")),
            (r#""1500ms""#, Some("1")),
            (r#""999ms""#, None),
            (r#""0h""#, None),
            (r#""-1s""#, Some("0")),
            (r#""-500ms""#, None),
            (r#""12 hours""#, None),
            ("3600", None),
            ("true", None),
        ];
        for (value, want) in table {
            let c = planned(&format!(
                r#"{{"extra_config": {{"security/cors": {{"max_age": {value}}}}}}}"#
            ));
            assert_eq!(c.max_age.as_deref(), *want, "max_age {value}");
        }
        for (value, want) in [
            ("0", 204),
            ("204", 204),
            ("200", 200),
            ("299.7", 299),
            ("150", 200),
            ("1000", 204),
            ("\"200\"", 204),
        ] {
            let c = planned(&format!(
                r#"{{"extra_config": {{"security/cors": {{"options_success_status": {value}}}}}}}"#
            ));
            assert_eq!(c.options_success_status, want, "status {value}");
        }
    }
}
