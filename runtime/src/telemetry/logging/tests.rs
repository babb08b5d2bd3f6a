use super::*;

/// 2026-12-07 01:38:11.123456789 UTC.
fn at() -> SystemTime {
    UNIX_EPOCH + Duration::new(1_796_607_491, 123_456_789)
}

fn logger(spec: Logging) -> Logger {
    let mut l = build(&spec, None).0;
    l.tag = "[KRAKEND]".into();
    l.program = "gw".into();
    l.pid = 42;
    l
}

#[test]
fn application_lines_in_ce_formats() {
    let with = |format, prefix| Logging {
        level: Level::Debug,
        stdout: true,
        syslog: None,
        prefix,
        format,
        logstash: None,
    };
    const CUSTOM: &[Verb] = &[
        Verb::Time(&[
            TimePart::Year,
            TimePart::Text("-"),
            TimePart::Month,
            TimePart::Text("-"),
            TimePart::Day,
            TimePart::Text(" "),
            TimePart::Hour,
            TimePart::Text(":"),
            TimePart::Minute,
            TimePart::Text(":"),
            TimePart::Second,
            TimePart::Fraction(6),
        ]),
        Verb::Text(" "),
        Verb::Level,
        Verb::Text("/"),
        Verb::LevelCut(3),
        Verb::Text(" "),
        Verb::Module,
        Verb::Text(" #"),
        Verb::Id,
        Verb::Text(" "),
        Verb::Pid,
        Verb::Text(" "),
        Verb::Program,
        Verb::Text(": "),
        Verb::ColorBold,
        Verb::Message,
        Verb::ColorReset,
    ];
    let table: &[(Logging, Level, &str)] = &[
        (
            Logging::BASIC,
            Level::Info,
            "2026/12/07 01:38:11 KRAKEND INFO: hello\n",
        ),
        (
            with(Format::Default, "[KRAKEND]"),
            Level::Info,
            "[KRAKEND] 2026/12/07 - 01:38:11.123 ▶ INFO\x1b[0m hello\n",
        ),
        (
            with(Format::Default, ""),
            Level::Error,
            " 2026/12/07 - 01:38:11.123 \x1b[31m▶ ERROR\x1b[0m hello\n",
        ),
        (
            with(Format::Logstash, ""),
            Level::Warning,
            "{\"@timestamp\":\"2026-12-07T01:38:11.123+00:00\", \"@version\": 1, \"level\": \"WARNING\", \"message\": \"hello\", \"module\": \"KRAKEND\"}\n",
        ),
        (
            with(Format::Custom(CUSTOM), ""),
            Level::Debug,
            "2026-12-07 01:38:11.123456 DEBUG/DEB KRAKEND #1 42 gw: \x1b[36;1mhello\x1b[0m\n",
        ),
    ];
    for (spec, level, want) in table {
        assert_eq!(logger(*spec).format_line(*level, "hello", at()), *want);
    }
}

#[test]
fn syslog_record_is_go_local_form() {
    // local3 (19) × 8 + info (6).
    assert_eq!(
        syslog_record(158, "[KRAKEND]", 42, Level::Error, "boom", at()),
        "<158>Dec  7 01:38:11 [KRAKEND][42]: ERROR > boom\n"
    );
}

#[test]
fn go_durations() {
    let table: &[(Duration, &str)] = &[
        (Duration::ZERO, "0s"),
        (Duration::from_nanos(500), "500ns"),
        (Duration::from_nanos(4_529), "4.529µs"),
        (Duration::from_nanos(1_234_567), "1.234567ms"),
        (Duration::from_millis(1_500), "1.5s"),
        (Duration::from_secs(60), "1m0s"),
        (Duration::from_secs(3_725), "1h2m5s"),
    ];
    for (d, want) in table {
        assert_eq!(go_duration(*d), *want, "{d:?}");
    }
}

#[test]
fn gin_latency_truncation() {
    let table: &[(Duration, Duration)] = &[
        (Duration::from_nanos(999_999), Duration::from_nanos(999_999)),
        (
            Duration::from_nanos(1_234_567),
            Duration::from_micros(1_230),
        ),
        (
            Duration::from_nanos(1_234_567_891),
            Duration::from_millis(1_230),
        ),
        (Duration::from_secs(75), Duration::from_secs(70)),
    ];
    for (d, want) in table {
        assert_eq!(gin_truncate(*d), *want, "{d:?}");
    }
}

