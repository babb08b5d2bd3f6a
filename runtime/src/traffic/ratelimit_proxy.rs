//! `qos/ratelimit/proxy` (krakend-components §12): one token bucket per
//! backend entry, shared by its hosts, its `concurrent_calls` and every
//! worker thread, as `krakend-ratelimit` v3.3.1's `proxy/proxy.go` runs
//! it in KrakenD CE.
//!
//! The bucket is the router limiter's, CE's `tokenbucket.go`
//! ([`BucketState::allow`], §6.3): it starts full when the gateway starts,
//! refills lazily, and after idling lets `2 × capacity + 1` requests
//! through at once. Over the limit the backend is not called and the call
//! fails with CE's `rate limit exceded` (sic, `krakendrate.ErrLimited`):
//! a single-backend endpoint answers 500 (the text is the body only with
//! `router.return_error_msg`), a merge answers 200 with the other
//! backends' data and `X-KrakenD-Completed: false`.
//!
//! The stage runs inside the circuit breaker ([`crate::upstream::Upstream::call`]),
//! as CE's backend stack wraps them (`backend_factory.go`: the breaker
//! outside the limiter), so a refused call counts as a breaker failure.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use crate::error::{Error, ErrorKind};
use crate::traffic::ratelimit::{BucketState, TokenBucket};

/// CE's error text, misspelt as CE spells it (`krakendrate.ErrLimited`).
pub const ERR_LIMITED: &str = "rate limit exceded";

/// One backend's limit, ready.
#[derive(Debug)]
pub struct ProxyLimiter {
    epoch: Instant,
    bucket: TokenBucket,
    state: Mutex<BucketState>,
}

impl ProxyLimiter {
    /// A full bucket now (CE builds it with the backend pipe, at start-up).
    pub fn new(bucket: TokenBucket) -> ProxyLimiter {
        ProxyLimiter {
            epoch: Instant::now(),
            bucket,
            state: Mutex::new(BucketState::full(bucket, 0)),
        }
    }

    /// The stage: `Ok` when the call may go on (a token spent), CE's
    /// error otherwise.
    pub fn check(&self) -> Result<(), Error> {
        self.check_at(self.epoch.elapsed().as_nanos() as u64)
    }

    /// [`ProxyLimiter::check`] at `now` ns on the limiter's clock.
    pub fn check_at(&self, now: u64) -> Result<(), Error> {
        // A panic while the lock was held cannot leave the two integers
        // half-written: take the state as it is.
        let allowed = self
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .allow(self.bucket, now);
        if allowed {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::RateLimited, ERR_LIMITED))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn burst_then_refill_as_ce() {
        // capacity 2, 1 token a second.
        let l = ProxyLimiter::new(TokenBucket {
            fill_interval_ns: SECOND,
            capacity: 2,
        });
        assert!(l.check_at(0).is_ok());
        assert!(l.check_at(0).is_ok());
        let e = l
            .check_at(0)
            .err()
            .map(|e| (e.status().as_u16(), e.context));
        assert_eq!(e, Some((500, ERR_LIMITED.into())));
        // One interval later, one token.
        assert!(l.check_at(SECOND).is_ok());
        assert!(l.check_at(SECOND).is_err());
    }
}
