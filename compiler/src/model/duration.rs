//! Go durations, exactly as KrakenD reads them.
//!
//! KrakenD decodes every `time.Duration` field with Go's
//! `time.ParseDuration` (koanf's `StringToTimeDurationHookFunc`), so a value
//! is valid for gwc exactly when it is valid for Go. [`parse_go_duration`]
//! re-implements that grammar, `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` with the
//! units `ns`, `us`, `µs` (U+00B5), `μs` (U+03BC), `ms`, `s`, `m`, `h`, a
//! lone `0` allowed without a unit, and Go's overflow rules (a magnitude up
//! to 2^63 ns, so `-2562047h47m16.854775808s` is the smallest value).
//! [`format_go_duration`] is Go's `Duration.String` (`1m30s`, `1.5µs`).
//!
//! Errors carry the byte range of the part of the input at fault, so a
//! diagnostic can point inside the string, and can still print Go's own
//! message ([`DurationError::go_message`]).

use std::ops::Range;

/// Nanoseconds per unit, in the order Go lists them.
const UNITS: [(&str, u64); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// The valid unit spellings, for messages.
pub const UNIT_NAMES: [&str; 8] = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"];

/// 2^63: the largest magnitude Go accepts (only as a negative value).
const LIMIT: u64 = 1 << 63;

/// What is wrong with a duration string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationErrorKind {
    /// Nothing to read (`""`, `"-"`).
    Empty,
    /// A character that cannot start a number (`"s"`, `"1h-2m"` never gets
    /// here: `-` is read as part of the unit there).
    ExpectedNumber,
    /// A `.` with no digit on either side (`".s"`).
    NoDigits,
    /// A number with no unit after it (`"10"`, `"1h30"`).
    MissingUnit,
    /// A unit Go does not know (`"3 seconds"` has the unit `" seconds"`).
    UnknownUnit,
    /// The value does not fit in Go's `int64` nanoseconds.
    Overflow,
}

/// Why a string is not a Go duration, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct DurationError {
    /// What is wrong.
    pub kind: DurationErrorKind,
    /// The byte range of the input at fault: the bad character, the number
    /// missing its unit, the unknown unit, or the component that overflows.
    /// Empty input gives the whole (empty or sign-only) input.
    pub range: Range<usize>,
}

impl DurationError {
    fn new(kind: DurationErrorKind, range: Range<usize>) -> Self {
        DurationError { kind, range }
    }

    /// A short description, lowercase, no period.
    pub fn describe(&self) -> &'static str {
        match self.kind {
            DurationErrorKind::Empty => "empty duration",
            DurationErrorKind::ExpectedNumber => "expected a number",
            DurationErrorKind::NoDigits => "a `.` needs a digit beside it",
            DurationErrorKind::MissingUnit => "missing unit",
            DurationErrorKind::UnknownUnit => "unknown unit",
            DurationErrorKind::Overflow => "out of range (more than about 292 years)",
        }
    }

    /// The message Go's `time.ParseDuration` gives for `input`
    /// (`time: unknown unit " seconds" in duration "3 seconds"`).
    pub fn go_message(&self, input: &str) -> String {
        match self.kind {
            DurationErrorKind::MissingUnit => {
                format!("time: missing unit in duration {}", go_quote(input))
            }
            DurationErrorKind::UnknownUnit => {
                let unit = input.get(self.range.clone()).unwrap_or_default();
                format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(input)
                )
            }
            _ => format!("time: invalid duration {}", go_quote(input)),
        }
    }
}

