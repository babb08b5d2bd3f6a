//! `qos/ratelimit/router`, planned (`spec::RateLimit`): `krakend-ratelimit`
//! v3.3.1's `ConfigGetter` and `gin.go` arithmetic, done once at build time
//! in the same `f64` operations, so every bucket has CE's exact capacity
//! and fill interval (krakend-components §6.1):
//! - `every` (when written) divides both rates: rate per second = rate ×
//!   (10⁹ / every ns); a value that is not a Go duration, or is below one
//!   second, counts as `1s`; without `every` the rates are per second;
//! - `capacity` 0 or absent: `⌊max_rate per second⌋`, at least 1;
//! - `client_capacity` 0 or absent: 1 when the **endpoint**'s rate per
//!   second is below 1 (CE's bug: it tests `max_rate`), else
//!   `⌊client_max_rate per second⌋`;
//! - fill interval `⌊10⁹ / rate⌋` ns (rate at least 10⁻⁹), at least 1 ns;
//! - `strategy` lowercased; any other value leaves the client limit off;
//! - idle clients are forgotten after 10 minutes, or after `every` plus up
//!   to 25 % when `every` is longer; swept every `cleanup_period` (1 min by
//!   default, at least 1 s; not a duration: 1 min).
//!
//! gwc's own bounds: at most [`MAX_CLIENTS`] live client keys per endpoint
//! and `num_shards` capped at [`gw_runtime`'s `MAX_SHARDS`](MAX_SHARDS)
//! (a performance knob in CE, with no effect on which request passes).

use crate::model::DurationValue;
use crate::model::duration::parse_go_duration;
use crate::model::traffic::RateLimitRouter as Model;

/// The most client keys an endpoint keeps at once (each costs at most 128
/// bytes, about 64 measured: `gw_runtime::traffic::ratelimit`).
pub const MAX_CLIENTS: u32 = 100_000;

/// The most shards of a client map (`gw_runtime`'s `MAX_SHARDS`).
pub const MAX_SHARDS: u16 = 64;

const SECOND_NS: i64 = 1_000_000_000;
/// CE's `DataTTL`.
const DATA_TTL_NS: i64 = 600 * SECOND_NS;
/// CE's default `cleanup_period`.
const CLEANUP_NS: i64 = 60 * SECOND_NS;

/// A planned `qos/ratelimit/router`; `None` fields are limits that are off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// The endpoint's bucket.
    pub endpoint: Option<TokenBucket>,
    /// The per-client buckets.
    pub client: Option<ClientLimit>,
}

/// A bucket's constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    /// Nanoseconds per token.
    pub fill_interval_ns: u64,
    /// Tokens held (and at start).
    pub capacity: u64,
}

/// The per-client limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientLimit {
    /// Each client's bucket.
    pub bucket: TokenBucket,
    /// How a client is identified.
    pub key: ClientKey,
    /// Idle TTL.
    pub idle_ttl_ns: u64,
    /// Up to this much more, drawn at start (CE's jitter when `every` is
    /// the TTL).
    pub idle_jitter_ns: u64,
    /// The eviction period.
    pub cleanup_period_ns: u64,
    /// Shards of the client map.
    pub shards: u16,
    /// The most live client keys.
    pub max_clients: u32,
}

/// `strategy` and `key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientKey {
    /// `ip`, with `key` as the (lowercase) header to read the IP from.
    Ip {
        /// `key`, when not empty.
        header: Option<String>,
    },
    /// `header`: the lowercase header name (empty: every request a 429).
    Header(String),
    /// `param`: the placeholder's index (`None`: not a placeholder of the
    /// endpoint, every request a 429).
    Param(Option<u16>),
}

