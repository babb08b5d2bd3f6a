//! `telemetry/logging` planned as krakend-gologging v2.1.1 builds its
//! logger (krakend-components §2.2): the level parsed as go-logging does,
//! one syslog priority from the configured level and facility, the prefix
//! forced off by the `logstash` and `custom` formats, the custom pattern
//! compiled into go-logging's verbs. Without the namespace (or with a level
//! go-logging refuses, GW790) CE runs lura's basic DEBUG logger on stdout:
//! [`Logging::BASIC`].

use crate::model::telemetry::Logging as Model;

/// go-logging's levels, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `CRITICAL`
    Critical,
    /// `ERROR`
    Error,
    /// `WARNING`
    Warning,
    /// `NOTICE`
    Notice,
    /// `INFO`
    Info,
    /// `DEBUG`
    Debug,
}

/// The application line's shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Format {
    /// lura's basic logger.
    Basic,
    /// go-logging's default pattern.
    Default,
    /// krakend-gologging's logstash pattern.
    Logstash,
    /// `custom_format` compiled.
    Custom(Vec<Verb>),
}

/// One piece of a go-logging pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Verb {
    /// Literal text.
    Text(String),
    /// `%{time:<layout>}`.
    Time(Vec<TimePart>),
    /// `%{level}`
    Level,
    /// `%{level:.Ns}`
    LevelCut(u8),
    /// `%{message}`
    Message,
    /// `%{module}`
    Module,
    /// `%{id}`
    Id,
    /// `%{pid}`
    Pid,
    /// `%{program}`
    Program,
    /// `%{color}`
    Color,
    /// `%{color:bold}`
    ColorBold,
    /// `%{color:reset}`
    ColorReset,
}

/// One piece of a Go time layout.
#[derive(Clone, Debug, PartialEq)]
pub enum TimePart {
    /// Literal text.
    Text(String),
    /// `2006`
    Year,
    /// `01`
    Month,
    /// `Jan`
    MonthName,
    /// `02`
    Day,
    /// `_2`
    DaySpace,
    /// `15`
    Hour,
    /// `04`
    Minute,
    /// `05`
    Second,
    /// `.000`… (digits)
    Fraction(u8),
}

/// The logger, every default applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Logging {
    /// The most verbose level written.
    pub level: Level,
    /// `stdout`.
    pub stdout: bool,
    /// `syslog`: the one priority (facility × 8 + severity).
    pub syslog: Option<u8>,
    /// `prefix` (empty for `logstash` and `custom`).
    pub prefix: String,
    /// `format`.
    pub format: Format,
    /// `telemetry/logstash`: the JSON record's `module` (the prefix, or
    /// `KRAKEND`).
    pub logstash: Option<String>,
}

impl Logging {
    /// lura's basic logger: DEBUG on stdout.
    pub fn basic() -> Logging {
        Logging {
            level: Level::Debug,
            stdout: true,
            syslog: None,
            prefix: String::new(),
            format: Format::Basic,
            logstash: None,
        }
    }
}

/// go-logging's `LogLevel`: the names, case-insensitive.
pub fn parse_level(s: &str) -> Option<Level> {
    Some(match s.to_ascii_uppercase().as_str() {
        "CRITICAL" => Level::Critical,
        "ERROR" => Level::Error,
        "WARNING" => Level::Warning,
        "NOTICE" => Level::Notice,
        "INFO" => Level::Info,
        "DEBUG" => Level::Debug,
        _ => return None,
    })
}

/// krakend-gologging's `parseSyslogFacility` (unknown: local3).
fn facility(name: Option<&str>) -> u8 {
    match name.map(str::to_ascii_lowercase).as_deref() {
        Some("local0") => 16,
        Some("local1") => 17,
        Some("local2") => 18,
        Some("local4") => 20,
        Some("local5") => 21,
        Some("local6") => 22,
        Some("local7") => 23,
        _ => 19,
    }
}