/// Go's `strconv.Quote` for the strings that appear in practice: printable
/// text verbatim, the usual escapes otherwise.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses a Go duration string into nanoseconds, exactly as Go's
/// `time.ParseDuration` does (same accepted set, same value, same overflow
/// bounds).
pub fn parse_go_duration(s: &str) -> Result<i64, DurationError> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    if let Some(&c) = bytes.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        i = 1;
    }
    // Special case: a lone "0" (after the sign) needs no unit.
    if &bytes[i..] == b"0" {
        return Ok(0);
    }
    if i == bytes.len() {
        return Err(DurationError::new(DurationErrorKind::Empty, 0..bytes.len()));
    }
    let mut total: u64 = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        if !(c == b'.' || c.is_ascii_digit()) {
            let len = s[i..].chars().next().map_or(1, char::len_utf8);
            return Err(DurationError::new(
                DurationErrorKind::ExpectedNumber,
                i..i + len,
            ));
        }
        // [0-9]*
        let mut whole: u64 = 0;
        let int_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            // Go's leadingInt: fails once the value would pass 2^63.
            if whole > LIMIT / 10 {
                return Err(overflow_at(bytes, start));
            }
            whole = whole * 10 + u64::from(bytes[i] - b'0');
            if whole > LIMIT {
                return Err(overflow_at(bytes, start));
            }
            i += 1;
        }
        let pre = i != int_start;
        // (\.[0-9]*)?
        let mut frac: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let frac_start = i;
            // Go's leadingFraction: stops gaining precision on overflow,
            // never fails.
            let mut overflowed = false;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                if !overflowed {
                    if frac > (LIMIT - 1) / 10 {
                        overflowed = true;
                    } else {
                        let next = frac * 10 + u64::from(bytes[i] - b'0');
                        if next > LIMIT {
                            overflowed = true;
                        } else {
                            frac = next;
                            scale *= 10.0;
                        }
                    }
                }
                i += 1;
            }
            post = i != frac_start;
        }
        if !pre && !post {
            return Err(DurationError::new(DurationErrorKind::NoDigits, start..i));
        }
        // The unit: everything up to the next '.' or digit. Both are ASCII,
        // so the cut is always on a char boundary.
        let unit_start = i;
        while i < bytes.len() && !(bytes[i] == b'.' || bytes[i].is_ascii_digit()) {
            i += 1;
        }
        if i == unit_start {
            return Err(DurationError::new(DurationErrorKind::MissingUnit, start..i));
        }
        let unit_text = &s[unit_start..i];
        let Some(&(_, unit)) = UNITS.iter().find(|(name, _)| *name == unit_text) else {
            return Err(DurationError::new(
                DurationErrorKind::UnknownUnit,
                unit_start..i,
            ));
        };
        if whole > LIMIT / unit {
            return Err(DurationError::new(DurationErrorKind::Overflow, start..i));
        }
        let mut v = whole * unit;
        if frac > 0 {
            // Go computes the fraction in float64 to stay nanosecond-exact
            // for fractions of hours; the product is at most 3.6e12.
            v += (frac as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(DurationError::new(DurationErrorKind::Overflow, start..i));
            }
        }
        total += v;
        if total > LIMIT {
            return Err(DurationError::new(DurationErrorKind::Overflow, start..i));
        }
    }
    if neg {
        // total <= 2^63 here, so the negation fits.
        return Ok((total as i128).wrapping_neg() as i64);
    }
    if total > LIMIT - 1 {
        return Err(DurationError::new(
            DurationErrorKind::Overflow,
            0..bytes.len(),
        ));
    }
    Ok(total as i64)
}

/// An overflow inside the digits of the component starting at `start`: the
/// range covers that component's digits.
fn overflow_at(bytes: &[u8], start: usize) -> DurationError {
    let end = bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(bytes.len(), |p| start + p);
    DurationError::new(DurationErrorKind::Overflow, start..end)
}

