//! a `telemetry/gelf` without a usable `address`, which KrakenD CE runs without GELF
//!
//! ## What it does
//! Reports `telemetry/gelf` (or its legacy name) when it is not an object,
//! when `address` is missing or empty, or when `address` is not `host:port`
//! (no port, a port out of range, a URL with a scheme).
//!
//! ## Why is this bad?
//! krakend-gelf then creates no writer: CE ignores a namespace that is not
//! an object, logs `missing addr to send gelf logs` for an empty address,
//! and Go's `net.Dial` refuses an address without a port. The gateway
//! starts and no log line reaches Graylog. gwc would do the same, so it
//! reports the config instead.
//!
//! ## Example
//! ```json
//! { "version": 3, "extra_config": { "telemetry/gelf": { "address": "udp://graylog", "enable_tcp": false } } }
//! ```
//!
//! ## How to fix it
//! Write the Graylog input's `host:port`: `"address": "graylog:12201"`.

use crate::check::Context;
use crate::diag::Diagnostic;
use crate::model::telemetry::gelf::{LEGACY_NAMESPACE, NAMESPACE};

/// The rule's code.
pub const CODE: &str = "GW797";

const HELP: &str = "write the Graylog input's `host:port`, e.g. `\"address\": \"graylog:12201\"`";

/// Why `address` is not a `host:port` Go's `net.Dial` accepts (`None`:
/// it is).
fn address_problem(a: &str) -> Option<&'static str> {
    if a.contains("://") {
        return Some("a URL, not `host:port`");
    }
    // Go's SplitHostPort: `[v6]:port`, or one colon.
    let port = if let Some(rest) = a.strip_prefix('[') {
        match rest.split_once(']') {
            Some((_, p)) => p.strip_prefix(':'),
            None => return Some("an unclosed `[`"),
        }
    } else {
        match a.matches(':').count() {
            0 => None,
            1 => a.split_once(':').map(|(_, p)| p),
            _ => return Some("an IPv6 address without brackets"),
        }
    };
    let Some(port) = port else {
        return Some("without a port");
    };
    if port.is_empty() {
        return Some("without a port");
    }
    if port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_err() {
        return Some("a port out of range");
    }
    None
}

/// Reports a `telemetry/gelf` CE opens no writer for.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // CE renames the short name to the legacy one, replacing it (GW749):
    // the short one is the one read when both are there.
    let ns = &cx.config.extra.namespaces;
    let read = if ns.iter().any(|(k, _, _)| *k == NAMESPACE) {
        NAMESPACE
    } else {
        LEGACY_NAMESPACE
    };
    for (key, span, node) in ns {
        if *key == read && node.as_object().is_none() {
            let found = crate::check::schema::with_article(node.type_name());
            out.push(
                cx.diag(CODE, node.span, format!("`{key}` is {found}: KrakenD CE ignores it and sends no GELF"))
                    .with_label("not an object")
                    .with_secondary(*span, "this namespace")
                    .with_help("write an object: `{\"address\": \"graylog:12201\", \"enable_tcp\": false}`"),
            );
        }
    }
    let Some(g) = &cx.config.extra.gelf else { return };
    match g.member("address") {
        None => out.push(
            cx.diag(CODE, g.key_span, "`telemetry/gelf` has no `address`: KrakenD CE sends no GELF")
                .with_label("no `address` here")
                .with_help(HELP)
                .with_note("krakend-gelf: `missing addr to send gelf logs`; the gateway starts without the writer"),
        ),
        // Another type is GW796's.
        Some(m) => {
            let Some(a) = m.value.as_str() else { return };
            let problem = if a.is_empty() {
                Some("empty")
            } else {
                address_problem(a)
            };
            if let Some(p) = problem {
                out.push(
                    cx.diag(CODE, m.value.span, format!("`telemetry/gelf` `address` is {p}: KrakenD CE sends no GELF"))
                        .with_label("not a `host:port` Go can dial")
                        .with_help(HELP)
                        .with_note("krakend-gelf cannot create its writer and the gateway starts without it"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses() {
        let table: &[(&str, Option<&str>)] = &[
            ("graylog:12201", None),
            ("127.0.0.1:0", None),
            (":12201", None),
            ("[::1]:12201", None),
            ("graylog:gelf", None),
            ("graylog", Some("without a port")),
            ("graylog:", Some("without a port")),
            ("udp://graylog:12201", Some("a URL, not `host:port`")),
            ("graylog:70000", Some("a port out of range")),
            ("::1:12201", Some("an IPv6 address without brackets")),
            ("[::1", Some("an unclosed `[`")),
            ("[::1]", Some("without a port")),
        ];
        for (a, want) in table {
            assert_eq!(super::address_problem(a), *want, "{a}");
        }
    }
}
