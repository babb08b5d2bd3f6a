//! Failover decisions (§7.5.3, §7.5.5): what class an attempt's outcome is,
//! and — a pure function — whether the request goes to another attempt.
//! The loop that applies them is [`crate::upstream::Upstream::call`].

use crate::spec::{Failover, FailureClasses, Method};

/// An attempt's outcome, as §7.5.3 classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was sent: DNS, refused, connect timeout, TLS handshake.
    ConnectFailure,
    /// The connection failed after (part of) the request was written,
    /// before a complete response head (a protocol error included).
    Reset,
    /// No response head within the attempt's time.
    Timeout,
    /// A response head with this status.
    Status(u16),
}

impl Outcome {
    /// The class bits this outcome belongs to (a status can be in several:
    /// 503 is `5xx` and `gateway-error`).
    pub fn classes(self, retriable: &[u16]) -> u8 {
        match self {
            Outcome::ConnectFailure => FailureClasses::CONNECT_FAILURE,
            Outcome::Reset => FailureClasses::RESET,
            Outcome::Timeout => FailureClasses::TIMEOUT,
            Outcome::Status(s) => {
                let mut c = 0;
                if (500..=599).contains(&s) {
                    c |= FailureClasses::STATUS_5XX;
                }
                if matches!(s, 502..=504) {
                    c |= FailureClasses::GATEWAY_ERROR;
                }
                if retriable.contains(&s) {
                    c |= FailureClasses::RETRIABLE_STATUS;
                }
                c
            }
        }
    }

    /// Whether the outcome is in `set`.
    pub fn is_in(self, set: FailureClasses, retriable: &[u16]) -> bool {
        set.0 & self.classes(retriable) != 0
    }

    /// The metrics label (`class` of `gwc_upstream_attempts_total`,
    /// `reason` of `gwc_failover_retries_total`).
    pub fn label(self) -> &'static str {
        match self {
            Outcome::ConnectFailure => "connect-failure",
            Outcome::Reset => "reset",
            Outcome::Timeout => "timeout",
            Outcome::Status(500..=599) => "5xx",
            Outcome::Status(_) => "response",
        }
    }

    /// The slot of the label in per-class counter arrays.
    pub fn slot(self) -> usize {
        match self {
            Outcome::ConnectFailure => 0,
            Outcome::Reset => 1,
            Outcome::Timeout => 2,
            Outcome::Status(500..=599) => 3,
            Outcome::Status(_) => 4,
        }
    }

    /// Labels by slot.
    pub const LABELS: [&'static str; 5] =
        ["connect-failure", "reset", "timeout", "5xx", "response"];
}

/// Why a retry that `retry_on` wanted was not made
/// (`gwc_retry_skipped_total{reason}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// The request was sent and the backend method is not idempotent.
    NonIdempotent,
    /// The body was streamed (larger than `max_retry_body_bytes`) and is
    /// gone.
    BodyTooLarge,
    /// The retry budget is spent.
    Budget,
    /// The endpoint deadline has passed.
    Deadline,
}

impl Skip {
    /// Every reason, in slot order.
    pub const ALL: [Skip; 4] = [
        Skip::NonIdempotent,
        Skip::BodyTooLarge,
        Skip::Budget,
        Skip::Deadline,
    ];

    /// The metrics label.
    pub fn label(self) -> &'static str {
        match self {
            Skip::NonIdempotent => "non_idempotent",
            Skip::BodyTooLarge => "body_too_large",
            Skip::Budget => "budget",
            Skip::Deadline => "deadline",
        }
    }
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Return this outcome to the caller (success, or a failure `retry_on`
    /// does not name, or the last attempt).
    Final,
    /// Try another host.
    Retry,
    /// `retry_on` wanted a retry but it is not allowed; return this outcome.
    Skip(Skip),
}

/// RFC 9110 idempotent methods (nginx's rule, §7.5.5).
pub fn idempotent(m: Method) -> bool {
    matches!(
        m,
        Method::Get | Method::Head | Method::Options | Method::Trace | Method::Put | Method::Delete
    )
}

/// The retry decision after attempt `attempt` (1-based) ended in `outcome`.
/// `replayable`: the body can be sent again even though it was (maybe)
/// consumed. Budget and host availability are checked by the loop when it
/// picks the next host.
pub fn decide(
    f: &Failover,
    attempt: u8,
    outcome: Outcome,
    method: Method,
    replayable: bool,
    past_deadline: bool,
) -> Decision {
    if !outcome.is_in(f.retry_on, f.retriable_status) {
        return Decision::Final;
    }
    if attempt >= f.max_attempts {
        return Decision::Final;
    }
    if past_deadline {
        return Decision::Skip(Skip::Deadline);
    }
    // A connect failure sent nothing: any method, any body is safe.
    if outcome != Outcome::ConnectFailure {
        if !idempotent(method) && !f.retry_non_idempotent {
            return Decision::Skip(Skip::NonIdempotent);
        }
        if !replayable {
            return Decision::Skip(Skip::BodyTooLarge);
        }
    }
    Decision::Retry
}

