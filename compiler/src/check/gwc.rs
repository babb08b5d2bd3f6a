//! What the GW5xx rules share: the backends with their gwc namespaces, how
//! to name a backend in a message, every host attribute object and every
//! duration field of gwc's namespaces (research/lb-failover-health.md §7).

use crate::model::lb::{self, HostAttrs, HttpClient};
use crate::model::{Backend, Config, DurationValue, Endpoint, Spanned};
use crate::syntax::Span;

/// One backend, with the endpoint it belongs to.
#[derive(Clone, Copy)]
pub struct GwcBackend<'c, 'a> {
    /// The endpoint.
    pub endpoint: &'c Endpoint<'a>,
    /// The backend.
    pub backend: &'c Backend<'a>,
}

impl<'c, 'a> GwcBackend<'c, 'a> {
    /// The backend's gwc namespaces.
    pub fn gwc(&self) -> &'c lb::GwcExtra<'a> {
        &self.backend.extra.gwc
    }

    /// How messages name the backend: ``backend `/u` of endpoint `/users` ``.
    pub fn name(&self) -> String {
        let what = self.backend.url_pattern.as_ref().map_or_else(
            || format!("#{}", self.backend.index),
            |u| format!("`{}`", u.value),
        );
        match &self.endpoint.path {
            Some(p) => format!("backend {what} of endpoint `{}`", p.value),
            None => format!("backend {what}"),
        }
    }

    /// Whether the hosts come from DNS service discovery (`sd: "dns"` or
    /// `"dns-shared"`), so their number is unknown at compile time.
    pub fn discovers_hosts(&self) -> bool {
        self.backend
            .sd
            .as_ref()
            .is_some_and(|s| s.value == "dns" || s.value == "dns-shared")
    }

    /// The span of a namespace's key in the backend's `extra_config`.
    pub fn namespace_key(&self, namespace: &str) -> Option<Span> {
        self.backend.extra.get(namespace).map(|(span, _)| span)
    }
}

/// Every backend of the file, in order.
pub fn backends<'c, 'a>(config: &'c Config<'a>) -> impl Iterator<Item = GwcBackend<'c, 'a>> {
    config.endpoints.iter().flat_map(|endpoint| {
        endpoint
            .backends
            .iter()
            .map(move |backend| GwcBackend { endpoint, backend })
    })
}

/// Every host attribute object of a backend: the `gwc/loadbalancer.hosts`
/// entries, then the objects written inside `host`.
pub fn host_attrs<'a>(backend: &Backend<'a>) -> Vec<HostAttrs<'a>> {
    let mut out: Vec<HostAttrs<'a>> = backend
        .extra
        .gwc
        .loadbalancer
        .as_ref()
        .map(|l| l.hosts.clone())
        .unwrap_or_default();
    out.extend(lb::host_objects(backend.raw).into_iter().map(|(_, a)| a));
    out
}

/// Every `gwc/http-client` object of a backend: the backend-level one, then
/// each host's `http`, with the host it belongs to.
pub fn http_clients<'a>(backend: &Backend<'a>) -> Vec<(HttpClient<'a>, Option<HostAttrs<'a>>)> {
    let mut out: Vec<(HttpClient<'a>, Option<HostAttrs<'a>>)> = Vec::new();
    if let Some(h) = &backend.extra.gwc.http_client {
        out.push((h.clone(), None));
    }
    for attrs in host_attrs(backend) {
        if let Some(h) = &attrs.http {
            out.push((h.clone(), Some(attrs.clone())));
        }
    }
    out
}

/// One duration field of a gwc namespace.
#[derive(Clone, Debug)]
pub struct DurationRef {
    /// Its path inside the object, for messages: `active.interval`.
    pub name: String,
    /// The object it is in, for messages: `` `gwc/healthcheck` ``,
    /// ``host `http://a:8080` ``.
    pub place: String,
    /// The value.
    pub value: Spanned<DurationValue>,
    /// Whether another GW5xx rule reports zero and negative values of this
    /// field (so GW502 leaves the sign alone).
    pub sign_owned: bool,
}

