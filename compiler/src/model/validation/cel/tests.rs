//! The analysis, table-tested.

use super::*;

/// The findings' kinds and texts, rendered briefly.
fn brief(text: &str) -> Vec<String> {
    analyse(text)
        .findings
        .iter()
        .map(|f| match f {
            Finding::TooLong(n) => format!("too long {n}"),
            Finding::Parse(_, r) => format!("parse @{}", &text[r.clone()]),
            Finding::TooComplex(m, _) => format!("complex {m}"),
            Finding::Unsupported(m, _) => format!("unsupported {m}"),
            Finding::UndeclaredIdentifier(n, r) => format!("ident {n} @{}", &text[r.clone()]),
            Finding::UnknownFunction(n, r) => format!("function {n} @{}", &text[r.clone()]),
            Finding::Type(m, r) => format!("type {m} @{}", &text[r.clone()]),
        })
        .collect()
}

#[test]
fn findings() {
    let cases: &[(&str, &[&str])] = &[
        ("'something' in req_headers['X-Header']", &[]),
        ("int(req_params.Id) % 3 == 0", &[]),
        ("size(JWT.roles)>1", &[]),
        (
            "has(JWT.user_id) && has(JWT.enabled_days) && (timestamp(now).getDayOfWeek() in JWT.enabled_days)",
            &[],
        ),
        ("req_method == 'GET' && req_path.startsWith('/v1/')", &[]),
        ("resp_data.items.all(i, i.price > 0.0)", &[]),
        ("resp_metadata_status == 200 && resp_completed", &[]),
        ("req_querystring.exists(k, k == 'q')", &[]),
        (
            "!('X-Api-Key' in req_headers) || req_headers['X-Api-Key'][0].matches('^[a-f0-9]{32}$')",
            &[],
        ),
        (
            "timestamp(now) - duration('1h') < timestamp('2030-01-01T00:00:00Z')",
            &[],
        ),
        (
            "req_header['X'] == ['a']",
            &["ident req_header @req_header"],
        ),
        (
            "req_path.lowerAscii() == '/a'",
            &["function lowerAscii @lowerAscii"],
        ),
        (
            "req_headers['X-Id'] == 'a'",
            &[
                "type `list(string) == string`: cel-go compares values of one type only @req_headers['X-Id'] == 'a'",
            ],
        ),
        (
            "req_method == 1",
            &["type `string == int`: cel-go compares values of one type only @req_method == 1"],
        ),
        (
            "req_params.Id > 3",
            &["type a `string` and a `int` cannot be ordered @req_params.Id > 3"],
        ),
        (
            "req_path",
            &[
                "type the expression is a `string`, not a `bool`: CE aborts on any result but `true` @req_path",
            ],
        ),
        (
            "req_method.foo == 'a'",
            &["type `.foo` selects a field, but this is a `string` @req_method.foo"],
        ),
        (
            "size(req_method) + 'a' == 'b'",
            &["type no `+` for a `int` and a `string` @size(req_method) + 'a'"],
        ),
        ("req_method == ", &["parse @"]),
        ("req_method == 'a' &&", &["parse @"]),
        ("é == req_path", &["parse @ "]),
        ("'é' == req_path +", &["parse @"]),
        (
            "a.b.c{x: 1}",
            &["unsupported message `a.b.c`: KrakenD declares no message types"],
        ),
        (
            "[1].all(x, [2].all(y, [3].all(z, x < y)))",
            &["complex more than 2 comprehensions nested"],
        ),
    ];
    for (text, want) in cases {
        assert_eq!(brief(text), *want, "{text}");
    }
}

#[test]
fn bounds_hold_on_long_and_deep_text() {
    let long = format!("req_path == '{}'", "a".repeat(MAX_LEN));
    assert_eq!(brief(&long), [format!("too long {}", long.len())]);
    let deep = format!("{}req_path == 'a'{}", "(".repeat(200), ")".repeat(200));
    assert!(!analyse(&deep).is_clean());
    let chain = format!("req_path == 'a'{}", " + 'a'".repeat(60));
    assert!(!analyse(&chain).is_clean());
}

#[test]
fn lists_are_ce_substrings() {
    let a = analyse("req_path.startsWith('/response')");
    assert_eq!(
        a.lists,
        Lists {
            pre: true,
            post: true,
            jwt: false
        }
    );
    assert_eq!(
        a.unbound_in(List::Post)
            .iter()
            .map(|(v, _)| *v)
            .collect::<Vec<_>>(),
        ["req_path"]
    );
    assert!(a.unbound_in(List::Pre).is_empty());
}
