//! `qos/ratelimit/router` (endpoint level; krakend-components §6).
//!
//! `krakend-ratelimit`'s `ConfigGetter` reads each number with a type
//! switch (a JSON number, or nothing: a quoted `"10"` leaves the limit
//! off), and `strategy`, `key`, `every` and `cleanup_period` through
//! `fmt.Sprintf("%v")`, so a value of another type becomes text that never
//! matches. The model keeps numbers that are numbers and strings that are
//! strings; `strategy` also records that it was written with another type.
//!
//! Only the short name counts: CE dropped the legacy
//! `github.com/devopsfaith/krakend-ratelimit/juju/router` alias in v2.4.1
//! (`krakend-ce` commit 6f5660b), so a limit under that name is ignored
//! (GW708 reports it).

use crate::model::{DurationValue, Fields, Spanned, spanned};
use crate::syntax::{Node, Span};

/// The namespace key.
pub const NAMESPACE: &str = "qos/ratelimit/router";
/// The v1 name KrakenD CE no longer reads.
pub const JUJU_NAMESPACE: &str = "github.com/devopsfaith/krakend-ratelimit/juju/router";

/// The namespace as written.
#[derive(Clone, Debug, Default)]
pub struct RateLimitRouter {
    /// The namespace's key span.
    pub key_span: Span,
    /// `max_rate`: endpoint tokens per `every`.
    pub max_rate: Option<Spanned<f64>>,
    /// `capacity`: the endpoint bucket's size.
    pub capacity: Option<Spanned<f64>>,
    /// `client_max_rate`: each client's tokens per `every`.
    pub client_max_rate: Option<Spanned<f64>>,
    /// `client_capacity`: each client's bucket size.
    pub client_capacity: Option<Spanned<f64>>,
    /// `strategy` (`None` inside when written with another type than a
    /// string).
    pub strategy: Option<Spanned<Option<String>>>,
    /// `key`.
    pub key: Option<Spanned<String>>,
    /// `every`.
    pub every: Option<Spanned<DurationValue>>,
    /// `num_shards`.
    pub num_shards: Option<Spanned<f64>>,
    /// `cleanup_period`.
    pub cleanup_period: Option<Spanned<DurationValue>>,
}

impl RateLimitRouter {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &Node) -> Self {
        let f = Fields(node);
        RateLimitRouter {
            key_span,
            max_rate: f.number("max_rate"),
            capacity: f.number("capacity"),
            client_max_rate: f.number("client_max_rate"),
            client_capacity: f.number("client_capacity"),
            strategy: f
                .node("strategy")
                .map(|m| spanned(m.key_span, &m.value, m.value.as_str().map(str::to_string))),
            key: f.string("key"),
            every: f.duration("every"),
            num_shards: f.number("num_shards"),
            cleanup_period: f.duration("cleanup_period"),
        }
    }

    /// Whether the client limit is asked for (`client_max_rate` > 0).
    pub fn has_client_rate(&self) -> bool {
        self.client_max_rate.as_ref().is_some_and(|r| r.value > 0.0)
    }

    /// Whether the endpoint limit is asked for (`max_rate` > 0).
    pub fn has_endpoint_rate(&self) -> bool {
        self.max_rate.as_ref().is_some_and(|r| r.value > 0.0)
    }

    /// `strategy` lowercased, as CE compares it (`None` when absent or not
    /// a string).
    pub fn strategy_lowercase(&self) -> Option<String> {
        self.strategy
            .as_ref()
            .and_then(|s| s.value.as_deref())
            .map(str::to_lowercase)
    }
}

impl RateLimitRouter {
    /// `every` in nanoseconds as CE reads it (`fmt.Sprintf("%v")` then
    /// `time.ParseDuration`): `None` when absent; `Some(Err(()))` when it is
    /// not a Go duration (a string that does not parse, or a non-zero
    /// number, which prints without a unit).
    pub fn every_ns(&self) -> Option<Result<i64, ()>> {
        let every = self.every.as_ref()?;
        Some(match &every.value {
            DurationValue::Text(s) => crate::model::duration::parse_go_duration(s).map_err(|_| ()),
            DurationValue::Number(raw) => match raw.parse::<f64>() {
                Ok(0.0) => Ok(0),
                _ => Err(()),
            },
        })
    }

    /// CE's factor from a rate per `every` to a rate per second: 10⁹ /
    /// `every` ns, with `every` at least 1 s (1 when absent or invalid).
    pub fn per_second_factor(&self) -> f64 {
        match self.every_ns() {
            Some(Ok(ns)) if ns >= 1_000_000_000 => 1e9 / ns as f64,
            _ => 1.0,
        }
    }
}

impl<'a> crate::model::Config<'a> {
    /// The endpoints with a `qos/ratelimit/router`, with it.
    pub fn rate_limits(
        &self,
    ) -> impl Iterator<Item = (&crate::model::Endpoint<'a>, &RateLimitRouter)> {
        self.endpoints
            .iter()
            .filter_map(|e| Some((e, e.extra.rate_limit.as_ref()?)))
    }
}