/// The wait before attempt `attempt` (≥ 2): Envoy's fully jittered
/// exponential backoff, U[0, min(max, base × 2^(attempt-2))]; 0 without a
/// base.
pub fn backoff_ms(f: &Failover, attempt: u8) -> u64 {
    if f.backoff_base_ms == 0 || attempt < 2 {
        return 0;
    }
    let exp = u32::from(attempt - 2).min(20);
    let cap = f
        .backoff_base_ms
        .saturating_mul(1 << exp)
        .min(f.backoff_max_ms.max(f.backoff_base_ms));
    fastrand::u64(0..=cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: Failover = Failover {
        max_attempts: 3,
        retriable_status: &[429],
        ..Failover::DEFAULT
    };

    #[test]
    fn classes_table() {
        use FailureClasses as C;
        let table: &[(Outcome, u8)] = &[
            (Outcome::ConnectFailure, C::CONNECT_FAILURE),
            (Outcome::Reset, C::RESET),
            (Outcome::Timeout, C::TIMEOUT),
            (Outcome::Status(200), 0),
            (Outcome::Status(404), 0),
            (Outcome::Status(429), C::RETRIABLE_STATUS),
            (Outcome::Status(500), C::STATUS_5XX),
            (Outcome::Status(502), C::STATUS_5XX | C::GATEWAY_ERROR),
            (Outcome::Status(504), C::STATUS_5XX | C::GATEWAY_ERROR),
            (Outcome::Status(505), C::STATUS_5XX),
        ];
        for &(o, want) in table {
            assert_eq!(o.classes(&[429]), want, "{o:?}");
        }
        let gw_only = FailureClasses(C::GATEWAY_ERROR);
        assert!(Outcome::Status(503).is_in(gw_only, &[]));
        assert!(!Outcome::Status(500).is_in(gw_only, &[]));
    }

    #[test]
    fn decide_table() {
        use Decision::*;
        use Method::*;
        use Outcome::*;
        let mut non_idem = F;
        non_idem.retry_non_idempotent = true;
        let mut statuses = F;
        statuses.retry_on = FailureClasses(FailureClasses::RETRIABLE_STATUS);
        // (policy, attempt, outcome, method, replayable, past deadline) → decision
        type Row = (Failover, u8, Outcome, Method, bool, bool, Decision);
        let table: &[Row] = &[
            (F, 1, Status(200), Get, true, false, Final),
            (F, 1, Status(404), Get, true, false, Final),
            (F, 1, Status(503), Get, true, false, Retry),
            (F, 2, Status(503), Get, true, false, Retry),
            (F, 3, Status(503), Get, true, false, Final),
            (
                F,
                1,
                Status(503),
                Get,
                true,
                true,
                Skip(super::Skip::Deadline),
            ),
            (F, 1, ConnectFailure, Post, false, false, Retry),
            (
                F,
                1,
                ConnectFailure,
                Post,
                true,
                true,
                Skip(super::Skip::Deadline),
            ),
            (
                F,
                1,
                Reset,
                Post,
                true,
                false,
                Skip(super::Skip::NonIdempotent),
            ),
            (
                F,
                1,
                Reset,
                Patch,
                true,
                false,
                Skip(super::Skip::NonIdempotent),
            ),
            (F, 1, Reset, Get, true, false, Retry),
            (
                F,
                1,
                Reset,
                Put,
                false,
                false,
                Skip(super::Skip::BodyTooLarge),
            ),
            (F, 1, Timeout, Delete, true, false, Retry),
            (non_idem, 1, Reset, Post, true, false, Retry),
            (
                non_idem,
                1,
                Reset,
                Post,
                false,
                false,
                Skip(super::Skip::BodyTooLarge),
            ),
            (statuses, 1, Status(503), Get, true, false, Final),
            (statuses, 1, Status(429), Get, true, false, Retry),
            (statuses, 1, ConnectFailure, Get, true, false, Final),
        ];
        for &(f, attempt, o, m, replayable, late, want) in table {
            assert_eq!(
                decide(&f, attempt, o, m, replayable, late),
                want,
                "attempt {attempt} {o:?} {m:?} replayable={replayable} late={late}"
            );
        }
    }

    #[test]
    fn backoff_is_bounded() {
        assert_eq!(backoff_ms(&F, 2), 0);
        let mut f = F;
        f.backoff_base_ms = 10;
        f.backoff_max_ms = 25;
        for _ in 0..100 {
            assert!(backoff_ms(&f, 2) <= 10);
            assert!(backoff_ms(&f, 3) <= 20);
            assert!(backoff_ms(&f, 9) <= 25);
        }
    }
}
