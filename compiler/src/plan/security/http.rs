//! `security/http`, planned (`spec::HttpSecurity`): `unrolled/secure`'s
//! behaviour as `krakend-httpsecure` configures it, with CE's real
//! defaults (Go's zero values: no redirect, no `Referrer-Policy`), not the
//! schema's (`ssl_redirect: true`, `referrer_policy: same-origin`).

use crate::model::security::HttpSecurity as Model;
use crate::model::security::http::SslProxyHeader;

/// `security/http`, everything the stage needs precomputed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpSecurity {
    /// The host check (none with `is_development`).
    pub allowed_hosts: AllowedHosts,
    /// `host_proxy_headers`, lower-case.
    pub host_proxy_headers: Vec<String>,
    /// `ssl_redirect`, false with `is_development`.
    pub ssl_redirect: bool,
    /// `ssl_host` when not empty.
    pub ssl_host: Option<String>,
    /// `ssl_proxy_headers` with string values: (lower-case name, value).
    pub ssl_proxy_headers: Vec<(String, String)>,
    /// The `Strict-Transport-Security` value, when `sts_seconds` is not 0
    /// and not `is_development`.
    pub sts: Option<String>,
    /// `force_sts_header`.
    pub force_sts_header: bool,
    /// (lower-case name, value) of every other header, in unrolled's order.
    pub headers: Vec<(String, String)>,
    /// A policy holding `$NONCE`, split around it (empty otherwise).
    pub nonce_policy: Vec<String>,
}

/// `allowed_hosts` (`spec::AllowedHosts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedHosts {
    /// No check: no entries, or `is_development`.
    Any,
    /// Exact hosts, ASCII-lower-cased (the runtime folds case as Go's
    /// `strings.EqualFold`).
    Exact(Vec<String>),
    /// `allowed_hosts_are_regex`: each entry as unrolled compiles it,
    /// `^entry$` (GW622 rejects the ones that do not compile).
    Patterns(Vec<String>),
}

/// The token unrolled replaces with a fresh nonce in the policy.
pub const NONCE: &str = "$NONCE";

/// A string as Go's server writes it in a header (`Header.writeSubset`):
/// CR and LF become spaces, then surrounding blanks are trimmed
/// (`textproto.TrimString`). GW629 rejects the control characters left.
pub fn wire_value(v: &str) -> String {
    v.replace(['\r', '\n'], " ")
        .trim_matches([' ', '\t'])
        .to_string()
}

/// A string option's value, `None` when absent or empty (unrolled tests
/// `len(x) > 0`).
fn text(s: &Option<crate::model::Spanned<String>>) -> Option<&str> {
    s.as_ref()
        .map(|s| s.value.as_str())
        .filter(|s| !s.is_empty())
}

/// Plans the namespace.
pub(crate) fn plan(m: &Model) -> HttpSecurity {
    let dev = m.is_development();
    let on = Model::on;
    let hosts: Vec<&str> = m
        .allowed_hosts
        .iter()
        .flat_map(|l| l.value.iter().map(|h| h.value.as_str()))
        .collect();
    let allowed_hosts = if hosts.is_empty() || dev {
        AllowedHosts::Any
    } else if on(&m.allowed_hosts_are_regex) {
        AllowedHosts::Patterns(hosts.iter().map(|h| format!("^{h}$")).collect())
    } else {
        AllowedHosts::Exact(hosts.iter().map(|h| h.to_ascii_lowercase()).collect())
    };
    let seconds = m.sts_seconds.as_ref().map_or(0, |s| s.value.trunc() as i64);
    let sts = (seconds != 0 && !dev).then(|| {
        let sub = if on(&m.sts_include_subdomains) {
            "; includeSubDomains"
        } else {
            ""
        };
        format!("max-age={seconds}{sub}")
    });
    let mut headers = Vec::new();
    let mut push = |name: &str, value: &str| headers.push((name.to_string(), wire_value(value)));
    match text(&m.custom_frame_options_value) {
        Some(v) => push("x-frame-options", v),
        None if on(&m.frame_deny) => push("x-frame-options", "DENY"),
        None => {}
    }
    if on(&m.content_type_nosniff) {
        push("x-content-type-options", "nosniff");
    }
    if on(&m.browser_xss_filter) {
        push("x-xss-protection", "1; mode=block");
    }
    let policy = text(&m.content_security_policy);
    let nonce_policy = match policy {
        Some(p) if p.contains(NONCE) => wire_value(p).split(NONCE).map(str::to_string).collect(),
        Some(p) => {
            push("content-security-policy", p);
            Vec::new()
        }
        None => Vec::new(),
    };
    if let Some(p) = text(&m.referrer_policy) {
        push("referrer-policy", p);
    }
    HttpSecurity {
        allowed_hosts,
        host_proxy_headers: m
            .host_proxy_headers
            .iter()
            .flat_map(|l| l.value.iter().map(|h| h.value.to_ascii_lowercase()))
            .collect(),
        ssl_redirect: on(&m.ssl_redirect) && !dev,
        ssl_host: text(&m.ssl_host).map(str::to_string),
        ssl_proxy_headers: m
            .ssl_proxy_headers
            .as_ref()
            .map(|l| ssl_proxy_headers(&l.value))
            .unwrap_or_default(),
        sts,
        force_sts_header: on(&m.force_sts_header),
        headers,
        nonce_policy,
    }
}