/// Go's `Duration.String`: `0s`, `1.5µs`, `300ms`, `1m30s`, `2h0m0s`.
pub fn format_go_duration(nanos: i64) -> String {
    let neg = nanos < 0;
    let mut u = nanos.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (prec, unit) = match u {
            0 => return "0s".to_string(),
            1..=999 => (0, "ns"),
            1_000..=999_999 => (3, "µs"),
            _ => (6, "ms"),
        };
        let (frac, rest) = format_fraction(u, prec);
        out.push_str(&rest.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (frac, secs) = format_fraction(u, 9);
        u = secs;
        let seconds = format!("{}{frac}s", u % 60);
        u /= 60;
        if u > 0 {
            let minutes = u % 60;
            u /= 60;
            if u > 0 {
                out.push_str(&format!("{u}h"));
            }
            out.push_str(&format!("{minutes}m"));
        }
        out.push_str(&seconds);
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Go's `fmtFrac`: the fraction `v / 10^prec` as `.123` without trailing
/// zeros (empty when zero), and `v / 10^prec`.
fn format_fraction(mut v: u64, prec: u32) -> (String, u64) {
    let mut digits = Vec::new();
    let mut print = false;
    for _ in 0..prec {
        let digit = (v % 10) as u8;
        print = print || digit != 0;
        if print {
            digits.push(b'0' + digit);
        }
        v /= 10;
    }
    if !print {
        return (String::new(), v);
    }
    digits.push(b'.');
    digits.reverse();
    (String::from_utf8(digits).unwrap_or_default(), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DurationErrorKind::*;

    const S: i64 = 1_000_000_000;

    /// Go's own `parseDurationTests` (time_test.go), plus the cases KrakenD
    /// users write.
    #[test]
    fn parses_like_go() {
        let ok: &[(&str, i64)] = &[
            // simple
            ("0", 0),
            ("5s", 5 * S),
            ("30s", 30 * S),
            ("1478s", 1478 * S),
            // sign
            ("-5s", -5 * S),
            ("+5s", 5 * S),
            ("-0", 0),
            ("+0", 0),
            // decimal
            ("5.0s", 5 * S),
            ("5.6s", 5 * S + 600_000_000),
            ("5.s", 5 * S),
            (".5s", 500_000_000),
            ("1.0s", S),
            ("1.00s", S),
            ("1.004s", S + 4_000_000),
            ("1.0040s", S + 4_000_000),
            ("100.00100s", 100 * S + 1_000_000),
            // different units
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14 * S),
            ("15m", 15 * 60 * S),
            ("16h", 16 * 3600 * S),
            // composite durations
            ("3h30m", (3 * 3600 + 30 * 60) * S),
            ("10.5s4m", 4 * 60 * S + 10 * S + 500_000_000),
            ("-2m3.4s", -(2 * 60 * S + 3 * S + 400_000_000)),
            (
                "1h2m3s4ms5us6ns",
                3600 * S + 2 * 60 * S + 3 * S + 4_000_000 + 5_000 + 6,
            ),
            (
                "39h9m14.425s",
                39 * 3600 * S + 9 * 60 * S + 14 * S + 425_000_000,
            ),
            ("1m30s", 90 * S),
            ("0s", 0),
            ("00s", 0),
            ("0h0m0s", 0),
            // large value
            ("52763797000ns", 52_763_797_000),
            // more than 9 digits after the decimal point
            ("0.3333333333333333333h", 20 * 60 * S),
            // 9007199254740993 = 1<<53 + 1 cannot be stored precisely in a float64
            ("9007199254740993ns", (1 << 53) + 1),
            // largest duration that can be represented by int64 in nanoseconds
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("-9223372036s854ms775us808ns", i64::MIN),
            // largest negative round trip value
            ("-2562047h47m16.854775808s", i64::MIN),
            // huge string; issue 15011.
            ("0.100000000000000000000h", 6 * 60 * S),
            // This value tests the first overflow check in leadingFraction.
            (
                "0.830103483285477580700h",
                49 * 60 * S + 48 * S + 372_539_827,
            ),
            // KrakenD configs
            ("3000ms", 3 * S),
            ("1500ms", 1500 * 1_000_000),
            ("150us", 150_000),
            ("2s", 2 * S),
        ];
        for (input, want) in ok {
            assert_eq!(parse_go_duration(input), Ok(*want), "{input}");
        }
        let bad: &[(&str, DurationErrorKind, Range<usize>)] = &[
            ("", Empty, 0..0),
            ("-", Empty, 0..1),
            ("+", Empty, 0..1),
            ("3", MissingUnit, 0..1),
            ("3000", MissingUnit, 0..4),
            ("00", MissingUnit, 0..2),
            ("1h30", MissingUnit, 2..4),
            ("s", ExpectedNumber, 0..1),
            ("µs", ExpectedNumber, 0..2),
            (" 2s", ExpectedNumber, 0..1),
            (".", NoDigits, 0..1),
            ("-.", NoDigits, 1..2),
            (".s", NoDigits, 0..1),
            ("+.s", NoDigits, 1..2),
            ("1d", UnknownUnit, 1..2),
            ("3 seconds", UnknownUnit, 1..9),
            ("2s ", UnknownUnit, 1..3),
            ("1h-2m", UnknownUnit, 1..3),
            ("2S", UnknownUnit, 1..2),
            ("10sec", UnknownUnit, 2..5),
            ("1.5e3s", UnknownUnit, 3..4),
            ("9223372036854775808ns", Overflow, 0..21),
            ("9223372036854775.808us", Overflow, 0..22),
            ("9223372036854ms775us808ns", Overflow, 0..0),
            ("-9223372036854775809ns", Overflow, 1..20),
            ("3000000h", Overflow, 0..8),
            ("99999999999999999999s", Overflow, 0..20),
        ];
        for (input, kind, range) in bad {
            let err = parse_go_duration(input).expect_err(input);
            assert_eq!(err.kind, *kind, "{input}");
            if !range.is_empty() {
                assert_eq!(err.range, *range, "{input}");
            }
        }
    }

    #[test]
    fn go_messages() {
        let cases = [
            (
                "3 seconds",
                "time: unknown unit \" seconds\" in duration \"3 seconds\"",
            ),
            ("3000", "time: missing unit in duration \"3000\""),
            ("", "time: invalid duration \"\""),
            (".s", "time: invalid duration \".s\""),
            (
                "9223372036854775808ns",
                "time: invalid duration \"9223372036854775808ns\"",
            ),
        ];
        for (input, want) in cases {
            let err = parse_go_duration(input).expect_err(input);
            assert_eq!(err.go_message(input), want, "{input}");
        }
    }

    #[test]
    fn formats_like_go() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (4 * 60 * S + 5 * S, "4m5s"),
            (4 * 60 * S + 5 * S + 1_000_000, "4m5.001s"),
            (5 * 3600 * S + 6 * 60 * S + 7 * S + 1_000_000, "5h6m7.001s"),
            (8 * 60 * S + 1, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (3600, "3.6µs"),
            (2 * 3600 * S, "2h0m0s"),
            (-1500 * 1_000_000, "-1.5s"),
        ];
        for (nanos, want) in cases {
            assert_eq!(format_go_duration(*nanos), *want, "{nanos}");
        }
    }

    #[test]
    fn round_trips() {
        for nanos in [
            0,
            1,
            999,
            1_000,
            1_234_567,
            S,
            90 * S,
            3600 * S + 1,
            i64::MAX,
            i64::MIN,
            -7 * S,
        ] {
            assert_eq!(
                parse_go_duration(&format_go_duration(nanos)),
                Ok(nanos),
                "{nanos}"
            );
        }
    }
}
