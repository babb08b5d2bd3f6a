//! `qos/ratelimit/proxy`, planned: one token bucket per backend entry
//! (krakend-components §12), with `krakend-ratelimit` v3.3.1's
//! `proxy.go` arithmetic done once at build time in the same `f64`
//! operations:
//! - rate per second = `max_rate × 10⁹ / every` (`every` 1s when absent or
//!   not a Go duration; no one-second floor, unlike the router limiter);
//! - off when that rate is not above 0 (CE adds no middleware);
//! - `capacity` 0 or absent: `⌊rate per second⌋`, 1 when the rate is
//!   below 1;
//! - the bucket is CE's `NewTokenBucket` (§6.3), shared with
//!   `qos/ratelimit/router`: [`super::ratelimit_router::bucket`].

use super::ratelimit_router::{TokenBucket, bucket, go_uint};
use crate::model::traffic::RateLimitProxy as Model;

/// Plans the namespace of a backend; `None` when the limit is off.
pub(crate) fn plan(m: &Model) -> Option<TokenBucket> {
    let rate = m.rate_per_second();
    // Off unless a finite rate above 0: CE's `MaxRate <= 0`, plus the
    // infinite rate of `every: "0s"` (CE's bucket would divide by zero)
    // and NaN, which JSON numbers and a parsed duration cannot make.
    if !rate.is_finite() || rate <= 0.0 {
        return None;
    }
    let capacity = match go_uint(m.capacity.as_ref().map_or(0.0, |c| c.value)) {
        0 if rate < 1.0 => 1,
        0 => rate as u64,
        c => c,
    };
    Some(bucket(rate, capacity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DurationValue, Spanned};
    use crate::syntax::{ScalarStyle, Span};

    fn model(max_rate: f64, capacity: Option<f64>, every: Option<&str>) -> Model {
        let s = |v| Spanned {
            value: v,
            span: Span::default(),
            key_span: Span::default(),
            style: ScalarStyle::Opaque,
        };
        Model {
            key_span: Span::default(),
            max_rate: Some(s(max_rate)),
            capacity: capacity.map(s),
            every: every.map(|e| Spanned {
                value: DurationValue::Text(e.to_string()),
                span: Span::default(),
                key_span: Span::default(),
                style: ScalarStyle::Opaque,
            }),
        }
    }

    #[test]
    fn ce_arithmetic() {
        let b = |fill_interval_ns, capacity| {
            Some(TokenBucket {
                fill_interval_ns,
                capacity,
            })
        };
        let table = [
            (model(10.0, None, None), b(100_000_000, 10)),
            (model(10.0, Some(3.0), None), b(100_000_000, 3)),
            // No 1 s floor: 100ms multiplies the rate by ten.
            (model(10.0, None, Some("100ms")), b(10_000_000, 100)),
            // 60 a minute: 1 a second, capacity 1.
            (model(60.0, None, Some("1m")), b(1_000_000_000, 1)),
            // Below 1 a second: capacity 1.
            (model(1.0, None, Some("1m")), b(60_000_000_000, 1)),
            // Not a duration: 1s.
            (model(5.0, None, Some("1 minute")), b(200_000_000, 5)),
            (model(0.0, Some(5.0), None), None),
            (model(-1.0, None, None), None),
            (model(5.0, None, Some("0s")), None),
            (model(5.0, None, Some("-1s")), None),
        ];
        for (m, want) in table {
            assert_eq!(plan(&m), want, "{m:?}");
        }
    }
}