/// krakend-gologging's `parseSyslogSeverity` from the configured level
/// (anything else, `notice` included: CRIT).
fn severity(level: &str) -> u8 {
    match level.to_ascii_lowercase().as_str() {
        "fatal" => 0,
        "error" => 3,
        "warning" => 4,
        "info" => 6,
        "debug" => 7,
        _ => 2,
    }
}

/// The logger CE builds from the namespace (`None`: absent).
pub fn plan(model: Option<&Model<'_>>) -> Logging {
    let Some(m) = model else {
        return Logging::basic();
    };
    let level_text = m.level.as_ref().map_or("", |l| l.value.as_str());
    let Some(level) = parse_level(level_text) else {
        // CE: `logger: invalid log level`, the basic logger instead.
        return Logging::basic();
    };
    let format = match m.format.as_ref().map(|f| f.value.as_str()) {
        Some("logstash") => Format::Logstash,
        Some("custom") => Format::Custom(parse_pattern(
            m.custom_format.as_ref().map_or("", |c| c.value.as_str()),
        )),
        _ => Format::Default,
    };
    let prefix = match format {
        Format::Default => m
            .prefix
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default(),
        _ => String::new(),
    };
    Logging {
        level,
        stdout: m.stdout.as_ref().is_some_and(|s| s.value),
        syslog: m.syslog.as_ref().is_some_and(|s| s.value).then(|| {
            facility(m.syslog_facility.as_ref().map(|f| f.value.as_str())) * 8
                + severity(level_text)
        }),
        prefix,
        format,
        logstash: None,
    }
}

/// The verbs go-logging knows; gwc compiles all but the caller ones
/// (`shortfile`, `longfile`, `shortfunc`, `longfunc`, `callpath`,
/// `shortpkg`: a compiled binary has no Go call stack; GW791 says so).
pub const KNOWN_VERBS: &[&str] = &[
    "pid",
    "program",
    "module",
    "message",
    "level",
    "id",
    "time",
    "color",
    "shortfile",
    "longfile",
    "shortfunc",
    "longfunc",
    "callpath",
    "shortpkg",
];

/// A `%{verb}` or `%{verb:layout}` (`None` for text), with its byte range.
pub type Piece<'a> = (Option<(&'a str, Option<&'a str>)>, std::ops::Range<usize>);

/// The pieces of a go-logging pattern, in order.
pub fn pattern_pieces(pattern: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(i) = pattern[rest..].find("%{") {
        let start = rest + i;
        let Some(len) = pattern[start..].find('}') else {
            break;
        };
        let end = start + len + 1;
        let inner = &pattern[start + 2..end - 1];
        let (verb, layout) = match inner.split_once(':') {
            Some((v, l)) => (v, Some(l)),
            None => (inner, None),
        };
        if !verb.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || verb.is_empty() {
            out.push((None, rest..end));
            rest = end;
            continue;
        }
        if start > rest {
            out.push((None, rest..start));
        }
        out.push((Some((verb, layout)), start..end));
        rest = end;
    }
    if rest < pattern.len() {
        out.push((None, rest..pattern.len()));
    }
    out
}

/// Compiles a go-logging pattern (verbs gwc cannot compile become empty).
pub fn parse_pattern(pattern: &str) -> Vec<Verb> {
    let mut verbs: Vec<Verb> = Vec::new();
    for (piece, range) in pattern_pieces(pattern) {
        let v = match piece {
            None => Verb::Text(pattern[range].to_string()),
            Some(("time", layout)) => Verb::Time(parse_layout(
                layout.unwrap_or("2006-01-02T15:04:05.999Z-07:00"),
            )),
            Some(("level", layout)) => match level_cut(layout) {
                Some(n) => Verb::LevelCut(n),
                None => Verb::Level,
            },
            Some(("message", _)) => Verb::Message,
            Some(("module", _)) => Verb::Module,
            Some(("id", _)) => Verb::Id,
            Some(("pid", _)) => Verb::Pid,
            Some(("program", _)) => Verb::Program,
            Some(("color", Some("bold"))) => Verb::ColorBold,
            Some(("color", Some("reset"))) => Verb::ColorReset,
            Some(("color", _)) => Verb::Color,
            Some(_) => continue,
        };
        match (verbs.last_mut(), v) {
            (Some(Verb::Text(a)), Verb::Text(b)) => a.push_str(&b),
            (_, v) => verbs.push(v),
        }
    }
    verbs
}