/// Plans the namespace of an endpoint with placeholders `params`; `None`
/// when neither limit is on (CE then adds no middleware).
pub(crate) fn plan(m: &Model, params: &[String]) -> Option<RateLimit> {
    let number = |v: &Option<crate::model::Spanned<f64>>| v.as_ref().map_or(0.0, |v| v.value);
    let (mut max_rate, mut client_rate) = (number(&m.max_rate), number(&m.client_max_rate));
    let (mut ttl, mut jitter) = (DATA_TTL_NS, 0);
    if let Some(every) = &m.every {
        let every = go_duration(&every.value)
            .filter(|&e| e >= SECOND_NS)
            .unwrap_or(SECOND_NS);
        let factor = 1e9 / every as f64;
        max_rate *= factor;
        client_rate *= factor;
        if every > ttl {
            // CE: (1 + 0.25 × rand) × every, drawn at start-up.
            (ttl, jitter) = (every, every / 4);
        }
    }
    let endpoint = (max_rate > 0.0).then(|| {
        let capacity = match go_uint(number(&m.capacity)) {
            0 if max_rate < 1.0 => 1,
            0 => max_rate as u64,
            c => c,
        };
        bucket(max_rate, capacity)
    });
    let client = (client_rate > 0.0)
        .then(|| {
            let key = client_key(m, params)?;
            let capacity = match go_uint(number(&m.client_capacity)) {
                // CE tests the endpoint's rate here (`gin.go` L72-78).
                0 if max_rate < 1.0 => 1,
                0 => client_rate as u64,
                c => c,
            };
            let cleanup = match &m.cleanup_period {
                None => CLEANUP_NS,
                Some(p) => go_duration(&p.value).unwrap_or(CLEANUP_NS).max(SECOND_NS),
            };
            let shards = number(&m.num_shards);
            Some(ClientLimit {
                bucket: bucket(client_rate, capacity),
                key,
                idle_ttl_ns: ttl as u64,
                idle_jitter_ns: jitter as u64,
                cleanup_period_ns: cleanup as u64,
                // CE: more than one shard only when `num_shards` > 1 (2048
                // when absent).
                shards: match &m.num_shards {
                    None => MAX_SHARDS,
                    Some(_) if shards <= 1.0 => 1,
                    Some(_) => (shards as u64).min(u64::from(MAX_SHARDS)) as u16,
                },
                max_clients: MAX_CLIENTS,
            })
        })
        .flatten();
    (endpoint.is_some() || client.is_some()).then_some(RateLimit { endpoint, client })
}

/// CE's `NewTokenBucket` constants for `rate` tokens a second.
pub(crate) fn bucket(rate: f64, capacity: u64) -> TokenBucket {
    let rate = rate.max(1e-9);
    TokenBucket {
        // Go: `time.Duration(int64(1e9 / r))`; 0 above 10⁹ tokens a second,
        // where CE would divide by zero: 1 ns.
        fill_interval_ns: ((1e9 / rate) as u64).max(1),
        capacity: capacity.max(1),
    }
}

/// `uint64(v)` of a JSON number as CE converts it: truncated; negative
/// values (platform-dependent in Go, GW805 rejects them) count as 0.
pub(crate) fn go_uint(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        v as u64
    } else {
        0
    }
}

/// What `time.ParseDuration(fmt.Sprintf("%v", v))` gives: a string is
/// parsed; a JSON number prints without a unit, which only parses when it
/// is zero.
fn go_duration(v: &DurationValue) -> Option<i64> {
    match v {
        DurationValue::Text(s) => parse_go_duration(s).ok(),
        DurationValue::Number(raw) => raw.parse::<f64>().ok().filter(|f| *f == 0.0).map(|_| 0),
    }
}

