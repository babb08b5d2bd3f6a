//! Where KrakenD reads durations: every field that lura decodes into a Go
//! `time.Duration` (through koanf's decode hook, so an invalid string stops
//! the load and a bare number is taken as nanoseconds).
//!
//! The list is lura's `ServiceConfig`, `EndpointConfig` and `AsyncAgent`
//! structs plus the root duration fields of the official schema
//! (research/krakend-semantics.md §a.7, §e). `extra_config` durations are
//! read by each module with its own rules and are not listed here.

use crate::syntax::{Member, Node};

/// Root keys holding a duration.
pub const ROOT_KEYS: [&str; 14] = [
    "timeout",
    "cache_ttl",
    "read_timeout",
    "write_timeout",
    "idle_timeout",
    "read_header_timeout",
    "idle_connection_timeout",
    "response_header_timeout",
    "expect_continue_timeout",
    "dialer_timeout",
    "dialer_fallback_delay",
    "dialer_keep_alive",
    "dns_cache_ttl",
    "max_shutdown_wait_time",
];

/// Endpoint keys holding a duration.
pub const ENDPOINT_KEYS: [&str; 2] = ["timeout", "cache_ttl"];

/// One duration field as written.
#[derive(Clone, Copy, Debug)]
pub struct DurationField<'a> {
    /// The key and value.
    pub member: &'a Member,
    /// Where it is, for messages: `root`, ``endpoint `/x` ``, ``async agent `a` ``.
    pub place: Place<'a>,
}

/// The object a duration field belongs to.
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// The root object.
    Root,
    /// An endpoint, by its path (when written).
    Endpoint(Option<&'a str>),
    /// An async agent's `consumer` or `connection`, by the agent's name.
    AsyncAgent(Option<&'a str>),
}

impl Place<'_> {
    /// ` in endpoint `/x``, or empty for the root.
    pub fn suffix(&self) -> String {
        match self {
            Place::Root => String::new(),
            Place::Endpoint(Some(p)) => format!(" of endpoint `{p}`"),
            Place::Endpoint(None) => " of an endpoint".to_string(),
            Place::AsyncAgent(Some(n)) => format!(" of async agent `{n}`"),
            Place::AsyncAgent(None) => " of an async agent".to_string(),
        }
    }
}

/// Every duration field KrakenD reads (the last one of a duplicated key,
/// as KrakenD does).
pub fn fields(root: &Node) -> Vec<DurationField<'_>> {
    let mut out: Vec<DurationField<'_>> = ROOT_KEYS
        .iter()
        .filter_map(|k| root.member(k))
        .map(|member| DurationField {
            member,
            place: Place::Root,
        })
        .collect();
    for ep in root
        .get("endpoints")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        let path = ep.get("endpoint").and_then(Node::as_str);
        for key in ENDPOINT_KEYS {
            if let Some(member) = ep.member(key) {
                out.push(DurationField {
                    member,
                    place: Place::Endpoint(path),
                });
            }
        }
    }
    for agent in root
        .get("async_agent")
        .and_then(Node::as_array)
        .unwrap_or_default()
    {
        let name = agent.get("name").and_then(Node::as_str);
        for (object, key) in [("consumer", "timeout"), ("connection", "health_interval")] {
            if let Some(m) = agent.get(object).and_then(|o| o.member(key)) {
                out.push(DurationField {
                    member: m,
                    place: Place::AsyncAgent(name),
                });
            }
        }
    }
    out
}

/// A valid Go duration for a common misspelling (`"3 seconds"` → `"3s"`,
/// `"2S"` → `"2s"`, `"1d"` → `"24h"`, `"100 msec"` → `"100ms"`); `None`
/// when the intent is not clear (a bare number has no guessable unit).
pub fn suggest(text: &str) -> Option<String> {
    let lower = text.trim().to_lowercase();
    let mut out = String::new();
    let mut rest = lower.as_str();
    if let Some(r) = rest.strip_prefix('-') {
        out.push('-');
        rest = r;
    }
    let mut saw_component = false;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let number = &rest[..num_len];
        rest = rest[num_len..].trim_start();
        let word_len = rest
            .find(|c: char| !c.is_alphabetic() && c != 'µ' && c != 'μ')
            .unwrap_or(rest.len());
        let word = &rest[..word_len];
        rest = rest[word_len..].trim_start_matches([' ', ',']);
        let unit = match word {
            "ns" | "nsec" | "nsecs" | "nanosecond" | "nanoseconds" => "ns",
            "us" | "µs" | "μs" | "usec" | "usecs" | "microsecond" | "microseconds" => "us",
            "ms" | "msec" | "msecs" | "milli" | "millis" | "millisecond" | "milliseconds" => "ms",
            "s" | "sec" | "secs" | "second" | "seconds" => "s",
            "m" | "min" | "mins" | "minute" | "minutes" => "m",
            "h" | "hr" | "hrs" | "hour" | "hours" => "h",
            "d" | "day" | "days" => {
                let days: u64 = number.parse().ok()?;
                out.push_str(&format!("{}h", days.checked_mul(24)?));
                saw_component = true;
                continue;
            }
            _ => return None,
        };
        out.push_str(number);
        out.push_str(unit);
        saw_component = true;
    }
    (saw_component && out != text && crate::model::duration::parse_go_duration(&out).is_ok())
        .then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let cases = [
            ("3 seconds", Some("3s")),
            ("2S", Some("2s")),
            ("1d", Some("24h")),
            ("100 msec", Some("100ms")),
            ("1.5 s", Some("1.5s")),
            ("1h 30m", Some("1h30m")),
            ("5 Minutes", Some("5m")),
            ("2s ", Some("2s")),
            ("-3 secs", Some("-3s")),
            ("3000", None),
            ("2s", None),
            ("soon", None),
            ("1 fortnight", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(suggest(input).as_deref(), want, "{input}");
        }
    }
}
