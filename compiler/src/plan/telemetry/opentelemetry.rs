//! `telemetry/opentelemetry`, planned: the Prometheus exporters' listen
//! addresses with CE's defaults applied (krakend-components §8.1).

use crate::model::telemetry::OpenTelemetry;

/// CE's exporter port when `port` is 0 or absent.
pub const DEFAULT_PORT: u16 = 9090;

/// What the runtime needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Otel {
    /// `(name, HOST:PORT)` per Prometheus exporter, in config order.
    pub prometheus: Vec<(String, String)>,
}

/// The exporter's address as CE builds it (`fmt.Sprintf("%s:%d", host,
/// port)`): `host` as written, every interface when empty (`0.0.0.0`, or
/// `[::]`-style brackets for an IPv6 literal); `listen_ip` is not read, as
/// CE v0.14.4 does not read it.
pub fn listen(host: Option<&str>, port: Option<i64>) -> String {
    let port = port
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0)
        .unwrap_or(DEFAULT_PORT);
    match host.unwrap_or("") {
        "" => format!("0.0.0.0:{port}"),
        h if h.contains(':') && !h.starts_with('[') => format!("[{h}]:{port}"),
        h => format!("{h}:{port}"),
    }
}

/// lura's route form, `{x}` → `:x` (gin's pattern, which CE compares
/// `skip_paths` with and labels metrics with).
pub fn gin_route(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push(':');
        out.push_str(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Plans the namespace.
pub fn plan(o: &OpenTelemetry) -> Otel {
    Otel {
        prometheus: o
            .prometheus
            .iter()
            .map(|e| {
                (
                    e.name
                        .as_ref()
                        .map_or_else(String::new, |n| n.value.clone()),
                    listen(
                        e.host.as_ref().map(|h| h.value.as_str()),
                        e.port.as_ref().map(|p| p.value),
                    ),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for (host, port, want) in [
            (None, None, "0.0.0.0:9090"),
            (Some(""), Some(0), "0.0.0.0:9090"),
            (Some("127.0.0.1"), Some(9091), "127.0.0.1:9091"),
            (Some("::1"), Some(9100), "[::1]:9100"),
            (Some("localhost"), Some(70_000), "localhost:9090"),
        ] {
            assert_eq!(listen(host, port), want, "{host:?} {port:?}");
        }
    }
}