/// Go's `%#v` of a string, quotes included.
fn go_quote(out: &mut String, s: &str) {
    out.push('"');
    go_quote_into(out, s);
    out.push('"');
}

#[test]
fn quoted_paths() {
    let table: &[(&str, &str)] = &[
        ("/a", "\"/a\""),
        ("/a\"b\\c", "\"/a\\\"b\\\\c\""),
        ("/é\n\x01", "\"/é\\n\\x01\""),
    ];
    for (p, want) in table {
        let mut s = String::new();
        go_quote(&mut s, p);
        assert_eq!(s, *want);
    }
}

#[test]
fn levels_order_as_go_logging() {
    assert!(Level::Critical < Level::Error);
    assert!(Level::Notice < Level::Info);
    assert!(Level::Info < Level::Debug);
}

#[test]
fn a_full_queue_drops_and_counts_without_blocking() {
    // No writer thread: nothing drains.
    let l = logger(Logging::BASIC);
    let line = "x".repeat(1000) + "\n";
    let before = dropped();
    for _ in 0..STDOUT_CAP / line.len() {
        l.push_stdout(&line);
    }
    // The buffer is full: these return at once, dropped.
    l.push_stdout(&line);
    l.push_stdout(&line);
    // Other tests may drop lines concurrently: at least ours are counted.
    assert!(dropped() >= before + 2);
    let Ok(p) = l.pending.lock() else {
        panic!("poisoned")
    };
    assert_eq!(p.stdout.len(), STDOUT_CAP / line.len() * line.len());
    assert!(p.woken, "the writer was asked to drain");
}

/// The access line built in one thread's reused scratch (the date cached a
/// second) is gin's `%v | %3d | %13v | %15s | %-7s %#v`, line after line,
/// across second boundaries and with every field wider than its column.
#[test]
fn access_lines_match_gins_format_with_a_reused_scratch() {
    let mut a = AccessScratch {
        line: String::new(),
        latency: String::new(),
        second: u64::MAX,
        prefix: String::new(),
        anchor: None,
    };
    let t0 = UNIX_EPOCH + Duration::from_secs(1_765_071_491);
    // (seconds after t0, status, latency, client IP, method, path, query)
    type Row<'a> = (
        u64,
        u16,
        Duration,
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
    );
    let rows: &[Row] = &[
        (
            0,
            200,
            Duration::from_nanos(4_529),
            "127.0.0.1",
            "GET",
            "/a",
            None,
        ),
        (
            0,
            404,
            Duration::from_nanos(1_234_567),
            "::1",
            "DELETE",
            "/a b",
            Some(""),
        ),
        (
            1,
            200,
            Duration::ZERO,
            "2001:db8::1234:5678:9abc",
            "OPTIONS",
            "/é\"\\",
            Some("q=\"1\""),
        ),
        (
            1,
            502,
            Duration::from_secs(75),
            "10.0.0.1",
            "PROPFIND",
            "/x",
            Some("a=1&b=2"),
        ),
        (
            86_400,
            999,
            Duration::from_millis(1_500),
            "",
            "",
            "/\n\x01",
            None,
        ),
    ];
    for &(dt, status, latency, ip, method, path, query) in rows {
        let now = t0 + Duration::from_secs(dt);
        access_line(&mut a, now, status, latency, ip, method, path, query);
        let c = Civil::of(now);
        let full = match query {
            Some(q) if !q.is_empty() => format!("{path}?{q}"),
            _ => path.to_owned(),
        };
        let mut quoted = String::new();
        go_quote(&mut quoted, &full);
        let want = format!(
            "[GIN] {:04}/{:02}/{:02} - {:02}:{:02}:{:02} | {status:3} | {:>13} | {ip:>15} | {method:<7} {quoted}",
            c.year,
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second,
            go_duration(gin_truncate(latency)),
        );
        assert_eq!(a.line, want);
    }
    assert!(a.line.starts_with("[GIN] 2025/12/08 - "), "{}", a.line);
}
