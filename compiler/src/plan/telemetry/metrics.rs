//! `telemetry/metrics`, planned: CE's defaults applied (krakend-metrics
//! v2.2.0 `ConfigGetter`, krakend-components §5.1).

use crate::model::duration::parse_go_duration;
use crate::model::telemetry::Metrics;

/// CE's `listen_address` when absent or not a string.
pub const DEFAULT_LISTEN: &str = ":8090";
/// CE's `collection_time` when absent or unparsable: one minute.
pub const DEFAULT_COLLECTION_MS: u64 = 60_000;

/// What the runtime needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    /// `listen_address` as a bindable `HOST:PORT`.
    pub listen: String,
    /// `collection_time`, in milliseconds.
    pub collection_ms: u64,
    /// `router_disabled`.
    pub router_disabled: bool,
    /// `proxy_disabled`.
    pub proxy_disabled: bool,
    /// `backend_disabled`.
    pub backend_disabled: bool,
    /// `endpoint_disabled`.
    pub endpoint_disabled: bool,
}

/// Go's listen address as a bindable one: an empty host (`:8090`) is
/// every interface.
pub fn listen(addr: &str) -> String {
    match addr.strip_prefix(':') {
        Some(port) => format!("0.0.0.0:{port}"),
        None => addr.to_owned(),
    }
}

/// `collection_time` as CE reads it: a Go duration, else one minute. A
/// duration under a millisecond is rounded up to one (CE panics on zero
/// or less: GW857 refuses it).
pub fn collection_ms(text: Option<&str>) -> u64 {
    match text.map(parse_go_duration) {
        Some(Ok(ns)) if ns > 0 => u64::try_from(ns / 1_000_000).unwrap_or(0).max(1),
        _ => DEFAULT_COLLECTION_MS,
    }
}

/// Plans the namespace.
pub fn plan(m: &Metrics<'_>) -> Stats {
    let flag = |f: &Option<crate::model::Spanned<bool>>| f.as_ref().is_some_and(|b| b.value);
    Stats {
        listen: listen(
            m.listen_address
                .as_ref()
                .map_or(DEFAULT_LISTEN, |a| a.value.as_str()),
        ),
        collection_ms: collection_ms(m.collection_time.as_ref().map(|c| c.value.as_str())),
        router_disabled: flag(&m.router_disabled),
        proxy_disabled: flag(&m.proxy_disabled),
        backend_disabled: flag(&m.backend_disabled),
        endpoint_disabled: flag(&m.endpoint_disabled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_as_ce() {
        for (addr, want) in [
            (":8090", "0.0.0.0:8090"),
            ("127.0.0.1:8090", "127.0.0.1:8090"),
            ("[::1]:9", "[::1]:9"),
        ] {
            assert_eq!(listen(addr), want, "{addr}");
        }
        for (text, want) in [
            (None, 60_000),
            (Some("30s"), 30_000),
            (Some("1m30s"), 90_000),
            (Some("60"), 60_000),
            (Some("soon"), 60_000),
            (Some("0s"), 60_000),
            (Some("500us"), 1),
        ] {
            assert_eq!(collection_ms(text), want, "{text:?}");
        }
    }
}
