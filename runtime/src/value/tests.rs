use super::*;

/// Parses and renders again.
fn roundtrip(text: &str) -> Option<String> {
    from_slice(text.as_bytes())
        .ok()
        .map(|v| String::from_utf8_lossy(&render(&v)).into_owned())
}

fn render(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_json(v, &mut out);
    out
}

#[test]
fn numbers_keep_their_text() {
    // (number, as written back): KrakenD's json.Number keeps every one.
    let numbers = [
        "1.10",
        "-0",
        "0",
        "0.0",
        "-0.0",
        "1e2",
        "1E+2",
        "1e-2",
        "-1.5e-3",
        "123456789012345678901234567890",
        "-123456789012345678901234567890",
        "0.1000000000000000055511151231257827",
        "18446744073709551616",
        "-9223372036854775809",
        "1e400",
        "-1e400",
        "1e-400",
        "4.9e-324",
        "12.50",
        "7",
    ];
    for n in numbers {
        assert_eq!(roundtrip(n).as_deref(), Some(n), "{n}");
        let doc = format!("{{\"a\":[{n},{{\"b\":{{\"c\":[[{n}]]}}}}],\"n\":{n}}}");
        assert_eq!(roundtrip(&doc), Some(doc.clone()), "{doc}");
        assert_eq!(
            Number::from_text(n).map(|n| n.to_string()).as_deref(),
            Some(n)
        );
    }
    // Whitespace around a number goes, its text stays.
    assert_eq!(
        roundtrip(" { \"a\" : [ 1.10 , -0 ] } ").as_deref(),
        Some(r#"{"a":[1.10,-0]}"#)
    );
}

#[test]
fn invalid_numbers_are_refused_as_serde_json_refuses_them() {
    let invalid = [
        "01",
        "-01",
        "00",
        "1.",
        ".5",
        "+1",
        "NaN",
        "-",
        "1e",
        "1e+",
        "1E-",
        "1.e2",
        "-.5",
        "0x1",
        "Infinity",
        "-Infinity",
        "1.5.2",
        "1e2e3",
        "--1",
        "- 1",
    ];
    for n in invalid {
        for doc in [n.to_owned(), format!("[{n}]"), format!("{{\"a\":{n}}}")] {
            assert_eq!(roundtrip(&doc), None, "{doc}");
            assert!(
                serde_json::from_str::<serde_json::Value>(&doc).is_err(),
                "serde_json takes {doc}"
            );
            // serde_json's message, as before.
            let e = from_slice(doc.as_bytes())
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(e.contains("line 1 column"), "{doc}: {e}");
        }
        assert!(Number::from_text(n).is_none(), "{n}");
    }
    assert!(Number::from_text(" 1").is_none());
    assert!(Number::from_text("").is_none());
}

#[test]
fn short_numbers_are_inline() {
    for (text, inline) in [
        ("0", true),
        ("-9223372036854775808", true),
        ("18446744073709551615", true),
        ("1.7976931348623157e308", true),
        ("123456789012345678901234567890", false),
    ] {
        let n = Number::from_text(text).expect(text);
        assert_eq!(matches!(n.0, Text::Inline { .. }), inline, "{text}");
        assert_eq!(n.as_str(), text);
    }
    assert_eq!(std::mem::size_of::<Number>(), 24);
}

#[test]
fn numbers_read_as_floats_and_integers() {
    let n = |t: &str| Number::from_text(t).expect(t);
    assert_eq!(n("1.10").as_f64(), 1.1);
    assert_eq!(n("1e2").as_f64(), 100.0);
    assert_eq!(n("1e400").as_f64(), f64::INFINITY);
    assert_eq!(n("42").as_i64(), Some(42));
    assert_eq!(n("4.2").as_i64(), None);
    assert_eq!(n("1.10"), n("1.10"));
    // Text equality, as json.Number's.
    assert_ne!(n("1.10"), n("1.1"));
}

#[test]
fn everything_else_is_serde_jsons() {
    // Strings, literals, key order and repeated keys: the same tree and
    // the same bytes as serde_json (preserve_order).
    let docs = [
        r#"{"s":"\u00e9\/\"\\\b\f\n\r\t\u0001\u001f\ud83d\ude00é😀\u2028","k\u0061":true,"n":null,"f":false}"#,
        r#"{"a":1,"b":2,"a":3}"#,
        r#"{"o":{"x":1,"y":[],"z":{}},"e":[]}"#,
        r#"[1,"a",[true,null],{"":""}]"#,
        "\"just a string\"",
        "true",
        " null ",
        "{\"a\":\"\u{7f}<>&\"}",
    ];
    for doc in docs {
        let ours = from_slice(doc.as_bytes()).expect(doc);
        let theirs: serde_json::Value = serde_json::from_str(doc).expect(doc);
        assert_eq!(ours, Value::from(theirs.clone()), "{doc}");
        assert_eq!(
            String::from_utf8_lossy(&render(&ours)),
            theirs.to_string(),
            "{doc}"
        );
    }
    let refused = [
        "",
        " ",
        "{",
        "{}}",
        "{\"a\":1,}",
        "[1,]",
        "{a:1}",
        "{'a':1}",
        "{\"a\" 1}",
        "[1 2]",
        "tru",
        "truex",
        "nul",
        "{\"a\":\"\u{1}\"}",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\\ud800\\n\"",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u12g4\"",
        "\"abc",
        "{\"a\":1}x",
        "\u{feff}{}",
    ];
    for doc in refused {
        assert_eq!(roundtrip(doc), None, "{doc:?}");
        assert!(
            serde_json::from_str::<serde_json::Value>(doc).is_err(),
            "{doc:?}"
        );
    }
    // Invalid UTF-8, inside a string or not.
    assert!(from_slice(b"{\"a\":\"\xff\"}").is_err());
    assert!(from_slice(b"\xff").is_err());
}

#[test]
fn nesting_is_bounded_as_serde_json_bounds_it() {
    for depth in [1, 100, 126, 127, 128, 129, 500, 100_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let doc = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            let theirs = serde_json::from_str::<serde_json::Value>(&doc).is_ok();
            assert_eq!(
                from_slice(doc.as_bytes()).is_ok(),
                theirs,
                "{open} × {depth}"
            );
            assert_eq!(theirs, depth <= MAX_DEPTH as usize, "{open} × {depth}");
        }
    }
}

#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    let mut all = String::new();
    for c in (0u32..0x80).chain([0x7f, 0xe9, 0x2028, 0x1f600]) {
        all.extend(char::from_u32(c));
    }
    let mut out = Vec::new();
    write_str(&all, &mut out);
    assert_eq!(out, serde_json::to_vec(&all).unwrap_or_default());
}

#[test]
fn conversions() {
    let v = from_slice(br#"{"a":1.10,"b":[1e2,123456789012345678901234567890,1e400],"c":"x"}"#)
        .expect("json");
    assert_eq!(
        v.to_serde(),
        serde_json::json!({"a": 1.1, "b": [100.0, 1.2345678901234568e29, null], "c": "x"})
    );
    assert_eq!(v.get("c"), Some(&Value::from("x")));
    assert_eq!(
        v.to_string(),
        r#"{"a":1.10,"b":[1e2,123456789012345678901234567890,1e400],"c":"x"}"#
    );
    assert_eq!(Value::from(serde_json::json!(1.5)).to_string(), "1.5");
    assert_eq!(Value::from(404u16).to_string(), "404");
}