/// Every duration field written in a backend's gwc namespaces, host
/// `http` objects included.
pub fn durations(backend: &Backend<'_>) -> Vec<DurationRef> {
    let mut out = Vec::new();
    let mut push =
        |place: &str, name: String, value: &Option<Spanned<DurationValue>>, sign_owned: bool| {
            if let Some(v) = value {
                out.push(DurationRef {
                    name,
                    place: place.to_string(),
                    value: v.clone(),
                    sign_owned,
                });
            }
        };
    let gwc = &backend.extra.gwc;
    let (hc_place, fo_place) = (
        format!("`{}`", lb::HEALTHCHECK_NAMESPACE),
        format!("`{}`", lb::FAILOVER_NAMESPACE),
    );
    if let Some(hc) = &gwc.healthcheck {
        if let Some(a) = &hc.active {
            push(&hc_place, "active.interval".into(), &a.interval, true);
            push(&hc_place, "active.timeout".into(), &a.timeout, true);
            push(&hc_place, "active.jitter".into(), &a.jitter, false);
        }
        if let Some(p) = &hc.passive {
            push(
                &hc_place,
                "passive.ejection_time".into(),
                &p.ejection_time,
                true,
            );
            push(
                &hc_place,
                "passive.max_ejection_time".into(),
                &p.max_ejection_time,
                true,
            );
        }
    }
    if let Some(f) = &gwc.failover {
        push(
            &fo_place,
            "per_try_timeout".into(),
            &f.per_try_timeout,
            true,
        );
        push(&fo_place, "backoff_base".into(), &f.backoff_base, false);
        push(&fo_place, "backoff_max".into(), &f.backoff_max, false);
    }
    for (client, host) in http_clients(backend) {
        let (place, prefix) = match &host {
            None => (format!("`{}`", lb::HTTP_CLIENT_NAMESPACE), ""),
            Some(h) => (format!("host `{}`", h.url.value), "http."),
        };
        push(
            &place,
            format!("{prefix}connect_timeout"),
            &client.connect_timeout,
            true,
        );
        push(
            &place,
            format!("{prefix}idle_timeout"),
            &client.idle_timeout,
            false,
        );
    }
    out
}

/// A valid duration of a gwc field in nanoseconds (see [`lb::duration_nanos`]).
pub fn nanos(value: &Option<Spanned<DurationValue>>) -> Option<i64> {
    value.as_ref().and_then(lb::duration_nanos)
}

/// Nanoseconds as Go prints a duration (`1.5s`, `200ms`).
pub fn show(nanos: i64) -> String {
    crate::model::duration::format_go_duration(nanos)
}

/// `host` or `hosts`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The text of a duration as a `Spanned<String>` (for sub-spans and edits).
pub fn as_text(value: &Spanned<DurationValue>) -> Option<Spanned<String>> {
    match &value.value {
        DurationValue::Text(t) => Some(Spanned {
            value: t.clone(),
            span: value.span,
            key_span: value.key_span,
            style: value.style,
        }),
        DurationValue::Number(_) => None,
    }
}

/// An edit that replaces a string value's text (keeping its quotes when it
/// is written verbatim).
pub fn replace_text(value: &Spanned<String>, new: &str) -> crate::diag::Edit {
    match value.style {
        crate::syntax::ScalarStyle::Opaque => crate::diag::Edit {
            span: value.span,
            text: super::edits::json_string(new),
        },
        _ => crate::diag::Edit {
            span: value.inner_span(),
            text: new.to_string(),
        },
    }
}

/// Where an active check's probe rate is written: `interval` when valid,
/// else a readable `schedule`; `None` for the 10s default.
pub fn interval_span(active: &lb::ActiveCheck<'_>) -> Option<Span> {
    if nanos(&active.interval).is_some() {
        return active.interval.as_ref().map(|i| i.span);
    }
    active
        .schedule
        .as_ref()
        .filter(|s| lb::parse_cron_seconds(&s.value).is_some())
        .map(|s| s.span)
}
