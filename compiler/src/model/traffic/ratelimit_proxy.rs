//! `qos/ratelimit/proxy` (backend level; krakend-components §12).
//!
//! `krakend-ratelimit` v3.3.1's `proxy.ConfigGetter` reads `max_rate` and
//! `capacity` with a type switch (a JSON number, or nothing: a quoted
//! `"10"` leaves the limit off) and `every` through `fmt.Sprintf("%v")`
//! then `time.ParseDuration` (a value that does not parse counts as 1s).
//! Unlike the router limiter (§6) there is **no** one-second floor on
//! `every`: `"100ms"` multiplies the rate by ten.
//!
//! Only the short name counts: KrakenD CE's alias table has no entry for
//! the v1 `github.com/devopsfaith/krakend-ratelimit/juju/proxy`, so a limit
//! under that name is ignored (GW715 reports it).

use crate::model::{DurationValue, Fields, Spanned};
use crate::syntax::{Node, Span};

/// The namespace key.
pub const NAMESPACE: &str = "qos/ratelimit/proxy";
/// The v1 name KrakenD CE does not read.
pub const JUJU_NAMESPACE: &str = "github.com/devopsfaith/krakend-ratelimit/juju/proxy";

/// The namespace as written.
#[derive(Clone, Debug, Default)]
pub struct RateLimitProxy {
    /// The namespace's key span.
    pub key_span: Span,
    /// `max_rate`: tokens per `every`.
    pub max_rate: Option<Spanned<f64>>,
    /// `capacity`: the bucket's size.
    pub capacity: Option<Spanned<f64>>,
    /// `every`.
    pub every: Option<Spanned<DurationValue>>,
}

impl RateLimitProxy {
    /// Reads the namespace object (`key_span`: its key).
    pub fn from_node(key_span: Span, node: &Node) -> Self {
        let f = Fields(node);
        RateLimitProxy {
            key_span,
            max_rate: f.number("max_rate"),
            capacity: f.number("capacity"),
            every: f.duration("every"),
        }
    }

    /// Whether the limit is on: `max_rate` a number above 0 (CE adds no
    /// middleware otherwise).
    pub fn has_rate(&self) -> bool {
        self.max_rate.as_ref().is_some_and(|r| r.value > 0.0)
    }

    /// `every` in nanoseconds as CE reads it: `None` when absent;
    /// `Some(Err(()))` when it is not a Go duration (a string that does not
    /// parse, or a non-zero number, which prints without a unit).
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

    /// `max_rate` per second as CE computes it: `max_rate × 10⁹ / every`
    /// (`every` 1s when absent or not a duration; a zero or negative
    /// `every` gives an infinite or negative rate, as in Go).
    pub fn rate_per_second(&self) -> f64 {
        let rate = self.max_rate.as_ref().map_or(0.0, |r| r.value);
        let every = match self.every_ns() {
            Some(Ok(ns)) => ns as f64,
            _ => 1e9,
        };
        rate * (1e9 / every)
    }
}

impl<'a> crate::model::Config<'a> {
    /// The backends with a `qos/ratelimit/proxy`, with their endpoint and
    /// the namespace.
    pub fn proxy_rate_limits(
        &self,
    ) -> impl Iterator<
        Item = (
            &crate::model::Endpoint<'a>,
            &crate::model::Backend<'a>,
            &RateLimitProxy,
        ),
    > {
        self.endpoints.iter().flat_map(|e| {
            e.backends
                .iter()
                .filter_map(move |b| Some((e, b, b.extra.rate_limit_proxy.as_ref()?)))
        })
    }
}
