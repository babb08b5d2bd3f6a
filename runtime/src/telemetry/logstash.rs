//! `telemetry/logstash` (krakend-components §2.2; `krakend-logstash`
//! v2.1.0): the logstash logger wraps go-logging's. Every application
//! record's message becomes one JSON object, Go's `json.Marshal` of a map
//! (keys sorted): `@timestamp` (`2006-01-02T15:04:05.000000-07:00`),
//! `@version` 1, `host` (the host name), `level`, `message`, `module` (the
//! `telemetry/logging` `prefix`, or `KRAKEND`). The line around it is the
//! logger's pattern (the plan chooses it: the default pattern, krakend-ce
//! #153, or the bare message when `telemetry/gelf` is on).
//!
//! Always compiled with the logger: it is a few string writes.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::SystemTime;

use super::logging::{Civil, Level};

/// The host name as Go's `os.Hostname` reads it on Linux
/// (`/proc/sys/kernel/hostname`), or `localhost` (krakend-logstash's
/// fallback) when it cannot be read; read once.
pub fn hostname() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "localhost".to_owned())
    })
}

/// krakend-logstash's level names (its `LogLevel` constants; go-logging's
/// `NOTICE`, which the gateway interface never logs, keeps its name).
const fn level_name(level: Level) -> &'static str {
    level.name()
}

/// The JSON record of one application message, as krakend-logstash's
/// `format` marshals it (keys in Go's sorted map order).
pub fn record(level: Level, module: &str, host: &str, msg: &str, now: SystemTime) -> String {
    let t = Civil::of(now);
    let mut s = String::with_capacity(128 + msg.len() + module.len() + host.len());
    let _ = write!(
        s,
        "{{\"@timestamp\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00\",\"@version\":1,\"host\":",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.nanos / 1_000,
    );
    go_json_string(&mut s, host);
    s.push_str(",\"level\":");
    go_json_string(&mut s, level_name(level));
    s.push_str(",\"message\":");
    go_json_string(&mut s, msg);
    s.push_str(",\"module\":");
    go_json_string(&mut s, module);
    s.push('}');
    s
}

/// A JSON string as Go's `encoding/json` writes it: `"` and `\` escaped,
/// `\n` `\r` `\t` `\b` `\f` short, other control characters `\u00XX`, and
/// (HTML-safe by default) `<` `>` `&` U+2028 U+2029 as `\uXXXX`.
pub fn go_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn record_is_go_json_with_sorted_keys() {
        let at = UNIX_EPOCH + Duration::new(1_796_607_491, 123_456_789);
        assert_eq!(
            record(Level::Warning, "[GW]", "box", "a \"q\" <b>\n\u{1}", at),
            "{\"@timestamp\":\"2026-12-07T01:38:11.123456+00:00\",\"@version\":1,\"host\":\"box\",\
             \"level\":\"WARNING\",\"message\":\"a \\\"q\\\" \\u003cb\\u003e\\n\\u0001\",\"module\":\"[GW]\"}"
        );
        let v: serde_json::Value =
            serde_json::from_str(&record(Level::Debug, "KRAKEND", "h", "x & y", at)).unwrap();
        assert_eq!(v["message"], "x & y");
        assert_eq!(v["@version"], 1);
    }
}