/// The pairs CE keeps: string values, the last of duplicate names (a Go
/// map); names lower-cased for the runtime (Go's `Header.Get`
/// canonicalises them).
fn ssl_proxy_headers(members: &[SslProxyHeader]) -> Vec<(String, String)> {
    members
        .iter()
        .enumerate()
        .filter(|(i, h)| !members[i + 1..].iter().any(|later| later.name == h.name))
        .filter_map(|(_, h)| Some((h.name.to_ascii_lowercase(), h.value.clone()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(json: &str) -> HttpSecurity {
        let parsed = crate::syntax::parse(json, crate::syntax::Format::Json);
        let root = parsed.root.expect("parses");
        plan(&Model::from_node(root.span, &root))
    }

    #[test]
    fn ce_defaults_not_the_schemas() {
        let p = planned("{}");
        assert_eq!(
            p,
            HttpSecurity {
                allowed_hosts: AllowedHosts::Any,
                host_proxy_headers: vec![],
                ssl_redirect: false,
                ssl_host: None,
                ssl_proxy_headers: vec![],
                sts: None,
                force_sts_header: false,
                headers: vec![],
                nonce_policy: vec![],
            }
        );
    }

    #[test]
    fn regex_hosts_alone_need_the_runtime_feature() {
        let features = |ns: &str| {
            let text = format!(
                r#"{{"version": 3, "extra_config": {{"security/http": {ns}}}, "endpoints": []}}"#
            );
            let parsed = crate::syntax::parse(&text, crate::syntax::Format::Json);
            let root = parsed.root.expect("parses");
            let config = crate::model::Config::from_tree(&root);
            crate::plan::plan(&config, &crate::plan::PlanOptions::default())
                .expect("plans")
                .runtime_features()
        };
        let regex = r#"{"allowed_hosts": ["a"], "allowed_hosts_are_regex": true}"#;
        assert_eq!(features(regex), ["security-http"]);
        assert!(features(r#"{"allowed_hosts": ["a"], "frame_deny": true}"#).is_empty());
        // `is_development` drops the check, so nothing needs compiling.
        let dev =
            r#"{"allowed_hosts": ["a"], "allowed_hosts_are_regex": true, "is_development": true}"#;
        assert!(features(dev).is_empty());
    }

    #[test]
    fn fields_table() {
        /// (config, the part of the plan to show, what it shows).
        type Row = (&'static str, fn(&HttpSecurity) -> String, &'static str);
        let table: &[Row] = &[
            (
                r#"{"allowed_hosts": ["API.Example.com", 3, "b:8080"]}"#,
                |p| format!("{:?}", p.allowed_hosts),
                r#"Exact(["api.example.com", "b:8080"])"#,
            ),
            (
                r#"{"allowed_hosts": ["a\\.com|b\\.com"], "allowed_hosts_are_regex": true}"#,
                |p| format!("{:?}", p.allowed_hosts),
                r#"Patterns(["^a\\.com|b\\.com$"])"#,
            ),
            (
                r#"{"allowed_hosts": ["a"], "ssl_redirect": true, "sts_seconds": 9, "is_development": true}"#,
                |p| format!("{:?} {} {:?}", p.allowed_hosts, p.ssl_redirect, p.sts),
                "Any false None",
            ),
            (
                r#"{"sts_seconds": 31536000.9, "sts_include_subdomains": true}"#,
                |p| format!("{:?}", p.sts),
                r#"Some("max-age=31536000; includeSubDomains")"#,
            ),
            (
                r#"{"sts_seconds": -5}"#,
                |p| format!("{:?}", p.sts),
                r#"Some("max-age=-5")"#,
            ),
            (
                r#"{"frame_deny": true, "custom_frame_options_value": "SAMEORIGIN"}"#,
                |p| format!("{:?}", p.headers),
                r#"[("x-frame-options", "SAMEORIGIN")]"#,
            ),
            (
                r#"{"frame_deny": true, "custom_frame_options_value": "", "content_type_nosniff": true,
                    "browser_xss_filter": true, "content_security_policy": " default-src 'self';\n",
                    "referrer_policy": "no-referrer"}"#,
                |p| format!("{:?}", p.headers),
                r#"[("x-frame-options", "DENY"), ("x-content-type-options", "nosniff"), ("x-xss-protection", "1; mode=block"), ("content-security-policy", "default-src 'self';"), ("referrer-policy", "no-referrer")]"#,
            ),
            (
                r#"{"content_security_policy": "script-src $NONCE 'self'"}"#,
                |p| format!("{:?} {:?}", p.nonce_policy, p.headers),
                r#"["script-src ", " 'self'"] []"#,
            ),
            (
                r#"{"ssl_proxy_headers": {"X-Forwarded-Proto": "http", "X-Forwarded-Proto": "https", "X-Ssl": true, "Front-End-Https": "on"}}"#,
                |p| format!("{:?}", p.ssl_proxy_headers),
                r#"[("x-forwarded-proto", "https"), ("front-end-https", "on")]"#,
            ),
            (
                r#"{"ssl_host": "", "host_proxy_headers": ["X-Forwarded-Host"]}"#,
                |p| format!("{:?} {:?}", p.ssl_host, p.host_proxy_headers),
                r#"None ["x-forwarded-host"]"#,
            ),
            (
                r#"{"ssl_redirect": true, "ssl_host": "secure.example.com", "force_sts_header": true}"#,
                |p| format!("{} {:?} {}", p.ssl_redirect, p.ssl_host, p.force_sts_header),
                r#"true Some("secure.example.com") true"#,
            ),
        ];
        for (json, field, want) in table {
            assert_eq!(field(&planned(json)), *want, "{json}");
        }
    }
}