/// The N of a `.Ns` layout (Go's precision on a string), when it is one.
fn level_cut(layout: Option<&str>) -> Option<u8> {
    let n = layout?.strip_prefix('.')?.strip_suffix('s')?;
    n.parse::<u8>().ok()
}

/// A Go time layout in pieces (the elements gwc compiles; the others stay
/// text).
pub fn parse_layout(layout: &str) -> Vec<TimePart> {
    const TOKENS: &[(&str, TimePart)] = &[
        ("2006", TimePart::Year),
        ("Jan", TimePart::MonthName),
        ("01", TimePart::Month),
        ("02", TimePart::Day),
        ("_2", TimePart::DaySpace),
        ("15", TimePart::Hour),
        ("04", TimePart::Minute),
        ("05", TimePart::Second),
    ];
    let mut out: Vec<TimePart> = Vec::new();
    let mut text = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        // `.000`/`,000` or `.999`: a fraction of that many digits.
        if let Some(after) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(','))
            && let Some(d) = after.chars().next().filter(|c| *c == '0' || *c == '9')
        {
            let n = after.chars().take_while(|c| *c == d).count();
            if n > 0 && !after[n..].starts_with(|c: char| c.is_ascii_digit()) {
                if !text.is_empty() {
                    out.push(TimePart::Text(std::mem::take(&mut text)));
                }
                out.push(TimePart::Fraction(n.min(9) as u8));
                rest = &after[n..];
                continue;
            }
        }
        for (tok, part) in TOKENS {
            if let Some(after) = rest.strip_prefix(tok) {
                if !text.is_empty() {
                    out.push(TimePart::Text(std::mem::take(&mut text)));
                }
                out.push(part.clone());
                rest = after;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            text.push(c);
        }
        rest = chars.as_str();
    }
    if !text.is_empty() {
        out.push(TimePart::Text(text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        use TimePart::*;
        assert_eq!(
            parse_layout("2006/01/02 - 15:04:05.000"),
            vec![
                Year,
                Text("/".into()),
                Month,
                Text("/".into()),
                Day,
                Text(" - ".into()),
                Hour,
                Text(":".into()),
                Minute,
                Text(":".into()),
                Second,
                Fraction(3)
            ]
        );
        assert_eq!(
            parse_layout("Jan _2 x"),
            vec![MonthName, Text(" ".into()), DaySpace, Text(" x".into())]
        );
    }

    #[test]
    fn patterns() {
        assert_eq!(
            parse_pattern("[%{level}] %{message} %{shortfile}%{color:reset}%{level:.4s}"),
            vec![
                Verb::Text("[".into()),
                Verb::Level,
                Verb::Text("] ".into()),
                Verb::Message,
                Verb::Text(" ".into()),
                Verb::ColorReset,
                Verb::LevelCut(4)
            ]
        );
    }

    #[test]
    fn levels_and_priorities() {
        assert_eq!(parse_level("info"), Some(Level::Info));
        assert_eq!(parse_level("Notice"), Some(Level::Notice));
        assert_eq!(parse_level("FATAL"), None);
        assert_eq!(parse_level("info "), None);
        assert_eq!(facility(Some("LOCAL0")) * 8 + severity("INFO"), 134);
        assert_eq!(facility(Some("bogus")) * 8 + severity("notice"), 154);
    }
}
