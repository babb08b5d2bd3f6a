//! `security/http` (service level; krakend-components §15): the fields
//! `krakend-httpsecure` v2.2.1 maps onto `unrolled/secure`'s options, as
//! written. A value of the wrong JSON type reads as absent, as CE's type
//! assertions leave the option at its zero value (GW802 reports it).

use crate::model::{Fields, Spanned, spanned};
use crate::syntax::{Node, Span};

/// The namespace as written.
#[derive(Clone, Debug)]
pub struct HttpSecurity {
    /// The namespace's key span.
    pub key_span: Span,
    /// `allowed_hosts` (non-string entries skipped, as CE skips them).
    pub allowed_hosts: Option<Spanned<Vec<Spanned<String>>>>,
    /// `allowed_hosts_are_regex`.
    pub allowed_hosts_are_regex: Option<Spanned<bool>>,
    /// `host_proxy_headers`.
    pub host_proxy_headers: Option<Spanned<Vec<Spanned<String>>>>,
    /// `ssl_redirect`.
    pub ssl_redirect: Option<Spanned<bool>>,
    /// `ssl_host`.
    pub ssl_host: Option<Spanned<String>>,
    /// `ssl_proxy_headers`: every member of the object, in order.
    pub ssl_proxy_headers: Option<Spanned<Vec<SslProxyHeader>>>,
    /// `sts_seconds`: CE reads any JSON number and truncates it.
    pub sts_seconds: Option<Spanned<f64>>,
    /// `sts_include_subdomains`.
    pub sts_include_subdomains: Option<Spanned<bool>>,
    /// `force_sts_header`.
    pub force_sts_header: Option<Spanned<bool>>,
    /// `frame_deny`.
    pub frame_deny: Option<Spanned<bool>>,
    /// `custom_frame_options_value`.
    pub custom_frame_options_value: Option<Spanned<String>>,
    /// `content_type_nosniff`.
    pub content_type_nosniff: Option<Spanned<bool>>,
    /// `browser_xss_filter`.
    pub browser_xss_filter: Option<Spanned<bool>>,
    /// `content_security_policy`.
    pub content_security_policy: Option<Spanned<String>>,
    /// `referrer_policy`.
    pub referrer_policy: Option<Spanned<String>>,
    /// `is_development`.
    pub is_development: Option<Spanned<bool>>,
    /// The key of `hpkp_public_key`, which the schema documents and CE
    /// no longer reads.
    pub hpkp_public_key: Option<Span>,
}

/// One `ssl_proxy_headers` member.
#[derive(Clone, Debug)]
pub struct SslProxyHeader {
    /// The header name, as written.
    pub name: String,
    /// Where the name (the member's key) is.
    pub name_span: Span,
    /// The value when it is a string (CE drops the others).
    pub value: Option<String>,
    /// Where the value is.
    pub value_span: Span,
}

impl HttpSecurity {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &Node) -> Self {
        let f = Fields(node);
        let ssl_proxy_headers = f.node("ssl_proxy_headers").and_then(|m| {
            let members = m.value.as_object()?;
            let headers = members
                .iter()
                .map(|h| SslProxyHeader {
                    name: h.key.clone(),
                    name_span: h.key_span,
                    value: h.value.as_str().map(str::to_string),
                    value_span: h.value.span,
                })
                .collect();
            Some(spanned(m.key_span, &m.value, headers))
        });
        HttpSecurity {
            key_span,
            allowed_hosts: f.string_list("allowed_hosts"),
            allowed_hosts_are_regex: f.bool("allowed_hosts_are_regex"),
            host_proxy_headers: f.string_list("host_proxy_headers"),
            ssl_redirect: f.bool("ssl_redirect"),
            ssl_host: f.string("ssl_host"),
            ssl_proxy_headers,
            sts_seconds: f.number("sts_seconds"),
            sts_include_subdomains: f.bool("sts_include_subdomains"),
            force_sts_header: f.bool("force_sts_header"),
            frame_deny: f.bool("frame_deny"),
            custom_frame_options_value: f.string("custom_frame_options_value"),
            content_type_nosniff: f.bool("content_type_nosniff"),
            browser_xss_filter: f.bool("browser_xss_filter"),
            content_security_policy: f.string("content_security_policy"),
            referrer_policy: f.string("referrer_policy"),
            is_development: f.bool("is_development"),
            hpkp_public_key: f.node("hpkp_public_key").map(|m| m.key_span),
        }
    }

    /// Whether `is_development` is on: CE then skips the host check, the
    /// redirect and HSTS.
    pub fn is_development(&self) -> bool {
        self.is_development.as_ref().is_some_and(|d| d.value)
    }

    /// Whether KrakenD CE can tell an HTTPS request from a plain one: it
    /// serves TLS itself (a root `tls` that is not `disabled`), or an
    /// `ssl_proxy_headers` entry with a string value marks one.
    pub fn https_known(&self, root: &Node) -> bool {
        let tls = root.get("tls").is_some_and(|t| {
            t.as_object().is_some() && t.get("disabled").and_then(Node::as_bool) != Some(true)
        });
        tls || self
            .ssl_proxy_headers
            .as_ref()
            .is_some_and(|l| l.value.iter().any(|h| h.value.is_some()))
    }

    /// A boolean option's value (absent: false, Go's zero value).
    pub fn on(flag: &Option<Spanned<bool>>) -> bool {
        flag.as_ref().is_some_and(|f| f.value)
    }
}