/// The client key, or `None` for an unknown strategy (CE logs `Unknown
/// strategy` and runs without the client limit).
fn client_key(m: &Model, params: &[String]) -> Option<ClientKey> {
    let key = m.key.as_ref().map_or("", |k| k.value.as_str());
    Some(match m.strategy_lowercase()?.as_str() {
        "ip" => ClientKey::Ip {
            header: (!key.is_empty()).then(|| key.to_ascii_lowercase()),
        },
        "header" => ClientKey::Header(key.to_ascii_lowercase()),
        "param" => ClientKey::Param(
            params
                .iter()
                .position(|p| p == key)
                .and_then(|i| u16::try_from(i).ok()),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(json: &str) -> Model {
        let tree = crate::syntax::json::parse(json).root.expect("a tree");
        Model::from_node(tree.span, &tree)
    }

    const S: u64 = 1_000_000_000;

    /// (config, endpoint bucket, client bucket (fill, capacity)).
    #[test]
    fn ce_arithmetic_table() {
        let b = |fill, capacity| {
            Some(TokenBucket {
                fill_interval_ns: fill,
                capacity,
            })
        };
        let table: Vec<(&str, Option<TokenBucket>, Option<TokenBucket>)> = vec![
            (r#"{"max_rate": 10}"#, b(S / 10, 10), None),
            (r#"{"max_rate": 10, "capacity": 3}"#, b(S / 10, 3), None),
            (r#"{"max_rate": 10, "capacity": 2.9}"#, b(S / 10, 2), None),
            (r#"{"max_rate": 0.5}"#, b(2 * S, 1), None),
            // 100 a minute: 1.67 a second, capacity 1, a token each 600 ms.
            (
                r#"{"max_rate": 100, "every": "1m"}"#,
                b(600_000_000, 1),
                None,
            ),
            (r#"{"max_rate": 60, "every": "1m"}"#, b(S, 1), None),
            (r#"{"max_rate": 600, "every": "1m"}"#, b(S / 10, 10), None),
            // `every` below 1s, invalid or a number: 1s.
            (r#"{"max_rate": 10, "every": "100ms"}"#, b(S / 10, 10), None),
            (
                r#"{"max_rate": 10, "every": "1 minute"}"#,
                b(S / 10, 10),
                None,
            ),
            (r#"{"max_rate": 10, "every": 60}"#, b(S / 10, 10), None),
            (r#"{"max_rate": "10"}"#, None, None),
            (r#"{"max_rate": -1}"#, None, None),
            // Above 10⁹ a second CE's interval is 0: gwc's is 1 ns.
            (r#"{"max_rate": 2e9}"#, b(1, 2_000_000_000), None),
            (
                r#"{"client_max_rate": 5, "strategy": "ip"}"#,
                None,
                // No `max_rate`: CE's client capacity is 1.
                b(S / 5, 1),
            ),
            (
                r#"{"max_rate": 100, "client_max_rate": 5, "strategy": "IP"}"#,
                b(S / 100, 100),
                b(S / 5, 5),
            ),
            (
                r#"{"max_rate": 0.5, "client_max_rate": 5, "strategy": "ip"}"#,
                b(2 * S, 1),
                b(S / 5, 1),
            ),
            (
                r#"{"client_max_rate": 5, "client_capacity": 7, "strategy": "ip"}"#,
                None,
                b(S / 5, 7),
            ),
            // Unknown or missing strategy: the client limit is off.
            (r#"{"client_max_rate": 5, "strategy": "user"}"#, None, None),
            (r#"{"client_max_rate": 5}"#, None, None),
            (
                r#"{"max_rate": 1, "client_max_rate": 5, "strategy": 1}"#,
                b(S, 1),
                None,
            ),
        ];
        for (json, endpoint, client) in table {
            let got = plan(&model(json), &[]);
            assert_eq!(
                (
                    got.as_ref().and_then(|r| r.endpoint),
                    got.as_ref()
                        .and_then(|r| r.client.as_ref().map(|c| c.bucket))
                ),
                (endpoint, client),
                "{json}"
            );
        }
    }

    #[test]
    fn keys_ttl_cleanup_and_shards() {
        let params = ["id".to_string(), "user".to_string()];
        let client = |json: &str| {
            plan(&model(json), &params)
                .and_then(|r| r.client)
                .expect("a client limit")
        };
        let c = client(r#"{"client_max_rate": 1, "strategy": "header", "key": "X-Tenant"}"#);
        assert_eq!(c.key, ClientKey::Header("x-tenant".into()));
        assert_eq!(
            (
                c.idle_ttl_ns,
                c.idle_jitter_ns,
                c.cleanup_period_ns,
                c.shards,
                c.max_clients
            ),
            (600 * S, 0, 60 * S, 64, 100_000)
        );
        let c = client(r#"{"client_max_rate": 1, "strategy": "header"}"#);
        assert_eq!(c.key, ClientKey::Header(String::new()));
        let c = client(r#"{"client_max_rate": 1, "strategy": "param", "key": "user"}"#);
        assert_eq!(c.key, ClientKey::Param(Some(1)));
        let c = client(r#"{"client_max_rate": 1, "strategy": "param", "key": "User"}"#);
        assert_eq!(c.key, ClientKey::Param(None));
        let c = client(r#"{"client_max_rate": 1, "strategy": "ip", "key": "CF-Connecting-IP"}"#);
        assert_eq!(
            c.key,
            ClientKey::Ip {
                header: Some("cf-connecting-ip".into())
            }
        );
        let c = client(
            r#"{"client_max_rate": 1, "strategy": "ip", "every": "1h", "cleanup_period": "10ms", "num_shards": 1}"#,
        );
        assert_eq!(c.key, ClientKey::Ip { header: None });
        assert_eq!(
            (
                c.idle_ttl_ns,
                c.idle_jitter_ns,
                c.cleanup_period_ns,
                c.shards
            ),
            (3600 * S, 900 * S, S, 1)
        );
        let c = client(
            r#"{"client_max_rate": 1, "strategy": "ip", "cleanup_period": "soon", "num_shards": 10}"#,
        );
        assert_eq!((c.cleanup_period_ns, c.shards), (60 * S, 10));
        let c = client(r#"{"client_max_rate": 1, "strategy": "ip", "cleanup_period": 0}"#);
        assert_eq!(c.cleanup_period_ns, S);
        // Neither limit: no stage at all.
        assert_eq!(plan(&model(r#"{"strategy": "ip"}"#), &params), None);
    }
}
