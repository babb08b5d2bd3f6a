//! KrakenD's `qos/circuit-breaker` (sony/gobreaker as krakend-circuitbreaker
//! sets it up, research §4): it wraps the whole backend call, after
//! failover, so it sees one outcome per client request.
//!
//! - CLOSED: counts consecutive failures; it trips on the
//!   `(max_errors + 1)`-th (`ReadyToTrip: ConsecutiveFailures > max_errors`).
//!   Counts are cleared every `interval` seconds.
//! - OPEN: every call fails at once for `timeout` seconds.
//! - HALF-OPEN: one test call; success closes, failure opens again.
//!
//! A failure is a network error or timeout, and, unless the backend is
//! `no-op`, a status other than 200/201.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::spec::CircuitBreaker;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32, window_end: Instant },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

/// One backend's breaker.
#[derive(Debug)]
pub struct Breaker {
    cfg: CircuitBreaker,
    label: String,
    state: Mutex<State>,
}

/// A call the breaker let through; report how it went.
#[derive(Debug)]
#[must_use]
pub struct Ticket {
    half_open: bool,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(cfg: CircuitBreaker, label: String) -> Breaker {
        Breaker {
            state: Mutex::new(State::Closed {
                failures: 0,
                window_end: Instant::now() + Self::secs(cfg.interval_s),
            }),
            cfg,
            label,
        }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s.min(60 * 60 * 24 * 365))
    }

    /// Whether a call may go ahead (`None`: the breaker is open).
    pub fn allow(&self) -> Option<Ticket> {
        let Ok(mut s) = self.state.lock() else {
            return Some(Ticket { half_open: false });
        };
        let now = Instant::now();
        match *s {
            State::Closed { window_end, .. } => {
                if now >= window_end {
                    *s = State::Closed {
                        failures: 0,
                        window_end: now + Self::secs(self.cfg.interval_s),
                    };
                }
                Some(Ticket { half_open: false })
            }
            State::Open { until } if now >= until => {
                self.log("half-open");
                *s = State::HalfOpen { probing: true };
                Some(Ticket { half_open: true })
            }
            State::Open { .. } => None,
            State::HalfOpen { probing: true } => None,
            State::HalfOpen { probing: false } => {
                *s = State::HalfOpen { probing: true };
                Some(Ticket { half_open: true })
            }
        }
    }

    /// Reports the call's result.
    pub fn report(&self, t: Ticket, ok: bool) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        let now = Instant::now();
        match (*s, ok) {
            (State::HalfOpen { .. }, true) if t.half_open => {
                self.log("closed");
                *s = State::Closed {
                    failures: 0,
                    window_end: now + Self::secs(self.cfg.interval_s),
                };
            }
            (State::HalfOpen { .. }, false) if t.half_open => {
                self.log("open");
                *s = State::Open {
                    until: now + Self::secs(self.cfg.timeout_s),
                };
            }
            (State::Closed { window_end, .. }, true) => {
                *s = State::Closed {
                    failures: 0,
                    window_end,
                };
            }
            (
                State::Closed {
                    failures,
                    window_end,
                },
                false,
            ) => {
                let failures = failures.saturating_add(1);
                *s = if failures > self.cfg.max_errors {
                    self.log("open");
                    State::Open {
                        until: now + Self::secs(self.cfg.timeout_s),
                    }
                } else {
                    State::Closed {
                        failures,
                        window_end,
                    }
                };
            }
            // A call from an older state finishing late changes nothing.
            _ => {}
        }
    }

    /// Whether the breaker is open now (for `/upstreams`).
    pub fn state_label(&self) -> &'static str {
        match self.state.lock().map(|s| *s) {
            Ok(State::Closed { .. }) | Err(_) => "closed",
            Ok(State::Open { .. }) => "open",
            Ok(State::HalfOpen { .. }) => "half-open",
        }
    }

    fn log(&self, to: &str) {
        if self.cfg.log_status_change {
            crate::telemetry::logging::log(
                crate::telemetry::logging::Level::Warning,
                &format!(
                    "circuit breaker for backend {} changed state to {to}",
                    self.label
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn trips_on_max_errors_plus_one_and_half_opens_once() {
        let b = Breaker::new(
            CircuitBreaker {
                interval_s: 60,
                timeout_s: 1,
                max_errors: 1,
                log_status_change: false,
            },
            "b".into(),
        );
        // max_errors 1 trips on the 2nd consecutive failure.
        let t = b.allow().expect("closed");
        b.report(t, false);
        let t = b.allow().expect("still closed");
        b.report(t, false);
        assert!(b.allow().is_none(), "open");
        assert_eq!(b.state_label(), "open");
        tokio::time::advance(Duration::from_millis(1001)).await;
        let probe = b.allow().expect("half-open lets one call through");
        assert!(b.allow().is_none(), "only one");
        b.report(probe, false);
        assert!(b.allow().is_none(), "open again");
        tokio::time::advance(Duration::from_millis(1001)).await;
        let probe = b.allow().expect("half-open");
        b.report(probe, true);
        assert_eq!(b.state_label(), "closed");
        // A success resets the consecutive count.
        for ok in [false, true, false] {
            let t = b.allow().expect("closed");
            b.report(t, ok);
        }
        assert!(b.allow().is_some());
    }
}
